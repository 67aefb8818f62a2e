/// The tensors of a checkpoint sorted into the parts of a model, exactly as
/// `Tools/convert_checkpoint.py` (`detect_kind`, `partition`) does.
struct CheckpointPartition {
    /// Tower-relative vision keys (without `vision_encoder.`).
    var vision = OrderedTensors()
    /// `vision_align.`-relative keys.
    var align = OrderedTensors()
    /// `text_encoder.`-relative keys.
    var text = OrderedTensors()
    /// Training-only tensors left out.
    var dropped: [String] = []
    /// Tensors of no known part.
    var unknown: [String] = []

    /// Vision tensors that only training uses (heads, decoders, their position tables).
    static let visionTrainingOnly = ["head.", "fc_norm.", "final_clip_decoder_for_projs.", "clip_decoder.",
                                     "mae_decoder.", "final_clip_decoder.", "clip_pos_embed", "mae_pos_embed"]
    static let topLevelDropExact: Set<String> = ["temp", "logit_scale", "clip_pos_embed", "mae_pos_embed"]
    static let topLevelDropPrefix = ["image_encoder.", "clip_decoder.", "mae_decoder.", "final_clip_decoder."]

    static func topLevelTrainingOnly(_ name: String) -> Bool {
        topLevelDropExact.contains(name) || topLevelDropPrefix.contains { name.hasPrefix($0) }
    }

    /// The kind the keys show: a CLIP container, a bare FluxViT or InternVideo2 tower, or a
    /// MobileCLIP file.
    static func detectKind(_ source: CheckpointSource) throws -> CheckpointImportOptions.Kind {
        let names = source.names
        if names.contains(where: { $0.hasPrefix("vision_encoder.") || $0.hasPrefix("vision_align.") }) { return .clip }
        if source.contains("patch_embed.proj.weight") {
            return source.contains("gpe_proj.depthwise_conv.weight") ? .fluxvit : .internvideo2
        }
        if names.contains(where: { $0.hasPrefix("text_encoder.") }) { return .mobileclip }
        throw CheckpointImportError.unknownKind(path: source.path)
    }

    /// Sorts every tensor of `source` read as `kind` (never `.auto`).
    init(_ source: CheckpointSource, kind: CheckpointImportOptions.Kind) throws {
        for name in source.names {
            let ref = { try TensorReference.file(source, name) }
            if name.hasPrefix("vision_align."), kind != .mobileclip {
                align[String(name.dropFirst("vision_align.".count))] = try ref()
            } else if kind == .clip {
                if name.hasPrefix("vision_encoder.") {
                    let rel = String(name.dropFirst("vision_encoder.".count))
                    if Self.visionTrainingOnly.contains(where: { rel.hasPrefix($0) }) {
                        dropped.append(name)
                    } else {
                        vision[rel] = try ref()
                    }
                } else if name.hasPrefix("text_encoder.") {
                    text[String(name.dropFirst("text_encoder.".count))] = try ref()
                } else if Self.topLevelTrainingOnly(name) {
                    dropped.append(name)
                } else {
                    unknown.append(name)
                }
            } else if kind == .mobileclip {
                if name.hasPrefix("text_encoder.") {
                    text[String(name.dropFirst("text_encoder.".count))] = try ref()
                } else if Self.topLevelTrainingOnly(name) {
                    dropped.append(name)
                } else {
                    unknown.append(name)
                }
            } else {  // a bare vision tower (fluxvit / internvideo2)
                if Self.visionTrainingOnly.contains(where: { name.hasPrefix($0) }) || name == "temp" || name == "logit_scale" {
                    dropped.append(name)
                } else if ["text_encoder.", "vision_encoder.", "image_encoder."].contains(where: { name.hasPrefix($0) }) {
                    unknown.append(name)
                } else {
                    vision[name] = try ref()  // anything unexpected is reported by the table check
                }
            }
        }
    }
}
