import XCTest
@testable import FluxCore

/// Tests `Sources/FluxCore/Weights/Safetensors*.swift`: round trips through the writer,
/// hand-built files for each dtype, zero-copy mapping, one hand-made file per validation
/// error (each asserting the exact ``WeightFileError``), and a seeded truncate/flip fuzz loop.
final class SafetensorsTests: XCTestCase {

    // MARK: - Helpers

    /// Little-endian u64 length prefix + header text + data bytes, as raw file bytes.
    /// `headerLength` overrides the prefix (for lying prefixes).
    private func rawBytes(_ header: String, data: [UInt8] = [], headerLength: UInt64? = nil) -> [UInt8] {
        let h = Array(header.utf8)
        let n = headerLength ?? UInt64(h.count)
        return withUnsafeBytes(of: n.littleEndian) { Array($0) } + h + data
    }

    private func write(_ bytes: [UInt8], _ name: String = "model.safetensors") throws -> URL {
        let url = try temporaryDirectory(self).appendingPathComponent(name)
        try Data(bytes).write(to: url)
        return url
    }

    /// A file whose header is `header` and whose data section is `dataSize` bytes of 0.
    private func file(_ header: String, dataSize: Int = 0) throws -> URL {
        try write(rawBytes(header, data: [UInt8](repeating: 0, count: dataSize)))
    }

    /// Asserts that opening `url` throws exactly `expected`, and that the message names the
    /// file and every string in `mentions` (tensor names).
    private func assertOpenThrows(_ url: URL, _ expected: WeightFileError, mentions: [String] = [],
                                  file: StaticString = #filePath, line: UInt = #line) {
        assertThrows(try SafetensorsFile(contentsOf: url), expected, path: url.path, mentions: mentions, file: file, line: line)
    }

    private func assertThrows<T>(_ body: @autoclosure () throws -> T, _ expected: WeightFileError, path: String,
                                 mentions: [String] = [], file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try body(), file: file, line: line) { error in
            guard let e = error as? WeightFileError else {
                return XCTFail("expected WeightFileError, got \(error)", file: file, line: line)
            }
            XCTAssertEqual(e, expected, file: file, line: line)
            XCTAssertTrue(e.description.contains(path), "message does not name the file: \(e)", file: file, line: line)
            for m in mentions {
                XCTAssertTrue(e.description.contains("'\(m)'"), "message does not name '\(m)': \(e)", file: file, line: line)
            }
        }
    }

    private func f32Entry(_ name: String, shape: [Int], _ begin: Int, _ end: Int, dtype: String = "F32") -> String {
        "\"\(name)\":{\"dtype\":\"\(dtype)\",\"shape\":\(shape),\"data_offsets\":[\(begin),\(end)]}"
    }

    // MARK: - Round trips

    func testF32AndInt64RoundTripWithMetadata() throws {
        let url = try temporaryDirectory(self).appendingPathComponent("rt.safetensors")
        var w = SafetensorsWriter(metadata: ["format": "pt", "note": "ünïcode \"quoted\"\n\\"])
        let a = Tensor(shape: [2, 3], values: [1, -2, 3.5, 4, 5, -0.0])
        w.add("b.weight", a)
        w.add("a.scalar", Tensor(shape: [], values: [42]))
        w.add("c.empty", Tensor(zeros: [0, 4]))
        w.add("ids", int64: [49406, -1, Int64.max, Int64.min], shape: [2, 2])
        try w.write(to: url)

        let f = try SafetensorsFile(contentsOf: url)
        XCTAssertEqual(f.names, ["a.scalar", "b.weight", "c.empty", "ids"])
        XCTAssertEqual(f.metadata, w.metadata)
        XCTAssertEqual(f.dataSectionOffset % 8, 0, "header must be padded to a multiple of 8")
        XCTAssertEqual(try f.tensor(named: "b.weight").shape, [2, 3])
        XCTAssertEqual(try f.tensor(named: "b.weight").scalars.map(\.bitPattern), a.scalars.map(\.bitPattern))
        XCTAssertEqual(try f.tensor(named: "a.scalar").shape, [])
        XCTAssertEqual(try f.tensor(named: "a.scalar").scalars, [42])
        XCTAssertEqual(try f.tensor(named: "c.empty").shape, [0, 4])
        XCTAssertEqual(try f.tensor(named: "c.empty").count, 0)
        let ids = try f.int64Tensor(named: "ids")
        XCTAssertEqual(ids.shape, [2, 2])
        XCTAssertEqual(ids.values, [49406, -1, Int64.max, Int64.min])
        XCTAssertEqual(try f.tensor(named: "ids").scalars, [49406, -1, Float(Int64.max), Float(Int64.min)],
                       "a Float tensor from an I64 entry converts")
        XCTAssertEqual(try f.info(named: "ids"), SafetensorsTensorInfo(name: "ids", dtype: .i64, shape: [2, 2], byteRange: 0..<32))
        XCTAssertEqual(try f.info(named: "b.weight").dtype, .f32)
        XCTAssertTrue(f.contains("ids"))
        XCTAssertFalse(f.contains("nope"))
        // Wider dtypes first, then names: I64, then the F32 tensors by name.
        XCTAssertEqual(try f.info(named: "a.scalar").byteRange, 32..<36)
        XCTAssertEqual(try f.info(named: "b.weight").byteRange, 36..<60)
        XCTAssertEqual(try f.info(named: "c.empty").byteRange, 60..<60)
    }

    func testEmptyFileRoundTrip() throws {
        let url = try temporaryDirectory(self).appendingPathComponent("empty.safetensors")
        try SafetensorsWriter().write(to: url)
        let f = try SafetensorsFile(contentsOf: url)
        XCTAssertEqual(f.names, [])
        XCTAssertEqual(f.metadata, [:])
    }

    func testWriteReplacesExistingFileAtomically() throws {
        let dir = try temporaryDirectory(self)
        let url = dir.appendingPathComponent("w.safetensors")
        var w1 = SafetensorsWriter()
        w1.add("x", Tensor(shape: [2], values: [1, 2]))
        try w1.write(to: url)
        let old = try SafetensorsFile(contentsOf: url)
        let oldX = try old.tensor(named: "x")
        var w2 = SafetensorsWriter()
        w2.add("y", Tensor(shape: [1], values: [7]))
        try w2.write(to: url)
        XCTAssertEqual(try SafetensorsFile(contentsOf: url).names, ["y"])
        XCTAssertEqual(oldX.scalars, [1, 2], "an open mapping keeps the replaced file's contents")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), ["w.safetensors"],
                       "no temporary file left behind")
    }

    func testF16RoundTripRoundsToNearestEven() throws {
        let url = try temporaryDirectory(self).appendingPathComponent("h.safetensors")
        let inputs: [Float] = [1, -2, 0.5, 65504, 0x1p-24, -0.0,
                               1 + 0x1p-11,       // tie → even (1.0)
                               1 + 3 * 0x1p-11,   // tie → even (1 + 2⁻⁹)
                               65520,             // rounds past the largest half → Inf
                               0x1p-26,           // below half the smallest subnormal → 0
                               .infinity]
        let expected: [Float] = [1, -2, 0.5, 65504, 0x1p-24, -0.0, 1, 1 + 0x1p-9, .infinity, 0, .infinity]
        var w = SafetensorsWriter()
        w.add("h", Tensor(shape: [inputs.count], values: inputs), encoding: .f16)
        w.add("nan", Tensor(shape: [1], values: [.nan]), encoding: .f16)
        try w.write(to: url)
        let f = try SafetensorsFile(contentsOf: url)
        XCTAssertEqual(try f.info(named: "h").dtype, .f16)
        XCTAssertEqual(try f.tensor(named: "h").scalars.map(\.bitPattern), expected.map(\.bitPattern))
        XCTAssertTrue(try f.tensor(named: "nan").scalars[0].isNaN)
    }

    func testBF16WriterRoundTrip() throws {
        let url = try temporaryDirectory(self).appendingPathComponent("bf.safetensors")
        var w = SafetensorsWriter()
        // 1 + 2⁻⁸ is a tie between 1 and 1 + 2⁻⁷ → even (1); 1 + 3·2⁻⁸ → 1 + 2⁻⁶.
        w.add("b", Tensor(shape: [4], values: [3.140625, 1 + 0x1p-8, 1 + 3 * 0x1p-8, -0.0]), encoding: .bf16)
        try w.write(to: url)
        let f = try SafetensorsFile(contentsOf: url)
        XCTAssertEqual(try f.info(named: "b").dtype, .bf16)
        XCTAssertEqual(try f.tensor(named: "b").scalars.map(\.bitPattern),
                       ([3.140625, 1, 1 + 0x1p-6, -0.0] as [Float]).map(\.bitPattern))
    }

    func testHandBuiltBF16AndF16Bytes() throws {
        // BF16: 1.0, -2.0, 0.5, 3.140625 ; F16: 1.0, -2.0, 2⁻²⁴ (smallest subnormal), +Inf.
        let bf16: [UInt8] = [0x80, 0x3F, 0x00, 0xC0, 0x00, 0x3F, 0x49, 0x40]
        let f16: [UInt8] = [0x00, 0x3C, 0x00, 0xC0, 0x01, 0x00, 0x00, 0x7C]
        let header = "{" + f32Entry("bf", shape: [2, 2], 0, 8, dtype: "BF16") + ","
            + f32Entry("hf", shape: [4], 8, 16, dtype: "F16") + "}"
        let f = try SafetensorsFile(contentsOf: write(rawBytes(header, data: bf16 + f16)))
        XCTAssertEqual(try f.tensor(named: "bf").shape, [2, 2])
        XCTAssertEqual(try f.tensor(named: "bf").scalars, [1, -2, 0.5, 3.140625])
        XCTAssertEqual(try f.tensor(named: "hf").scalars, [1, -2, 0x1p-24, .infinity])
        XCTAssertFalse(f.isZeroCopy("bf"))
    }

    func testHalfConversionMatchesSwiftFloat16() throws {
        #if !(os(macOS) && arch(x86_64))
        var wrong: [String] = []  // collected, so that one bug does not print 65536 failures
        for bits in 0...UInt16.max {
            let ours = HalfConversion.float(fromHalf: bits)
            let swift = Float(Float16(bitPattern: bits))
            if swift.isNaN {
                if !ours.isNaN || !Float(Float16(bitPattern: HalfConversion.half(from: ours))).isNaN { wrong.append("NaN \(bits)") }
                continue
            }
            if ours.bitPattern != swift.bitPattern { wrong.append("half \(bits) → \(ours), expected \(swift)") }
            if HalfConversion.half(from: ours) != bits { wrong.append("round trip of half \(bits)") }
        }
        var rng = SplitMix64(seed: 7)
        // Edges (overflow, ties at the subnormal and overflow thresholds), then random bit
        // patterns, which cover every exponent.
        let edges: [Float] = [.greatestFiniteMagnitude, -.greatestFiniteMagnitude, .leastNonzeroMagnitude,
                              .leastNormalMagnitude, 65504, 65519.99, 65520, -65520, 0x1p-25, 0x1.8p-25,
                              0x1.8p-24, 0x1p-14 * (1 - 0x1p-11), .infinity, -.infinity, 0, -0.0]
        let randoms = (0..<20_000).map { _ in Float(bitPattern: UInt32(truncatingIfNeeded: rng.next())) }
        for f in edges + randoms {
            if f.isNaN { continue }
            if HalfConversion.half(from: f) != Float16(f).bitPattern { wrong.append("float \(f)") }
            // bfloat16 reference: the nearer of the two neighbours (by truncation), ties to even.
            // Past the largest finite bfloat16 the upper neighbour is 2¹²⁸ (which rounds to Inf).
            guard f.isFinite else { continue }
            let down = f.bitPattern >> 16
            func value(_ b: UInt32) -> Double {
                b & 0x7FFF == 0x7F80 ? (b & 0x8000 == 0 ? 0x1p128 : -0x1p128)
                    : Double(HalfConversion.float(fromBFloat16: UInt16(truncatingIfNeeded: b)))
            }
            let dDown = abs(Double(f) - value(down))
            let dUp = abs(value(down + 1) - Double(f))
            let expected = dDown < dUp || (dDown == dUp && down & 1 == 0) ? down : down + 1
            if HalfConversion.bfloat16(from: f) != UInt16(truncatingIfNeeded: expected) { wrong.append("bf16 \(f)") }
        }
        XCTAssertEqual(wrong.prefix(10), [], "\(wrong.count) mismatches")
        #endif
    }

    // MARK: - Zero copy

    func testAlignedF32IsBorrowedFromTheMapping() throws {
        let url = try temporaryDirectory(self).appendingPathComponent("zc.safetensors")
        var w = SafetensorsWriter()
        w.add("h", Tensor(shape: [3], values: [1, 2, 3]), encoding: .f16)   // 6 bytes, stored last
        w.add("w", Tensor(shape: [2, 2], values: [1, 2, 3, 4]))
        try w.write(to: url)
        var f: SafetensorsFile? = try SafetensorsFile(contentsOf: url)
        XCTAssertTrue(f!.isZeroCopy("w"))
        let t = try f!.tensor(named: "w")
        let mapped = f!.mapping.bytes
        let address = UnsafeRawPointer(t.data)
        XCTAssertTrue(address >= mapped.baseAddress! && address + 16 <= mapped.baseAddress! + mapped.count,
                      "aligned F32 data must point into the mapping")
        XCTAssertEqual(address, mapped.baseAddress! + f!.dataSectionOffset + (try f!.info(named: "w").byteRange.lowerBound))
        f = nil  // the tensor's storage keeps the mapping alive
        XCTAssertEqual(t.scalars, [1, 2, 3, 4])
    }

    func testMisalignedF32IsCopied() throws {
        // An F16 scalar first pushes the F32 tensor to data offset 2: not 4-byte aligned.
        let header = "{" + f32Entry("h", shape: [1], 0, 2, dtype: "F16") + "," + f32Entry("w", shape: [2], 2, 10) + "}"
        let padded = header + String(repeating: " ", count: (8 - header.utf8.count % 8) % 8)
        var data: [UInt8] = [0x00, 0x3C]
        for v in [Float(1.5), -7] { withUnsafeBytes(of: v.bitPattern.littleEndian) { data += $0 } }
        let f = try SafetensorsFile(contentsOf: write(rawBytes(padded, data: data)))
        XCTAssertFalse(f.isZeroCopy("w"))
        let t = try f.tensor(named: "w")
        XCTAssertEqual(t.scalars, [1.5, -7])
        let mapped = f.mapping.bytes
        let address = UnsafeRawPointer(t.data)
        XCTAssertFalse(address >= mapped.baseAddress! && address < mapped.baseAddress! + mapped.count)
        XCTAssertEqual(try f.tensor(named: "h").scalars, [1])
    }

    // MARK: - Malformed files: one specific error each

    func testFileShorterThanLengthPrefix() throws {
        for size in [0, 5] {
            let url = try write([UInt8](repeating: 1, count: size))
            assertOpenThrows(url, .truncated(path: url.path, what: "the 8-byte safetensors header length", needed: 8, available: size))
        }
    }

    func testHeaderCutShort() throws {
        let header = "{" + f32Entry("w", shape: [1], 0, 4) + "}"
        let full = rawBytes(header, data: [0, 0, 0, 0])
        let url = try write(Array(full.prefix(20)))
        let n = header.utf8.count
        assertOpenThrows(url, .truncated(path: url.path, what: "the \(n)-byte JSON header", needed: 8 + n, available: 20))
    }

    func testHeaderLengthPastEndOfFile() throws {
        let url = try write(rawBytes("{}", headerLength: 1 << 40))
        assertOpenThrows(url, .headerLengthOutOfRange(path: url.path, headerLength: 1 << 40, fileSize: 10))
        // A small length but not JSON after the prefix: not a safetensors file at all.
        let other = try write(rawBytes("PK\u{3}\u{4}", headerLength: 100), "other.safetensors")
        assertOpenThrows(other, .headerLengthOutOfRange(path: other.path, headerLength: 100, fileSize: 12))
    }

    func testNonJSONHeader() throws {
        let url = try file("hello")
        assertOpenThrows(url, .invalidHeader(path: url.path, reason: "not valid JSON: unexpected character 'h' at byte 0"))
        let cut = try file("{\"w\": {\"dtype\": \"F32\"")
        assertOpenThrows(cut, .invalidHeader(path: cut.path, reason: "not valid JSON: expected ',' or '}' in object at byte 21"))
        let badUTF8 = try write(Array(rawBytes("{}").dropLast()) + [0xFF], "utf8.safetensors")
        assertOpenThrows(badUTF8, .invalidHeader(path: badUTF8.path, reason: "header is not valid UTF-8"))
    }

    func testJSONArrayInsteadOfObject() throws {
        let url = try file("[1, 2]")
        assertOpenThrows(url, .invalidHeader(
            path: url.path, reason: "expected a JSON object mapping tensor names to entries, found an array"))
    }

    func testDeepNestingIsRejectedNotRecursedInto() throws {
        let url = try file(String(repeating: "[", count: 100_000))
        assertOpenThrows(url, .invalidHeader(path: url.path, reason: "not valid JSON: nesting deeper than 64 at byte 64"))
    }

    func testDuplicateTensorName() throws {
        let url = try file("{" + f32Entry("w", shape: [1], 0, 4) + "," + f32Entry("w", shape: [1], 4, 8) + "}", dataSize: 8)
        XCTAssertThrowsError(try SafetensorsFile(contentsOf: url)) { error in
            guard case .invalidHeader(let path, let reason)? = error as? WeightFileError else { return XCTFail("\(error)") }
            XCTAssertEqual(path, url.path)
            XCTAssertTrue(reason.hasPrefix("not valid JSON: duplicate key 'w'"), reason)
        }
    }

    func testEntryWithMissingOrWrongFields() throws {
        let cases: [(String, String)] = [
            ("{\"w\":{\"shape\":[1],\"data_offsets\":[0,4]}}", "tensor 'w': missing 'dtype'"),
            ("{\"w\":{\"dtype\":\"F32\",\"data_offsets\":[0,4]}}", "tensor 'w': missing 'shape'"),
            ("{\"w\":{\"dtype\":\"F32\",\"shape\":[1]}}", "tensor 'w': missing 'data_offsets'"),
            ("{\"w\":{\"dtype\":32,\"shape\":[1],\"data_offsets\":[0,4]}}", "tensor 'w': 'dtype' is not a string"),
            ("{\"w\":{\"dtype\":\"F32\",\"shape\":\"1\",\"data_offsets\":[0,4]}}", "tensor 'w': 'shape' is not an array"),
            ("{\"w\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", "tensor 'w': 'shape' has a negative dimension -1"),
            ("{\"w\":{\"dtype\":\"F32\",\"shape\":[1.5],\"data_offsets\":[0,4]}}", "tensor 'w': 'shape' has a non-integer dimension"),
            ("{\"w\":{\"dtype\":\"F32\",\"shape\":[true],\"data_offsets\":[0,4]}}", "tensor 'w': 'shape' has a non-integer dimension"),
            ("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0]}}", "tensor 'w': 'data_offsets' has 1 items, expected 2"),
            ("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,\"4\"]}}", "tensor 'w': 'data_offsets' are not both integers"),
            ("{\"w\":[1]}", "tensor 'w': entry is an array, expected an object"),
            ("{\"__metadata__\":[]}", "'__metadata__' is an array, expected an object of strings"),
            ("{\"__metadata__\":{\"k\":1}}", "'__metadata__' value for 'k' is a number, expected a string"),
        ]
        for (i, (header, reason)) in cases.enumerated() {
            let url = try write(rawBytes(header, data: [0, 0, 0, 0]), "case\(i).safetensors")
            assertOpenThrows(url, .invalidHeader(path: url.path, reason: reason))
        }
    }

    func testUnknownDType() throws {
        let url = try file("{" + f32Entry("w", shape: [1], 0, 8, dtype: "F64") + "}", dataSize: 8)
        assertOpenThrows(url, .unknownDType(path: url.path, tensor: "w", dtype: "F64"), mentions: ["w"])
    }

    func testShapeMismatch() throws {
        let url = try file("{" + f32Entry("blocks.0.w", shape: [2, 3], 0, 20) + "}", dataSize: 24)
        assertOpenThrows(url, .shapeMismatch(path: url.path, tensor: "blocks.0.w", shape: [2, 3], dtype: "F32",
                                             expectedBytes: 24, actualBytes: 20), mentions: ["blocks.0.w"])
    }

    func testShapeProductOverflowIsDetected() throws {
        let url = try file("{" + f32Entry("w", shape: [1 << 32, 1 << 32], 0, 0) + "}")
        assertOpenThrows(url, .shapeMismatch(path: url.path, tensor: "w", shape: [1 << 32, 1 << 32], dtype: "F32",
                                             expectedBytes: Int.max, actualBytes: 0), mentions: ["w"])
        // A zero dimension does not excuse dimensions that overflow on their own.
        let zero = try write(rawBytes("{" + f32Entry("z", shape: [1 << 40, 1 << 40, 0], 0, 0) + "}"), "zero.safetensors")
        assertOpenThrows(zero, .shapeMismatch(path: zero.path, tensor: "z", shape: [1 << 40, 1 << 40, 0], dtype: "F32",
                                              expectedBytes: Int.max, actualBytes: 0), mentions: ["z"])
        // Offsets beyond Int64 are not integers we accept.
        let huge = try write(rawBytes("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,99999999999999999999]}}"),
                             "huge.safetensors")
        assertOpenThrows(huge, .invalidHeader(path: huge.path, reason: "tensor 'w': 'data_offsets' are not both integers"))
    }

    func testOffsetsOutOfRange() throws {
        let url = try file("{" + f32Entry("w", shape: [2, 3], 0, 24) + "}", dataSize: 16)
        assertOpenThrows(url, .offsetsOutOfRange(path: url.path, tensor: "w", begin: 0, end: 24, dataSize: 16), mentions: ["w"])
        let negative = try write(rawBytes("{" + f32Entry("n", shape: [1], -4, 0) + "}", data: [0, 0, 0, 0]), "neg.safetensors")
        assertOpenThrows(negative, .offsetsOutOfRange(path: negative.path, tensor: "n", begin: -4, end: 0, dataSize: 4),
                         mentions: ["n"])
    }

    func testReversedOffsets() throws {
        let url = try file("{" + f32Entry("w", shape: [2, 3], 24, 0) + "}", dataSize: 24)
        assertOpenThrows(url, .offsetsOutOfRange(path: url.path, tensor: "w", begin: 24, end: 0, dataSize: 24), mentions: ["w"])
    }

    func testOverlappingTensors() throws {
        let url = try file("{" + f32Entry("a", shape: [4], 0, 16) + "," + f32Entry("b", shape: [4], 8, 24) + "}", dataSize: 24)
        assertOpenThrows(url, .overlappingTensors(path: url.path, tensor: "b", other: "a"), mentions: ["a", "b"])
        // Containment is overlap too, even with a non-overlapping tensor in between in sort order.
        let nested = try write(rawBytes("{" + f32Entry("big", shape: [8], 0, 32) + "," + f32Entry("x", shape: [1], 4, 8)
                                        + "," + f32Entry("y", shape: [1], 12, 16) + "}",
                                        data: [UInt8](repeating: 0, count: 32)), "nested.safetensors")
        assertOpenThrows(nested, .overlappingTensors(path: nested.path, tensor: "x", other: "big"), mentions: ["x", "big"])
    }

    func testZeroLengthTensorsNeverOverlap() throws {
        let url = try file("{" + f32Entry("a", shape: [4], 0, 16) + "," + f32Entry("e", shape: [0], 8, 8) + ","
                           + f32Entry("e2", shape: [2, 0], 8, 8) + "}", dataSize: 16)
        let f = try SafetensorsFile(contentsOf: url)
        XCTAssertEqual(f.names, ["a", "e", "e2"])
        XCTAssertEqual(try f.tensor(named: "e2").shape, [2, 0])
    }

    func testMissingTensorName() throws {
        let url = try file("{" + f32Entry("w", shape: [1], 0, 4) + "}", dataSize: 4)
        let f = try SafetensorsFile(contentsOf: url)
        assertThrows(try f.tensor(named: "nope"), .tensorNotFound(path: url.path, tensor: "nope"), path: url.path, mentions: ["nope"])
        assertThrows(try f.info(named: "nope"), .tensorNotFound(path: url.path, tensor: "nope"), path: url.path, mentions: ["nope"])
        assertThrows(try f.int64Tensor(named: "nope"), .tensorNotFound(path: url.path, tensor: "nope"), path: url.path)
        assertThrows(try f.int64Tensor(named: "w"),
                     .unsupported(path: url.path, reason: "tensor 'w' has dtype F32; int64Tensor(named:) needs I64"),
                     path: url.path, mentions: ["w"])
    }

    func testMissingFile() throws {
        let url = try temporaryDirectory(self).appendingPathComponent("absent.safetensors")
        assertOpenThrows(url, .fileNotFound(path: url.path))
        let dir = try temporaryDirectory(self)
        assertOpenThrows(dir, .io(path: dir.path, reason: "not a regular file"))
    }

    // MARK: - Fuzz

    /// Every prefix of a valid file, and many copies with random bytes flipped, must either
    /// open (and then read every tensor) or throw a WeightFileError — never trap.
    func testTruncationsAndByteFlipsNeverCrash() throws {
        let dir = try temporaryDirectory(self)
        let source = dir.appendingPathComponent("valid.safetensors")
        var w = SafetensorsWriter(metadata: ["k": "v"])
        w.add("f32", Tensor(shape: [2, 2], values: [1, 2, 3, 4]))
        w.add("f16", Tensor(shape: [3], values: [1, 2, 3]), encoding: .f16)
        w.add("bf16", Tensor(shape: [1, 1], values: [5]), encoding: .bf16)
        w.add("i64", int64: [1, 2], shape: [2])
        try w.write(to: source)
        let valid = try [UInt8](Data(contentsOf: source))
        let target = dir.appendingPathComponent("mutant.safetensors")

        var outcomes: [String: Int] = [:]
        func attempt(_ bytes: [UInt8]) throws {
            try Data(bytes).write(to: target, options: .atomic)
            do {
                let f = try SafetensorsFile(contentsOf: target)
                for name in f.names {
                    let t = try f.tensor(named: name)
                    _ = t.scalars
                    if try f.info(named: name).dtype == .i64 { _ = try f.int64Tensor(named: name) }
                }
                outcomes["ok", default: 0] += 1
            } catch let e as WeightFileError {
                outcomes[Mirror(reflecting: e).children.first?.label ?? "\(e)", default: 0] += 1
            } catch {
                XCTFail("non-WeightFileError \(error) for \(bytes)")
            }
        }

        for length in 0...valid.count { try attempt(Array(valid.prefix(length))) }
        var rng = SplitMix64(seed: 2024)
        let headerEnd = 8 + Int(valid[0]) + Int(valid[1]) << 8
        for _ in 0..<300 {
            var bytes = valid
            for _ in 0..<(1 + Int(rng.next() % 3)) {
                // Mostly hit the header, where the structure is.
                let i = rng.next() % 4 == 0 ? Int(rng.next() % UInt64(bytes.count)) : Int(rng.next() % UInt64(headerEnd))
                bytes[i] = rng.next() % 2 == 0 ? bytes[i] ^ UInt8(1 << (rng.next() % 8)) : UInt8(truncatingIfNeeded: rng.next())
            }
            try attempt(bytes)
        }
        XCTAssertGreaterThan(outcomes["ok", default: 0], 1, "\(outcomes)")
        XCTAssertGreaterThan(outcomes.count, 3, "mutations should hit several different errors: \(outcomes)")
    }

    func testJSONParserBasics() throws {
        let v = try SafetensorsJSON.parse(Array(#" {"a": [1, -2, 3.5e1, "x\u00e9\ud83d\ude00\n"], "b": {"c": null, "d": false}} "#.utf8))
        XCTAssertEqual(v, .object([
            ("a", .array([.integer(1), .integer(-2), .otherNumber("3.5e1"), .string("xé😀\n")])),
            ("b", .object([("c", .null), ("d", .bool(false))])),
        ]))
        for bad in ["", "{", "[1,]", "01", "1.", "\"\u{1}\"", "\"\\ud800\"", "{\"a\" 1}", "tru", "{} x"] {
            XCTAssertThrowsError(try SafetensorsJSON.parse(Array(bad.utf8)), "accepted \(bad)")
        }
    }

    func testWriterEscapesNames() throws {
        let url = try temporaryDirectory(self).appendingPathComponent("esc.safetensors")
        let odd = "we\"ird\\name\u{1}\t/é"
        var w = SafetensorsWriter()
        w.add(odd, Tensor(shape: [1], values: [3]))
        try w.write(to: url)
        XCTAssertEqual(try SafetensorsFile(contentsOf: url).tensor(named: odd).scalars, [3])
    }
}
