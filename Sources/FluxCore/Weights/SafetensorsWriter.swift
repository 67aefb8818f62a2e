import Foundation
import CFluxIO
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Builds a safetensors file from named Float32 tensors and Int64 arrays.
///
/// Output layout (readable by the Python `safetensors` package):
/// - `u64 N` little-endian, then the JSON header padded with spaces so that `N` is a
///   multiple of 8 (the data section starts 8-byte aligned);
/// - the header lists `__metadata__` (when non-empty, keys sorted) and then the tensors in
///   data order;
/// - tensor data is contiguous, with no gaps, ordered by element size (I64, then F32, then
///   F16/BF16) and then by name. Putting wider dtypes first keeps every tensor aligned to
///   its element size, so ``SafetensorsFile`` can map every F32 tensor zero-copy (this is
///   also the order the Rust writer uses).
///
/// The file is written to a temporary file in the same directory, flushed, and renamed over
/// `url`, so readers see either the old file or the complete new one.
///
/// For example:
/// ```swift
/// var w = SafetensorsWriter(metadata: ["format": "pt"])
/// w.add("proj.weight", weight, encoding: .f16)
/// w.add("position_ids", int64: Array(0..<77), shape: [1, 77])
/// try w.write(to: url)
/// ```
public struct SafetensorsWriter {
    /// How Float32 tensors are stored. Narrowing rounds to nearest, ties to even.
    public enum FloatEncoding: Sendable {
        case f32, f16, bf16

        var dtype: SafetensorsDType {
            switch self {
            case .f32: return .f32
            case .f16: return .f16
            case .bf16: return .bf16
            }
        }
    }

    private enum Payload {
        case float(Tensor, FloatEncoding)
        case int64([Int64])
        /// Produced at write time, one tensor at a time, so that a large model is never held
        /// in memory whole (the checkpoint importer streams this way).
        case deferred(FloatEncoding, () throws -> Tensor)
    }

    private struct Entry {
        let name: String
        let dtype: SafetensorsDType
        let shape: [Int]
        let payload: Payload
        var byteCount: Int { shape.reduce(dtype.byteSize, *) }
    }

    /// Written as the header's `__metadata__` object (omitted when empty).
    public var metadata: [String: String]
    private var entries: [String: Entry] = [:]

    public init(metadata: [String: String] = [:]) {
        self.metadata = metadata
    }

    /// Names added so far, sorted.
    public var names: [String] { entries.keys.sorted() }

    /// Adds `tensor` (shape as is, row-major) under `name`. The tensor is read at ``write(to:)``.
    /// Adding a name twice, or the reserved name `__metadata__`, is a programming error.
    public mutating func add(_ name: String, _ tensor: Tensor, encoding: FloatEncoding = .f32) {
        insert(Entry(name: name, dtype: encoding.dtype, shape: tensor.shape, payload: .float(tensor, encoding)))
    }

    /// Adds a Float32 tensor of `shape` that `produce` makes when ``write(to:)`` reaches it
    /// (tensors are written in data order, and each is released before the next is made).
    /// `produce` must return exactly `shape`; otherwise writing fails and nothing is renamed.
    public mutating func add(_ name: String, shape: [Int], encoding: FloatEncoding = .f32,
                             produce: @escaping () throws -> Tensor) {
        precondition(shape.allSatisfy { $0 >= 0 }, "SafetensorsWriter: negative dimension in \(shape) for '\(name)'")
        insert(Entry(name: name, dtype: encoding.dtype, shape: shape, payload: .deferred(encoding, produce)))
    }

    /// Adds an `I64` tensor; `values.count` must equal the product of `shape`.
    public mutating func add(_ name: String, int64 values: [Int64], shape: [Int]) {
        precondition(shape.allSatisfy { $0 >= 0 } && shape.reduce(1, *) == values.count,
                     "SafetensorsWriter: \(values.count) values do not fill shape \(shape) for '\(name)'")
        insert(Entry(name: name, dtype: .i64, shape: shape, payload: .int64(values)))
    }

    private mutating func insert(_ entry: Entry) {
        precondition(entry.name != SafetensorsHeader.metadataKey, "SafetensorsWriter: '\(entry.name)' is reserved")
        precondition(entries[entry.name] == nil, "SafetensorsWriter: tensor '\(entry.name)' added twice")
        entries[entry.name] = entry
    }

    /// Entries in data order: element size descending, then name.
    private var ordered: [Entry] {
        entries.values.sorted { ($1.dtype.byteSize, $0.name) < ($0.dtype.byteSize, $1.name) }
    }

    /// The length prefix plus the padded JSON header.
    func encodedHeader() -> [UInt8] {
        var json = "{"
        var fields: [String] = []
        if !metadata.isEmpty {
            let pairs = metadata.keys.sorted().map { "\(Self.quoted($0)):\(Self.quoted(metadata[$0]!))" }
            fields.append("\(Self.quoted(SafetensorsHeader.metadataKey)):{\(pairs.joined(separator: ","))}")
        }
        var offset = 0
        for e in ordered {
            let shape = e.shape.map(String.init).joined(separator: ",")
            fields.append("\(Self.quoted(e.name)):{\"dtype\":\"\(e.dtype.rawValue)\",\"shape\":[\(shape)],"
                          + "\"data_offsets\":[\(offset),\(offset + e.byteCount)]}")
            offset += e.byteCount
        }
        json += fields.joined(separator: ",") + "}"
        var header = Array(json.utf8)
        header += [UInt8](repeating: UInt8(ascii: " "), count: (8 - header.count % 8) % 8)
        return withUnsafeBytes(of: UInt64(header.count).littleEndian) { Array($0) } + header
    }

    /// Writes the file atomically (temporary file in the same directory, fsync, rename).
    /// Throws ``WeightFileError/io(path:reason:)`` naming `url` on failure.
    public func write(to url: URL) throws {
        let path = url.path
        let dir = url.deletingLastPathComponent()
        let tmp = dir.appendingPathComponent(".\(url.lastPathComponent).\(UUID().uuidString).tmp").path
        let fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw WeightFileError.io(path: path, reason: "cannot create \(tmp): \(String(cString: strerror(errno)))")
        }
        var ok = false
        defer {
            if !ok { close(fd); unlink(tmp) }
        }
        let out = FileOutput(fd: fd, path: path)
        try encodedHeader().withUnsafeBytes { try out.append($0) }
        for e in ordered { try writeData(e, to: out) }
        guard fsync(fd) == 0 else { throw WeightFileError.io(path: path, reason: "fsync failed: \(String(cString: strerror(errno)))") }
        ok = true
        guard close(fd) == 0 else {
            unlink(tmp)
            throw WeightFileError.io(path: path, reason: "close failed: \(String(cString: strerror(errno)))")
        }
        guard rename(tmp, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(tmp)
            throw WeightFileError.io(path: path, reason: "cannot rename \(tmp) into place: \(reason)")
        }
    }

    /// Streams one tensor's bytes, converting in 64 KiB chunks where needed.
    private func writeData(_ e: Entry, to out: FileOutput) throws {
        switch e.payload {
        case .int64(let values):
            let le = values.map { $0.littleEndian }
            try le.withUnsafeBytes { try out.append($0) }
        case .deferred(let encoding, let produce):
            let t = try produce()
            guard t.shape == e.shape else {
                throw WeightFileError.io(path: out.path, reason: "tensor '\(e.name)' was declared \(e.shape) but produced \(t.shape)")
            }
            try writeFloats(t, encoding, to: out)
        case .float(let t, let encoding):
            try writeFloats(t, encoding, to: out)
        }
    }

    private func writeFloats(_ t: Tensor, _ encoding: FloatEncoding, to out: FileOutput) throws {
        let src = UnsafeBufferPointer(start: t.data, count: t.count)
        switch encoding {
        case .f32:
            #if _endian(little)
            try out.append(UnsafeRawBufferPointer(src))
            #else
            try out.append(chunksOf: src) { $0.bitPattern.littleEndian }
            #endif
        case .f16:
            try out.append(chunksOf: src) { HalfConversion.half(from: $0).littleEndian }
        case .bf16:
            try out.append(chunksOf: src) { HalfConversion.bfloat16(from: $0).littleEndian }
        }
    }

    /// A JSON string literal for `s` (quotes, backslashes and control characters escaped).
    static func quoted(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where u.value < 0x20:
                let hex = String(u.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(u)
            }
        }
        return out + "\""
    }
}

/// `write(2)` to a file descriptor until every byte is out; errors name `path`. Every 16 MiB
/// it asks the kernel to start writing what came before to disk, so that disk writes overlap
/// with producing the rest and the final fsync of a large file is short.
private final class FileOutput {
    let fd: Int32
    let path: String
    private var written: Int64 = 0
    private var flushedUpTo: Int64 = 0
    private static let writebackStep: Int64 = 16 << 20

    init(fd: Int32, path: String) {
        self.fd = fd
        self.path = path
    }

    func append(_ bytes: UnsafeRawBufferPointer) throws {
        try appendAll(bytes)
        written += Int64(bytes.count)
        if written - flushedUpTo >= Self.writebackStep {
            _ = flux_start_writeback(fd, flushedUpTo, written - flushedUpTo)  // advisory: fsync still follows
            flushedUpTo = written
        }
    }

    private func appendAll(_ bytes: UnsafeRawBufferPointer) throws {
        guard var p = bytes.baseAddress else { return }
        var left = bytes.count
        while left > 0 {
            let n = write(fd, p, left)
            if n < 0 {
                if errno == EINTR { continue }
                throw WeightFileError.io(path: path, reason: "write failed: \(String(cString: strerror(errno)))")
            }
            p += n
            left -= n
        }
    }

    /// Writes `transform(src[i])` for every element, through a bounded buffer.
    func append<T, U>(chunksOf src: UnsafeBufferPointer<T>, _ transform: (T) -> U) throws {
        let chunk = max(1, 65_536 / MemoryLayout<U>.stride)
        var start = 0
        while start < src.count {
            let end = min(start + chunk, src.count)
            let converted = src[start ..< end].map(transform)
            try converted.withUnsafeBytes { try append($0) }
            start = end
        }
    }
}
