import Foundation

/// How `fluxsearch serve` runs: where it listens, what it serves, and its limits.
public struct ServerConfiguration: Sendable {
    /// Address to bind: "127.0.0.1" (the default) or another interface.
    public var host = "127.0.0.1"
    /// TCP port; 0 picks a free one (tests).
    public var port = 8765
    /// Bearer token every request must carry (`Authorization: Bearer …`, or `?token=` on media
    /// URLs, which browsers cannot send headers for). Required to bind beyond loopback.
    public var token: String?
    /// The index folder.
    public var index: URL
    /// The model directory the index was built with.
    public var model: URL
    /// Folders that `POST /api/jobs` may index (nothing else can be indexed from the web).
    public var indexableFolders: [URL] = []
    /// Largest request body, bytes.
    public var maxBodyBytes = 64 * 1024
    /// Longest query text, characters.
    public var maxQueryLength = 1000
    /// Largest `k`.
    public var maxK = 200
    /// Largest `refine_top` (clips re-encoded per query).
    public var maxRefineTop = 50
    /// Searches waiting for the model at once; more are answered 503.
    public var maxPendingSearches = 32
    /// Thumbnails and sprites kept in `<index>/thumbs`, bytes.
    public var thumbnailCacheBytes = 256 * 1024 * 1024

    public init(index: URL, model: URL) {
        self.index = index
        self.model = model
    }

    /// Whether `host` is a loopback address, the only kind that may go without a token.
    public var isLoopback: Bool {
        let h = host.lowercased()
        return h == "localhost" || h == "::1" || h.hasPrefix("127.")
    }

    /// Throws when the configuration is unsafe or impossible.
    public func validate() throws {
        guard (0...65535).contains(port) else { throw ServeError.invalidConfiguration("--port \(port) is not a TCP port; give 1 to 65535") }
        if !isLoopback && (token ?? "").isEmpty {
            throw ServeError.invalidConfiguration("binding to \(host) exposes your videos to the network; give --token SECRET (every request must then carry it), or bind to 127.0.0.1")
        }
        if let token, token.count < 8 {
            throw ServeError.invalidConfiguration("--token is \(token.count) characters long; use at least 8 (e.g. `openssl rand -hex 16`)")
        }
    }
}

/// Why the server could not start or a request could not be served.
public enum ServeError: Error, CustomStringConvertible, LocalizedError, Equatable {
    case invalidConfiguration(String)
    case missingAssets(path: String)

    public var description: String {
        switch self {
        case .invalidConfiguration(let message): return message
        case .missingAssets(let path):
            return "the web page's files are not at \(path); they ship beside the fluxsearch binary (fluxsearch_FluxServe.resources): reinstall or rebuild it"
        }
    }

    public var errorDescription: String? { description }
}
