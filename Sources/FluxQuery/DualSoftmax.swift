import FluxCore

/// Dual-softmax reranking for one live query against a query bank.
///
/// The evaluation's text→video dual softmax (EVAL_PROTOCOL §4.2) re-weights each cosine
/// S[v, t] by `softmax_t(S[v, :] / τ)[t]`, the share this text takes among *all* texts for
/// video v. A live query has no other test queries, so the bank stands in for them: for each
/// candidate video v,
///
///     w_v   = exp(c_v / τ) / (exp(c_v / τ) + Σ_b exp(s_vb / τ))
///     score = c_v · w_v
///
/// where c_v = cos(v, query) and s_vb = cos(v, bank_b). A video that matches many bank
/// captions about as well as the query (a "hub") is pushed down; one that matches this query
/// distinctly is kept up. τ = 1 (raw cosines) is the evaluation's setting and the default.
public enum DualSoftmax {
    /// Reranked scores for `candidates`.
    ///
    /// - Parameters:
    ///   - cosines: c_v, the query's cosine with each candidate `[K]`.
    ///   - candidates: the candidates' unit vectors `[K, E]` row-major.
    ///   - bank: the bank's unit text vectors `[B, E]` row-major (B may be 0: weights become 1).
    ///   - temperature: τ > 0.
    /// - Returns: the scores c_v · w_v `[K]` and the weights w_v `[K]`.
    public static func rerank(cosines: [Float], candidates: [Float], bank: [Float], dimension e: Int,
                              temperature: Float = 1) -> (scores: [Float], weights: [Float]) {
        let k = cosines.count, b = bank.count / e
        precondition(candidates.count == k * e && bank.count == b * e, "DualSoftmax: vector sizes do not match dimension \(e)")
        guard k > 0 else { return ([], []) }
        guard b > 0 else { return (cosines, [Float](repeating: 1, count: k)) }
        // s = candidates · bankᵀ / τ, plus the query's column: [K, B + 1].
        let logits = Tensor(zeros: [k, b + 1])
        candidates.withUnsafeBufferPointer { c in
            bank.withUnsafeBufferPointer { t in
                GEMM.multiply(MatrixRef(c.baseAddress!, rows: k, cols: e), MatrixRef(t.baseAddress!, rows: b, cols: e),
                              transposeB: true, into: MutableMatrixRef(logits.data, rows: k, cols: b, rowStride: b + 1),
                              alpha: 1 / temperature)
            }
        }
        for v in 0..<k { logits.data[v * (b + 1) + b] = cosines[v] / temperature }
        Softmax.rows(logits.data, rows: k, cols: b + 1)
        let weights = (0..<k).map { logits.data[$0 * (b + 1) + b] }
        return (zip(cosines, weights).map(*), weights)
    }
}
