import XCTest
@testable import FluxServe

/// `Range: bytes=…` resolved against a file size (RFC 9110 §14.1.2).
final class RangeRequestTests: XCTestCase {
    func testForms() {
        XCTAssertEqual(RangeRequest.parse(nil, size: 1000), .whole)
        XCTAssertEqual(RangeRequest.parse("bytes=0-99", size: 1000), .partial(0...99))
        XCTAssertEqual(RangeRequest.parse("bytes=500-", size: 1000), .partial(500...999))
        XCTAssertEqual(RangeRequest.parse("bytes=-100", size: 1000), .partial(900...999))
        XCTAssertEqual(RangeRequest.parse("bytes=-5000", size: 1000), .partial(0...999), "a suffix longer than the file is all of it")
        XCTAssertEqual(RangeRequest.parse("bytes=990-2000", size: 1000), .partial(990...999), "the end is clamped")
        XCTAssertEqual(RangeRequest.parse("bytes=0-0,5-9", size: 1000), .whole, "several ranges: served whole")
        XCTAssertEqual(RangeRequest.parse("items=0-9", size: 1000), .whole, "another unit is ignored")
    }

    func testUnsatisfiable() {
        XCTAssertEqual(RangeRequest.parse("bytes=1000-", size: 1000), .unsatisfiable)
        XCTAssertEqual(RangeRequest.parse("bytes=-0", size: 1000), .unsatisfiable)
        XCTAssertEqual(RangeRequest.parse("bytes=99999999999999999999-", size: 1000), .unsatisfiable)
        XCTAssertEqual(RangeRequest.parse("bytes=0-", size: 0), .unsatisfiable)
    }

    func testMalformedHeadersAreIgnored() {
        XCTAssertEqual(RangeRequest.parse("bytes=5-2", size: 1000), .whole)
        XCTAssertEqual(RangeRequest.parse("bytes=abc", size: 1000), .whole)
        XCTAssertEqual(RangeRequest.parse("bytes=+1-2", size: 1000), .whole)
        XCTAssertEqual(RangeRequest.parse("bytes=0-99999999999999999999", size: 1000), .partial(0...999))
    }
}
