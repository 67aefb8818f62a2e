import FluxCore

/// Group-dynamic token selection (`sparse_group_token_selection`, MODEL_SPEC §2.4).
///
/// Frames are split into G contiguous groups (G = 4 when T % 4 == 0, 1 when T == 2, else 2).
/// Inside a group a token's importance is the L2 distance of its embedding to the same patch
/// in the neighbouring frame; frame 0 reuses the frame 0→1 distance, so frames 0 and 1 tie
/// exactly. Each group keeps its top `int((1 − r)·T′·L)` tokens, r = 1 − budget / (T·L)
/// computed in double precision as upstream does, so the total can fall below the budget.
/// Ties go to the lower flat index (a stable descending sort).
enum TokenSelection {
    /// Number of contiguous frame groups for `frames` frames.
    static func groupCount(frames t: Int) -> Int {
        t % 4 == 0 ? 4 : (t == 2 ? 1 : 2)
    }

    /// Tokens each group keeps for `budget`, or nil when `frames·perFrame ≤ budget` (no selection).
    static func keepPerGroup(frames t: Int, perFrame l: Int, budget: Int) -> Int? {
        guard t * l > budget else { return nil }
        let r = 1.0 - Double(budget) / Double(t * l)
        let g = groupCount(frames: t)
        return Int((1.0 - r) * Double((t / g) * l))
    }

    /// Throws ``SamplingError`` unless `budget` is positive and, when `t·l` patch tokens exceed
    /// it, the frames split into groups of at least 2 (an even T of 2 or at least 6).
    static func check(frames t: Int, perFrame l: Int, budget: Int) throws {
        try SamplingPlan.checkBudget(budget)
        guard t * l > budget else { return }
        guard t % 2 == 0 else {
            throw SamplingError.invalidFrames(t, reason: "token selection (pool \(t * l) > budget \(budget)) needs an even frame count")
        }
        let g = groupCount(frames: t)
        guard t / g >= 2 else {
            throw SamplingError.invalidFrames(t, reason: "token selection makes \(g) groups of \(t / g) frame; use 2 or at least 6 frames, or a budget of at least \(t * l) tokens")
        }
    }

    /// The kept flat token indices t·L + p, ascending, or nil when every token is kept.
    ///
    /// - Parameter x: post-DPN patch embeddings of one clip, `[T, L, D]` row-major, before the
    ///   class token and position embedding.
    static func select(_ x: UnsafePointer<Float>, frames t: Int, perFrame l: Int, width d: Int,
                       budget: Int) throws -> [Int]? {
        try check(frames: t, perFrame: l, budget: budget)
        guard let k = keepPerGroup(frames: t, perFrame: l, budget: budget) else { return nil }
        let g = groupCount(frames: t), tg = t / g
        var kept: [Int] = []
        kept.reserveCapacity(g * k)
        var importance = [Float](repeating: 0, count: tg * l)
        for group in 0..<g {
            let first = group * tg
            for f in 1..<tg {
                let a = x + ((first + f) * l) * d, b = x + ((first + f - 1) * l) * d
                for p in 0..<l {
                    var s: Float = 0
                    for c in 0..<d { let diff = a[p * d + c] - b[p * d + c]; s += diff * diff }
                    importance[f * l + p] = s.squareRoot()
                }
            }
            for p in 0..<l { importance[p] = importance[l + p] }
            let order = Sorting.topK(importance, k: k)
            kept += order.sorted().map { first * l + $0 }
        }
        return kept
    }
}
