import XCTest
@testable import FluxQuery

/// Moments from segment cosines: the bar is relative to the video, adjacent high segments
/// merge, and low segments fill in when fewer spans are high.
final class MomentFinderTests: XCTestCase {
    typealias S = MomentFinder.Segment

    func testAdjacentHighSegmentsMergeIntoOneSpan() {
        // 1 s segments with 0.5 s stride; the middle (3–6 s) matches.
        let scores: [Float] = [0.1, 0.1, 0.12, 0.1, 0.1, 0.8, 0.9, 0.85, 0.7, 0.1, 0.1, 0.1]
        let segments = scores.enumerated().map { S(start: Double($0.offset) * 0.5, end: Double($0.offset) * 0.5 + 1, score: $0.element) }
        let moments = MomentFinder.moments(of: segments, count: 3)
        XCTAssertEqual(moments.first, Moment(start: 2.5, end: 5, score: 0.9, segments: 4))
        XCTAssertEqual(moments.count, 3)
        for m in moments.dropFirst() {
            XCTAssertEqual(m.segments, 1)
            XCTAssertFalse(m.start < moments[0].end && m.end > moments[0].start, "fillers do not overlap the first moment")
        }
    }

    func testTwoSeparateMatchesAreTwoMomentsBestFirst() {
        let segments = [S(start: 0, end: 2, score: 0.7), S(start: 2, end: 4, score: 0.1), S(start: 4, end: 6, score: 0.1),
                        S(start: 6, end: 8, score: 0.9), S(start: 8, end: 10, score: 0.1)]
        XCTAssertEqual(MomentFinder.moments(of: segments, count: 2),
                       [Moment(start: 6, end: 8, score: 0.9, segments: 1), Moment(start: 0, end: 2, score: 0.7, segments: 1)])
    }

    func testScaleDoesNotMatter() {
        let a = [S(start: 0, end: 1, score: 0.2), S(start: 1, end: 2, score: 0.3), S(start: 2, end: 3, score: 0.25)]
        let b = a.map { S(start: $0.start, end: $0.end, score: $0.score * 10 - 1) }
        XCTAssertEqual(MomentFinder.moments(of: a, count: 3).map(\.start), MomentFinder.moments(of: b, count: 3).map(\.start))
    }

    func testNothingAskedOrNothingThere() {
        XCTAssertEqual(MomentFinder.moments(of: [], count: 3), [])
        XCTAssertEqual(MomentFinder.moments(of: [S(start: 0, end: 1, score: 0.5)], count: 0), [])
        XCTAssertEqual(MomentFinder.moments(of: [S(start: 0, end: 1, score: 0.5)], count: 3), [Moment(start: 0, end: 1, score: 0.5, segments: 1)])
    }
}
