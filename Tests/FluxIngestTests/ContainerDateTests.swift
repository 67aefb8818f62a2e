import Foundation
import XCTest
@testable import FluxIngest

/// The `creation_time` tag as cameras, phones and FFmpeg write it.
final class ContainerDateTests: XCTestCase {
    func seconds(_ s: String) -> Double? { ContainerDate.parse(s)?.timeIntervalSince1970 }

    func testFormsWrittenByMuxersAndCameras() {
        XCTAssertEqual(seconds("2024-05-01T12:34:56.000000Z"), 1_714_566_896)
        XCTAssertEqual(seconds("2024-05-01T12:34:56Z"), 1_714_566_896)
        XCTAssertEqual(seconds("2024-05-01 12:34:56"), 1_714_566_896, "no zone: UTC, as MP4 stores it")
        XCTAssertEqual(seconds("2024-05-01T14:34:56+02:00"), 1_714_566_896)
        XCTAssertEqual(seconds("2024-05-01T07:34:56-0500"), 1_714_566_896)
        XCTAssertEqual(try XCTUnwrap(seconds("2024-05-01T12:34:56.5Z")), 1_714_566_896.5, accuracy: 1e-6)
    }

    func testUnsetClocksAndGarbageAreNoDate() {
        XCTAssertNil(ContainerDate.parse(""))
        XCTAssertNil(ContainerDate.parse("1904-01-01T00:00:00.000000Z"), "MP4's zero")
        XCTAssertNil(ContainerDate.parse("1970-01-01T00:00:00.000000Z"))
        XCTAssertNil(ContainerDate.parse("2024-02-30T00:00:00Z"))
        XCTAssertNil(ContainerDate.parse("2024-13-01T00:00:00Z"))
        XCTAssertNil(ContainerDate.parse("yesterday"))
        XCTAssertNil(ContainerDate.parse("2024-05-01T12:34:56Zjunk"))
    }
}
