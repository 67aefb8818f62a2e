import CFluxKernels

/// Activation functions, in place over contiguous Float32 buffers.
public enum Activations {
    /// Exact GELU, `0.5·x·(1 + erf(x/√2))`, as `torch.nn.GELU()` (the MobileCLIP text FFN).
    ///
    /// Computed as `0.5·x·erfc(−x/√2)` with a Chebyshev erfc fit, so the negative tail keeps
    /// full relative precision (no `1 + erf` cancellation).
    public static func gelu(_ x: UnsafeMutablePointer<Float>, count: Int) { fk_gelu_erf(x, count) }

    /// tanh-approximate GELU, `0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))`, as
    /// `GELU(approximate='tanh')` (the FluxViT vision MLP).
    ///
    /// Uses the identity `0.5·(1 + tanh(u)) = σ(2u)`: one exp and no cancellation.
    public static func geluTanh(_ x: UnsafeMutablePointer<Float>, count: Int) { fk_gelu_tanh(x, count) }
}
