import CFluxKernels

/// Softmax over one axis of a `[rows, cols]` row-major matrix, in place, fp32 with
/// max-subtraction.
public enum Softmax {
    /// Along each row (over the columns): x[r, :] ← softmax(x[r, :]). Row stride `stride`.
    /// A row that is entirely −∞ becomes all zeros instead of NaN.
    public static func rows(_ x: UnsafeMutablePointer<Float>, rows: Int, cols: Int, stride: Int? = nil) {
        let xs = stride ?? cols
        for r in 0..<rows {
            let sum = expShifted(x + r * xs, count: cols)
            VectorMath.scale(x + r * xs, count: cols, by: sum > 0 ? 1 / sum : 0)
        }
    }

    /// Along each column (over the rows): x[:, c] ← softmax(x[:, c]).
    public static func columns(_ x: UnsafeMutablePointer<Float>, rows: Int, cols: Int) {
        guard rows > 0, cols > 0 else { return }
        let colMax = UnsafeMutablePointer<Float>.allocate(capacity: cols)
        let colSum = UnsafeMutablePointer<Float>.allocate(capacity: cols)
        defer { colMax.deallocate(); colSum.deallocate() }
        colMax.update(from: x, count: cols)
        for r in 1..<rows { fk_max_into(x + r * cols, colMax, cols) }
        // An all −∞ column would give (−∞) − (−∞) = NaN; shift by 0 there instead.
        for c in 0..<cols where colMax[c] == -.infinity { colMax[c] = 0 }
        colSum.initialize(repeating: 0, count: cols)
        for r in 0..<rows { fk_exp_sub_accumulate(x + r * cols, colMax, colSum, cols) }
        for c in 0..<cols { colSum[c] = colSum[c] > 0 ? 1 / colSum[c] : 0 }
        for r in 0..<rows { VectorMath.multiply(x + r * cols, by: colSum, count: cols) }
    }

    /// x ← exp(x − max(x)); returns Σ of the result. An all −∞ input gives zeros and sum 0.
    @inline(__always)
    static func expShifted(_ x: UnsafeMutablePointer<Float>, count: Int) -> Float {
        guard count > 0 else { return 0 }
        var m = VectorMath.max(x, count: count)
        if m == -.infinity { m = 0 }
        return VectorMath.expShifted(x, count: count, shift: m)
    }
}
