import Foundation
import AsyncHTTPClient
import NIOCore
import NIOHTTP1

/// Downloads registry files into the downloads folder: resumable, verified, never twice.
///
/// A file `NAME` is written to `NAME.part`; an interrupted transfer keeps the part and the
/// next run asks for the rest with `Range: bytes=N-` (the bytes on disk are hashed first, so
/// the whole file is verified). After the SHA-256 matches, the part is renamed to `NAME` and
/// a `NAME.json` record of the check is written next to it; a later pull reuses the file
/// after re-hashing it.
///
/// Redirects are followed here, not by AsyncHTTPClient, so that `HF_TOKEN` is sent only to
/// the Hugging Face endpoint and never to the CDN host its LFS files redirect to.
///
/// Use ``withDownloader(environment:downloadsFolder:options:_:)``: the HTTP client is shut
/// down when the body returns.
public final class ModelDownloader: @unchecked Sendable {
    /// Network settings.
    public struct Options: Sendable {
        /// Seconds to wait for a connection.
        public var connectTimeoutSeconds: Int64 = 15
        /// Seconds without any received byte before a transfer is considered stalled.
        public var readTimeoutSeconds: Int64 = 60
        /// Redirects followed per request.
        public var maxRedirects = 10
        public init() {}
    }

    public let environment: HubEnvironment
    /// Where files and part files are written (``ModelLibrary/downloadsFolder``).
    public let downloadsFolder: URL
    private let client: HTTPClient

    private init(environment: HubEnvironment, downloadsFolder: URL, options: Options) {
        self.environment = environment
        self.downloadsFolder = downloadsFolder
        var configuration = HTTPClient.Configuration()
        configuration.redirectConfiguration = .disallow
        configuration.timeout = .init(connect: .seconds(options.connectTimeoutSeconds), read: .seconds(options.readTimeoutSeconds))
        // Fail at once when the host cannot be reached (the offline message is the useful
        // answer), instead of retrying the connection until the connect timeout.
        configuration.connectionPool.retryConnectionEstablishment = false
        self.client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
        self.maxRedirects = options.maxRedirects
    }

    private let maxRedirects: Int

    /// Runs `body` with a downloader and shuts its HTTP client down afterwards.
    public static func withDownloader<T>(environment: HubEnvironment, downloadsFolder: URL, options: Options = Options(),
                                         _ body: (ModelDownloader) async throws -> T) async throws -> T {
        let downloader = ModelDownloader(environment: environment, downloadsFolder: downloadsFolder, options: options)
        do {
            let result = try await body(downloader)
            try? await downloader.client.shutdown()
            return result
        } catch {
            try? await downloader.client.shutdown()
            throw error
        }
    }

    /// The complete file's location in the downloads folder.
    public func finalURL(for file: RegistryFile) -> URL {
        downloadsFolder.appendingPathComponent(file.downloadName)
    }

    /// The part file's location (`NAME.part`).
    public func partURL(for file: RegistryFile) -> URL {
        downloadsFolder.appendingPathComponent(file.downloadName + ".part")
    }

    private func recordURL(for file: RegistryFile) -> URL {
        downloadsFolder.appendingPathComponent(file.downloadName + ".json")
    }

    // MARK: Download one file

    /// Downloads `file` (or reuses it when already complete) and verifies its SHA-256.
    ///
    /// - Parameters:
    ///   - termsURL: the licence page named by the 401/403 message.
    ///   - progress: throttled progress reports (see ``DownloadProgressHandler``).
    /// - Throws: ``ModelDownloadError``.
    public func download(_ file: RegistryFile, termsURL: URL?, progress: DownloadProgressHandler? = nil) async throws -> DownloadedFile {
        do { try FileSystemOps.makeFolder(downloadsFolder) } catch let error as ModelLibraryError {
            if case .fileSystem(_, let path, let reason) = error { throw ModelDownloadError.folderNotWritable(folder: path, reason: reason) }
            throw error
        }
        let start = try environment.initialURL(for: file.source)
        if let reused = try reuseCompleteFile(file, start: start, progress: progress) { return reused }

        // Hugging Face: ask the host for the file's SHA-256, size and commit first.
        var expected = file.sha256
        var verification: HashVerification = expected == nil ? .computedOnly : .pinned
        var total = file.expectedBytes
        var commit: String?
        if case .huggingFace = file.source {
            let info = try await probe(start, file: file, termsURL: termsURL)
            commit = info.commit
            if let size = info.size { total = size }
            if let hostHash = info.sha256 {
                if let pinned = expected {
                    guard pinned == hostHash else {
                        throw ModelDownloadError.hostHashDiffers(file: file.displayName, pinned: pinned, host: hostHash)
                    }
                } else {
                    expected = hostHash
                    verification = .hostETag
                }
            }
        }

        let part = PartFile(url: partURL(for: file))
        try part.openForResume()
        defer { part.abandon() }
        if let total, part.size > total { try part.truncate() }
        if let total, let available = PartFile.availableBytes(in: downloadsFolder), total - part.size > available {
            throw ModelDownloadError.diskFull(folder: downloadsFolder.path, neededBytes: total - part.size, availableBytes: available)
        }

        let meter = ProgressMeter(file: file.displayName, totalBytes: total, handler: progress)
        meter.start(at: part.size)
        // A part already as long as the file (killed between the last byte and the rename)
        // needs no request at all.
        if total == nil || part.size < (total ?? 0) {
            total = try await fetch(start, file: file, termsURL: termsURL, into: part, total: total, meter: meter)
        }
        try part.closeDurably()
        meter.finish(bytesDone: part.size)
        if let total, part.size != total {
            throw ModelDownloadError.interrupted(file: file.displayName, bytesDone: part.size, totalBytes: total, reason: "the server sent \(part.size) bytes of \(total)")
        }

        let actual = part.digestHex()
        if let expected, expected != actual {
            try? FileSystemOps.remove(part.url)
            throw ModelDownloadError.hashMismatch(file: file.displayName, expected: expected, actual: actual)
        }
        let result = DownloadedFile(role: file.role, url: finalURL(for: file), sha256: actual, bytes: part.size,
                                    verification: verification, sourceURL: start.absoluteString, resolvedCommit: commit, reused: false)
        try finish(part: part.url, as: result, record: recordURL(for: file))
        return result
    }

    /// Moves a verified part into place and writes its record.
    private func finish(part: URL, as result: DownloadedFile, record: URL) throws {
        do {
            // The record first: a final file without a record is re-hashed, never trusted blindly.
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try encoder.encode(result).write(to: record, options: .atomic)
            try FileSystemOps.move(part, to: result.url)
        } catch let error as ModelLibraryError {
            if case .fileSystem(_, let path, let reason) = error { throw ModelDownloadError.folderNotWritable(folder: path, reason: reason) }
            throw error
        } catch {
            throw ModelDownloadError.folderNotWritable(folder: downloadsFolder.path, reason: "cannot write \(record.lastPathComponent): \(error.localizedDescription)")
        }
    }

    /// A complete file from an earlier pull, re-hashed; nil when there is none or it no longer
    /// matches (it is then deleted and fetched again). Without a pinned hash, the record
    /// written when the file was verified is what it must still match.
    private func reuseCompleteFile(_ file: RegistryFile, start: URL, progress: DownloadProgressHandler?) throws -> DownloadedFile? {
        let final = finalURL(for: file)
        guard FileManager.default.fileExists(atPath: final.path) else { return nil }
        let record = try? JSONDecoder().decode(DownloadedFile.self, from: Data(contentsOf: recordURL(for: file)))
        let (hex, bytes) = try FileDigest.sha256Hex(ofFileAt: final)
        let verification: HashVerification
        if let pinned = file.sha256, pinned == hex {
            verification = .pinned
        } else if file.sha256 == nil, let record, record.sha256 == hex {
            verification = record.verification
        } else {
            try FileSystemOps.remove(final)
            try FileSystemOps.remove(recordURL(for: file))
            return nil
        }
        progress?(DownloadProgress(file: file.displayName, bytesDone: bytes, totalBytes: bytes, bytesPerSecond: 0, etaSeconds: 0, isFinal: true))
        // The role is the asking entry's (a shared file may have been recorded under another).
        return DownloadedFile(role: file.role, url: final, sha256: hex, bytes: bytes, verification: verification,
                              sourceURL: record?.sourceURL ?? start.absoluteString, resolvedCommit: record?.resolvedCommit, reused: true)
    }

    // MARK: HTTP

    /// What a Hugging Face `HEAD` on the resolve URL tells about the file.
    struct HostFileInfo {
        var sha256: String?
        var size: Int64?
        var commit: String?
    }

    /// `HEAD {endpoint}/{repo}/resolve/{revision}/{path}` without following the redirect: the
    /// 302 itself carries `X-Linked-Etag` (LFS SHA-256), `X-Linked-Size` and `X-Repo-Commit`.
    func probe(_ url: URL, file: RegistryFile, termsURL: URL?) async throws -> HostFileInfo {
        var request = makeRequest(url, file: file, method: .HEAD)
        request.headers.replaceOrAdd(name: "Accept-Encoding", value: "identity")
        let response = try await perform(request, url: url, file: file, bytesDone: 0, total: nil)
        let tokenSent = request.headers.contains(name: "Authorization")
        _ = try? await response.body.collect(upTo: 1 << 16)
        let code = Int(response.status.code)
        switch code {
        case 200..<400:
            let headers = response.headers
            let linkedSize = headers.first(name: "X-Linked-Size").flatMap { Int64($0) }
            let plainSize = code == 200 ? headers.first(name: "Content-Length").flatMap { Int64($0) } : nil
            return HostFileInfo(sha256: HTTPHeaderParsing.sha256ETag(headers.first(name: "X-Linked-Etag") ?? headers.first(name: "ETag")),
                                size: linkedSize ?? plainSize,
                                commit: headers.first(name: "X-Repo-Commit"))
        default:
            throw statusError(code, url: url, file: file, termsURL: termsURL, tokenSent: tokenSent)
        }
    }

    /// GETs the rest of the file into `part`, following redirects. Returns the total size
    /// when the server told it.
    private func fetch(_ start: URL, file: RegistryFile, termsURL: URL?, into part: PartFile, total knownTotal: Int64?,
                       meter: ProgressMeter) async throws -> Int64? {
        var url = start
        var total = knownTotal
        var redirects = 0
        var restarted = false
        while true {
            var request = makeRequest(url, file: file, method: .GET)
            // Compressed bodies would break byte ranges and hashing.
            request.headers.replaceOrAdd(name: "Accept-Encoding", value: "identity")
            if part.size > 0 { request.headers.replaceOrAdd(name: "Range", value: "bytes=\(part.size)-") }
            let tokenSent = request.headers.contains(name: "Authorization")
            let response = try await perform(request, url: url, file: file, bytesDone: part.size, total: total)
            let code = Int(response.status.code)
            switch code {
            case 301, 302, 303, 307, 308:
                _ = try? await response.body.collect(upTo: 1 << 20)
                redirects += 1
                guard redirects <= maxRedirects else {
                    throw ModelDownloadError.badResponse(file: file.displayName, reason: "more than \(maxRedirects) redirects")
                }
                guard let location = response.headers.first(name: "Location"),
                      let next = URL(string: location, relativeTo: url)?.absoluteURL else {
                    throw ModelDownloadError.badResponse(file: file.displayName, reason: "HTTP \(code) without a usable Location")
                }
                url = next
                continue
            case 200:
                if part.size > 0 {
                    // The server ignored the range and sends the whole file: start over.
                    try part.truncate()
                    meter.start(at: 0)
                }
                if let length = response.headers.first(name: "Content-Length").flatMap({ Int64($0) }) { total = length }
            case 206:
                let range = HTTPHeaderParsing.contentRange(response.headers.first(name: "Content-Range"))
                guard let range, range.first == part.size else {
                    // A range we did not ask for: drop the part once and ask for everything.
                    _ = try? await response.body.collect(upTo: 0)
                    guard !restarted else {
                        throw ModelDownloadError.badResponse(file: file.displayName, reason: "Content-Range \(response.headers.first(name: "Content-Range") ?? "missing") does not start at byte \(part.size)")
                    }
                    restarted = true
                    try part.truncate()
                    meter.start(at: 0)
                    continue
                }
                if let length = range.completeLength { total = length }
            case 416:
                // Nothing left to send: the part is complete if its length is the file's.
                _ = try? await response.body.collect(upTo: 1 << 16)
                let length = HTTPHeaderParsing.contentRange(response.headers.first(name: "Content-Range"))?.completeLength ?? total
                if let length, length == part.size { return length }
                guard !restarted else {
                    throw ModelDownloadError.badResponse(file: file.displayName, reason: "HTTP 416 for a range starting at byte \(part.size)")
                }
                restarted = true
                try part.truncate()
                meter.start(at: 0)
                continue
            default:
                _ = try? await response.body.collect(upTo: 1 << 16)
                throw statusError(code, url: url, file: file, termsURL: termsURL, tokenSent: tokenSent)
            }
            meter.setTotal(total)
            do {
                for try await buffer in response.body {
                    try buffer.withUnsafeReadableBytes { try part.append($0) }
                    meter.update(bytesDone: part.size)
                }
            } catch let error as ModelDownloadError {
                throw error
            } catch {
                throw transportError(error, url: url, file: file, bytesDone: part.size, total: total) ?? error
            }
            if let total, part.size < total {
                throw ModelDownloadError.interrupted(file: file.displayName, bytesDone: part.size, totalBytes: total, reason: "the connection ended early")
            }
            return total
        }
    }

    private func makeRequest(_ url: URL, file: RegistryFile, method: HTTPMethod) -> HTTPClientRequest {
        var request = HTTPClientRequest(url: url.absoluteString)
        request.method = method
        request.headers.add(name: "User-Agent", value: "fluxsearch")
        // The token goes to the Hugging Face endpoint only: not to the CDN its LFS files
        // redirect to, and not to plain-URL hosts or mirrors.
        if case .huggingFace = file.source, let token = environment.huggingFaceToken, environment.mayReceiveToken(url) {
            request.headers.add(name: "Authorization", value: "Bearer \(token)")
        }
        return request
    }

    private func perform(_ request: HTTPClientRequest, url: URL, file: RegistryFile, bytesDone: Int64, total: Int64?) async throws -> HTTPClientResponse {
        do {
            // The whole-request deadline also bounds the body stream, so it is generous; stalls
            // are caught by the read timeout instead.
            return try await client.execute(request, deadline: .now() + .hours(24))
        } catch {
            throw transportError(error, url: url, file: file, bytesDone: bytesDone, total: total) ?? error
        }
    }

    private func transportError(_ error: Error, url: URL, file: RegistryFile, bytesDone: Int64, total: Int64?) -> ModelDownloadError? {
        switch NetworkFailure.classify(error) {
        case .unreachable(let reason)?:
            let host = url.host.map { h in url.port.map { "\(h):\($0)" } ?? h } ?? url.absoluteString
            return .offline(file: file.displayName, host: host, reason: reason)
        case .dropped(let reason)?:
            return .interrupted(file: file.displayName, bytesDone: bytesDone, totalBytes: total, reason: reason)
        case nil:
            return nil
        }
    }

    private func statusError(_ code: Int, url: URL, file: RegistryFile, termsURL: URL?, tokenSent: Bool) -> ModelDownloadError {
        switch code {
        case 401, 403: return .accessDenied(file: file.displayName, status: code, termsURL: termsURL, tokenWasSent: tokenSent)
        case 404: return .notFound(file: file.displayName, url: url.absoluteString)
        default: return .httpStatus(file: file.displayName, status: code, url: url.absoluteString)
        }
    }
}
