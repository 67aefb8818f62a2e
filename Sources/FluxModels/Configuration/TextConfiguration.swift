/// Hyper-parameters of the MobileCLIP `base` text tower.
///
/// MobileCLIP-B: vocab 49408, context 77, width 512, 12 layers, 8 heads, FFN 2048, causal,
/// projection 512, LayerNorm eps 1e-5.
public struct TextConfiguration: Codable, Equatable, Sendable {
    public var vocabSize: Int
    public var contextLength: Int
    public var width: Int
    public var layers: Int
    public var heads: Int
    public var ffnDim: Int
    /// Causal self-attention (MobileCLIP-B: true).
    public var causal: Bool
    /// Output width of `projection_layer`.
    public var projectionDim: Int
    public var normEps: Float

    enum CodingKeys: String, CodingKey {
        case width, layers, heads, causal
        case vocabSize = "vocab_size"
        case contextLength = "context_length"
        case ffnDim = "ffn_dim"
        case projectionDim = "projection_dim"
        case normEps = "norm_eps"
    }

    public init(vocabSize: Int = 49408, contextLength: Int = 77, width: Int, layers: Int, heads: Int,
                ffnDim: Int, causal: Bool = true, projectionDim: Int, normEps: Float = 1e-5) {
        self.vocabSize = vocabSize; self.contextLength = contextLength; self.width = width
        self.layers = layers; self.heads = heads; self.ffnDim = ffnDim; self.causal = causal
        self.projectionDim = projectionDim; self.normEps = normEps
    }

    /// The MobileCLIP-B text tower.
    public static let mobileclipBase = TextConfiguration(width: 512, layers: 12, heads: 8, ffnDim: 2048, projectionDim: 512)
}
