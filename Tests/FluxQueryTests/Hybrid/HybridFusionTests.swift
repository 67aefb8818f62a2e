import XCTest
import FluxStore
@testable import FluxQuery

/// Reciprocal rank fusion of videos and of moments, checked against the formula by hand.
final class HybridFusionTests: XCTestCase {
    private func cue(_ id: Int64, _ start: Double, _ end: Double) -> CueMatch {
        CueMatch(cueId: id, videoId: 1, start: start, end: end, text: "t\(id)", fragments: [], bm25: -1, source: "a.srt", language: nil)
    }

    func testVideoScoresAreTheSumOfReciprocalRanks() {
        // Picture: 10, 20, 30. Text: 30, 40.
        let fused = HybridFusion.fuseVideos(visual: [10, 20, 30], text: [30, 40])
        XCTAssertEqual(fused.map(\.videoId), [30, 10, 20, 40])
        let byId = Dictionary(uniqueKeysWithValues: fused.map { ($0.videoId, $0) })
        XCTAssertEqual(byId[30]!.rrf, 1 / 63.0 + 1 / 61.0, accuracy: 1e-12)
        XCTAssertEqual(byId[10]!.rrf, 1 / 61.0, accuracy: 1e-12)
        XCTAssertEqual(byId[40]!.rrf, 1 / 62.0, accuracy: 1e-12)
        XCTAssertEqual(byId[30]!.visualRank, 3)
        XCTAssertEqual(byId[30]!.textRank, 1)
        XCTAssertNil(byId[40]!.visualRank)
        // Equal scores: the better picture rank first.
        XCTAssertEqual(HybridFusion.fuseVideos(visual: [5], text: [6]).map(\.videoId), [5, 6])
    }

    func testWithoutTextTheOrderIsThePictures() {
        let visual: [Int64] = [7, 3, 9, 1, 4]
        XCTAssertEqual(HybridFusion.fuseVideos(visual: visual, text: []).map(\.videoId), visual)
    }

    func testMomentsMergeOverlappingSpansAndFuseTheirRanks() {
        let picture = [Moment(start: 10, end: 14, score: 0.30, segments: 2), Moment(start: 0, end: 2, score: 0.25, segments: 1)]
        let cues = [cue(1, 20, 22), cue(2, 12, 13), cue(3, 14, 15)]
        let segments = [MomentFinder.Segment(start: 0, end: 2, score: 0.25), MomentFinder.Segment(start: 10, end: 12, score: 0.28),
                        MomentFinder.Segment(start: 12, end: 14, score: 0.30), MomentFinder.Segment(start: 20, end: 22, score: 0.1)]
        let m = HybridFusion.moments(visual: picture, cues: cues, segments: segments, whole: nil, count: 5)
        // 10–14 (picture #1) holds cue #2; cue #3 at 14–15 only touches it and stays apart.
        XCTAssertEqual(m.map(\.start), [10, 20, 0, 14])
        XCTAssertEqual(m[0].end, 14)
        XCTAssertEqual(m[0].rrf!, 1 / 61.0 + 1 / 62.0, accuracy: 1e-12)
        XCTAssertEqual(m[0].cues?.map(\.cueId), [2])
        XCTAssertEqual(m[0].segments, 2)
        XCTAssertEqual(m[0].score, 0.30)
        XCTAssertEqual(m[1].rrf!, 1 / 61.0, accuracy: 1e-12)
        XCTAssertEqual(m[1].segments, 0)
        XCTAssertEqual(m[1].score, 0.1)           // the segment under the cue
        XCTAssertEqual(m[3].score, 0)             // no segment under 14–15, no whole-video vector
        XCTAssertEqual(HybridFusion.moments(visual: picture, cues: cues, segments: segments, whole: nil, count: 2).count, 2)
        // Without segments, a cue's moment gets the whole video's cosine.
        XCTAssertEqual(HybridFusion.moments(visual: [], cues: [cue(1, 3, 4)], segments: [], whole: 0.42, count: 3).first?.score, 0.42)
    }
}
