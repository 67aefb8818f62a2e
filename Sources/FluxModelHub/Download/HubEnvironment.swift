import Foundation

/// Where files are fetched from and with which credentials, read from the environment.
///
/// - `HF_ENDPOINT`: the Hugging Face base URL (default `https://huggingface.co`), the variable
///   `huggingface_hub` uses, so existing mirrors and test servers work unchanged.
/// - `HF_TOKEN`: a Hugging Face access token, sent as `Authorization: Bearer …` to the
///   Hugging Face endpoint only — never to the CDN it redirects to, nor to other hosts.
/// - `FLUXSEARCH_DOWNLOAD_MIRROR`: `http(s)://host[:port]` replacing the scheme, host and port
///   of plain-URL files (the path is kept).
public struct HubEnvironment: Sendable, Equatable {
    public static let defaultHuggingFaceEndpoint = URL(string: "https://huggingface.co")!

    public let huggingFaceEndpoint: URL
    public let huggingFaceToken: String?
    public let downloadMirror: URL?

    public init(huggingFaceEndpoint: URL = HubEnvironment.defaultHuggingFaceEndpoint, huggingFaceToken: String? = nil, downloadMirror: URL? = nil) {
        self.huggingFaceEndpoint = huggingFaceEndpoint
        self.huggingFaceToken = huggingFaceToken
        self.downloadMirror = downloadMirror
    }

    /// Reads `HF_ENDPOINT`, `HF_TOKEN` and `FLUXSEARCH_DOWNLOAD_MIRROR`.
    /// - Throws: ``ModelDownloadError/invalidSetting(variable:value:reason:)`` for a value that
    ///   is not an `http(s)://host[:port]` URL.
    public init(environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        func baseURL(_ variable: String) throws -> URL? {
            guard let raw = environment[variable]?.trimmingCharacters(in: .whitespaces), !raw.isEmpty else { return nil }
            let trimmed = raw.hasSuffix("/") ? String(raw.dropLast()) : raw
            guard let url = URL(string: trimmed), let scheme = url.scheme?.lowercased(),
                  scheme == "http" || scheme == "https", let host = url.host, !host.isEmpty else {
                throw ModelDownloadError.invalidSetting(variable: variable, value: raw, reason: "expected http(s)://host[:port]")
            }
            return url
        }
        let token = environment["HF_TOKEN"]?.trimmingCharacters(in: .whitespacesAndNewlines)
        self.init(huggingFaceEndpoint: try baseURL("HF_ENDPOINT") ?? Self.defaultHuggingFaceEndpoint,
                  huggingFaceToken: (token?.isEmpty ?? true) ? nil : token,
                  downloadMirror: try baseURL("FLUXSEARCH_DOWNLOAD_MIRROR"))
    }

    /// The URL a file is first requested at.
    public func initialURL(for source: ModelFileSource) throws -> URL {
        switch source {
        case .huggingFace(let repo, let revision, let path):
            // `{endpoint}/{repo}/resolve/{revision}/{path}`, as huggingface_hub builds it; the
            // revision is percent-encoded as one segment (a branch name may contain '/').
            let encodedRevision = revision.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? revision
            let base = huggingFaceEndpoint.absoluteString
            let text = "\(base)/\(repo)/resolve/\(encodedRevision)/\(path)"
            guard let url = URL(string: text) else {
                throw ModelDownloadError.invalidSetting(variable: "HF_ENDPOINT", value: base, reason: "cannot form a URL for \(repo)/\(path)")
            }
            return url
        case .url(let url):
            guard let mirror = downloadMirror else { return url }
            var parts = URLComponents(url: url, resolvingAgainstBaseURL: false) ?? URLComponents()
            let m = URLComponents(url: mirror, resolvingAgainstBaseURL: false)
            parts.scheme = m?.scheme
            parts.host = m?.host
            parts.port = m?.port
            // A mirror with a path prefix (http://host/prefix) keeps it before the file's path.
            if let prefix = m?.path, !prefix.isEmpty, prefix != "/" {
                parts.path = prefix + parts.path
            }
            guard let mirrored = parts.url else {
                throw ModelDownloadError.invalidSetting(variable: "FLUXSEARCH_DOWNLOAD_MIRROR", value: mirror.absoluteString, reason: "cannot form a URL for \(url.path)")
            }
            return mirrored
        }
    }

    /// Whether a request to `url` may carry the Hugging Face token: same scheme, host and
    /// port as the Hugging Face endpoint.
    public func mayReceiveToken(_ url: URL) -> Bool {
        func origin(_ u: URL) -> (String, String, Int) {
            let scheme = u.scheme?.lowercased() ?? ""
            return (scheme, u.host?.lowercased() ?? "", u.port ?? (scheme == "https" ? 443 : 80))
        }
        return origin(url) == origin(huggingFaceEndpoint)
    }
}
