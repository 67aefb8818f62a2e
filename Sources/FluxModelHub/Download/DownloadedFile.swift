import Foundation

/// How a downloaded file's SHA-256 was checked.
public enum HashVerification: String, Sendable, Codable, Equatable {
    /// Against the hash pinned in the registry.
    case pinned
    /// Against the SHA-256 the Hugging Face host announced (`X-Linked-Etag`) for the revision.
    case hostETag = "host-etag"
    /// Nothing to check against: the hash was computed and is reported (for the manifest).
    case computedOnly = "computed-only"
}

/// A complete, verified file in the downloads folder, ready for the importer.
public struct DownloadedFile: Sendable, Equatable, Codable {
    public let role: ModelFileRole
    /// The local file.
    public let url: URL
    /// Hex SHA-256 of the file (64 lowercase digits).
    public let sha256: String
    /// Size in bytes.
    public let bytes: Int64
    public let verification: HashVerification
    /// The URL first requested (after `HF_ENDPOINT` / `FLUXSEARCH_DOWNLOAD_MIRROR`).
    public let sourceURL: String
    /// The commit the Hugging Face host resolved the revision to (`X-Repo-Commit`), if any.
    public let resolvedCommit: String?
    /// True when the file was already complete in the downloads folder (nothing fetched).
    public let reused: Bool

    public init(role: ModelFileRole, url: URL, sha256: String, bytes: Int64, verification: HashVerification,
                sourceURL: String, resolvedCommit: String?, reused: Bool) {
        self.role = role
        self.url = url
        self.sha256 = sha256
        self.bytes = bytes
        self.verification = verification
        self.sourceURL = sourceURL
        self.resolvedCommit = resolvedCommit
        self.reused = reused
    }
}
