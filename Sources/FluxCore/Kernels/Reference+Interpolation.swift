// Naive twins of the kernels in Interpolation.swift: one output element at a time, with the
// source coordinate and weights recomputed inline, in the loop structure of PyTorch's generic
// CPU kernel (`Interpolate<2, …>`: for each of the 4 H taps, the W sum; then the H sum).
// They serve as the algorithmic reference for tests; the fast versions must agree bit for bit.
// (Kept in its own namespace so it does not depend on a shared `Reference` type existing.)

/// Slow, obviously-correct reference implementations of ``Interpolation``.
enum InterpolationReference {
    /// Linear resampling of the middle axis: `[outer, length, inner]` → `[outer, size, inner]`.
    static func linear(_ x: [Float], outer: Int, length: Int, inner: Int, size: Int) -> [Float] {
        var out = [Float](repeating: 0, count: outer * size * inner)
        let scale = Float(length) / Float(size)
        for o in 0..<outer {
            for d in 0..<size {
                for c in 0..<inner {
                    let i0: Int, i1: Int, l0: Float, l1: Float
                    if length == size {
                        (i0, i1, l0, l1) = (d, d, 1, 0)
                    } else {
                        let src = max(scale * (Float(d) + 0.5) - 0.5, 0)
                        i0 = Int(src)  // src ≥ 0, so truncation is the floor
                        i1 = i0 < length - 1 ? i0 + 1 : i0
                        l1 = src - Float(i0)
                        l0 = 1 - l1
                    }
                    out[(o * size + d) * inner + c] =
                        x[(o * length + i0) * inner + c] * l0 + x[(o * length + i1) * inner + c] * l1
                }
            }
        }
        return out
    }

    /// Bicubic resampling: `[outer, height, width, inner]` → `[outer, outHeight, outWidth, inner]`.
    static func bicubic(_ x: [Float], outer: Int, height: Int, width: Int, inner: Int,
                        outHeight: Int, outWidth: Int) -> [Float] {
        var out = [Float](repeating: 0, count: outer * outHeight * outWidth * inner)
        for o in 0..<outer {
            for oh in 0..<outHeight {
                let (hIdx, hW) = cubicTap(oh, input: height, output: outHeight)
                for ow in 0..<outWidth {
                    let (wIdx, wW) = cubicTap(ow, input: width, output: outWidth)
                    for c in 0..<inner {
                        func at(_ h: Int, _ w: Int) -> Float { x[((o * height + h) * width + w) * inner + c] }
                        var acc: Float = 0
                        for j in 0..<4 {
                            var t = at(hIdx[j], wIdx[0]) * wW[0]
                            for k in 1..<4 { t += at(hIdx[j], wIdx[k]) * wW[k] }
                            acc = j == 0 ? t * hW[0] : acc + t * hW[j]
                        }
                        out[((o * outHeight + oh) * outWidth + ow) * inner + c] = acc
                    }
                }
            }
        }
        return out
    }

    /// uint8 image resize `[H, W, C]` → `[outH, outW, C]`: bicubic in Float, clamp, round half-even.
    static func resizeBicubic(_ pixels: [UInt8], height: Int, width: Int, channels: Int,
                              outHeight: Int, outWidth: Int) -> [UInt8] {
        let f = bicubic(pixels.map { Float($0) }, outer: 1, height: height, width: width, inner: channels,
                        outHeight: outHeight, outWidth: outWidth)
        return f.map { UInt8(min(max($0, 0), 255).rounded(.toNearestOrEven)) }
    }

    /// Indices (clamped) and weights of the 4 cubic taps for output index `d`.
    static func cubicTap(_ d: Int, input: Int, output: Int) -> ([Int], [Float]) {
        let a: Float = -0.75
        func k1(_ x: Float) -> Float { ((a + 2) * x - (a + 3)) * x * x + 1 }
        func k2(_ x: Float) -> Float { ((a * x - 5 * a) * x + 8 * a) * x - 4 * a }
        let src = Float(input) / Float(output) * (Float(d) + 0.5) - 0.5
        let i = Int(src.rounded(.down))
        let t = src - Float(i)
        let idx = (0..<4).map { min(max(i - 1 + $0, 0), input - 1) }
        return (idx, [k2(t + 1), k1(t), k1(1 - t), k2((1 - t) + 1)])
    }
}
