import Foundation
import FluxCore

/// A dense `[rows, cols]` matrix of scores, row-major, in Double.
///
/// The similarity matrix of an evaluation is `S[v, t]` (rows = videos, cols = texts), as in
/// UMT/InternVideo2 (EVAL_PROTOCOL §4.1). Scores are held in Double so that a float64 `.npy`
/// from another system is ranked on exactly its own values (a float32 one converts exactly).
public struct ScoreMatrix: Sendable, Equatable {
    public let rows: Int
    public let cols: Int
    /// Row-major, `rows · cols` values.
    public var values: [Double]

    public init(rows: Int, cols: Int, values: [Double]) {
        precondition(rows >= 0 && cols >= 0 && values.count == rows * cols,
                     "ScoreMatrix: \(values.count) values do not fill \(rows)×\(cols)")
        self.rows = rows
        self.cols = cols
        self.values = values
    }

    /// From nested rows, e.g. `[[0.9, 0.1], [0.2, 0.8]]` (all rows the same length).
    public init(_ nested: [[Double]]) {
        let cols = nested.first?.count ?? 0
        precondition(nested.allSatisfy { $0.count == cols }, "ScoreMatrix: rows of different lengths")
        self.init(rows: nested.count, cols: cols, values: nested.flatMap { $0 })
    }

    public subscript(r: Int, c: Int) -> Double {
        get { values[r * cols + c] }
        set { values[r * cols + c] = newValue }
    }

    /// Row `r` as an array.
    public func row(_ r: Int) -> ArraySlice<Double> { values[(r * cols)..<((r + 1) * cols)] }

    /// The transpose `[cols, rows]`.
    public func transposed() -> ScoreMatrix {
        var out = [Double](repeating: 0, count: values.count)
        for r in 0..<rows { for c in 0..<cols { out[c * rows + r] = values[r * cols + c] } }
        return ScoreMatrix(rows: cols, cols: rows, values: out)
    }

    /// `S = V · Tᵀ` for unit vectors: the cosine of every video with every text.
    ///
    /// - Parameters:
    ///   - videos: `[Nv, E]` row-major (L2-normalised).
    ///   - texts: `[Nt, E]` row-major (L2-normalised).
    /// - Returns: `[Nv, Nt]`. GEMM in fp32 (`cblas_sgemm`, B transposed), widened to Double.
    public static func cosine(videos: [Float], texts: [Float], dimension e: Int) -> ScoreMatrix {
        precondition(e > 0 && videos.count % e == 0 && texts.count % e == 0, "ScoreMatrix.cosine: sizes do not match dimension \(e)")
        let nv = videos.count / e, nt = texts.count / e
        var s = [Float](repeating: 0, count: nv * nt)
        if nv > 0 && nt > 0 {
            videos.withUnsafeBufferPointer { v in
                texts.withUnsafeBufferPointer { t in
                    s.withUnsafeMutableBufferPointer { out in
                        GEMM.multiply(MatrixRef(v.baseAddress!, rows: nv, cols: e), MatrixRef(t.baseAddress!, rows: nt, cols: e),
                                      transposeB: true, into: MutableMatrixRef(out.baseAddress!, rows: nv, cols: nt))
                    }
                }
            }
        }
        return ScoreMatrix(rows: nv, cols: nt, values: s.map(Double.init))
    }

    // MARK: - .npy

    /// Reads a 2-D `.npy` matrix: float16, float32 or float64 (either byte order), int32/int64,
    /// C or Fortran order.
    /// - Throws: ``ScoreMatrixError``.
    public static func load(npy url: URL) throws -> ScoreMatrix {
        let data: Data
        do { data = try Data(contentsOf: url, options: .mappedIfSafe) } catch {
            throw ScoreMatrixError(path: url.path, reason: "cannot read: \(error.localizedDescription)")
        }
        return try parse(npy: data, path: url.path)
    }

    /// Parses the bytes of a `.npy` file; `path` is used in messages only.
    public static func parse(npy data: Data, path: String) throws -> ScoreMatrix {
        func fail(_ reason: String) -> ScoreMatrixError { ScoreMatrixError(path: path, reason: reason) }
        let bytes = [UInt8](data.prefix(12))
        guard bytes.count >= 10, bytes[0..<6].elementsEqual([0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]) else {
            throw fail("not a .npy file (no \\x93NUMPY magic); save the matrix with numpy.save")
        }
        let headerLength: Int, headerStart: Int
        switch bytes[6] {
        case 1: headerLength = Int(bytes[8]) | Int(bytes[9]) << 8; headerStart = 10
        case 2, 3:
            guard bytes.count >= 12 else { throw fail("truncated .npy preamble") }
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24
            headerStart = 12
        default: throw fail(".npy format version \(bytes[6]) (known: 1, 2, 3)")
        }
        guard headerStart + headerLength <= data.count else { throw fail("truncated .npy header") }
        let header = String(decoding: data[(data.startIndex + headerStart)..<(data.startIndex + headerStart + headerLength)], as: UTF8.self)
        func value(_ key: String) -> String? {
            guard let k = header.range(of: "'\(key)'") else { return nil }
            var rest = header[k.upperBound...].drop { $0 == " " || $0 == ":" }
            if rest.hasPrefix("'") {
                rest = rest.dropFirst()
                return String(rest.prefix { $0 != "'" })
            }
            if rest.hasPrefix("(") { return String(rest.prefix { $0 != ")" }.dropFirst()) }
            return String(rest.prefix { $0 != "," && $0 != "}" }).trimmingCharacters(in: .whitespaces)
        }
        guard let descr = value("descr"), let fortran = value("fortran_order"), let shapeText = value("shape") else {
            throw fail("the .npy header lacks descr, fortran_order or shape: \(header)")
        }
        let shape = shapeText.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard shape.count == 2 else {
            throw fail("expected a 2-D similarity matrix (rows = videos, cols = texts), got shape (\(shapeText))")
        }
        let (r, c) = (shape[0], shape[1])
        let count = r * c
        guard descr.count >= 3, let size = Int(descr.dropFirst(2)) else { throw fail("unknown dtype '\(descr)'") }
        let order = descr.first!, kind = descr.dropFirst().first!
        let swap = order == ">"
        guard ["<", ">", "|", "="].contains(order) else { throw fail("unknown byte order in dtype '\(descr)'") }
        guard ["f2", "f4", "f8", "i4", "i8"].contains("\(kind)\(size)") else {
            throw fail("dtype '\(descr)' is not supported; save float16/32/64 or int32/64")
        }
        let start = data.startIndex + headerStart + headerLength
        guard data.count - (headerStart + headerLength) == count * size else {
            throw fail("shape (\(r), \(c)) of \(descr) needs \(count * size) bytes, the file has \(data.count - headerStart - headerLength)")
        }
        var values = [Double](repeating: 0, count: count)
        data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            let base = raw.baseAddress! + (start - data.startIndex)
            func load<T: FixedWidthInteger>(_: T.Type, _ i: Int) -> T {
                let v = base.loadUnaligned(fromByteOffset: i * MemoryLayout<T>.size, as: T.self)
                return swap ? v.byteSwapped : T(littleEndian: v)
            }
            for i in 0..<count {
                switch (kind, size) {
                case ("f", 2): values[i] = Double(Float16(bitPattern: load(UInt16.self, i)))
                case ("f", 4): values[i] = Double(Float(bitPattern: load(UInt32.self, i)))
                case ("f", 8): values[i] = Double(bitPattern: load(UInt64.self, i))
                case ("i", 4): values[i] = Double(Int32(bitPattern: load(UInt32.self, i)))
                case ("i", 8): values[i] = Double(Int64(bitPattern: load(UInt64.self, i)))
                default: break
                }
            }
        }
        var matrix: ScoreMatrix
        switch fortran {
        case "False": matrix = ScoreMatrix(rows: r, cols: c, values: values)
        case "True": matrix = ScoreMatrix(rows: c, cols: r, values: values).transposed()
        default: throw fail("fortran_order is '\(fortran)', expected True or False")
        }
        if let bad = matrix.values.firstIndex(where: { !$0.isFinite }) {
            throw fail("score [\(bad / max(c, 1)), \(bad % max(c, 1))] is \(matrix.values[bad]); every score must be finite")
        }
        return matrix
    }

    /// Writes the matrix as a float64 `.npy` (for `--per-query` consumers and tests).
    public func writeNPY(to url: URL) throws {
        var header = "{'descr': '<f8', 'fortran_order': False, 'shape': (\(rows), \(cols)), }"
        let total = 10 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - total % 64) % 64) + "\n"
        var data = Data([0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0])
        let n = UInt16(header.utf8.count)
        data.append(contentsOf: [UInt8(n & 0xFF), UInt8(n >> 8)])
        data.append(contentsOf: header.utf8)
        for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { data.append(contentsOf: $0) } }
        try data.write(to: url, options: .atomic)
    }
}

/// A similarity-matrix file that cannot be scored.
public struct ScoreMatrixError: Error, Equatable, Sendable, CustomStringConvertible, LocalizedError {
    public var path: String
    public var reason: String

    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }

    public var description: String { "\(path): \(reason)" }
    public var errorDescription: String? { description }
}
