import Foundation

/// What a checkpoint file is for, as the importer needs to know it.
public enum ModelFileRole: String, Sendable, Hashable, CaseIterable, Codable {
    /// The model's own checkpoint (for IV2-CLIP: the trained projector / vision_align parts;
    /// for FluxViT: the fine-tuned network).
    case main
    /// The vision backbone the main checkpoint is loaded on top of.
    case visionBase
    /// The text tower's weights (MobileCLIP-B(LT)).
    case text
}

/// Where a file is fetched from.
public enum ModelFileSource: Sendable, Hashable {
    /// A file in a Hugging Face repository, at `{endpoint}/{repo}/resolve/{revision}/{path}`.
    /// `HF_ENDPOINT` replaces the endpoint; `HF_TOKEN` is sent to it (and only to it).
    case huggingFace(repo: String, revision: String, path: String)
    /// A plain HTTPS URL. `FLUXSEARCH_DOWNLOAD_MIRROR` replaces its scheme, host and port.
    case url(URL)
}

/// The importer's size option (`--size s` / `--size b`).
public enum ModelSize: String, Sendable, Hashable, Codable {
    case s, b
}

/// One file of a registry entry.
public struct RegistryFile: Sendable, Hashable {
    public let role: ModelFileRole
    public let source: ModelFileSource
    /// The file's size in bytes when known (used for the free-space check and progress).
    public let expectedBytes: Int64?
    /// The pinned SHA-256 (64 lowercase hex digits), or nil when none is pinned: Hugging Face
    /// files are then checked against the host's `X-Linked-Etag`, plain URLs are only hashed
    /// and the hash reported.
    public let sha256: String?
    /// Where the pinned hash and size come from, or why there is none (for
    /// listings and for whoever updates the table).
    public let provenance: String

    public init(role: ModelFileRole, source: ModelFileSource, expectedBytes: Int64? = nil, sha256: String? = nil, provenance: String) {
        self.role = role
        self.source = source
        self.expectedBytes = expectedBytes
        self.sha256 = sha256?.lowercased()
        self.provenance = provenance
    }

    /// The file's own name (last path component), e.g. `pytorch_model.bin`.
    public var fileName: String {
        switch source {
        case .huggingFace(_, _, let path): return path.split(separator: "/").last.map(String.init) ?? path
        case .url(let url): return url.lastPathComponent
        }
    }

    /// A readable identity for messages, e.g. `OpenGVLab/InternVideo2_distillation_models/clip/S14/pytorch_model.bin`.
    public var displayName: String {
        switch source {
        case .huggingFace(let repo, _, let path): return "\(repo)/\(path)"
        case .url(let url): return url.absoluteString
        }
    }

    /// The name this file has in the downloads folder. Unique per source and revision, so
    /// entries that share a file (the MobileCLIP text weights) download it once.
    public var downloadName: String {
        let raw: String
        switch source {
        case .huggingFace(let repo, let revision, let path):
            raw = ["hf", repo, String(revision.prefix(12)), path].joined(separator: "/")
        case .url(let url):
            raw = ["url", url.host ?? "host", url.path].joined(separator: "/")
        }
        let parts = raw.split(separator: "/").map { part in
            String(part.unicodeScalars.map { scalar -> Character in
                let c = Character(scalar)
                return (c.isASCII && (c.isLetter || c.isNumber || c == "." || c == "_" || c == "-")) ? c : "_"
            })
        }
        return parts.joined(separator: "--")
    }
}

/// How to get a model that cannot be downloaded by script.
public struct ManualDownload: Sendable, Hashable {
    /// Where the file is published, in words with its address.
    public let whereToGet: String
    public init(whereToGet: String) { self.whereToGet = whereToGet }
}

/// A known model: what it is, what it can do, and where its files live.
public struct ModelRegistryEntry: Sendable, Hashable {
    /// The name it is pulled and installed as, e.g. `iv2-clip-s14`.
    public let name: String
    /// One line for listings of the known models.
    public let summary: String
    /// True when it has a text tower aligned with the video space (text-to-video search);
    /// false for video-to-video only.
    public let textAligned: Bool
    /// The licence / terms page to read (and, for gated repositories, accept).
    public let termsURL: URL
    /// The importer's `--size`.
    public let size: ModelSize
    /// The files to download; empty for import-only models.
    public let files: [RegistryFile]
    /// Set for models that can only be imported from a file the user downloads by hand.
    public let manualDownload: ManualDownload?

    public init(name: String, summary: String, textAligned: Bool, termsURL: URL, size: ModelSize,
                files: [RegistryFile], manualDownload: ManualDownload? = nil) {
        self.name = name
        self.summary = summary
        self.textAligned = textAligned
        self.termsURL = termsURL
        self.size = size
        self.files = files
        self.manualDownload = manualDownload
    }

    /// Whether `fluxsearch models pull NAME` can fetch it.
    public var isPullable: Bool { manualDownload == nil && !files.isEmpty }

    /// The exact import command for a file the user has, e.g.
    /// `fluxsearch models import FILE --name fluxvit-s14 --size s`.
    public func importCommand(file: String = "FILE") -> String {
        "fluxsearch models import \(file) --name \(name) --size \(size.rawValue)"
    }

    /// The file of a role, if the entry has one.
    public func file(_ role: ModelFileRole) -> RegistryFile? {
        files.first { $0.role == role }
    }
}
