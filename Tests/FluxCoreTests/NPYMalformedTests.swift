import XCTest
@testable import FluxCore

/// Hand-made malformed `.npy` files, each asserting the exact ``WeightFileError`` that
/// `NPY.read` throws (and that its message names the file), plus a v2.0 file read correctly
/// and a seeded truncate/flip loop that must never trap.
final class NPYMalformedTests: XCTestCase {
    private static let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]

    /// `\x93NUMPY`, version `major.0`, the header length (u16 for v1, u32 for v2/v3, or
    /// `headerLength` to lie), the header text, then `data`.
    private func npyBytes(_ header: String, major: UInt8 = 1, data: [UInt8] = [], headerLength: Int? = nil) -> [UInt8] {
        let h = Array(header.utf8)
        let n = headerLength ?? h.count
        var out = Self.magic + [major, 0]
        out += major == 1 ? [UInt8(n & 0xFF), UInt8(n >> 8 & 0xFF)]
                          : [UInt8(n & 0xFF), UInt8(n >> 8 & 0xFF), UInt8(n >> 16 & 0xFF), UInt8(n >> 24 & 0xFF)]
        return out + h + data
    }

    private func dict(descr: String = "<f4", fortran: String = "False", shape: String = "(2, 3)") -> String {
        "{'descr': '\(descr)', 'fortran_order': \(fortran), 'shape': \(shape), }\n"
    }

    private func floats(_ values: [Float]) -> [UInt8] {
        values.flatMap { v in withUnsafeBytes(of: v.bitPattern.littleEndian) { Array($0) } }
    }

    private func write(_ bytes: [UInt8], _ name: String = "array.npy") throws -> URL {
        let url = try temporaryDirectory(self).appendingPathComponent(name)
        try Data(bytes).write(to: url)
        return url
    }

    /// Asserts `NPY.read(url)` throws exactly `expected` and that the message names the file
    /// and every string in `mentions`.
    private func assertReadThrows(_ url: URL, _ expected: WeightFileError, mentions: [String] = [],
                                  file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try NPY.read(url), file: file, line: line) { error in
            guard let e = error as? WeightFileError else {
                return XCTFail("expected WeightFileError, got \(error)", file: file, line: line)
            }
            XCTAssertEqual(e, expected, file: file, line: line)
            XCTAssertTrue(e.description.contains(url.path), "message does not name the file: \(e)", file: file, line: line)
            for m in mentions {
                XCTAssertTrue(e.description.contains(m), "message does not mention \(m): \(e)", file: file, line: line)
            }
        }
    }

    func testBadMagic() throws {
        var bytes = npyBytes(dict(), data: floats([1, 2, 3, 4, 5, 6]))
        bytes[5] = UInt8(ascii: "X")
        let url = try write(bytes)
        assertReadThrows(url, .invalidHeader(path: url.path, reason: "missing the \\x93NUMPY magic; not a .npy file"))
    }

    func testTruncatedPreamble() throws {
        let url = try write(Array(npyBytes(dict()).prefix(7)))
        assertReadThrows(url, .truncated(path: url.path, what: "the .npy preamble", needed: 10, available: 7))
        let v2 = try write(Array(npyBytes(dict(), major: 2).prefix(11)), "v2.npy")
        assertReadThrows(v2, .truncated(path: v2.path, what: "the .npy v2 preamble", needed: 12, available: 11))
    }

    func testHeaderLengthPastEnd() throws {
        let url = try write(npyBytes(dict(), headerLength: 200))
        let size = 10 + dict().utf8.count
        assertReadThrows(url, .headerLengthOutOfRange(path: url.path, headerLength: 200, fileSize: size))
    }

    func testUnknownDType() throws {
        for descr in ["<f8", "<c8", ">f4"] {
            let url = try write(npyBytes(dict(descr: descr), data: [UInt8](repeating: 0, count: 48)), "d.npy")
            assertReadThrows(url, .unknownDType(path: url.path, tensor: "array", dtype: descr), mentions: [descr])
        }
    }

    func testFortranOrderIsUnsupported() throws {
        let url = try write(npyBytes(dict(fortran: "True"), data: floats([1, 2, 3, 4, 5, 6])))
        assertReadThrows(url, .unsupported(path: url.path, reason: "Fortran-order arrays; save with np.ascontiguousarray"))
    }

    func testUnknownFormatVersion() throws {
        let url = try write(npyBytes(dict(), major: 4, data: floats([1, 2, 3, 4, 5, 6])))
        assertReadThrows(url, .unsupported(path: url.path, reason: ".npy format version 4 (known: 1, 2, 3)"))
    }

    func testDataShorterThanShape() throws {
        let url = try write(npyBytes(dict(), data: floats([1, 2, 3, 4, 5])))
        assertReadThrows(url, .truncated(path: url.path, what: "shape [2, 3] × <f4", needed: 24, available: 20))
    }

    func testDataLongerThanShape() throws {
        let url = try write(npyBytes(dict(), data: floats([1, 2, 3, 4, 5, 6, 7])))
        assertReadThrows(url, .shapeMismatch(path: url.path, tensor: "array", shape: [2, 3], dtype: "<f4",
                                             expectedBytes: 24, actualBytes: 28), mentions: ["array"])
    }

    func testShapeOverflowIsDetected() throws {
        let url = try write(npyBytes(dict(shape: "(4294967296, 4294967296)")))
        assertReadThrows(url, .shapeMismatch(path: url.path, tensor: "array", shape: [1 << 32, 1 << 32], dtype: "<f4",
                                             expectedBytes: Int.max, actualBytes: 0))
        // A zero dimension does not excuse dimensions that overflow on their own
        // (their product would trap later in `Tensor`).
        let zero = try write(npyBytes(dict(shape: "(1099511627776, 1099511627776, 0)")), "zero.npy")
        assertReadThrows(zero, .shapeMismatch(path: zero.path, tensor: "array", shape: [1 << 40, 1 << 40, 0],
                                              dtype: "<f4", expectedBytes: Int.max, actualBytes: 0))
    }

    func testNonDictHeader() throws {
        let url = try write(npyBytes("[1, 2]\n"))
        assertReadThrows(url, .invalidHeader(path: url.path, reason: "header is not a dict literal: [1, 2]"))
        let noDescr = try write(npyBytes("{'fortran_order': False, 'shape': (1,), }\n", data: floats([1])), "nd.npy")
        assertReadThrows(noDescr, .invalidHeader(
            path: noDescr.path, reason: "no 'descr' key in {'fortran_order': False, 'shape': (1,), }"))
        let badShape = try write(npyBytes(dict(shape: "(2, -3)")), "bs.npy")
        assertReadThrows(badShape, .invalidHeader(path: badShape.path, reason: "shape '(2, -3)' has a non-integer dimension"))
    }

    func testVersion2HeaderIsRead() throws {
        // numpy writes v2.0 when the header exceeds 65535 bytes; the layout differs only in the
        // 4-byte header length. Pad so that the data starts 64-byte aligned, as numpy does.
        var header = String(dict(shape: "(3,)").dropLast())
        header += String(repeating: " ", count: (64 - (12 + header.utf8.count + 1) % 64) % 64) + "\n"
        let url = try write(npyBytes(header, major: 2, data: floats([1.5, -2, 1e-3])))
        XCTAssertEqual(try NPY.read(url), .float32(shape: [3], values: [1.5, -2, 1e-3]))
        let v3 = try write(npyBytes("{'descr': '<i8', 'fortran_order': False, 'shape': (2, 1), }\n", major: 3,
                                    data: [7, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]), "v3.npy")
        XCTAssertEqual(try NPY.read(v3), .int64(shape: [2, 1], values: [7, -1]))
    }

    /// Every prefix of a valid file, and copies with random bytes changed, either parse or
    /// throw WeightFileError; a parsed array's count always matches its shape.
    func testTruncationsAndByteFlipsNeverCrash() throws {
        let valid = npyBytes(dict(), data: floats([1, 2, 3, 4, 5, 6]))
        var state: UInt64 = 99
        func next() -> UInt64 {  // SplitMix64
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        var mutants = (0...valid.count).map { Array(valid.prefix($0)) }
        for _ in 0..<500 {
            var b = valid
            for _ in 0..<(1 + Int(next() % 3)) { b[Int(next() % UInt64(b.count))] = UInt8(truncatingIfNeeded: next()) }
            mutants.append(b)
        }
        for bytes in mutants {
            do {
                let a = try NPY.parse(Data(bytes), path: "fuzz.npy")
                XCTAssertEqual(a.tensor.count, a.shape.reduce(1, *))
            } catch is WeightFileError {
            } catch {
                XCTFail("non-WeightFileError \(error)")
            }
        }
    }
}
