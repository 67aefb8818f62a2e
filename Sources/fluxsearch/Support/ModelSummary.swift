import Foundation
import FluxModels

/// One-line descriptions of a model's towers, for `models` output.
enum ModelSummary {
    /// For example "vision internvideo2 D384×12, 1 projector (budget 2048) · text 512×12 · joint 512".
    static func describe(_ c: ModelConfiguration) -> String {
        var parts: [String] = []
        if let v = c.vision {
            let budgets = v.projectorBudgets.map(String.init).joined(separator: "/")
            parts.append("vision \(v.arch.rawValue) D\(v.embedDim)×\(v.depth), \(v.numProjectors) projector\(v.numProjectors == 1 ? "" : "s") (budget \(budgets)), grid \(v.posNumFrames)×\(v.posGridSize)²")
        }
        if let t = c.text { parts.append("text \(t.width)×\(t.layers)") }
        parts.append("joint \(c.embedDim)")
        return parts.joined(separator: " · ")
    }
}

/// `models import --json`.
struct ImportedModelJSON: Encodable {
    let name: String
    let path: String
    let kind: String
    let tensors: Int
    let dropped: [String]
    let posEmbedResampled: [String: [Int]]?
    let visionAlign: String?
    let textAligned: Bool
    let configuration: ModelConfiguration

    init(_ r: CheckpointImportReport, name: String) {
        self.name = name
        path = r.directory.path
        kind = r.kind.rawValue
        tensors = r.tensorCount
        dropped = r.dropped
        if let f = r.resampledFrom, let t = r.resampledTo { posEmbedResampled = ["from": f, "to": t] } else { posEmbedResampled = nil }
        visionAlign = r.visionAlign
        textAligned = r.configuration.text != nil && r.visionAlign == "checkpoint"
        configuration = r.configuration
    }

    enum CodingKeys: String, CodingKey {
        case name, path, kind, tensors, dropped, configuration
        case posEmbedResampled = "pos_embed_resampled"
        case visionAlign = "vision_align"
        case textAligned = "text_aligned"
    }
}
