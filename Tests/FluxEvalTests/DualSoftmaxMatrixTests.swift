import XCTest
import Foundation
@testable import FluxEval

/// The dual softmax of EVAL_PROTOCOL §4.2 on a matrix worked out by hand, at scale 1 and 100.
///
/// S = [[0.50, 0.48],      video 0 is a "hub": it scores high with both texts
///      [0.10, 0.40]]      video 1 matches text 1 only
///
/// T2V[t, v] = S[v, t] · softmax over the texts of row v:
///   row v0 at scale k: w(v0, t1) = 1 / (1 + e^{k·0.02});  row v1: w(v1, t1) = 1 / (1 + e^{−k·0.30})
///   text 1, scale 1:   0.48 / (1 + e^{0.02}) = 0.23760 > 0.40 / (1 + e^{−0.3}) = 0.22978 → the hub still wins (rank 1)
///   text 1, scale 100: 0.48 / (1 + e^{2})    = 0.05722 < 0.40 / (1 + e^{−30})  = 0.40000 → video 1 wins (rank 0)
/// Softmax over the wrong axis (videos) would keep the hub on top at scale 100:
///   0.48 · 1/(1 + e^{−8}) = 0.4798 > 0.40 · 1/(1 + e^{8}) = 0.0001.
final class DualSoftmaxMatrixTests: XCTestCase {
    let s = ScoreMatrix([[0.50, 0.48],
                         [0.10, 0.40]])

    func testTextToVideoAtScaleOne() {
        let t2v = DualSoftmaxMatrix.textToVideo(s)
        XCTAssertEqual(t2v.rows, 2); XCTAssertEqual(t2v.cols, 2)   // [texts, videos]
        XCTAssertEqual(t2v[0, 0], 0.50 / (1 + exp(-0.02)), accuracy: 1e-12)
        XCTAssertEqual(t2v[0, 1], 0.10 / (1 + exp(0.30)), accuracy: 1e-12)
        XCTAssertEqual(t2v[1, 0], 0.48 / (1 + exp(0.02)), accuracy: 1e-12)
        XCTAssertEqual(t2v[1, 1], 0.40 / (1 + exp(-0.30)), accuracy: 1e-12)
        XCTAssertEqual(RetrievalMetrics.ranks(t2v, groundTruth: [[0], [1]]), [0, 1])
    }

    func testTextToVideoAtScaleHundredFlipsTheHub() {
        let t2v = DualSoftmaxMatrix.textToVideo(s, scale: 100)
        XCTAssertEqual(t2v[1, 0], 0.48 / (1 + exp(2)), accuracy: 1e-12)
        XCTAssertEqual(t2v[1, 1], 0.40 / (1 + exp(-30)), accuracy: 1e-12)
        XCTAssertEqual(RetrievalMetrics.ranks(t2v, groundTruth: [[0], [1]]), [0, 0])
    }

    /// V2T[v, t] = S[v, t] · softmax over the videos of column t.
    func testVideoToTextAtScaleOneAndHundred() {
        let v2t = DualSoftmaxMatrix.videoToText(s)
        XCTAssertEqual(v2t.rows, 2); XCTAssertEqual(v2t.cols, 2)   // [videos, texts]
        XCTAssertEqual(v2t[0, 0], 0.50 / (1 + exp(-0.40)), accuracy: 1e-12)
        XCTAssertEqual(v2t[1, 0], 0.10 / (1 + exp(0.40)), accuracy: 1e-12)
        XCTAssertEqual(v2t[0, 1], 0.48 / (1 + exp(-0.08)), accuracy: 1e-12)
        XCTAssertEqual(v2t[1, 1], 0.40 / (1 + exp(0.08)), accuracy: 1e-12)
        let v2t100 = DualSoftmaxMatrix.videoToText(s, scale: 100)
        XCTAssertEqual(v2t100[1, 1], 0.40 / (1 + exp(8)), accuracy: 1e-15)
        XCTAssertEqual(v2t100[1, 0], 0.10 / (1 + exp(40)), accuracy: 1e-20)
        XCTAssertEqual(RetrievalMetrics.ranks(v2t100, groundTruth: [[0], [1]]), [0, 0])
    }

    /// The whole scoring at both scales: raw T2V R@1 50, DSL@1 50, DSL@100 100.
    func testEvaluateUsesTheDualSoftmax() {
        let raw = RetrievalMetrics.evaluate(s, textVideo: [0, 1])
        XCTAssertEqual(raw.textToVideoRanks, [0, 1])
        XCTAssertEqual(RetrievalMetrics.evaluate(s, textVideo: [0, 1], dslScale: 1).textToVideoRanks, [0, 1])
        let dsl100 = RetrievalMetrics.evaluate(s, textVideo: [0, 1], dslScale: 100)
        XCTAssertEqual(dsl100.textToVideoRanks, [0, 0])
        XCTAssertEqual(dsl100.metrics.textToVideo.r1, 100)
        let both = ScoringResult.score(s, textVideo: [0, 1], mode: .both, dslScale: 100)
        XCTAssertEqual(both.raw?.metrics.textToVideo.r1, 50)
        XCTAssertEqual(both.dsl?.metrics.textToVideo.r1, 100)
        XCTAssertNil(ScoringResult.score(s, textVideo: [0, 1], mode: .off, dslScale: 1).dsl)
        XCTAssertNil(ScoringResult.score(s, textVideo: [0, 1], mode: .on, dslScale: 1).raw)
    }

    /// A rectangular matrix (3 videos × 4 texts, two captions for video 0) against a naive
    /// element-by-element transcription of the PyTorch expressions.
    func testNonSquareAgainstTheFormula() {
        let r = ScoreMatrix([[0.31, -0.20, 0.05, 0.44],
                             [0.12, 0.27, -0.33, 0.09],
                             [0.50, 0.01, 0.22, -0.10]])
        for scale in [1.0, 100.0] {
            let t2v = DualSoftmaxMatrix.textToVideo(r, scale: scale)   // S.T * (k·S.T).softmax(dim=0)
            let v2t = DualSoftmaxMatrix.videoToText(r, scale: scale)   // S * (k·S).softmax(dim=0)
            XCTAssertEqual([t2v.rows, t2v.cols], [4, 3])
            XCTAssertEqual([v2t.rows, v2t.cols], [3, 4])
            for v in 0..<3 {
                for t in 0..<4 {
                    let overTexts = (0..<4).map { exp(scale * r[v, $0]) }.reduce(0, +)
                    let overVideos = (0..<3).map { exp(scale * r[$0, t]) }.reduce(0, +)
                    XCTAssertEqual(t2v[t, v], r[v, t] * exp(scale * r[v, t]) / overTexts, accuracy: 1e-9 * max(1, abs(r[v, t])))
                    XCTAssertEqual(v2t[v, t], r[v, t] * exp(scale * r[v, t]) / overVideos, accuracy: 1e-9 * max(1, abs(r[v, t])))
                }
            }
        }
    }

    /// Equal inputs stay exactly equal (identical texts give identical columns), so exact ties
    /// survive the dual softmax.
    func testExactTiesSurvive() {
        let r = ScoreMatrix([[0.3, 0.3, 0.1], [0.2, 0.2, 0.6], [0.7, 0.7, 0.05]])
        let v2t = DualSoftmaxMatrix.videoToText(r, scale: 1)
        for v in 0..<3 { XCTAssertEqual(v2t[v, 0], v2t[v, 1]) }
        let e = RetrievalMetrics.evaluate(r, textVideo: [0, 1, 2], dslScale: 1)
        XCTAssertEqual(e.metrics.videoToText.tiedQueries, 2)   // v0 and v1: texts 0 and 1 tie
    }
}
