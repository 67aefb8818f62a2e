/// Hyper-parameters of a video vision tower (FluxViT or the plain InternVideo2 tower).
///
/// The official FluxViT-S/14 is `embed_dim` 384, depth 12, 6 heads, MLP 1536, pos grid
/// (24, 18), three projectors; B/14 is 768, 12, 12, 3072, (32, 20). Tiny test models and the
/// demo model use the same fields with small values.
public struct VisionConfiguration: Codable, Equatable, Sendable {
    public enum Architecture: String, Codable, Sendable {
        /// FluxViT: Dual Patch Norm, `gpe_proj`, per-block LPE, pos-table resampling, token
        /// selection, several projectors.
        case fluxvit
        /// InternVideo2-CLIP S14/B14: plain patch embedding, fixed pos table, one projector.
        case internvideo2
    }

    public enum Activation: String, Codable, Sendable {
        case geluTanh = "gelu_tanh"
        case gelu
    }

    public var arch: Architecture
    /// Token width D.
    public var embedDim: Int
    public var depth: Int
    public var numHeads: Int
    /// Hidden width of the block MLP (4·D in the official models).
    public var mlpHiddenDim: Int
    /// Patch side in pixels (14).
    public var patchSize: Int
    /// T0: frames of the stored position table.
    public var posNumFrames: Int
    /// H0: patches per side of the stored position table.
    public var posGridSize: Int
    /// Number of attention-pooling projectors (3 for FluxViT, 1 for InternVideo2).
    public var numProjectors: Int
    /// The token budget each projector was trained for (FluxViT: [3072, 2048, 1024]).
    public var projectorBudgets: [Int]
    /// Attention-pooling heads (16 in the official models).
    public var projectorHeads: Int
    /// Output width of the projector (768 officially).
    public var projectorOutDim: Int
    /// Epsilon of the RMSNorms (blocks, qk-norm, DPN): 1e-6.
    public var normEps: Float
    /// Epsilon of the projector's and vision_align's LayerNorms: 1e-5.
    public var projectorNormEps: Float
    public var mlpActivation: Activation

    enum CodingKeys: String, CodingKey {
        case arch, depth
        case embedDim = "embed_dim"
        case numHeads = "num_heads"
        case mlpHiddenDim = "mlp_hidden_dim"
        case patchSize = "patch_size"
        case posNumFrames = "pos_num_frames"
        case posGridSize = "pos_grid_size"
        case numProjectors = "num_projectors"
        case projectorBudgets = "projector_budgets"
        case projectorHeads = "projector_heads"
        case projectorOutDim = "projector_out_dim"
        case normEps = "norm_eps"
        case projectorNormEps = "projector_norm_eps"
        case mlpActivation = "mlp_activation"
    }

    public init(arch: Architecture, embedDim: Int, depth: Int, numHeads: Int, mlpHiddenDim: Int,
                patchSize: Int = 14, posNumFrames: Int, posGridSize: Int, numProjectors: Int,
                projectorBudgets: [Int], projectorHeads: Int = 16, projectorOutDim: Int = 768,
                normEps: Float = 1e-6, projectorNormEps: Float = 1e-5, mlpActivation: Activation = .geluTanh) {
        self.arch = arch; self.embedDim = embedDim; self.depth = depth; self.numHeads = numHeads
        self.mlpHiddenDim = mlpHiddenDim; self.patchSize = patchSize; self.posNumFrames = posNumFrames
        self.posGridSize = posGridSize; self.numProjectors = numProjectors; self.projectorBudgets = projectorBudgets
        self.projectorHeads = projectorHeads; self.projectorOutDim = projectorOutDim; self.normEps = normEps
        self.projectorNormEps = projectorNormEps; self.mlpActivation = mlpActivation
    }

    /// FluxViT-S/14 as registered upstream (`fluxvit_small_patch14`).
    public static let fluxvitSmall = VisionConfiguration(
        arch: .fluxvit, embedDim: 384, depth: 12, numHeads: 6, mlpHiddenDim: 1536,
        posNumFrames: 24, posGridSize: 18, numProjectors: 3, projectorBudgets: [3072, 2048, 1024])

    /// FluxViT-B/14 as registered upstream (`fluxvit_base_patch14`).
    public static let fluxvitBase = VisionConfiguration(
        arch: .fluxvit, embedDim: 768, depth: 12, numHeads: 12, mlpHiddenDim: 3072,
        posNumFrames: 32, posGridSize: 20, numProjectors: 3, projectorBudgets: [3072, 2048, 1024])
}
