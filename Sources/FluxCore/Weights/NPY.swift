import Foundation

/// An array read from a `.npy` file: float32 or int64, C order.
public enum NPYArray: Equatable {
    case float32(shape: [Int], values: [Float])
    case int64(shape: [Int], values: [Int64])

    /// Dimensions, outermost first.
    public var shape: [Int] {
        switch self {
        case .float32(let s, _), .int64(let s, _): return s
        }
    }

    /// The array as a ``Tensor`` (int64 values are converted to Float).
    public var tensor: Tensor {
        switch self {
        case .float32(let s, let v): return Tensor(shape: s, values: v)
        case .int64(let s, let v): return Tensor(shape: s, values: v.map { Float($0) })
        }
    }
}

/// Reads and writes NumPy `.npy` files (format versions 1.0–3.0; float32 and int64,
/// little-endian, C order). Used for parity fixtures and for researchers' tensors.
public enum NPY {
    static let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]  // "\x93NUMPY"

    /// Reads a file. Throws ``WeightFileError`` naming the file and the reason.
    public static func read(_ url: URL) throws -> NPYArray {
        let path = url.path
        guard FileManager.default.fileExists(atPath: path) else { throw WeightFileError.fileNotFound(path: path) }
        let data: Data
        do { data = try Data(contentsOf: url, options: .alwaysMapped) } catch {
            throw WeightFileError.io(path: path, reason: "cannot read: \(error.localizedDescription)")
        }
        return try parse(data, path: path)
    }

    /// Parses the bytes of a `.npy` file; `path` is used in error messages only.
    public static func parse(_ data: Data, path: String = "<memory>") throws -> NPYArray {
        let bytes = [UInt8](data.prefix(12))
        guard bytes.count >= 10 else {
            throw WeightFileError.truncated(path: path, what: "the .npy preamble", needed: 10, available: bytes.count)
        }
        guard Array(bytes[0..<6]) == magic else {
            throw WeightFileError.invalidHeader(path: path, reason: "missing the \\x93NUMPY magic; not a .npy file")
        }
        let major = bytes[6]
        let headerLen: Int, headerStart: Int
        switch major {
        case 1:
            headerLen = Int(bytes[8]) | Int(bytes[9]) << 8
            headerStart = 10
        case 2, 3:
            guard bytes.count >= 12 else {
                throw WeightFileError.truncated(path: path, what: "the .npy v\(major) preamble", needed: 12, available: bytes.count)
            }
            headerLen = Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24
            headerStart = 12
        default:
            throw WeightFileError.unsupported(path: path, reason: ".npy format version \(major) (known: 1, 2, 3)")
        }
        guard headerStart + headerLen <= data.count else {
            throw WeightFileError.headerLengthOutOfRange(path: path, headerLength: UInt64(headerLen), fileSize: data.count)
        }
        let headerBytes = data.subdata(in: data.startIndex + headerStart ..< data.startIndex + headerStart + headerLen)
        guard let header = String(data: headerBytes, encoding: major == 3 ? .utf8 : .isoLatin1) else {
            throw WeightFileError.invalidHeader(path: path, reason: "header is not text")
        }
        let dict = try parseHeaderDict(header, path: path)
        guard let descr = dict["descr"] else {
            throw WeightFileError.invalidHeader(path: path, reason: "no 'descr' key in \(header.trimmingCharacters(in: .whitespacesAndNewlines))")
        }
        guard let fortran = dict["fortran_order"] else {
            throw WeightFileError.invalidHeader(path: path, reason: "no 'fortran_order' key")
        }
        if fortran == "True" {
            throw WeightFileError.unsupported(path: path, reason: "Fortran-order arrays; save with np.ascontiguousarray")
        }
        guard fortran == "False" else {
            throw WeightFileError.invalidHeader(path: path, reason: "fortran_order is '\(fortran)', expected True or False")
        }
        guard let shapeText = dict["shape"] else {
            throw WeightFileError.invalidHeader(path: path, reason: "no 'shape' key")
        }
        let shape = try parseShape(shapeText, path: path)
        // Overflow-checked element count. The non-zero dimensions must multiply without
        // overflow even when a zero makes the count 0: `Tensor` multiplies in any order.
        var count = 1, countOverflow = false
        for d in shape where d != 0 {
            let (p, o) = count.multipliedReportingOverflow(by: d)
            count = p
            countOverflow = countOverflow || o
        }
        if shape.contains(0) { count = 0 }
        let elementSize: Int
        switch descr {
        case "<f4", "|f4": elementSize = 4
        case "<i8", "|i8": elementSize = 8
        default:
            throw WeightFileError.unknownDType(path: path, tensor: "array", dtype: descr)
        }
        let start = headerStart + headerLen
        let available = data.count - start
        var (needed, overflow) = count.multipliedReportingOverflow(by: elementSize)
        overflow = overflow || countOverflow
        guard !overflow, needed == available else {
            if !overflow && needed > available {
                throw WeightFileError.truncated(path: path, what: "shape \(shape) × \(descr)", needed: needed, available: available)
            }
            throw WeightFileError.shapeMismatch(path: path, tensor: "array", shape: shape, dtype: descr,
                                                expectedBytes: overflow ? Int.max : needed, actualBytes: available)
        }
        let payload = data.subdata(in: data.startIndex + start ..< data.endIndex)
        if elementSize == 4 {
            var values = [Float](repeating: 0, count: count)
            values.withUnsafeMutableBytes { _ = payload.copyBytes(to: $0) }
            return .float32(shape: shape, values: values.map { Float(bitPattern: $0.bitPattern.littleEndian) })
        } else {
            var values = [Int64](repeating: 0, count: count)
            values.withUnsafeMutableBytes { _ = payload.copyBytes(to: $0) }
            return .int64(shape: shape, values: values.map { Int64(littleEndian: $0) })
        }
    }

    /// Writes a float32 array in .npy v1.0 format, C order.
    public static func write(_ values: [Float], shape: [Int], to url: URL) throws {
        try writeFile(encode(values, shape: shape), to: url)
    }

    /// Writes an int64 array in .npy v1.0 format, C order.
    public static func write(_ values: [Int64], shape: [Int], to url: URL) throws {
        try writeFile(encode(values, shape: shape), to: url)
    }

    /// The bytes of a .npy v1.0 file holding a float32 array, C order (what ``write(_:shape:to:)``
    /// writes), for callers that write the file themselves.
    public static func encode(_ values: [Float], shape: [Int]) -> Data {
        precondition(shape.reduce(1, *) == values.count, "NPY.encode: \(values.count) values do not fill \(shape)")
        var body = Data(count: values.count * 4)
        body.withUnsafeMutableBytes { dst in values.map { $0.bitPattern.littleEndian }.withUnsafeBytes { dst.copyMemory(from: $0) } }
        return file(descr: "<f4", shape: shape, body: body)
    }

    /// The bytes of a .npy v1.0 file holding an int64 array, C order.
    public static func encode(_ values: [Int64], shape: [Int]) -> Data {
        precondition(shape.reduce(1, *) == values.count, "NPY.encode: \(values.count) values do not fill \(shape)")
        var body = Data(count: values.count * 8)
        body.withUnsafeMutableBytes { dst in values.map { $0.littleEndian }.withUnsafeBytes { dst.copyMemory(from: $0) } }
        return file(descr: "<i8", shape: shape, body: body)
    }

    /// Writes a tensor as float32 .npy.
    public static func write(_ tensor: Tensor, to url: URL) throws {
        try write(tensor.scalars, shape: tensor.shape, to: url)
    }

    /// Header and `body` of a .npy v1.0 file.
    static func file(descr: String, shape: [Int], body: Data) -> Data {
        let shapeText = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        var header = "{'descr': '\(descr)', 'fortran_order': False, 'shape': \(shapeText), }"
        // Pad so that the data starts on a 64-byte boundary; the header ends with '\n'.
        let unpadded = 10 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        var out = Data(magic + [1, 0])
        let len = header.utf8.count
        out.append(contentsOf: [UInt8(len & 0xff), UInt8(len >> 8)])
        out.append(contentsOf: Array(header.utf8))
        out.append(body)
        return out
    }

    static func writeFile(_ out: Data, to url: URL) throws {
        do { try out.write(to: url, options: .atomic) } catch {
            throw WeightFileError.io(path: url.path, reason: "cannot write: \(error.localizedDescription)")
        }
    }

    /// Parses the Python dict literal of a .npy header into key → raw value text.
    static func parseHeaderDict(_ text: String, path: String) throws -> [String: String] {
        let s = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard s.hasPrefix("{"), s.hasSuffix("}") else {
            throw WeightFileError.invalidHeader(path: path, reason: "header is not a dict literal: \(s.prefix(80))")
        }
        var result: [String: String] = [:]
        var rest = Substring(s.dropFirst().dropLast())
        while true {
            rest = rest.drop { $0 == " " || $0 == "," }
            if rest.isEmpty { break }
            guard let q = rest.first, q == "'" || q == "\"",
                  let keyEnd = rest.dropFirst().firstIndex(of: q) else {
                throw WeightFileError.invalidHeader(path: path, reason: "malformed key in \(s.prefix(80))")
            }
            let key = String(rest[rest.index(after: rest.startIndex)..<keyEnd])
            rest = rest[rest.index(after: keyEnd)...].drop { $0 == " " }
            guard rest.first == ":" else {
                throw WeightFileError.invalidHeader(path: path, reason: "expected ':' after '\(key)'")
            }
            rest = rest.dropFirst().drop { $0 == " " }
            // Value: a quoted string, a tuple, or a bare word.
            var value: Substring
            if let f = rest.first, f == "'" || f == "\"" {
                guard let end = rest.dropFirst().firstIndex(of: f) else {
                    throw WeightFileError.invalidHeader(path: path, reason: "unterminated string for '\(key)'")
                }
                value = rest[rest.index(after: rest.startIndex)..<end]
                rest = rest[rest.index(after: end)...]
            } else if rest.first == "(" {
                guard let end = rest.firstIndex(of: ")") else {
                    throw WeightFileError.invalidHeader(path: path, reason: "unterminated tuple for '\(key)'")
                }
                value = rest[rest.startIndex...end]
                rest = rest[rest.index(after: end)...]
            } else {
                let end = rest.firstIndex(of: ",") ?? rest.endIndex
                value = rest[rest.startIndex..<end]
                rest = rest[end...]
            }
            result[key] = value.trimmingCharacters(in: .whitespaces)
        }
        return result
    }

    static func parseShape(_ text: String, path: String) throws -> [Int] {
        guard text.hasPrefix("("), text.hasSuffix(")") else {
            throw WeightFileError.invalidHeader(path: path, reason: "shape '\(text)' is not a tuple")
        }
        let inner = text.dropFirst().dropLast()
        var dims: [Int] = []
        for part in inner.split(separator: ",") {
            let t = part.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "L", with: "")
            if t.isEmpty { continue }
            guard let d = Int(t), d >= 0 else {
                throw WeightFileError.invalidHeader(path: path, reason: "shape '\(text)' has a non-integer dimension")
            }
            dims.append(d)
        }
        return dims
    }
}
