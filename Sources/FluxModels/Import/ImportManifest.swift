import Foundation

/// `manifest.json` of an imported model: where it came from and what the import did. The
/// fields are those `Tools/convert_checkpoint.py` writes, with `converter` naming the importer.
struct ImportManifest: Encodable {
    struct Source: Encodable {
        let file: String
        /// Lowercase hex; filled by ``ImportManifest/resolveDigests()``.
        var sha256: String
        let path: URL

        enum CodingKeys: String, CodingKey { case file, sha256 }

        init(url: URL, known: [String: String]) throws {
            file = url.lastPathComponent
            path = url
            sha256 = known[url.path] ?? known[url.standardizedFileURL.path] ?? ""
        }
    }

    let converter = "fluxsearch models import"
    let converterVersion = CheckpointImporter.version
    var sources: [Source]
    let kind: String
    let dtype: String
    let dropped: [String]
    let posEmbedResampled: [String: [Int]]?
    let visionAlign: String?
    let tensors: Int

    enum CodingKeys: String, CodingKey {
        case converter, sources, kind, dtype, dropped, tensors
        case converterVersion = "converter_version"
        case posEmbedResampled = "pos_embed_resampled"
        case visionAlign = "vision_align"
    }

    init(kind: String, dtype: String, dropped: [String], resampledFrom: [Int]?, resampledTo: [Int]?,
         visionAlign: String?, tensors: Int, sources: [Source]) {
        self.kind = kind
        self.dtype = dtype
        self.dropped = dropped
        if let resampledFrom, let resampledTo {
            posEmbedResampled = ["from": resampledFrom, "to": resampledTo]
        } else {
            posEmbedResampled = nil
        }
        self.visionAlign = visionAlign
        self.tensors = tensors
        self.sources = sources
    }

    /// Explicit nulls for absent optionals, as the Python converter writes them.
    func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(converter, forKey: .converter)
        try c.encode(converterVersion, forKey: .converterVersion)
        try c.encode(sources, forKey: .sources)
        try c.encode(kind, forKey: .kind)
        try c.encode(dtype, forKey: .dtype)
        try c.encode(dropped, forKey: .dropped)
        try c.encode(posEmbedResampled, forKey: .posEmbedResampled)
        try c.encode(visionAlign, forKey: .visionAlign)
        try c.encode(tensors, forKey: .tensors)
    }

    /// Computes the SHA-256 of every source whose digest is not known yet.
    mutating func resolveDigests() throws {
        for i in sources.indices where sources[i].sha256.isEmpty {
            let path = sources[i].path
            do {
                sources[i].sha256 = try FileSHA256.hex(ofFileAt: path).hex
            } catch let error as FileSHA256.ReadError {
                throw CheckpointImportError.io(path: path.path, reason: "cannot read it: \(error.reason)")
            }
        }
    }
}
