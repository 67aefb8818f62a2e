import Foundation

/// A safetensors file opened for reading: memory-mapped, validated once at open.
///
/// Layout on disk: `u64 N` (little-endian) · `N` bytes of UTF-8 JSON header · data section.
/// See ``SafetensorsHeader`` for everything checked at open; after a successful open every
/// tensor can be read without further bounds checks, and no input makes the reader trap.
///
/// For example:
/// ```swift
/// let file = try SafetensorsFile(contentsOf: url)
/// let w = try file.tensor(named: "blocks.0.attn.qkv.weight")   // (3C, C), row-major
/// let ids = try file.int64Tensor(named: "position_ids").values
/// ```
///
/// Reading by dtype:
/// - `F32`: **zero-copy** — the ``Tensor`` borrows the mapping when the tensor's absolute
///   address is 4-byte aligned (the usual case: the writer pads the header to 8 bytes and
///   places wider dtypes first). Safetensors does not require alignment, so a misaligned F32
///   tensor is copied into new storage instead. Borrowed tensors are read-only: writing
///   through `data` crashes.
/// - `F16`, `BF16`, `I64`: converted to Float32 in new storage.
/// - `I64` as integers: ``int64Tensor(named:)``.
///
/// Thread safety: immutable after `init`; share freely.
public final class SafetensorsFile: @unchecked Sendable {
    /// Largest header accepted as "probably a cut-short file" rather than "not safetensors"
    /// (the same cap the Rust reader applies to headers).
    static let plausibleHeaderLimit: UInt64 = 100_000_000

    /// The file this was opened from.
    public let url: URL
    /// Tensor names, sorted.
    public let names: [String]
    /// The header's `__metadata__` (string → string); empty when absent.
    public let metadata: [String: String]
    /// Byte offset in the file where the data section begins (`8 + N`).
    public let dataSectionOffset: Int

    let mapping: SafetensorsMapping
    private let entries: [String: SafetensorsTensorInfo]

    /// `url.path`, as used in error messages.
    public var path: String { url.path }

    /// Maps and validates the file.
    ///
    /// Throws ``WeightFileError``: `fileNotFound`, `io`, `truncated` (shorter than the 8-byte
    /// length prefix, or a plausible header cut short), `headerLengthOutOfRange` (a length
    /// prefix that cannot be a header of this file), or any of the header errors listed in
    /// ``SafetensorsHeader``.
    public init(contentsOf url: URL) throws {
        let path = url.path
        let mapping = try SafetensorsMapping(path: path, minimumSize: 8, what: "the 8-byte safetensors header length")
        let headerLength = UInt64(littleEndian: mapping.base.loadUnaligned(as: UInt64.self))
        let afterPrefix = mapping.size - 8
        guard headerLength <= UInt64(afterPrefix) else {
            // A sane length and a JSON-looking start: the file was cut short inside the header.
            let startsLikeJSON = afterPrefix == 0 || mapping.bytes[8] == UInt8(ascii: "{")
            if headerLength <= Self.plausibleHeaderLimit && startsLikeJSON {
                throw WeightFileError.truncated(path: path, what: "the \(headerLength)-byte JSON header",
                                                needed: 8 + Int(headerLength), available: mapping.size)
            }
            throw WeightFileError.headerLengthOutOfRange(path: path, headerLength: headerLength, fileSize: mapping.size)
        }
        let n = Int(headerLength)
        let headerBytes = [UInt8](UnsafeRawBufferPointer(rebasing: mapping.bytes[8 ..< 8 + n]))
        let header = try SafetensorsHeader.parse(headerBytes, dataSize: afterPrefix - n, path: path)

        self.url = url
        self.mapping = mapping
        self.entries = header.tensors
        self.names = header.tensors.keys.sorted()
        self.metadata = header.metadata
        self.dataSectionOffset = 8 + n
    }

    /// Whether the file has a tensor called `name`.
    public func contains(_ name: String) -> Bool { entries[name] != nil }

    /// Dtype, shape and byte range of `name`; throws ``WeightFileError/tensorNotFound(path:tensor:)``.
    public func info(named name: String) throws -> SafetensorsTensorInfo {
        guard let info = entries[name] else { throw WeightFileError.tensorNotFound(path: path, tensor: name) }
        return info
    }

    /// The tensor `name` as Float32, shape as stored (row-major).
    ///
    /// Aligned `F32` data is borrowed from the mapping (zero-copy, read-only); misaligned
    /// `F32`, `F16`, `BF16` and `I64` are converted into new storage.
    public func tensor(named name: String) throws -> Tensor {
        let info = try info(named: name)
        let src = payload(info)
        let n = info.elementCount
        switch info.dtype {
        case .f32:
            #if _endian(little)
            if Int(bitPattern: src) % MemoryLayout<Float>.alignment == 0 {
                let p = UnsafeMutableRawPointer(mutating: src).bindMemory(to: Float.self, capacity: n)
                return Tensor(shape: info.shape, storage: TensorStorage(borrowing: p, count: n, owner: mapping))
            }
            #endif
            return converted(info) { i in
                Float(bitPattern: UInt32(littleEndian: src.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)))
            }
        case .f16:
            return converted(info) { i in
                HalfConversion.float(fromHalf: UInt16(littleEndian: src.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)))
            }
        case .bf16:
            return converted(info) { i in
                HalfConversion.float(fromBFloat16: UInt16(littleEndian: src.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)))
            }
        case .i64:
            return converted(info) { i in
                Float(Int64(littleEndian: src.loadUnaligned(fromByteOffset: 8 * i, as: Int64.self)))
            }
        }
    }

    /// The `I64` tensor `name` as integers (a copy). Throws
    /// ``WeightFileError/unsupported(path:reason:)`` for any other dtype.
    public func int64Tensor(named name: String) throws -> (shape: [Int], values: [Int64]) {
        let info = try info(named: name)
        guard info.dtype == .i64 else {
            throw WeightFileError.unsupported(
                path: path, reason: "tensor '\(name)' has dtype \(info.dtype.rawValue); int64Tensor(named:) needs I64")
        }
        let src = payload(info)
        let values = (0 ..< info.elementCount).map { i in
            Int64(littleEndian: src.loadUnaligned(fromByteOffset: 8 * i, as: Int64.self))
        }
        return (info.shape, values)
    }

    /// The stored bytes of `name`, exactly as in the file (little-endian, its own dtype).
    public func rawBytes(named name: String) throws -> Data {
        let info = try info(named: name)
        return Data(bytes: payload(info), count: info.byteRange.count)
    }

    /// Whether `name` would be returned zero-copy by ``tensor(named:)`` (aligned F32).
    public func isZeroCopy(_ name: String) -> Bool {
        guard let info = entries[name], info.dtype == .f32 else { return false }
        #if _endian(little)
        return Int(bitPattern: payload(info)) % MemoryLayout<Float>.alignment == 0
        #else
        return false
        #endif
    }

    /// Address of the first byte of `info`'s data (validated to lie inside the mapping).
    private func payload(_ info: SafetensorsTensorInfo) -> UnsafeRawPointer {
        mapping.base + dataSectionOffset + info.byteRange.lowerBound
    }

    /// A new tensor of `info.shape` whose element `i` is `element(i)`.
    private func converted(_ info: SafetensorsTensorInfo, _ element: (Int) -> Float) -> Tensor {
        let t = Tensor(zeros: info.shape)
        let dst = t.data
        for i in 0 ..< info.elementCount { dst[i] = element(i) }
        return t
    }
}
