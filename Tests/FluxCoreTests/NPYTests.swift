import XCTest
@testable import FluxCore

final class NPYTests: XCTestCase {
    func testFloatRoundTrip() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("npy-\(UUID()).npy")
        defer { try? FileManager.default.removeItem(at: url) }
        try NPY.write([1, -2, 3.5, 4, 5, 6], shape: [2, 3], to: url)
        XCTAssertEqual(try NPY.read(url), .float32(shape: [2, 3], values: [1, -2, 3.5, 4, 5, 6]))
    }

    func testInt64RoundTrip() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("npy-\(UUID()).npy")
        defer { try? FileManager.default.removeItem(at: url) }
        try NPY.write([Int64](arrayLiteral: 49406, 320, 49407), shape: [3], to: url)
        XCTAssertEqual(try NPY.read(url), .int64(shape: [3], values: [49406, 320, 49407]))
    }
}
