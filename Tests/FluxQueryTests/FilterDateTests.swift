import Foundation
import XCTest
@testable import FluxQuery

/// The dates of `--after` and `--before`.
final class FilterDateTests: XCTestCase {
    let utc = TimeZone(secondsFromGMT: 0)!

    func parse(_ s: String, zone: TimeZone? = nil) throws -> Double {
        try FilterDate.parse(s, option: "--after", timeZone: zone ?? utc).timeIntervalSince1970
    }

    func testPartialDatesMeanTheirFirstInstant() throws {
        XCTAssertEqual(try parse("2024"), 1_704_067_200)
        XCTAssertEqual(try parse("2024-05"), 1_714_521_600)
        XCTAssertEqual(try parse("2024-05-01"), 1_714_521_600)
        XCTAssertEqual(try parse("2024-05-01T18:30"), 1_714_521_600 + 18.5 * 3600)
        XCTAssertEqual(try parse("2024-05-01 18:30:15"), 1_714_521_600 + 18.5 * 3600 + 15)
    }

    func testZones() throws {
        let paris = TimeZone(identifier: "Europe/Paris")!
        XCTAssertEqual(try parse("2024-05-01", zone: paris), 1_714_521_600 - 2 * 3600, "local time without a zone")
        XCTAssertEqual(try parse("2024-05-01T00:00Z", zone: paris), 1_714_521_600)
        XCTAssertEqual(try parse("2024-05-01T02:00+02:00", zone: paris), 1_714_521_600)
        XCTAssertEqual(try parse("2024-04-30T19:00-0500", zone: paris), 1_714_521_600)
    }

    func testMalformedDatesNameTheOptionAndTheForms() {
        for bad in ["", "tomorrow", "2024-13-01", "2024-02-30", "2024-05-01T25:00", "05/01/2024", "2024-5-1"] {
            XCTAssertThrowsError(try FilterDate.parse(bad, option: "--before")) { error in
                XCTAssertEqual(error as? FilterDateError, .malformed(option: "--before", text: bad))
                XCTAssertTrue("\(error)".contains("--before '\(bad)' is not a date; write YYYY-MM-DD"), "\(error)")
            }
        }
    }
}
