import CBLAS

/// A read-only strided matrix view: element (r, c) is at `base[r * rowStride + c]`.
///
/// Views let GEMM read sub-blocks in place, for example one head's columns of a packed
/// `[N, 3C]` qkv buffer (`rowStride = 3C`), without copying.
public struct MatrixRef {
    public let base: UnsafePointer<Float>
    public let rows: Int
    public let cols: Int
    /// Distance between consecutive rows, in elements (≥ cols).
    public let rowStride: Int

    public init(_ base: UnsafePointer<Float>, rows: Int, cols: Int, rowStride: Int? = nil) {
        let stride = rowStride ?? cols
        precondition(rows >= 0 && cols >= 0 && stride >= max(cols, 1), "MatrixRef: bad geometry \(rows)x\(cols) stride \(stride)")
        self.base = base; self.rows = rows; self.cols = cols; self.rowStride = stride
    }

    public init(_ t: Tensor) {
        precondition(t.rank == 2, "MatrixRef needs a rank-2 tensor, got \(t.shape)")
        self.init(UnsafePointer(t.data), rows: t.shape[0], cols: t.shape[1])
    }
}

/// A writable strided matrix view: element (r, c) is at `base[r * rowStride + c]`.
public struct MutableMatrixRef {
    public let base: UnsafeMutablePointer<Float>
    public let rows: Int
    public let cols: Int
    public let rowStride: Int

    public init(_ base: UnsafeMutablePointer<Float>, rows: Int, cols: Int, rowStride: Int? = nil) {
        let stride = rowStride ?? cols
        precondition(rows >= 0 && cols >= 0 && stride >= max(cols, 1), "MutableMatrixRef: bad geometry \(rows)x\(cols) stride \(stride)")
        self.base = base; self.rows = rows; self.cols = cols; self.rowStride = stride
    }

    public init(_ t: Tensor) {
        precondition(t.rank == 2, "MutableMatrixRef needs a rank-2 tensor, got \(t.shape)")
        self.init(t.data, rows: t.shape[0], cols: t.shape[1])
    }

    public var readOnly: MatrixRef { MatrixRef(UnsafePointer(base), rows: rows, cols: cols, rowStride: rowStride) }
}

/// Dense matrix multiplication on OpenBLAS.
public enum GEMM {
    /// `c ← alpha · op(a) · op(b) + beta · c`, where op(x) is x or xᵀ.
    ///
    /// Shapes: op(a) is [M, K], op(b) is [K, N], c is [M, N]; all row-major strided views.
    /// Maps to `cblas_sgemm(CblasRowMajor, ta, tb, M, N, K, alpha, a, lda = a.rowStride,
    /// b, ldb = b.rowStride, beta, c, ldc = c.rowStride)`.
    ///
    /// A `nn.Linear` weight W stored [out, in] is used as `b` with `transposeB: true`
    /// to compute x·Wᵀ.
    public static func multiply(_ a: MatrixRef, transposeA: Bool = false,
                                _ b: MatrixRef, transposeB: Bool = false,
                                into c: MutableMatrixRef, alpha: Float = 1, beta: Float = 0) {
        let m = transposeA ? a.cols : a.rows
        let k = transposeA ? a.rows : a.cols
        let kb = transposeB ? b.cols : b.rows
        let n = transposeB ? b.rows : b.cols
        precondition(k == kb, "GEMM: inner dimensions differ (\(k) vs \(kb))")
        precondition(c.rows == m && c.cols == n, "GEMM: output is \(c.rows)x\(c.cols), expected \(m)x\(n)")
        if m == 0 || n == 0 { return }
        if k == 0 {
            // BLAS leaves c scaled by beta when K = 0; do the same explicitly.
            for r in 0..<m { for j in 0..<n { c.base[r * c.rowStride + j] *= beta } }
            return
        }
        cblas_sgemm(CblasRowMajor,
                    transposeA ? CblasTrans : CblasNoTrans,
                    transposeB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha,
                    a.base, Int32(a.rowStride), b.base, Int32(b.rowStride),
                    beta, c.base, Int32(c.rowStride))
    }

    /// `out ← x · Wᵀ + bias` for a PyTorch `nn.Linear`.
    ///
    /// x: [N, in] (row stride `x.rowStride`), weight: [out, in] as nn.Linear stores it,
    /// bias: [out] or nil, out: [N, out].
    public static func linear(_ x: MatrixRef, weight: MatrixRef, bias: UnsafePointer<Float>?,
                              into out: MutableMatrixRef) {
        precondition(weight.cols == x.cols && out.cols == weight.rows && out.rows == x.rows,
                     "linear: x \(x.rows)x\(x.cols), weight \(weight.rows)x\(weight.cols), out \(out.rows)x\(out.cols)")
        if let bias {
            for r in 0..<out.rows { (out.base + r * out.rowStride).update(from: bias, count: out.cols) }
            multiply(x, weight, transposeB: true, into: out, beta: 1)
        } else {
            multiply(x, weight, transposeB: true, into: out, beta: 0)
        }
    }
}
