import FluxCore

/// Resamples a stored position table `[1, 1 + T·H², D]` (class row first, then (t, row,
/// column) order) to another grid, as the official fine-tune loader and
/// `Tools/convert_checkpoint.py` do: time linear, then space bicubic (A = −0.75), both
/// align_corners=False without antialias; the class row is kept.
///
/// Bitwise equal to PyTorch's CPU kernels as x86-64 wheels run them. Those kernels are
/// compiled with floating-point contraction in their AVX2 variants, so some multiply-adds
/// are fused and others are not; the pattern below was read off PyTorch 2.15's output (one-hot
/// inputs expose the weights, random tables the sums; see Tools/fixtures/make_import_fixtures.py):
/// - source index: `fma(scale, d + 0.5, −0.5)`, scale = Float(I) / Float(O);
/// - K₁(x) = `fma(A+2, x, −(A+3))·x·x + 1`; K₂(x) = `fma(fma(A, x, −5A), x, 8A)·x − 4A`;
/// - a weighted sum `x₀w₀ + x₁w₁ + x₂w₂ + x₃w₃` = `fma(x₃, w₃, fma(x₂, w₂, fma(x₀, w₀, x₁·w₁)))`
///   (and the 2-tap linear sum `fma(x₀, w₀, x₁·w₁)`); bicubic sums along W first, then the
///   four row sums along H.
/// The runtime tables (``PositionTable``) use ``Interpolation``, which keeps every product
/// separate; the two differ in the last bit only.
enum PositionResampler {
    /// `table` `[1, 1 + from.T·from.H², D]` → `[1, 1 + to.T·to.H², D]`.
    static func resample(_ table: Tensor, from: (Int, Int), to: (Int, Int)) -> Tensor {
        let (srcT, srcH) = from, (dstT, dstH) = to
        let d = table.shape[2]
        // [T, H, W, D] row-major after the class row.
        var grid = Array(UnsafeBufferPointer(start: table.data + d, count: srcT * srcH * srcH * d))
        if srcT != dstT { grid = linear(grid, outer: 1, length: srcT, inner: srcH * srcH * d, size: dstT) }
        if srcH != dstH { grid = bicubic(grid, frames: dstT, side: srcH, channels: d, size: dstH) }
        var values = Array(UnsafeBufferPointer(start: table.data, count: d))
        values += grid
        return Tensor(shape: [1, 1 + dstT * dstH * dstH, d], values: values)
    }

    static let a: Float = -0.75

    @inline(__always)
    static func sourceIndex(scale: Float, _ d: Int) -> Float {
        Float(-0.5).addingProduct(scale, Float(d) + 0.5)
    }

    /// K₁(x) for |x| ≤ 1.
    @inline(__always)
    static func inner(_ x: Float) -> Float {
        let q = (-(a + 3)).addingProduct(a + 2, x)
        return q * x * x + 1
    }

    /// K₂(x) for 1 ≤ |x| ≤ 2.
    @inline(__always)
    static func outer(_ x: Float) -> Float {
        var p = (-5 * a).addingProduct(a, x)
        p = (8 * a).addingProduct(p, x)
        return p * x - 4 * a
    }

    /// Linear resampling of the middle axis of `[outer, length, inner]` to `size`.
    static func linear(_ x: [Float], outer: Int, length: Int, inner: Int, size: Int) -> [Float] {
        let scale = Float(length) / Float(size)
        var out = [Float](repeating: 0, count: outer * size * inner)
        for dst in 0..<size {
            var src = sourceIndex(scale: scale, dst)
            if src < 0 { src = 0 }
            let i0 = min(Int(src.rounded(.down)), length - 1)
            let w1 = min(max(src - Float(i0), 0), 1)
            let w0 = 1 - w1
            let i1 = i0 + (i0 < length - 1 ? 1 : 0)
            for o in 0..<outer {
                let a = (o * length + i0) * inner, b = (o * length + i1) * inner, r = (o * size + dst) * inner
                for c in 0..<inner { out[r + c] = (x[b + c] * w1).addingProduct(x[a + c], w0) }
            }
        }
        return out
    }

    /// The four taps (clamped) and weights of output `d` for `input` → `output` samples.
    static func cubicTaps(input: Int, output: Int) -> [(index: [Int], weight: [Float])] {
        let scale = Float(input) / Float(output)
        return (0..<output).map { d in
            let src = sourceIndex(scale: scale, d)
            let i = min(Int(src.rounded(.down)), input - 1)
            let t = min(max(src - Float(i), 0), 1)
            let u = 1 - t
            let w = [outer(t + 1), inner(t), inner(u), outer(u + 1)]
            return ((0..<4).map { min(max(i + $0 - 1, 0), input - 1) }, w)
        }
    }

    /// `fma(v₃, w₃, fma(v₂, w₂, fma(v₀, w₀, v₁·w₁)))`.
    @inline(__always)
    static func sum4(_ v0: Float, _ v1: Float, _ v2: Float, _ v3: Float, _ w: [Float]) -> Float {
        var acc = (v1 * w[1]).addingProduct(v0, w[0])
        acc = acc.addingProduct(v2, w[2])
        return acc.addingProduct(v3, w[3])
    }

    /// Bicubic resampling of `[frames, side, side, channels]` to `[frames, size, size, channels]`.
    static func bicubic(_ x: [Float], frames: Int, side: Int, channels: Int, size: Int) -> [Float] {
        let taps = cubicTaps(input: side, output: size)
        // W pass: [frames, side (rows), size (columns), channels]; the row sums PyTorch forms
        // for each H tap are these values, so the two passes give its per-pixel result.
        var rows = [Float](repeating: 0, count: frames * side * size * channels)
        for f in 0..<frames {
            for y in 0..<side {
                let base = (f * side + y) * side
                for ox in 0..<size {
                    let (ix, wx) = taps[ox]
                    let dst = ((f * side + y) * size + ox) * channels
                    let p0 = (base + ix[0]) * channels, p1 = (base + ix[1]) * channels
                    let p2 = (base + ix[2]) * channels, p3 = (base + ix[3]) * channels
                    for c in 0..<channels {
                        rows[dst + c] = sum4(x[p0 + c], x[p1 + c], x[p2 + c], x[p3 + c], wx)
                    }
                }
            }
        }
        var out = [Float](repeating: 0, count: frames * size * size * channels)
        for f in 0..<frames {
            for oy in 0..<size {
                let (iy, wy) = taps[oy]
                for ox in 0..<size {
                    let dst = ((f * size + oy) * size + ox) * channels
                    let r = iy.map { ((f * side + $0) * size + ox) * channels }
                    for c in 0..<channels {
                        out[dst + c] = sum4(rows[r[0] + c], rows[r[1] + c], rows[r[2] + c], rows[r[3] + c], wy)
                    }
                }
            }
        }
        return out
    }
}
