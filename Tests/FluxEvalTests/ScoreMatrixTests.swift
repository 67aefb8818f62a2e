import XCTest
import FluxCore
@testable import FluxEval

final class ScoreMatrixTests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("fluxeval-npy-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        addTeardownBlock { [dir] in try? FileManager.default.removeItem(at: dir!) }
    }

    /// A hand-built .npy v1.0 file.
    func npy(_ descr: String, fortran: Bool = false, shape: String, payload: Data) -> Data {
        var header = "{'descr': '\(descr)', 'fortran_order': \(fortran ? "True" : "False"), 'shape': \(shape), }"
        header += String(repeating: " ", count: (64 - (10 + header.utf8.count + 1) % 64) % 64) + "\n"
        var data = Data([0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0, UInt8(header.utf8.count & 0xFF), UInt8(header.utf8.count >> 8)])
        data.append(contentsOf: header.utf8)
        data.append(payload)
        return data
    }

    func testFloat64AndFloat32AndFortranOrder() throws {
        let values: [Double] = [0.9, 0.1, 0.3, 0.2, 0.8, 0.7]   // 2 × 3, C order
        let f8 = values.reduce(into: Data()) { d, v in withUnsafeBytes(of: v.bitPattern.littleEndian) { d.append(contentsOf: $0) } }
        let m = try ScoreMatrix.parse(npy: npy("<f8", shape: "(2, 3)", payload: f8), path: "m.npy")
        XCTAssertEqual([m.rows, m.cols], [2, 3])
        XCTAssertEqual(m.values, values)

        // The same matrix stored column-major.
        let columnMajor: [Double] = [0.9, 0.2, 0.1, 0.8, 0.3, 0.7]
        let fortran = columnMajor.reduce(into: Data()) { d, v in withUnsafeBytes(of: v.bitPattern.littleEndian) { d.append(contentsOf: $0) } }
        XCTAssertEqual(try ScoreMatrix.parse(npy: npy("<f8", fortran: true, shape: "(2, 3)", payload: fortran), path: "f.npy"), m)

        // float32 through FluxCore's writer converts exactly.
        let url = dir.appendingPathComponent("f4.npy")
        try NPY.write(values.map(Float.init), shape: [2, 3], to: url)
        XCTAssertEqual(try ScoreMatrix.load(npy: url).values, values.map { Double(Float($0)) })

        // Round trip of our own float64 writer.
        let out = dir.appendingPathComponent("rt.npy")
        try m.writeNPY(to: out)
        XCTAssertEqual(try ScoreMatrix.load(npy: out), m)
    }

    func testBadFilesSayWhy() {
        XCTAssertThrowsError(try ScoreMatrix.parse(npy: Data("hello world".utf8), path: "x.npy")) {
            XCTAssertEqual("\($0)", "x.npy: not a .npy file (no \\x93NUMPY magic); save the matrix with numpy.save")
        }
        XCTAssertThrowsError(try ScoreMatrix.parse(npy: npy("<f8", shape: "(3,)", payload: Data(count: 24)), path: "v.npy")) {
            XCTAssertEqual("\($0)", "v.npy: expected a 2-D similarity matrix (rows = videos, cols = texts), got shape (3,)")
        }
        XCTAssertThrowsError(try ScoreMatrix.parse(npy: npy("<u1", shape: "(1, 1)", payload: Data(count: 1)), path: "u.npy")) {
            XCTAssertEqual("\($0)", "u.npy: dtype '<u1' is not supported; save float16/32/64 or int32/64")
        }
        XCTAssertThrowsError(try ScoreMatrix.parse(npy: npy("<f8", shape: "(2, 2)", payload: Data(count: 24)), path: "t.npy")) {
            XCTAssertEqual("\($0)", "t.npy: shape (2, 2) of <f8 needs 32 bytes, the file has 24")
        }
        let nan = withUnsafeBytes(of: Double.nan.bitPattern.littleEndian) { Data($0) }
        XCTAssertThrowsError(try ScoreMatrix.parse(npy: npy("<f8", shape: "(1, 1)", payload: nan), path: "n.npy")) {
            XCTAssertEqual("\($0)", "n.npy: score [0, 0] is nan; every score must be finite")
        }
    }

    func testCosineIsVideoRowsTimesTextColumns() {
        // 2 videos, 3 texts, dimension 2.
        let s = ScoreMatrix.cosine(videos: [1, 0, 0, 1], texts: [1, 0, 0.6, 0.8, 0, 1], dimension: 2)
        XCTAssertEqual([s.rows, s.cols], [2, 3])
        XCTAssertEqual(s.values, [1, Double(Float(0.6)), 0, 0, Double(Float(0.8)), 1])
        XCTAssertEqual(s.transposed().values, [1, 0, Double(Float(0.6)), Double(Float(0.8)), 0, 1])
    }
}
