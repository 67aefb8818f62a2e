import Foundation

/// Naive twins of the fast kernels: plain loops with Double accumulation and libm functions.
///
/// They are the algorithmic reference that tests compare the fast kernels against on awkward
/// shapes (odd sizes, strides, transposes). Layouts match the fast versions exactly.
public enum ReferenceKernels {
    /// c ← alpha·op(a)·op(b) + beta·c, element by element.
    public static func gemm(_ a: MatrixRef, transposeA: Bool, _ b: MatrixRef, transposeB: Bool,
                            into c: MutableMatrixRef, alpha: Float = 1, beta: Float = 0) {
        let m = transposeA ? a.cols : a.rows, k = transposeA ? a.rows : a.cols
        let n = transposeB ? b.rows : b.cols
        for i in 0..<m {
            for j in 0..<n {
                var acc = 0.0
                for p in 0..<k {
                    let av = transposeA ? a.base[p * a.rowStride + i] : a.base[i * a.rowStride + p]
                    let bv = transposeB ? b.base[j * b.rowStride + p] : b.base[p * b.rowStride + j]
                    acc += Double(av) * Double(bv)
                }
                let idx = i * c.rowStride + j
                c.base[idx] = Float(Double(alpha) * acc + (beta == 0 ? 0 : Double(beta) * Double(c.base[idx])))
            }
        }
    }

    /// Multi-head attention with the same layouts and mask semantics as ``Attention/multiHead``.
    public static func attention(q: MatrixRef, k: MatrixRef, v: MatrixRef, heads: Int, scale: Float,
                                 mask: AttentionMask, out: MutableMatrixRef) {
        let nq = q.rows, nk = k.rows, d = q.cols / heads
        var logits = [Double](repeating: 0, count: nk)
        for h in 0..<heads {
            for i in 0..<nq {
                for j in 0..<nk {
                    var s = 0.0
                    for t in 0..<d { s += Double(q.base[i * q.rowStride + h * d + t]) * Double(k.base[j * k.rowStride + h * d + t]) }
                    s *= Double(scale)
                    switch mask {
                    case .none: break
                    case .causal: if j > i + nk - nq { s = -.infinity }
                    case .additive(let m): s += Double(m[i * nk + j])
                    }
                    logits[j] = s
                }
                let mx = logits.max() ?? 0
                var w = logits.map { mx == -.infinity ? 0 : Foundation.exp($0 - mx) }
                let total = w.reduce(0, +)
                w = w.map { total > 0 ? $0 / total : 0 }
                for t in 0..<d {
                    var acc = 0.0
                    for j in 0..<nk { acc += w[j] * Double(v.base[j * v.rowStride + h * d + t]) }
                    out.base[i * out.rowStride + h * d + t] = Float(acc)
                }
            }
        }
    }

    public static func layerNorm(_ x: [Float], rows: Int, cols: Int, weight: [Float]?, bias: [Float]?, eps: Float) -> [Float] {
        var out = x
        for r in 0..<rows {
            let row = x[(r * cols)..<((r + 1) * cols)].map(Double.init)
            let mean = row.reduce(0, +) / Double(cols)
            let varc = row.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(cols)
            for c in 0..<cols {
                var v = (row[c] - mean) / (varc + Double(eps)).squareRoot()
                if let weight { v *= Double(weight[c]) }
                if let bias { v += Double(bias[c]) }
                out[r * cols + c] = Float(v)
            }
        }
        return out
    }

    public static func rmsNorm(_ x: [Float], rows: Int, cols: Int, weight: [Float]?, eps: Float) -> [Float] {
        var out = x
        for r in 0..<rows {
            let row = x[(r * cols)..<((r + 1) * cols)].map(Double.init)
            let ms = row.map { $0 * $0 }.reduce(0, +) / Double(cols)
            for c in 0..<cols { out[r * cols + c] = Float(row[c] / (ms + Double(eps)).squareRoot() * Double(weight?[c] ?? 1)) }
        }
        return out
    }

    public static func gelu(_ x: [Float]) -> [Float] {
        x.map { Float(0.5 * Double($0) * (1 + Foundation.erf(Double($0) / 2.0.squareRoot()))) }
    }

    public static func geluTanh(_ x: [Float]) -> [Float] {
        x.map { xf in
            let x = Double(xf)
            return Float(0.5 * x * (1 + Foundation.tanh((2 / Double.pi).squareRoot() * (x + 0.044715 * x * x * x))))
        }
    }
}
