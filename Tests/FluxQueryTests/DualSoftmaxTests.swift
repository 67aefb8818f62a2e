import XCTest
@testable import FluxQuery

final class DualSoftmaxTests: XCTestCase {
    func testHandWorkedTwoCandidatesTwoBankTexts() {
        // 2-d unit vectors. Candidate 0 matches bank text 0 as well as the query (a hub for
        // that caption); candidate 1 matches only the query.
        let candidates: [Float] = [1, 0, 0, 1]
        let bank: [Float] = [1, 0, 0.6, 0.8]
        let cosines: [Float] = [0.9, 0.8]
        let (scores, weights) = DualSoftmax.rerank(cosines: cosines, candidates: candidates, bank: bank, dimension: 2)
        // v0: logits bank [1, 0.6], query 0.9 → w = e^0.9 / (e^1 + e^0.6 + e^0.9)
        let w0 = exp(0.9) / (exp(1.0) + exp(0.6) + exp(0.9))
        // v1: logits bank [0, 0.8], query 0.8 → w = e^0.8 / (1 + e^0.8 + e^0.8)
        let w1 = exp(0.8) / (1 + exp(0.8) + exp(0.8))
        XCTAssertEqual(Double(weights[0]), w0, accuracy: 1e-6)
        XCTAssertEqual(Double(weights[1]), w1, accuracy: 1e-6)
        XCTAssertEqual(Double(scores[0]), 0.9 * w0, accuracy: 1e-6)
        XCTAssertEqual(Double(scores[1]), 0.8 * w1, accuracy: 1e-6)
        XCTAssertGreaterThan(scores[1], scores[0], "the hub candidate drops below the distinct one")
    }

    func testSharpTemperatureAndEmptyBank() {
        let (scores, weights) = DualSoftmax.rerank(cosines: [0.5, 0.4], candidates: [1, 0, 0, 1], bank: [], dimension: 2)
        XCTAssertEqual(scores, [0.5, 0.4])
        XCTAssertEqual(weights, [1, 1])
        let sharp = DualSoftmax.rerank(cosines: [0.5], candidates: [1, 0], bank: [1, 0], dimension: 2, temperature: 0.01)
        // The bank text (cos 1) dominates at τ = 0.01: weight ≈ e^(−50).
        XCTAssertLessThan(sharp.weights[0], 1e-20)
    }
}
