import Foundation

/// Why a download or pull failed. Each message says what failed, for which file, and what to
/// do. In every case nothing is installed; a `.part` file may stay so the next run resumes
/// (except after a hash mismatch, which deletes it).
public enum ModelDownloadError: Error, CustomStringConvertible, LocalizedError, Equatable {
    /// Not a model in the registry.
    case unknownModel(String, known: [String])
    /// An import-only model (no scriptable host).
    case notDownloadable(model: String, whereToGet: String, importCommand: String)
    /// 401 / 403: the repository is gated or the token is missing or wrong.
    case accessDenied(file: String, status: Int, termsURL: URL?, tokenWasSent: Bool)
    /// 404: the file or the pinned revision is not on the host.
    case notFound(file: String, url: String)
    /// The host could not be reached (connection refused, DNS failure, timeout).
    case offline(file: String, host: String, reason: String)
    /// The transfer stopped part-way; the bytes so far are kept for resuming.
    case interrupted(file: String, bytesDone: Int64, totalBytes: Int64?, reason: String)
    /// The downloaded bytes do not have the expected SHA-256; the part file was deleted.
    case hashMismatch(file: String, expected: String, actual: String)
    /// The registry pins a hash that differs from the one the host announces for the revision.
    case hostHashDiffers(file: String, pinned: String, host: String)
    /// Not enough space (ENOSPC / EDQUOT, or too little free space announced up front).
    case diskFull(folder: String, neededBytes: Int64?, availableBytes: Int64?)
    /// The downloads folder cannot be created or written.
    case folderNotWritable(folder: String, reason: String)
    /// Another process is downloading the same file right now.
    case partInUse(path: String)
    /// Any other unexpected HTTP status.
    case httpStatus(file: String, status: Int, url: String)
    /// A response that cannot be used (bad redirect, bad Content-Range, …).
    case badResponse(file: String, reason: String)
    /// An environment variable holds an unusable value.
    case invalidSetting(variable: String, value: String, reason: String)

    static let offlineRoute = "no network? use `fluxsearch models import FILE --name NAME` with files you already have"

    public var description: String {
        switch self {
        case .unknownModel(let name, let known):
            return "'\(name)' is not a known model (known: \(known.joined(separator: ", "))). To use a checkpoint of your own, run `fluxsearch models import FILE --name \(name)`."
        case .notDownloadable(let model, let whereToGet, let importCommand):
            return "\(model) cannot be downloaded automatically: \(whereToGet). Download it by hand, then run `\(importCommand)`."
        case .accessDenied(let file, let status, let termsURL, let tokenWasSent):
            let terms = termsURL.map { "open \($0.absoluteString), read and accept the terms" } ?? "accept the repository's terms on its page"
            let token = tokenWasSent
                ? "the HF_TOKEN that was sent was refused: check that it is valid and belongs to the account that accepted the terms"
                : "then create a read token at https://huggingface.co/settings/tokens and set HF_TOKEN=hf_… in the environment"
            return "\(file): access denied (HTTP \(status)). To download it, \(terms); \(token). Then run the command again."
        case .notFound(let file, let url):
            return "\(file): not found on the host (HTTP 404 at \(url)); the file or the pinned revision is not there. Update fluxsearch, or download the file by hand and use `fluxsearch models import FILE --name NAME`."
        case .offline(let file, let host, let reason):
            return "\(file): cannot reach \(host) (\(reason)). Check the connection and run the command again; \(Self.offlineRoute)."
        case .interrupted(let file, let done, let total, let reason):
            let of = total.map { " of \(ByteCountText.format($0))" } ?? ""
            return "\(file): the download stopped after \(ByteCountText.format(done))\(of) (\(reason)). Run the same command again to resume from there."
        case .hashMismatch(let file, let expected, let actual):
            return "\(file): the downloaded file is damaged or not the expected one (SHA-256 \(actual), expected \(expected)); the partial file was deleted. Run the command again to retry."
        case .hostHashDiffers(let file, let pinned, let host):
            return "\(file): the host now serves a different file (SHA-256 \(host)) than the one fluxsearch pins (\(pinned)); nothing was downloaded. Update fluxsearch, or download the file by hand, check it, and use `fluxsearch models import FILE --name NAME`."
        case .diskFull(let folder, let needed, let available):
            var detail = ""
            if let needed, let available {
                detail = " (needs \(ByteCountText.format(needed)), \(ByteCountText.format(available)) free)"
            }
            return "\(folder): no space left on the device\(detail). Free some space, or set FLUXSEARCH_CACHE to a folder on a larger disk, and run the command again; the download resumes where it stopped."
        case .folderNotWritable(let folder, let reason):
            return "\(folder): cannot write downloads here (\(reason)). Make the folder writable, or set FLUXSEARCH_CACHE to a writable folder."
        case .partInUse(let path):
            return "\(path): another fluxsearch process is downloading this file right now. Wait for it to finish, then run the command again (the finished file is reused)."
        case .httpStatus(let file, let status, let url):
            return "\(file): the server answered HTTP \(status) for \(url). Try again later; \(Self.offlineRoute)."
        case .badResponse(let file, let reason):
            return "\(file): unusable answer from the server (\(reason)). Run the command again; if it persists, \(Self.offlineRoute)."
        case .invalidSetting(let variable, let value, let reason):
            return "\(variable)=\(value) is not usable (\(reason)). Fix or unset it."
        }
    }

    public var errorDescription: String? { description }
}
