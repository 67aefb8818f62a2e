/// The text tower's tensor names (apple/ml-mobileclip `TextTransformer` state-dict keys,
/// relative to the `text_encoder.` prefix) and their shapes, after whisper.cpp's name table.
///
/// C = width, F = ffn_dim, V = vocab_size, N = context_length, P = projection_dim,
/// `{i}` = block index 0 ..< layers. Linear weights are `[out, in]` as nn.Linear stores them;
/// `projection_layer` is `[in, out]` and is used without transposition (x·P).
///
/// | key                                              | shape          |
/// |--------------------------------------------------|----------------|
/// | `embedding_layer.weight`                         | [V, C]         |
/// | `positional_embedding.pos_embed.pos_embed`       | [1, 1, N, C]   |
/// | `transformer.{i}.pre_norm_mha.0.{weight,bias}`   | [C]            |
/// | `transformer.{i}.pre_norm_mha.1.qkv_proj.weight` | [3C, C]        |
/// | `transformer.{i}.pre_norm_mha.1.qkv_proj.bias`   | [3C]           |
/// | `transformer.{i}.pre_norm_mha.1.out_proj.weight` | [C, C]         |
/// | `transformer.{i}.pre_norm_mha.1.out_proj.bias`   | [C]            |
/// | `transformer.{i}.pre_norm_ffn.0.{weight,bias}`   | [C]            |
/// | `transformer.{i}.pre_norm_ffn.1.weight`          | [F, C]         |
/// | `transformer.{i}.pre_norm_ffn.1.bias`            | [F]            |
/// | `transformer.{i}.pre_norm_ffn.4.weight`          | [C, F]         |
/// | `transformer.{i}.pre_norm_ffn.4.bias`            | [C]            |
/// | `final_layer_norm.{weight,bias}`                 | [C]            |
/// | `projection_layer`                               | [C, P]         |
///
/// MobileCLIP-B: 4 + 12·12 + 1 = 149 tensors, 63.43 M parameters.
extension TextTower {
    enum Keys {
        static let tokenEmbedding = "embedding_layer.weight"
        static let positionEmbedding = "positional_embedding.pos_embed.pos_embed"
        static let finalNormWeight = "final_layer_norm.weight"
        static let finalNormBias = "final_layer_norm.bias"
        static let projection = "projection_layer"

        /// The keys of block `i`.
        struct Block {
            let attentionNormWeight, attentionNormBias: String
            let qkvWeight, qkvBias: String
            let outWeight, outBias: String
            let ffnNormWeight, ffnNormBias: String
            let ffnInWeight, ffnInBias: String
            let ffnOutWeight, ffnOutBias: String

            init(_ i: Int) {
                let p = "transformer.\(i)."
                attentionNormWeight = p + "pre_norm_mha.0.weight"
                attentionNormBias = p + "pre_norm_mha.0.bias"
                qkvWeight = p + "pre_norm_mha.1.qkv_proj.weight"
                qkvBias = p + "pre_norm_mha.1.qkv_proj.bias"
                outWeight = p + "pre_norm_mha.1.out_proj.weight"
                outBias = p + "pre_norm_mha.1.out_proj.bias"
                ffnNormWeight = p + "pre_norm_ffn.0.weight"
                ffnNormBias = p + "pre_norm_ffn.0.bias"
                ffnInWeight = p + "pre_norm_ffn.1.weight"
                ffnInBias = p + "pre_norm_ffn.1.bias"
                ffnOutWeight = p + "pre_norm_ffn.4.weight"
                ffnOutBias = p + "pre_norm_ffn.4.bias"
            }
        }
    }

    /// Every tensor the configuration implies, with its shape.
    public static func parameterTable(_ c: TextConfiguration) -> ParameterTable {
        var t = ParameterTable()
        let C = c.width, F = c.ffnDim
        t.declare(Keys.tokenEmbedding, [c.vocabSize, C])
        t.declare(Keys.positionEmbedding, [1, 1, c.contextLength, C])
        for i in 0..<c.layers {
            let k = Keys.Block(i)
            t.declare(k.attentionNormWeight, [C]); t.declare(k.attentionNormBias, [C])
            t.declare(k.qkvWeight, [3 * C, C]); t.declare(k.qkvBias, [3 * C])
            t.declare(k.outWeight, [C, C]); t.declare(k.outBias, [C])
            t.declare(k.ffnNormWeight, [C]); t.declare(k.ffnNormBias, [C])
            t.declare(k.ffnInWeight, [F, C]); t.declare(k.ffnInBias, [F])
            t.declare(k.ffnOutWeight, [C, F]); t.declare(k.ffnOutBias, [C])
        }
        t.declare(Keys.finalNormWeight, [C]); t.declare(Keys.finalNormBias, [C])
        t.declare(Keys.projection, [C, c.projectionDim])
        return t
    }

    /// Key prefixes a text tower is looked up under, in order: the joint checkpoints'
    /// `text_encoder.`, then a bare text-only file.
    static let keyPrefixes = ["text_encoder.", ""]

    /// Prefixes of the other parts of a converted checkpoint, which a bare-prefixed load must
    /// not report: the vision tower and alignment (InternVideo2-CLIP / FluxViT-CLIP), the
    /// temperature, and MobileCLIP's image tower and logit scale.
    static let foreignPrefixes = ["vision_encoder.", "vision_align.", "temp", "image_encoder.", "logit_scale"]
}
