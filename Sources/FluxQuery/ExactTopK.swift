import Foundation
import FluxCore

/// Exact top-k inner-product neighbours of a few queries over vectors that arrive in chunks
/// (the ground truth of ``QueryBenchmark``): each chunk is scored with one sgemm and only the
/// `k` best per query are kept, so the whole set never needs to be in memory.
///
/// Ties keep the smaller id (chunks must arrive in increasing id order for that).
struct ExactTopK {
    let dimension: Int
    let k: Int
    /// Queries `[Q, d]`, row-major.
    private let queries: [Float]
    /// Per query: the best (score, id) so far, sorted best first, at most `k`.
    private var best: [[(score: Float, id: Int64)]]
    /// Seconds spent in ``add(_:firstId:)``.
    private(set) var seconds = 0.0

    init(queries: [Float], dimension: Int, k: Int) {
        self.dimension = dimension
        self.k = k
        self.queries = queries
        best = Array(repeating: [], count: queries.count / dimension)
    }

    /// Scores the chunk `vectors` (`[m, d]` row-major, ids `firstId..<firstId + m`) against every
    /// query: scores `[Q, m]` = queries `[Q, d]` · vectorsᵀ (cblas NoTrans/Trans, lda = ldb = d,
    /// ldc = m), then keeps each query's best `k`.
    mutating func add(_ vectors: UnsafeBufferPointer<Float>, firstId: Int64) {
        let t0 = Timing.now()
        let e = dimension, nq = best.count, m = vectors.count / e
        guard nq > 0, m > 0 else { return }
        var scores = [Float](repeating: 0, count: nq * m)
        queries.withUnsafeBufferPointer { q in
            scores.withUnsafeMutableBufferPointer { s in
                GEMM.multiply(MatrixRef(q.baseAddress!, rows: nq, cols: e),
                              MatrixRef(vectors.baseAddress!, rows: m, cols: e), transposeB: true,
                              into: MutableMatrixRef(s.baseAddress!, rows: nq, cols: m))
            }
        }
        for q in 0..<nq {
            var list = best[q]
            var worst = list.count == k ? list[k - 1].score : -Float.infinity
            for j in 0..<m {
                let s = scores[q * m + j]
                guard s > worst else { continue }
                // Insert after every entry at least as good (earlier ids win ties).
                var at = list.count
                while at > 0 && list[at - 1].score < s { at -= 1 }
                list.insert((s, firstId + Int64(j)), at: at)
                if list.count > k { list.removeLast() }
                if list.count == k { worst = list[k - 1].score }
            }
            best[q] = list
        }
        seconds += Timing.now() - t0
    }

    /// Each query's top-k ids, best first.
    func ids() -> [[Int64]] { best.map { $0.map(\.id) } }
}
