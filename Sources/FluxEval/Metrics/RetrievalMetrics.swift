import Foundation

/// Recall and rank figures of one retrieval direction.
///
/// JSON keys: `queries, r1, r5, r10, mdr, mnr, tied_queries` (recalls in percent).
public struct RankStatistics: Codable, Sendable, Equatable {
    /// Queries ranked (texts for text→video, videos with at least one text for video→text).
    public var queries: Int
    /// R@1, R@5, R@10 in percent: 100 · mean(rank < K).
    public var r1: Double
    public var r5: Double
    public var r10: Double
    /// MdR = median(rank) + 1 (NumPy's median: the mean of the two middle ranks for an even count).
    public var medianRank: Double
    /// MnR = mean(rank) + 1.
    public var meanRank: Double
    /// Queries whose best ground truth shares its score with a wrong candidate (ranked
    /// optimistically: the tie does not count against it).
    public var tiedQueries: Int

    enum CodingKeys: String, CodingKey {
        case queries, r1, r5, r10
        case medianRank = "mdr", meanRank = "mnr", tiedQueries = "tied_queries"
    }

    public init(queries: Int, r1: Double, r5: Double, r10: Double, medianRank: Double, meanRank: Double, tiedQueries: Int) {
        self.queries = queries
        self.r1 = r1
        self.r5 = r5
        self.r10 = r10
        self.medianRank = medianRank
        self.meanRank = meanRank
        self.tiedQueries = tiedQueries
    }

    /// R@K for K in {1, 5, 10}.
    public func recall(at k: Int) -> Double {
        switch k {
        case 1: return r1
        case 5: return r5
        default: return r10
        }
    }
}

/// Both directions. JSON keys `t2v` (text→video; UMT's `img_r*`) and `v2t` (video→text; `txt_r*`).
public struct DirectionalMetrics: Codable, Sendable, Equatable {
    public var textToVideo: RankStatistics
    public var videoToText: RankStatistics

    enum CodingKeys: String, CodingKey {
        case textToVideo = "t2v", videoToText = "v2t"
    }

    public init(textToVideo: RankStatistics, videoToText: RankStatistics) {
        self.textToVideo = textToVideo
        self.videoToText = videoToText
    }
}

/// The ranks behind one scoring of a similarity matrix, per query.
public struct RetrievalEvaluation: Sendable, Equatable {
    public var metrics: DirectionalMetrics
    /// Per text: the rank of its video among all videos.
    public var textToVideoRanks: [Int]
    /// Per video: the best rank of its texts among all texts; nil for a video without texts.
    public var videoToTextRanks: [Int?]
    /// Per text: the top-scored video (lowest index among equals).
    public var textToVideoTop: [Int]
    /// Per video: the top-scored text (lowest index among equals).
    public var videoToTextTop: [Int]
}

/// Ranks and metrics (EVAL_PROTOCOL §4.3, §4.4).
///
/// **Rank** of a query = the number of candidates scored *strictly higher* than its ground
/// truth (0-based; CLIP4Clip's `compute_metrics` rule). Ties are therefore resolved in the
/// query's favour ("optimistic"); ``RankStatistics/tiedQueries`` counts where that mattered.
/// UMT's `argsort` instead breaks ties arbitrarily, which only differs on exact ties.
///
/// **Several ground truths** (UMT `itm_eval`): a query's rank is the minimum over its ground
/// truths. With several captions per video:
/// - text→video: every caption is a query with its one video;
/// - video→text: every video with at least one caption is a query, ranked against *all*
///   captions; its rank is that of its best-ranked caption.
///
/// Then R@K = 100 · mean(rank < K), MdR = median(rank) + 1, MnR = mean(rank) + 1.
///
/// For example (hand-worked in the tests):
/// ```swift
/// let s = ScoreMatrix([[0.9, 0.2], [0.3, 0.8]])            // S[v, t], 2 videos × 2 texts
/// let e = RetrievalMetrics.evaluate(s, textVideo: [0, 1])
/// e.metrics.textToVideo.r1                                // 100
/// ```
public enum RetrievalMetrics {
    /// The rank of each query row: `scores` is `[queries, candidates]`; `groundTruth[q]` lists
    /// the correct candidates of query q (non-empty).
    public static func ranks(_ scores: ScoreMatrix, groundTruth: [[Int]]) -> [Int] {
        rankDetails(scores, groundTruth: groundTruth).map(\.rank)
    }

    /// Rank, tie flag and top candidate of each query row.
    static func rankDetails(_ scores: ScoreMatrix, groundTruth: [[Int]]) -> [(rank: Int, tied: Bool, top: Int)] {
        precondition(groundTruth.count == scores.rows, "RetrievalMetrics: \(groundTruth.count) ground truths for \(scores.rows) queries")
        var out: [(rank: Int, tied: Bool, top: Int)] = []
        out.reserveCapacity(scores.rows)
        for q in 0..<scores.rows {
            let gts = groundTruth[q]
            precondition(!gts.isEmpty && gts.allSatisfy { $0 >= 0 && $0 < scores.cols },
                         "RetrievalMetrics: query \(q) needs ground truths among its \(scores.cols) candidates")
            let row = scores.row(q)
            // The best ground truth has the highest score; nothing above it is a ground truth.
            let best = gts.map { row[row.startIndex + $0] }.max()!
            var above = 0, tied = false
            var top = 0, topScore = -Double.infinity
            let isGT = Set(gts)
            for (c, x) in row.enumerated() {
                if x > best { above += 1 } else if x == best && !isGT.contains(c) { tied = true }
                if x > topScore { topScore = x; top = c }
            }
            out.append((above, tied, top))
        }
        return out
    }

    /// R@1/5/10, MdR and MnR of `ranks` (0-based); all zero when there are no ranks.
    public static func statistics(ranks: [Int], tiedQueries: Int = 0) -> RankStatistics {
        let n = ranks.count
        guard n > 0 else { return RankStatistics(queries: 0, r1: 0, r5: 0, r10: 0, medianRank: 0, meanRank: 0, tiedQueries: 0) }
        func recall(_ k: Int) -> Double { 100 * Double(ranks.filter { $0 < k }.count) / Double(n) }
        let sorted = ranks.sorted()
        let median = n % 2 == 1 ? Double(sorted[n / 2]) : Double(sorted[n / 2 - 1] + sorted[n / 2]) / 2
        let mean = Double(ranks.reduce(0, +)) / Double(n)
        return RankStatistics(queries: n, r1: recall(1), r5: recall(5), r10: recall(10),
                              medianRank: median + 1, meanRank: mean + 1, tiedQueries: tiedQueries)
    }

    /// Scores `s` (`[Nv, Nt]`, rows = videos) in both directions, raw or through the dual
    /// softmax (``DualSoftmaxMatrix``) at `dslScale`.
    ///
    /// - Parameters:
    ///   - textVideo: the video of each text (`Nt` entries in `0..<Nv`).
    ///   - dslScale: nil scores `s` as it is; a positive value applies the dual softmax.
    public static func evaluate(_ s: ScoreMatrix, textVideo: [Int], dslScale: Double? = nil) -> RetrievalEvaluation {
        precondition(textVideo.count == s.cols, "RetrievalMetrics: \(textVideo.count) text→video entries for \(s.cols) texts")
        let t2vMatrix = dslScale.map { DualSoftmaxMatrix.textToVideo(s, scale: $0) } ?? s.transposed()
        let v2tMatrix = dslScale.map { DualSoftmaxMatrix.videoToText(s, scale: $0) } ?? s

        let t2v = rankDetails(t2vMatrix, groundTruth: textVideo.map { [$0] })

        var videoTexts = [[Int]](repeating: [], count: s.rows)
        for (t, v) in textVideo.enumerated() { videoTexts[v].append(t) }
        let queried = videoTexts.indices.filter { !videoTexts[$0].isEmpty }
        var rows = [Double]()
        rows.reserveCapacity(queried.count * s.cols)
        for v in queried { rows += v2tMatrix.row(v) }
        let v2tDetails = rankDetails(ScoreMatrix(rows: queried.count, cols: s.cols, values: rows),
                                     groundTruth: queried.map { videoTexts[$0] })
        var v2tRanks = [Int?](repeating: nil, count: s.rows)
        for (i, v) in queried.enumerated() { v2tRanks[v] = v2tDetails[i].rank }
        var v2tTop = [Int](repeating: 0, count: s.rows)
        for v in 0..<s.rows {
            var best = -Double.infinity
            for (t, x) in v2tMatrix.row(v).enumerated() where x > best { best = x; v2tTop[v] = t }
        }

        let metrics = DirectionalMetrics(
            textToVideo: statistics(ranks: t2v.map(\.rank), tiedQueries: t2v.filter(\.tied).count),
            videoToText: statistics(ranks: v2tDetails.map(\.rank), tiedQueries: v2tDetails.filter(\.tied).count))
        return RetrievalEvaluation(metrics: metrics, textToVideoRanks: t2v.map(\.rank), videoToTextRanks: v2tRanks,
                                   textToVideoTop: t2v.map(\.top), videoToTextTop: v2tTop)
    }
}
