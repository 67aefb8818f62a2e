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

    /// `encode` gives the bytes `write` puts in the file, and they parse back.
    func testEncodeMatchesWrite() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("npy-\(UUID()).npy")
        defer { try? FileManager.default.removeItem(at: url) }
        let values: [Float] = [0.25, -1, 7, 8]
        try NPY.write(values, shape: [2, 2], to: url)
        let encoded = NPY.encode(values, shape: [2, 2])
        XCTAssertEqual(encoded, try Data(contentsOf: url))
        XCTAssertEqual(encoded.count % 64, 16 % 64, "header padded to 64 bytes, then 16 bytes of data")
        XCTAssertEqual(try NPY.parse(encoded), .float32(shape: [2, 2], values: values))
        XCTAssertEqual(try NPY.parse(NPY.encode([Int64](arrayLiteral: -3, 9), shape: [2])), .int64(shape: [2], values: [-3, 9]))
    }
}
