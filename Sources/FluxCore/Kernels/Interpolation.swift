// Resampling kernels with PyTorch `F.interpolate` semantics: align_corners=False, no
// antialias (MODEL_SPEC Appendix A). Used for the pos-embed grid (time linear, then space
// bicubic, §2.3) and for frame resizing (torchvision 0.14 tensor `Resize(bicubic)`, §6.1).
//
// Index rules, for an axis resampled from I to O samples (d = output index):
//   s   = Float(I) / Float(O)                      (Float, as PyTorch's CPU kernel: opmath float)
//   src = s·(d + 0.5) − 0.5                        (Float)
//   linear : src clamped at 0; i0 = ⌊src⌋; i1 = min(i0 + 1, I − 1); λ = src − i0;
//            out = in[i0]·(1 − λ) + in[i1]·λ;  I == O copies.
//   bicubic: src not clamped; i = ⌊src⌋; t = src − i; A = −0.75;
//            taps i−1 … i+2, each clamped to [0, I − 1];
//            weights K₂(t+1), K₁(t), K₁(1−t), K₂((1−t)+1).
// Taps and weights are computed once per (I, O) pair, in Float, with the same expression
// order as aten/src/ATen/native/cpu/UpSampleKernel.cpp (`HelperInterpCubic`,
// `compute_source_index_and_lambda`, `get_cubic_upsample_coefficients`).
//
// Summation order (matters at the last bit, and for uint8 rounding): PyTorch's generic CPU
// kernel (`Interpolate<2, …>`) evaluates, per output pixel, the W-direction sum for each of
// the 4 H taps — t_j = ((x[h_j,w_0]·a_0 + x[h_j,w_1]·a_1) + x[h_j,w_2]·a_2) + x[h_j,w_3]·a_3 —
// and then combines them along H in the same left-to-right order. The kernels here do the
// same arithmetic as two passes (W pass into a row buffer, then H pass), which gives
// bit-identical results without recomputing the W sums for every output row. Products and
// sums are separate roundings (no fused multiply-add); a PyTorch build that contracts them
// into FMAs can differ by an ulp.

/// Resampling along one or two axes with PyTorch semantics (align_corners=False, no
/// antialias). Layouts are row-major; "inner" is the product of the dimensions after the
/// resampled ones and is the contiguous loop.
///
/// For example, the pos-embed grid `[T0, H0, W0, D]`:
/// ```swift
/// // time 24 → 8: [24, 18·18·D] viewed as [outer 1, I 24, inner 18·18·D]
/// let g1 = Interpolation.linear(grid, axis: 0, size: 8)          // [8, 18, 18, D]
/// // space 18×18 → 16×16 per frame and channel (channels-last)
/// let g2 = Interpolation.bicubic(g1, axis: 1, height: 16, width: 16)  // [8, 16, 16, D]
/// ```
public enum Interpolation {
    /// The cubic convolution constant PyTorch uses when antialias is off.
    public static let cubicA: Float = -0.75

    // MARK: - Taps and weights

    /// Linear (2-tap) sampling positions for one axis resampled from `input` to `output` samples.
    public struct LinearTaps: Equatable, Sendable {
        /// Source indices, [output] each; `index1[d] = min(index0[d] + 1, I − 1)`.
        public let index0: [Int], index1: [Int]
        /// Weights, [output] each: `weight0 = 1 − weight1`, `weight1 = λ`.
        public let weight0: [Float], weight1: [Float]
    }

    /// Cubic (4-tap) sampling positions for one axis.
    public struct CubicTaps: Equatable, Sendable {
        /// Source indices `[output, 4]` row-major, already clamped to [0, I − 1].
        public let index: [Int]
        /// Weights `[output, 4]` row-major (each row sums to ≈ 1).
        public let weight: [Float]
        public var count: Int { weight.count / 4 }
    }

    /// The source-coordinate scale `s = I / O`, computed in Float as PyTorch does when the
    /// output size (not a scale factor) is given.
    @inline(__always)
    public static func sourceScale(input: Int, output: Int) -> Float {
        Float(input) / Float(output)
    }

    /// Linear taps for `input` → `output` samples (both ≥ 1). `input == output` is the identity.
    public static func linearTaps(input: Int, output: Int) -> LinearTaps {
        precondition(input >= 1 && output >= 1, "linearTaps: sizes must be ≥ 1, got \(input) → \(output)")
        var i0 = [Int](repeating: 0, count: output), i1 = i0
        var w0 = [Float](repeating: 1, count: output), w1 = [Float](repeating: 0, count: output)
        if input == output {
            for d in 0..<output { i0[d] = d; i1[d] = d }
        } else {
            let s = sourceScale(input: input, output: output)
            for d in 0..<output {
                var src = s * (Float(d) + 0.5) - 0.5
                if src < 0 { src = 0 }
                let lo = min(Int(src.rounded(.down)), input - 1)
                let lambda = min(max(src - Float(lo), 0), 1)
                i0[d] = lo
                i1[d] = lo + (lo < input - 1 ? 1 : 0)
                w1[d] = lambda
                w0[d] = 1 - lambda
            }
        }
        return LinearTaps(index0: i0, index1: i1, weight0: w0, weight1: w1)
    }

    /// Cubic taps for `input` → `output` samples (both ≥ 1), A = −0.75.
    public static func cubicTaps(input: Int, output: Int) -> CubicTaps {
        precondition(input >= 1 && output >= 1, "cubicTaps: sizes must be ≥ 1, got \(input) → \(output)")
        var index = [Int](repeating: 0, count: 4 * output)
        var weight = [Float](repeating: 0, count: 4 * output)
        let s = sourceScale(input: input, output: output)
        for d in 0..<output {
            let src = s * (Float(d) + 0.5) - 0.5
            let i = min(Int(src.rounded(.down)), input - 1)
            let t = min(max(src - Float(i), 0), 1)
            let w = cubicWeights(t)
            for j in 0..<4 {
                index[4 * d + j] = min(max(i + j - 1, 0), input - 1)
                weight[4 * d + j] = w[j]
            }
        }
        return CubicTaps(index: index, weight: weight)
    }

    /// The four cubic-convolution weights for fractional offset `t` ∈ [0, 1]:
    /// (K₂(t+1), K₁(t), K₁(1−t), K₂((1−t)+1)), in PyTorch's expression order.
    @inline(__always)
    public static func cubicWeights(_ t: Float) -> SIMD4<Float> {
        let u = 1 - t
        return SIMD4(cubicOuter(t + 1), cubicInner(t), cubicInner(u), cubicOuter(u + 1))
    }

    /// K₁(x) = ((A+2)x − (A+3))x² + 1, for |x| ≤ 1.
    @inline(__always)
    static func cubicInner(_ x: Float) -> Float {
        let a = cubicA
        return ((a + 2) * x - (a + 3)) * x * x + 1
    }

    /// K₂(x) = ((Ax − 5A)x + 8A)x − 4A, for 1 ≤ |x| ≤ 2.
    @inline(__always)
    static func cubicOuter(_ x: Float) -> Float {
        let a = cubicA
        return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a
    }

    // MARK: - 1-D linear

    /// Linear resampling of the middle axis: x `[outer, length, inner]` →
    /// out `[outer, size, inner]`, both row-major. `out` must not overlap `x`.
    ///
    /// out[o, d, c] = x[o, i0, c]·(1 − λ) + x[o, i1, c]·λ with the taps of ``linearTaps(input:output:)``.
    public static func linear(_ x: UnsafePointer<Float>, outer: Int, length: Int, inner: Int,
                              size: Int, into out: UnsafeMutablePointer<Float>) {
        precondition(outer >= 0 && inner >= 0, "linear: negative outer/inner")
        guard outer > 0, inner > 0, size > 0 else { return }
        let taps = linearTaps(input: length, output: size)
        for o in 0..<outer {
            let src = x + o * length * inner
            let dst = out + o * size * inner
            for d in 0..<size {
                let a = src + taps.index0[d] * inner, b = src + taps.index1[d] * inner
                let wa = taps.weight0[d], wb = taps.weight1[d]
                let row = dst + d * inner
                for c in 0..<inner { row[c] = a[c] * wa + b[c] * wb }
            }
        }
    }

    /// Linear resampling of dimension `axis` of `x` to `size` samples; the other dimensions
    /// are unchanged. Returns a new tensor.
    public static func linear(_ x: Tensor, axis: Int, size: Int) -> Tensor {
        precondition(axis >= 0 && axis < x.rank, "linear: axis \(axis) out of range for \(x.shape)")
        precondition(size >= 1, "linear: size must be ≥ 1, got \(size)")
        var shape = x.shape
        let outer = shape[..<axis].reduce(1, *), inner = shape[(axis + 1)...].reduce(1, *)
        let length = shape[axis]
        shape[axis] = size
        let out = Tensor(zeros: shape)
        linear(UnsafePointer(x.data), outer: outer, length: length, inner: inner, size: size, into: out.data)
        return out
    }

    // MARK: - 2-D bicubic

    /// Bicubic resampling of two adjacent axes: x `[outer, height, width, inner]` →
    /// out `[outer, outHeight, outWidth, inner]`, row-major. `inner == 1` is the planar case
    /// `[planes, H, W]` (NCHW with planes = N·C); `outer == 1` with `inner == C` is the
    /// channels-last image `[H, W, C]`. `out` must not overlap `x`.
    public static func bicubic(_ x: UnsafePointer<Float>, outer: Int, height: Int, width: Int, inner: Int,
                               outHeight: Int, outWidth: Int, into out: UnsafeMutablePointer<Float>) {
        precondition(outer >= 0 && inner >= 0, "bicubic: negative outer/inner")
        guard outer > 0, inner > 0, outHeight > 0, outWidth > 0 else { return }
        let plan = BicubicPlan(height: height, width: width, inner: inner, outHeight: outHeight, outWidth: outWidth)
        let rows = UnsafeMutablePointer<Float>.allocate(capacity: height * plan.outRowLength)
        defer { rows.deallocate() }
        for o in 0..<outer {
            let src = x + o * height * width * inner
            for ih in 0..<height where plan.rowNeeded[ih] {
                plan.horizontal(src + ih * width * inner, into: rows + ih * plan.outRowLength)
            }
            let dst = out + o * outHeight * plan.outRowLength
            for oh in 0..<outHeight {
                plan.vertical(rows, outRow: oh, into: dst + oh * plan.outRowLength)
            }
        }
    }

    /// Bicubic resampling of dimensions `axis` (H) and `axis + 1` (W) of `x` to
    /// `height × width`; the other dimensions are unchanged. Returns a new tensor.
    public static func bicubic(_ x: Tensor, axis: Int, height: Int, width: Int) -> Tensor {
        precondition(axis >= 0 && axis + 1 < x.rank, "bicubic: axes \(axis), \(axis + 1) out of range for \(x.shape)")
        precondition(height >= 1 && width >= 1, "bicubic: output size must be ≥ 1, got \(height)×\(width)")
        var shape = x.shape
        let outer = shape[..<axis].reduce(1, *), inner = shape[(axis + 2)...].reduce(1, *)
        let (h, w) = (shape[axis], shape[axis + 1])
        shape[axis] = height
        shape[axis + 1] = width
        let out = Tensor(zeros: shape)
        bicubic(UnsafePointer(x.data), outer: outer, height: h, width: w, inner: inner,
                outHeight: height, outWidth: width, into: out.data)
        return out
    }

    // MARK: - uint8 images

    /// Resizes an interleaved 8-bit image `[height, width, channels]` (e.g. RGB) to
    /// `[outHeight, outWidth, channels]`, as torchvision 0.14's tensor `Resize(…, bicubic)`
    /// (no antialias): bicubic in Float32 as ``bicubic(_:outer:height:width:inner:outHeight:outWidth:into:)``,
    /// then clamp to [0, 255] and round half-to-even. Aspect ratio is whatever the caller asks.
    public static func resizeBicubic(_ pixels: UnsafePointer<UInt8>, height: Int, width: Int, channels: Int,
                                     outHeight: Int, outWidth: Int, into out: UnsafeMutablePointer<UInt8>) {
        precondition(height >= 1 && width >= 1 && channels >= 1, "resizeBicubic: empty input \(height)×\(width)×\(channels)")
        guard outHeight > 0, outWidth > 0 else { return }
        let plan = BicubicPlan(height: height, width: width, inner: channels, outHeight: outHeight, outWidth: outWidth)
        let rowLength = width * channels, outRowLength = plan.outRowLength
        let rows = UnsafeMutablePointer<Float>.allocate(capacity: height * outRowLength)
        let inRow = UnsafeMutablePointer<Float>.allocate(capacity: rowLength)
        let outRow = UnsafeMutablePointer<Float>.allocate(capacity: outRowLength)
        defer { rows.deallocate(); inRow.deallocate(); outRow.deallocate() }
        for ih in 0..<height where plan.rowNeeded[ih] {
            let src = pixels + ih * rowLength
            for i in 0..<rowLength { inRow[i] = Float(src[i]) }
            plan.horizontal(inRow, into: rows + ih * outRowLength)
        }
        for oh in 0..<outHeight {
            plan.vertical(rows, outRow: oh, into: outRow)
            let dst = out + oh * outRowLength
            for i in 0..<outRowLength {
                dst[i] = UInt8(min(max(outRow[i], 0), 255).rounded(.toNearestOrEven))
            }
        }
    }

    /// Array convenience for ``resizeBicubic(_:height:width:channels:outHeight:outWidth:into:)``.
    public static func resizeBicubic(_ pixels: [UInt8], height: Int, width: Int, channels: Int = 3,
                                     outHeight: Int, outWidth: Int) -> [UInt8] {
        precondition(pixels.count == height * width * channels,
                     "resizeBicubic: \(pixels.count) bytes do not fill \(height)×\(width)×\(channels)")
        var out = [UInt8](repeating: 0, count: outHeight * outWidth * channels)
        pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                resizeBicubic(src.baseAddress!, height: height, width: width, channels: channels,
                              outHeight: outHeight, outWidth: outWidth, into: dst.baseAddress!)
            }
        }
        return out
    }
}

/// Precomputed taps for one bicubic geometry, shared by the Float and uint8 entry points.
struct BicubicPlan {
    let width: Int, inner: Int, outWidth: Int
    /// Elements in one output row: outWidth · inner.
    let outRowLength: Int
    let hTaps: Interpolation.CubicTaps
    /// W taps with the `inner` stride folded in: element offsets of the 4 source pixels.
    let wOffsets: [Int]
    let wWeights: [Float]
    /// Input rows that some output row reads (all of them unless downscaling by > 4×).
    let rowNeeded: [Bool]

    init(height: Int, width: Int, inner: Int, outHeight: Int, outWidth: Int) {
        precondition(height >= 1 && width >= 1, "bicubic: input size must be ≥ 1, got \(height)×\(width)")
        self.width = width
        self.inner = inner
        self.outWidth = outWidth
        self.outRowLength = outWidth * inner
        self.hTaps = Interpolation.cubicTaps(input: height, output: outHeight)
        let w = Interpolation.cubicTaps(input: width, output: outWidth)
        self.wOffsets = w.index.map { $0 * inner }
        self.wWeights = w.weight
        var needed = [Bool](repeating: false, count: height)
        for i in hTaps.index { needed[i] = true }
        self.rowNeeded = needed
    }

    /// W pass for one input row: src `[width, inner]` → dst `[outWidth, inner]`.
    /// dst = ((x₀·a₀ + x₁·a₁) + x₂·a₂) + x₃·a₃ per element.
    @inline(__always)
    func horizontal(_ src: UnsafePointer<Float>, into dst: UnsafeMutablePointer<Float>) {
        wOffsets.withUnsafeBufferPointer { off in
            wWeights.withUnsafeBufferPointer { wt in
                if inner == 1 {
                    for ow in 0..<outWidth {
                        let k = 4 * ow
                        dst[ow] = src[off[k]] * wt[k] + src[off[k + 1]] * wt[k + 1]
                            + src[off[k + 2]] * wt[k + 2] + src[off[k + 3]] * wt[k + 3]
                    }
                } else {
                    for ow in 0..<outWidth {
                        let k = 4 * ow
                        let p0 = src + off[k], p1 = src + off[k + 1], p2 = src + off[k + 2], p3 = src + off[k + 3]
                        let a0 = wt[k], a1 = wt[k + 1], a2 = wt[k + 2], a3 = wt[k + 3]
                        let d = dst + ow * inner
                        for c in 0..<inner { d[c] = p0[c] * a0 + p1[c] * a1 + p2[c] * a2 + p3[c] * a3 }
                    }
                }
            }
        }
    }

    /// H pass for output row `oh`: combines 4 W-resampled rows of `rows`
    /// (`[height, outRowLength]`) into dst `[outRowLength]`.
    @inline(__always)
    func vertical(_ rows: UnsafePointer<Float>, outRow oh: Int, into dst: UnsafeMutablePointer<Float>) {
        let k = 4 * oh, n = outRowLength
        let r0 = rows + hTaps.index[k] * n, r1 = rows + hTaps.index[k + 1] * n
        let r2 = rows + hTaps.index[k + 2] * n, r3 = rows + hTaps.index[k + 3] * n
        let b0 = hTaps.weight[k], b1 = hTaps.weight[k + 1], b2 = hTaps.weight[k + 2], b3 = hTaps.weight[k + 3]
        for i in 0..<n { dst[i] = r0[i] * b0 + r1[i] * b1 + r2[i] * b2 + r3[i] * b3 }
    }
}
