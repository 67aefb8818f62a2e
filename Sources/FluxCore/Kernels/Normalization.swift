/// Row-wise normalisations over a `[rows, cols]` row-major buffer with row stride `stride`.
///
/// All of them may run in place (`out == x`).
public enum Normalization {
    /// LayerNorm over the last axis: `(x − mean) / sqrt(var + eps) ⊙ weight + bias`, biased
    /// variance, as `torch.nn.LayerNorm`. weight, bias: [cols] (either may be nil).
    public static func layerNorm(_ x: UnsafePointer<Float>, rows: Int, cols: Int, stride: Int? = nil,
                                 weight: UnsafePointer<Float>?, bias: UnsafePointer<Float>?, eps: Float,
                                 out: UnsafeMutablePointer<Float>, outStride: Int? = nil) {
        let xs = stride ?? cols, os = outStride ?? cols
        for r in 0..<rows {
            let xr = x + r * xs, orow = out + r * os
            let mean = VectorMath.sum(xr, count: cols) / Float(cols)
            // Two-pass variance: numerically safer than E[x²] − mean² for large offsets.
            let ss = VectorMath.sumOfSquaredDeviations(xr, count: cols, mean: mean)
            let inv = 1 / (ss / Float(cols) + eps).squareRoot()
            VectorMath.affine(xr, shift: mean, scale: inv, weight: weight, bias: bias, out: orow, count: cols)
        }
    }

    /// RMSNorm over the last axis: `x / sqrt(mean(x²) + eps) ⊙ weight` (no mean subtraction,
    /// no bias), as the FluxViT blocks use. weight: [cols] or nil.
    public static func rmsNorm(_ x: UnsafePointer<Float>, rows: Int, cols: Int, stride: Int? = nil,
                               weight: UnsafePointer<Float>?, eps: Float,
                               out: UnsafeMutablePointer<Float>, outStride: Int? = nil) {
        let xs = stride ?? cols, os = outStride ?? cols
        for r in 0..<rows {
            let xr = x + r * xs
            let ms = VectorMath.sumOfSquares(xr, count: cols) / Float(cols)
            let inv = 1 / (ms + eps).squareRoot()
            VectorMath.affine(xr, shift: 0, scale: inv, weight: weight, bias: nil, out: out + r * os, count: cols)
        }
    }

    /// Row-wise L2 normalisation, `x / max(‖x‖₂, eps)`, as `torch.nn.functional.normalize`
    /// (eps 1e-12).
    public static func l2Normalize(_ x: UnsafeMutablePointer<Float>, rows: Int, cols: Int,
                                   stride: Int? = nil, eps: Float = 1e-12) {
        let xs = stride ?? cols
        for r in 0..<rows {
            let xr = x + r * xs
            let norm = VectorMath.sumOfSquares(xr, count: cols).squareRoot()
            VectorMath.scale(xr, count: cols, by: 1 / Swift.max(norm, eps))
        }
    }
}
