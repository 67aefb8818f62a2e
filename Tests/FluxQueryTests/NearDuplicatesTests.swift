import XCTest
@testable import FluxQuery

/// `NearDuplicates.collapse` on hand-made vectors whose cosines are exact in float32: the
/// threshold is inclusive, folded hits go under the first (best-ranked) kept hit they match,
/// chains do not merge, order and hits are preserved, and hits without a usable vector stay.
final class NearDuplicatesTests: XCTestCase {
    /// A hit of clip `id` (video `id + 100`) at `rank` with a score that falls with the rank.
    func hit(_ id: Int64, rank: Int) -> QueryHit {
        QueryHit(rank: rank, clipId: id, videoId: id + 100, path: "/v/\(id).mp4", start: 0, end: Double(id),
                 score: 1 / Float(rank), cosine: 0.5, weight: 1, budget: 256, kind: "video")
    }

    func hits(_ ids: [Int64]) -> [QueryHit] { ids.enumerated().map { hit($1, rank: $0 + 1) } }

    /// Unit vectors: cos(1, 2) = cos(2, 5) = 0.5 exactly, cos(2, 3) = 0.707, cos(1, 4) = 1, and
    /// 0 for 1–3, 1–5, 3–5.
    let vectors: [Int64: [Float]] = [
        1: [1, 0, 0, 0],
        2: [0.5, 0.5, 0.5, 0.5],
        3: [0, 0, 0.5, 0.5].map { $0 * Float(2).squareRoot() },
        4: [1, 0, 0, 0],
        5: [0, 1, 0, 0],
    ]

    func testThresholdIsInclusive() {
        let atEdge = NearDuplicates.collapse(hits([1, 2]), vectors: vectors, dimension: 4, threshold: 0.5)
        XCTAssertEqual(atEdge.map(\.hit.clipId), [1], "cos(1, 2) = 0.5 = threshold: folded")
        XCTAssertEqual(atEdge[0].duplicates, [DuplicateHit(hit(2, rank: 2), similarity: 0.5)])

        let above = NearDuplicates.collapse(hits([1, 2]), vectors: vectors, dimension: 4, threshold: Float(0.5).nextUp)
        XCTAssertEqual(above.map(\.hit.clipId), [1, 2], "one ulp above the cosine: both kept")
        XCTAssertTrue(above.allSatisfy { $0.duplicates.isEmpty })
    }

    /// 2 ~ 1 and 3 ~ 2, but not 3 ~ 1: 2 folds under 1, and 3 is compared with kept hits only.
    func testChainsDoNotMergeThroughAFoldedHit() {
        let c = Float(0.5 * Float(2).squareRoot())
        XCTAssertEqual(NearDuplicates.cosine(vectors[2]!, vectors[3]!), c, accuracy: 1e-6)
        XCTAssertEqual(NearDuplicates.cosine(vectors[1]!, vectors[3]!), 0)
        let groups = NearDuplicates.collapse(hits([1, 2, 3]), vectors: vectors, dimension: 4, threshold: 0.5)
        XCTAssertEqual(groups.map(\.hit.clipId), [1, 3])
        XCTAssertEqual(groups.map { $0.duplicates.map(\.clipId) }, [[2], []])
    }

    /// A hit matching two kept hits folds under the first one (the better ranked), and kept
    /// hits keep their order and content (ranks are not renumbered).
    func testFoldsUnderTheFirstMatchingKeptHitAndPreservesOrder() {
        // 3, 5 and 1 are kept (cosines 0); 2 matches all three (0.707 with 3, 0.5 with 5 and 1)
        // and goes under 3, the best ranked; 4 (= 1) goes under 1.
        let input = hits([3, 5, 1, 2, 4])
        let groups = NearDuplicates.collapse(input, vectors: vectors, dimension: 4, threshold: 0.5)
        XCTAssertEqual(groups.map(\.hit), [input[0], input[1], input[2]], "kept hits unchanged, in order")
        XCTAssertEqual(groups.map(\.hit.rank), [1, 2, 3])
        XCTAssertEqual(groups.map { $0.duplicates.map(\.clipId) }, [[2], [], [4]])
        let two = groups[0].duplicates[0]
        XCTAssertEqual(two, DuplicateHit(clipId: 2, videoId: 102, path: "/v/2.mp4", start: 0, end: 2, score: 1 / 4,
                                         similarity: two.similarity))
        XCTAssertEqual(two.similarity, 0.5 * Float(2).squareRoot(), accuracy: 1e-6)
        XCTAssertEqual(groups[2].duplicates[0].similarity, 1, "an identical vector")
        XCTAssertEqual(groups[2].duplicates[0].score, 1 / 5, "its own score, not its keeper's")

        // Several duplicates of one hit stay in their order.
        let many = NearDuplicates.collapse(hits([1, 4, 2]), vectors: vectors, dimension: 4, threshold: 0.5)
        XCTAssertEqual(many.map { $0.duplicates.map(\.clipId) }, [[4, 2]])
    }

    func testHitsWithoutAUsableVectorAreKept() {
        var v = vectors
        v[6] = [1, 0, 0]        // wrong dimension
        v[7] = [0, 0, 0, 0]     // zero vector
        v[8] = [3, 0, 0, 0]     // not unit length: cosine 1 with clip 1 once normalised
        let groups = NearDuplicates.collapse(hits([6, 7, 9, 1, 8]), vectors: v, dimension: 4, threshold: 0.9)
        XCTAssertEqual(groups.map(\.hit.clipId), [6, 7, 9, 1], "9 has no vector at all")
        XCTAssertEqual(groups.map { $0.duplicates.map(\.clipId) }, [[], [], [], [8]])
        XCTAssertEqual(NearDuplicates.collapse([], vectors: v, dimension: 4, threshold: 0.9).count, 0)
    }

    func testDuplicateHitJSONKeys() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let json = String(decoding: try encoder.encode(DuplicateHit(hit(2, rank: 2), similarity: 0.5)), as: UTF8.self)
        XCTAssertEqual(json, #"{"clip_id":2,"end":2,"path":"\/v\/2.mp4","score":0.5,"similarity":0.5,"start":0,"video_id":102}"#)
        XCTAssertEqual(try JSONDecoder().decode(DuplicateHit.self, from: Data(json.utf8)), DuplicateHit(hit(2, rank: 2), similarity: 0.5))
    }
}
