/// Reads a MobileCLIP "base" text tower's configuration off its tensor shapes, as
/// `infer_text` in `Tools/convert_checkpoint.py` does. Heads cannot be read from shapes:
/// `--text-heads`, else width / 64 (8 for MobileCLIP-B).
struct TextInference {
    let configuration: TextConfiguration
    let notes: [String]

    init(text: OrderedTensors, options o: CheckpointImportOptions) throws {
        func need(_ key: String) throws -> [Int] {
            guard let t = text[key] else { throw CheckpointImportError.missingTensor(name: "text_encoder." + key) }
            return t.shape
        }
        let embedding = try need("embedding_layer.weight")
        guard embedding.count == 2 else {
            throw CheckpointImportError.badShape(name: "text_encoder.embedding_layer.weight", shape: embedding, expected: "[vocabulary, width]")
        }
        let (vocab, width) = (embedding[0], embedding[1])
        let pos = try need("positional_embedding.pos_embed.pos_embed")
        guard pos.count == 4 else {
            throw CheckpointImportError.badShape(name: "text_encoder.positional_embedding.pos_embed.pos_embed", shape: pos, expected: "[1, 1, context, width]")
        }
        var layerIndices = Set<Int>()
        for k in text.keys where k.hasPrefix("transformer.") {
            let rest = k.dropFirst("transformer.".count)
            if let dot = rest.firstIndex(of: "."), let i = Int(rest[..<dot]), rest[..<dot].allSatisfy({ $0.isASCII && $0.isNumber }) {
                layerIndices.insert(i)
            }
        }
        let preNorm = try VisionInference.count(text.keys, prefix: "transformer.", suffix: ".pre_norm_mha.0.weight")
        guard preNorm == layerIndices.count else {
            throw CheckpointImportError.unsupportedOption(reason: "only the MobileCLIP 'base' text tower (pre-norm transformer layers, e.g. mobileclip_blt.pt) is supported; this one has RepMixer layers (MobileCLIP-S0?)")
        }
        let ffn = try need("transformer.0.pre_norm_ffn.1.weight")[0]
        let projection = try need("projection_layer")
        guard projection.count == 2 else {
            throw CheckpointImportError.badShape(name: "text_encoder.projection_layer", shape: projection, expected: "[width, joint width]")
        }
        var notes: [String] = []
        let heads = o.textHeads ?? width / 64
        if o.textHeads == nil {
            notes.append("text heads: \(heads) (width \(width) / 64, as MobileCLIP-B); override with --text-heads")
        }
        configuration = TextConfiguration(vocabSize: vocab, contextLength: pos[2], width: width, layers: layerIndices.count,
                                          heads: heads, ffnDim: ffn, causal: !o.textNonCausal,
                                          projectionDim: projection[1], normEps: 1e-5)
        self.notes = notes
    }
}
