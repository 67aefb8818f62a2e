import Foundation

/// Dual-softmax ("DSL") ranking matrices of a full test set, exactly as InternVideo2's
/// `tasks_clip/retrieval_utils.py::evaluation_video_clip` computes them (EVAL_PROTOCOL §4.2,
/// MODEL_SPEC §7), with the softmax temperature made explicit:
///
///     T2V[t, v] = S[v, t] · softmax_t(scale · S[v, :])[t]    softmax over the TEXTS of video v
///     V2T[v, t] = S[v, t] · softmax_v(scale · S[:, t])[v]    softmax over the VIDEOS of text t
///
/// S is `[Nv, Nt]` (rows = videos). T2V is `[Nt, Nv]` (each row t ranks videos), V2T is
/// `[Nv, Nt]` (each row v ranks texts). In PyTorch terms: `t2i = S.T * (scale·S.T).softmax(dim=0)`,
/// `i2t = S * (scale·S).softmax(dim=0)`.
///
/// `scale` = 1 is the IV2/FluxViT setting (softmax on raw cosines, the default of
/// `--dsl-scale`); 100 reproduces the CAMoE / InternVideo1 behaviour on logit-scaled cosines
/// (there the multiplier is scaled too, which changes no ranking). The softmax is computed in
/// float64 after subtracting the maximum, with plain scalar loops: equal inputs give
/// bit-identical outputs wherever they sit, so exact ties stay exact. Works on non-square
/// matrices and several captions per video unchanged (§4.4).
///
/// For example:
/// ```swift
/// let s = ScoreMatrix([[0.9, 0.8], [0.85, 0.1]])          // 2 videos × 2 texts
/// let t2v = DualSoftmaxMatrix.textToVideo(s)               // [2 texts, 2 videos]
/// let ranks = RetrievalMetrics.ranks(t2v, groundTruth: [[0], [1]])
/// ```
public enum DualSoftmaxMatrix {
    /// The text→video ranking matrix `[Nt, Nv]`.
    public static func textToVideo(_ s: ScoreMatrix, scale: Double = 1) -> ScoreMatrix {
        precondition(scale > 0 && scale.isFinite, "DualSoftmaxMatrix: scale must be a positive number, got \(scale)")
        var out = [Double](repeating: 0, count: s.values.count)
        var weights = [Double](repeating: 0, count: s.cols)
        for v in 0..<s.rows {
            // softmax over the texts of row v
            softmax(count: s.cols, scale: scale, value: { s.values[v * s.cols + $0] }, into: &weights)
            for t in 0..<s.cols { out[t * s.rows + v] = s.values[v * s.cols + t] * weights[t] }
        }
        return ScoreMatrix(rows: s.cols, cols: s.rows, values: out)
    }

    /// The video→text ranking matrix `[Nv, Nt]`.
    public static func videoToText(_ s: ScoreMatrix, scale: Double = 1) -> ScoreMatrix {
        precondition(scale > 0 && scale.isFinite, "DualSoftmaxMatrix: scale must be a positive number, got \(scale)")
        var out = [Double](repeating: 0, count: s.values.count)
        var weights = [Double](repeating: 0, count: s.rows)
        for t in 0..<s.cols {
            // softmax over the videos of column t
            softmax(count: s.rows, scale: scale, value: { s.values[$0 * s.cols + t] }, into: &weights)
            for v in 0..<s.rows { out[v * s.cols + t] = s.values[v * s.cols + t] * weights[v] }
        }
        return ScoreMatrix(rows: s.rows, cols: s.cols, values: out)
    }

    /// weights[i] = exp(scale·x_i − max) / Σ exp(scale·x_j − max), for i < count.
    @inline(__always)
    static func softmax(count: Int, scale: Double, value: (Int) -> Double, into weights: inout [Double]) {
        guard count > 0 else { return }
        var m = -Double.infinity
        for i in 0..<count { m = max(m, scale * value(i)) }
        var sum = 0.0
        for i in 0..<count {
            let e = exp(scale * value(i) - m)
            weights[i] = e
            sum += e
        }
        for i in 0..<count { weights[i] /= sum }
    }
}
