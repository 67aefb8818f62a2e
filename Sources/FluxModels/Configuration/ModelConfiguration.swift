import Foundation

/// A model directory's `config.json`: both towers, the joint space and preprocessing.
///
/// The JSON names are exactly the `CodingKeys` below; `Tools/convert_checkpoint.py`, the
/// fixture generators and the trainer all write this format. The weights live beside it in
/// `model.safetensors` with the official state-dict keys (`vision_encoder.*`,
/// `vision_align.*`, `text_encoder.*`).
public struct ModelConfiguration: Codable, Equatable, Sendable {
    /// Format marker; always "fluxsearch-model".
    public var format: String
    /// Increases when the layout of config.json or the weights changes incompatibly.
    public var formatVersion: Int
    /// Human-readable model name, e.g. "fluxvit-s14-clip" or "demo-tiny".
    public var name: String
    public var vision: VisionConfiguration?
    public var text: TextConfiguration?
    /// Dimension of the joint video–text space (the vision_align and text projection output).
    public var embedDim: Int

    enum CodingKeys: String, CodingKey {
        case format, name, vision, text
        case formatVersion = "format_version"
        case embedDim = "embed_dim"
    }

    public static let currentFormat = "fluxsearch-model"
    public static let currentFormatVersion = 1

    public init(name: String, vision: VisionConfiguration?, text: TextConfiguration?, embedDim: Int) {
        self.format = Self.currentFormat
        self.formatVersion = Self.currentFormatVersion
        self.name = name
        self.vision = vision
        self.text = text
        self.embedDim = embedDim
    }

    /// Reads and checks `config.json`.
    public static func load(from url: URL) throws -> ModelConfiguration {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw ModelLoadingError.missingFile(path: url.path, hint: "a model directory holds config.json and model.safetensors; create one with Tools/convert_checkpoint.py")
        }
        let config: ModelConfiguration
        do { config = try JSONDecoder().decode(ModelConfiguration.self, from: data) } catch {
            throw ModelLoadingError.invalidConfiguration(path: url.path, reason: describeDecodingError(error))
        }
        guard config.format == currentFormat else {
            throw ModelLoadingError.invalidConfiguration(path: url.path, reason: "format is '\(config.format)', expected '\(currentFormat)'")
        }
        guard config.formatVersion == currentFormatVersion else {
            throw ModelLoadingError.invalidConfiguration(path: url.path, reason: "format_version \(config.formatVersion) is not supported (this build reads \(currentFormatVersion)); re-run Tools/convert_checkpoint.py")
        }
        try config.validate(path: url.path)
        return config
    }

    /// Checks the cross-field rules (divisibility, matching dimensions).
    public func validate(path: String) throws {
        func fail(_ reason: String) -> ModelLoadingError { .invalidConfiguration(path: path, reason: reason) }
        if let v = vision {
            guard v.embedDim > 0, v.depth >= 0, v.numHeads > 0, v.embedDim % v.numHeads == 0 else {
                throw fail("vision.embed_dim \(v.embedDim) must be a positive multiple of vision.num_heads \(v.numHeads)")
            }
            guard v.projectorHeads > 0, v.embedDim % v.projectorHeads == 0 else {
                throw fail("vision.embed_dim \(v.embedDim) must be a multiple of vision.projector_heads \(v.projectorHeads)")
            }
            guard v.numProjectors >= 1, v.projectorBudgets.count == v.numProjectors else {
                throw fail("vision.projector_budgets has \(v.projectorBudgets.count) entries for \(v.numProjectors) projectors")
            }
            guard v.patchSize > 0, v.posNumFrames > 0, v.posGridSize > 0 else {
                throw fail("vision.patch_size, pos_num_frames and pos_grid_size must be positive")
            }
        }
        if let t = text {
            guard t.width > 0, t.heads > 0, t.width % t.heads == 0 else {
                throw fail("text.width \(t.width) must be a positive multiple of text.heads \(t.heads)")
            }
            guard t.projectionDim == embedDim else {
                throw fail("text.projection_dim \(t.projectionDim) differs from embed_dim \(embedDim)")
            }
        }
    }
}

/// Renders a `DecodingError` as "missing key 'x' at vision" and the like.
func describeDecodingError(_ error: Error) -> String {
    guard let e = error as? DecodingError else { return "\(error)" }
    func path(_ p: [CodingKey]) -> String { p.isEmpty ? "top level" : p.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".") }
    switch e {
    case .keyNotFound(let key, let ctx): return "missing key '\(key.stringValue)' at \(path(ctx.codingPath))"
    case .typeMismatch(_, let ctx): return "wrong type at \(path(ctx.codingPath)): \(ctx.debugDescription)"
    case .valueNotFound(_, let ctx): return "null value at \(path(ctx.codingPath))"
    case .dataCorrupted(let ctx): return "not valid JSON (\(ctx.debugDescription))"
    @unknown default: return "\(e)"
    }
}
