import Foundation

/// What `models import` (``CheckpointImporter``) is told beyond the checkpoint itself. The
/// fields mirror the flags of `Tools/convert_checkpoint.py`, which stays the reference; the
/// defaults are its defaults.
public struct CheckpointImportOptions: Sendable {
    /// What a checkpoint holds; `.auto` detects it from the keys.
    public enum Kind: String, CaseIterable, Sendable {
        case auto, fluxvit, internvideo2, clip, mobileclip
    }

    /// An official model size: sets the attention heads and the registered position grid.
    public enum Size: String, CaseIterable, Sendable {
        /// S/14: 6 heads; FluxViT grid 24×18, InternVideo2 8×16.
        case s
        /// B/14: 12 heads; FluxViT grid 32×20, InternVideo2 8×16.
        case b
    }

    /// The element type written to model.safetensors.
    public enum StoredType: String, CaseIterable, Sendable {
        case f32, f16, bf16
    }

    /// What the main checkpoint holds (default: detected).
    public var kind: Kind = .auto
    /// A MobileCLIP checkpoint (`mobileclip_blt.pt`) whose `text_encoder.*` tensors are merged in.
    public var text: URL?
    /// A vision backbone checkpoint whose tensors fill vision keys the main checkpoint lacks
    /// (InternVideo2-CLIP files may hold only the trained parts).
    public var visionBase: URL?
    /// The model name written to config.json (default: the output folder's name).
    public var name: String?
    /// The official size (default: `s` for width 384, `b` for 768).
    public var size: Size?
    /// Attention heads of the vision blocks (default: from the size, else width / 64).
    public var numHeads: Int?
    /// Attention-pooling heads of the projectors.
    public var projectorHeads = 16
    /// Token budget per projector (default: FluxViT 3072, 2048, 1024; InternVideo2 T0·H0²).
    public var projectorBudgets: [Int]?
    /// T0, frames of the registered position grid.
    public var posFrames: Int?
    /// H0, patches per side of the registered position grid.
    public var posGrid: Int?
    /// Frames of the checkpoint's own `pos_embed` grid when it differs from the registered one.
    public var origTSize: Int?
    /// The vision MLP activation.
    public var mlpActivation: VisionConfiguration.Activation = .geluTanh
    /// The joint width; only checked (an identity `vision_align` needs the projector width).
    public var embedDim: Int?
    /// Text attention heads (default: width / 64, 8 for MobileCLIP-B).
    public var textHeads: Int?
    /// A text tower without the causal mask (MobileCLIP-S1/S2; MobileCLIP-B is causal).
    public var textNonCausal = false
    /// The stored element type.
    public var dtype: StoredType = .f32
    /// Drop tensors that belong to no known part instead of failing.
    public var dropUnknown = false
    /// SHA-256 digests (lowercase hex) already known for some input files, by path, so that
    /// they are not read again for the manifest (a download verifies them on the way in).
    public var knownSHA256: [String: String] = [:]

    public init() {}
}
