import XCTest
@testable import FluxIngest

final class SegmentWindowsTests: XCTestCase {
    private func pairs(_ w: [TimeWindow]) -> [[Double]] { w.map { [$0.start, $0.end] } }

    func testWindowsCoverTheVideoAndEndWithIt() {
        let w = SegmentWindows(length: 10, stride: 5)
        XCTAssertEqual(pairs(w.windows(duration: 23)), [[0, 10], [5, 15], [10, 20], [13, 23]])
        XCTAssertEqual(pairs(w.windows(duration: 25)), [[0, 10], [5, 15], [10, 20], [15, 25]])
        XCTAssertEqual(pairs(SegmentWindows(length: 10, stride: 10).windows(duration: 30)), [[0, 10], [10, 20], [20, 30]])
        XCTAssertEqual(pairs(SegmentWindows(length: 10, stride: 10).windows(duration: 31)), [[0, 10], [10, 20], [20, 30], [21, 31]])
    }

    func testShortVideoIsOneWindow() {
        let w = SegmentWindows(length: 10, stride: 5)
        XCTAssertEqual(pairs(w.windows(duration: 7.5)), [[0, 7.5]])
        XCTAssertEqual(pairs(w.windows(duration: 10)), [[0, 10]])
        XCTAssertEqual(pairs(w.windows(duration: 0)), [[0, 0]])
        XCTAssertEqual(pairs(SegmentWindows(length: .infinity, stride: .infinity).windows(duration: 42)), [[0, 42]])
        XCTAssertEqual(pairs(SegmentWindows(length: 10, stride: .infinity).windows(duration: 25)), [[0, 10], [15, 25]])
    }

    func testStrideLongerThanLengthLeavesGaps() {
        XCTAssertEqual(pairs(SegmentWindows(length: 2, stride: 5).windows(duration: 12)), [[0, 2], [5, 7], [10, 12]])
    }

    func testEveryWindowIsFullLength() {
        let w = SegmentWindows(length: 4, stride: 3)
        for d in stride(from: 4.1, through: 60, by: 0.7) {
            let ws = w.windows(duration: d)
            XCTAssertTrue(ws.allSatisfy { abs($0.length - 4) < 1e-9 }, "\(d)")
            XCTAssertEqual(ws.last!.end, d, accuracy: 1e-9)
            XCTAssertEqual(ws.first!.start, 0)
        }
    }

    func testDescription() {
        XCTAssertEqual(TimeWindow(start: 1.5, end: 11.5).description, "[1.500 s, 11.500 s)")
    }
}
