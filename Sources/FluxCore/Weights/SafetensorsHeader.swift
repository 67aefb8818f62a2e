import Foundation

/// The validated JSON header of a safetensors file.
///
/// File layout: `u64 N` (little-endian) · `N` bytes of UTF-8 JSON · data section. The JSON is
/// an object mapping each tensor name to `{"dtype": "F32", "shape": [2, 3],
/// "data_offsets": [begin, end]}` (offsets relative to the data section), plus an optional
/// `"__metadata__"` object of string → string.
///
/// ``parse(_:dataSize:path:)`` checks everything that can be checked without reading tensor
/// data, so that a header that parses can be read without any further bounds checks:
/// - JSON syntax, UTF-8, object root, unique keys → ``WeightFileError/invalidHeader(path:reason:)``
/// - each entry has a string `dtype`, an array of non-negative integer `shape`, and exactly
///   two integer `data_offsets` → `invalidHeader` naming the tensor
/// - `dtype` is one of ``SafetensorsDType`` → ``WeightFileError/unknownDType(path:tensor:dtype:)``
/// - `0 ≤ begin ≤ end ≤ dataSize` → ``WeightFileError/offsetsOutOfRange(path:tensor:begin:end:dataSize:)``
/// - product(shape) × dtype size == end − begin, overflow included →
///   ``WeightFileError/shapeMismatch(path:tensor:shape:dtype:expectedBytes:actualBytes:)``
/// - no two non-empty byte ranges overlap → ``WeightFileError/overlappingTensors(path:tensor:other:)``
///
/// Gaps between tensors are allowed (the Rust reader rejects them; nothing here depends on
/// contiguity).
struct SafetensorsHeader {
    /// Tensor entries by name.
    var tensors: [String: SafetensorsTensorInfo]
    /// The `__metadata__` object; empty when absent.
    var metadata: [String: String]

    static let metadataKey = "__metadata__"

    /// Parses and validates header bytes. `dataSize` is the byte count of the data section;
    /// `path` is used in error messages.
    static func parse(_ bytes: [UInt8], dataSize: Int, path: String) throws -> SafetensorsHeader {
        // Decoding repairs invalid UTF-8 with U+FFFD, so a lossless round trip means valid.
        guard Array(String(decoding: bytes, as: UTF8.self).utf8) == bytes else {
            throw WeightFileError.invalidHeader(path: path, reason: "header is not valid UTF-8")
        }
        let root: SafetensorsJSON.Value
        do { root = try SafetensorsJSON.parse(bytes) } catch let e as SafetensorsJSON.ParseError {
            throw WeightFileError.invalidHeader(path: path, reason: "not valid JSON: \(e.message) at byte \(e.offset)")
        }
        guard case .object(let members) = root else {
            throw WeightFileError.invalidHeader(
                path: path, reason: "expected a JSON object mapping tensor names to entries, found \(root.kindDescription)")
        }
        var header = SafetensorsHeader(tensors: [:], metadata: [:])
        for (name, value) in members {
            if name == metadataKey {
                header.metadata = try parseMetadata(value, path: path)
            } else {
                header.tensors[name] = try parseEntry(name: name, value, dataSize: dataSize, path: path)
            }
        }
        try checkOverlaps(Array(header.tensors.values), path: path)
        return header
    }

    static func parseMetadata(_ value: SafetensorsJSON.Value, path: String) throws -> [String: String] {
        guard case .object(let members) = value else {
            throw WeightFileError.invalidHeader(path: path, reason: "'\(metadataKey)' is \(value.kindDescription), expected an object of strings")
        }
        var result: [String: String] = [:]
        for (key, v) in members {
            guard case .string(let s) = v else {
                throw WeightFileError.invalidHeader(
                    path: path, reason: "'\(metadataKey)' value for '\(key)' is \(v.kindDescription), expected a string")
            }
            result[key] = s
        }
        return result
    }

    static func parseEntry(name: String, _ value: SafetensorsJSON.Value, dataSize: Int, path: String) throws -> SafetensorsTensorInfo {
        func invalid(_ reason: String) -> WeightFileError {
            .invalidHeader(path: path, reason: "tensor '\(name)': \(reason)")
        }
        guard case .object(let members) = value else { throw invalid("entry is \(value.kindDescription), expected an object") }
        func field(_ key: String) throws -> SafetensorsJSON.Value {
            guard let v = members.first(where: { $0.key == key })?.value else { throw invalid("missing '\(key)'") }
            return v
        }
        // dtype
        guard case .string(let dtypeText) = try field("dtype") else { throw invalid("'dtype' is not a string") }
        // shape
        guard case .array(let shapeItems) = try field("shape") else { throw invalid("'shape' is not an array") }
        var shape: [Int] = []
        for item in shapeItems {
            guard case .integer(let d) = item else { throw invalid("'shape' has a non-integer dimension") }
            guard d >= 0 else { throw invalid("'shape' has a negative dimension \(d)") }
            shape.append(d)
        }
        // data_offsets
        guard case .array(let offsetItems) = try field("data_offsets") else { throw invalid("'data_offsets' is not an array") }
        guard offsetItems.count == 2 else { throw invalid("'data_offsets' has \(offsetItems.count) items, expected 2") }
        guard case .integer(let begin) = offsetItems[0], case .integer(let end) = offsetItems[1] else {
            throw invalid("'data_offsets' are not both integers")
        }

        guard let dtype = SafetensorsDType(rawValue: dtypeText) else {
            throw WeightFileError.unknownDType(path: path, tensor: name, dtype: dtypeText)
        }
        guard begin >= 0, begin <= end, end <= dataSize else {
            throw WeightFileError.offsetsOutOfRange(path: path, tensor: name, begin: begin, end: end, dataSize: dataSize)
        }
        let expected = byteCount(shape: shape, elementSize: dtype.byteSize)
        guard expected == end - begin else {
            throw WeightFileError.shapeMismatch(path: path, tensor: name, shape: shape, dtype: dtypeText,
                                                expectedBytes: expected ?? Int.max, actualBytes: end - begin)
        }
        return SafetensorsTensorInfo(name: name, dtype: dtype, shape: shape, byteRange: begin..<end)
    }

    /// product(shape) × elementSize, or nil if the product of the non-zero dimensions times
    /// `elementSize` overflows `Int`. Such shapes are rejected even when a zero dimension makes
    /// the true size 0, because ``Tensor`` and the kernels multiply dimensions in any order
    /// (`[2⁴⁰, 2⁴⁰, 0].reduce(1, *)` traps).
    static func byteCount(shape: [Int], elementSize: Int) -> Int? {
        var n = elementSize
        for d in shape where d != 0 {
            let (p, overflow) = n.multipliedReportingOverflow(by: d)
            if overflow { return nil }
            n = p
        }
        return shape.contains(0) ? 0 : n
    }

    /// Sorts the non-empty ranges by start and compares neighbours: if any two ranges
    /// overlap, some adjacent pair does. Empty (zero-byte) tensors never overlap.
    static func checkOverlaps(_ infos: [SafetensorsTensorInfo], path: String) throws {
        let sorted = infos.filter { !$0.byteRange.isEmpty }.sorted {
            ($0.byteRange.lowerBound, $0.byteRange.upperBound, $0.name) < ($1.byteRange.lowerBound, $1.byteRange.upperBound, $1.name)
        }
        for (a, b) in zip(sorted, sorted.dropFirst()) where b.byteRange.lowerBound < a.byteRange.upperBound {
            throw WeightFileError.overlappingTensors(path: path, tensor: b.name, other: a.name)
        }
    }
}
