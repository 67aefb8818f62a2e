import XCTest
@testable import FluxEval

/// Ranks, recalls, MdR/MnR on small matrices worked out by hand (EVAL_PROTOCOL §4.3–4.4).
/// Every S below is [videos, texts]: rows = videos.
final class RetrievalMetricsTests: XCTestCase {
    func assertStatistics(_ s: RankStatistics, queries: Int, r1: Double, r5: Double, r10: Double, mdr: Double, mnr: Double,
                          tied: Int = 0, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(s.queries, queries, "queries", file: file, line: line)
        XCTAssertEqual(s.r1, r1, accuracy: 1e-9, "R@1", file: file, line: line)
        XCTAssertEqual(s.r5, r5, accuracy: 1e-9, "R@5", file: file, line: line)
        XCTAssertEqual(s.r10, r10, accuracy: 1e-9, "R@10", file: file, line: line)
        XCTAssertEqual(s.medianRank, mdr, accuracy: 1e-9, "MdR", file: file, line: line)
        XCTAssertEqual(s.meanRank, mnr, accuracy: 1e-9, "MnR", file: file, line: line)
        XCTAssertEqual(s.tiedQueries, tied, "tied queries", file: file, line: line)
    }

    /// t0: column [0.9, 0.2, 0.4] → its video 0.9 is top, rank 0; t1: [0.1, 0.8, 0.6] → 0;
    /// t2: [0.3, 0.7, 0.5] → 0.7 beats 0.5, rank 1. The rows give the same ranks for V2T.
    func testSquareMatrixRanksAndMetrics() {
        let s = ScoreMatrix([[0.9, 0.1, 0.3],
                             [0.2, 0.8, 0.7],
                             [0.4, 0.6, 0.5]])
        let e = RetrievalMetrics.evaluate(s, textVideo: [0, 1, 2])
        XCTAssertEqual(e.textToVideoRanks, [0, 0, 1])
        XCTAssertEqual(e.videoToTextRanks, [0, 0, 1])
        XCTAssertEqual(e.textToVideoTop, [0, 1, 1])
        XCTAssertEqual(e.videoToTextTop, [0, 1, 1])
        // R@1 = 2/3, MdR = median(0, 0, 1) + 1 = 1, MnR = 1/3 + 1.
        assertStatistics(e.metrics.textToVideo, queries: 3, r1: 200.0 / 3, r5: 100, r10: 100, mdr: 1, mnr: 4.0 / 3)
        assertStatistics(e.metrics.videoToText, queries: 3, r1: 200.0 / 3, r5: 100, r10: 100, mdr: 1, mnr: 4.0 / 3)
    }

    /// Rank = candidates strictly higher: a tie with the ground truth does not count against
    /// it (and is counted as a tied query); ties among higher candidates all count.
    func testTiesAreOptimisticAndCounted() {
        let s = ScoreMatrix([[0.5, 0.5],
                             [0.5, 0.2]])
        let e = RetrievalMetrics.evaluate(s, textVideo: [0, 1])
        // t0: column [0.5, 0.5], GT video 0 ties video 1 → rank 0, tied. t1: [0.5, 0.2] → rank 1.
        XCTAssertEqual(e.textToVideoRanks, [0, 1])
        // v0: row [0.5, 0.5], GT text 0 ties text 1 → rank 0, tied. v1: [0.5, 0.2] → rank 1.
        XCTAssertEqual(e.videoToTextRanks, [0, 1])
        assertStatistics(e.metrics.textToVideo, queries: 2, r1: 50, r5: 100, r10: 100, mdr: 1.5, mnr: 1.5, tied: 1)
        assertStatistics(e.metrics.videoToText, queries: 2, r1: 50, r5: 100, r10: 100, mdr: 1.5, mnr: 1.5, tied: 1)

        // One query, 4 candidates: two tied above the GT (both count), one tied with it.
        let row = ScoreMatrix([[0.7, 0.7, 0.3, 0.3]])
        XCTAssertEqual(RetrievalMetrics.ranks(row, groundTruth: [[2]]), [2])
        XCTAssertEqual(RetrievalMetrics.rankDetails(row, groundTruth: [[2]]).map(\.tied), [true])
        // Everything equal: rank 0 for any GT.
        XCTAssertEqual(RetrievalMetrics.ranks(ScoreMatrix([[1, 1, 1]]), groundTruth: [[1]]), [0])
    }

    /// UMT's rule (§4.4): every caption is a T2V query; V2T ranks a video's best caption
    /// against all captions, so another video's caption above it counts.
    func testSeveralCaptionsPerVideo() {
        let s = ScoreMatrix([[0.2, 0.3, 0.9, 0.1],
                             [0.6, 0.5, 0.4, 0.7]])
        let e = RetrievalMetrics.evaluate(s, textVideo: [0, 0, 1, 1])
        // t0 [0.2, 0.6] → 1; t1 [0.3, 0.5] → 1; t2 [0.9, 0.4] → 1; t3 [0.1, 0.7] → 0.
        XCTAssertEqual(e.textToVideoRanks, [1, 1, 1, 0])
        // v0: best GT caption t1 = 0.3, only t2 = 0.9 (video 1's) is above → 1.
        // v1: best GT caption t3 = 0.7 is the row's maximum → 0.
        XCTAssertEqual(e.videoToTextRanks, [1, 0])
        // T2V: R@1 = 1/4; MdR = median(0, 1, 1, 1) + 1 = 2; MnR = 3/4 + 1.
        assertStatistics(e.metrics.textToVideo, queries: 4, r1: 25, r5: 100, r10: 100, mdr: 2, mnr: 1.75)
        // V2T: R@1 = 1/2; MdR = (0 + 1)/2 + 1 = 1.5; MnR = 1/2 + 1.
        assertStatistics(e.metrics.videoToText, queries: 2, r1: 50, r5: 100, r10: 100, mdr: 1.5, mnr: 1.5)
    }

    /// 3 videos × 2 texts: video 2 is a distractor without a caption. It competes in T2V but
    /// asks no V2T query.
    func testNonSquareMatrixWithADistractorVideo() {
        let s = ScoreMatrix([[0.6, 0.1],
                             [0.3, 0.4],
                             [0.7, 0.5]])
        let e = RetrievalMetrics.evaluate(s, textVideo: [0, 1])
        XCTAssertEqual(e.textToVideoRanks, [1, 1])          // 0.7 > 0.6; 0.5 > 0.4
        XCTAssertEqual(e.videoToTextRanks, [0, 0, nil])
        assertStatistics(e.metrics.textToVideo, queries: 2, r1: 0, r5: 100, r10: 100, mdr: 2, mnr: 2)
        assertStatistics(e.metrics.videoToText, queries: 2, r1: 100, r5: 100, r10: 100, mdr: 1, mnr: 1)
        XCTAssertEqual(e.textToVideoTop, [2, 2])
    }

    /// R@5 and R@10 need more than a handful of candidates: 12 texts whose ground truth ranks
    /// 0, 1, …, 11 (text t's video is scored below exactly t others).
    func testRecallAtFiveAndTenAndEvenMedian() {
        let n = 12
        // S[v, t]: text t's GT is video t; videos 0..<t are scored above it.
        var rows = [[Double]](repeating: [Double](repeating: 0, count: n), count: n)
        for t in 0..<n { for v in 0..<n { rows[v][t] = v < t ? 1 : (v == t ? 0.5 : 0) } }
        let e = RetrievalMetrics.evaluate(ScoreMatrix(rows), textVideo: Array(0..<n))
        XCTAssertEqual(e.textToVideoRanks, Array(0..<n))
        // R@1 1/12, R@5 5/12, R@10 10/12; MdR = (5 + 6)/2 + 1 = 6.5; MnR = 5.5 + 1.
        assertStatistics(e.metrics.textToVideo, queries: 12, r1: 100.0 / 12, r5: 500.0 / 12, r10: 1000.0 / 12,
                         mdr: 6.5, mnr: 6.5)
    }

    func testNoQueriesGiveZeros() {
        XCTAssertEqual(RetrievalMetrics.statistics(ranks: []),
                       RankStatistics(queries: 0, r1: 0, r5: 0, r10: 0, medianRank: 0, meanRank: 0, tiedQueries: 0))
    }

    func testJSONKeys() throws {
        let s = RetrievalMetrics.statistics(ranks: [0, 3], tiedQueries: 1)
        let json = String(decoding: try JSONEncoder().encode(s), as: UTF8.self)
        for key in ["\"r1\":50", "\"r5\":100", "\"mdr\":2.5", "\"mnr\":2.5", "\"tied_queries\":1", "\"queries\":2"] {
            XCTAssertTrue(json.contains(key), "\(key) missing from \(json)")
        }
    }
}
