import Foundation

/// The element types of PyTorch's typed storages (`torch.FloatStorage`, …) that
/// ``PyTorchCheckpoint`` reads. Storage bytes are little-endian, `itemSize` bytes per element.
public enum TorchStorageType: String, CaseIterable, Equatable, Sendable {
    case float32 = "float32"
    case float64 = "float64"
    case float16 = "float16"
    case bfloat16 = "bfloat16"
    case int64 = "int64"
    case int32 = "int32"
    case uint8 = "uint8"
    case bool = "bool"

    /// Maps the class name torch pickles (`FloatStorage`, …) to the element type.
    init?(storageClassName: String) {
        switch storageClassName {
        case "FloatStorage": self = .float32
        case "DoubleStorage": self = .float64
        case "HalfStorage": self = .float16
        case "BFloat16Storage": self = .bfloat16
        case "LongStorage": self = .int64
        case "IntStorage": self = .int32
        case "ByteStorage": self = .uint8
        case "BoolStorage": self = .bool
        default: return nil
        }
    }

    /// The class name torch pickles for this type.
    var storageClassName: String {
        switch self {
        case .float32: return "FloatStorage"
        case .float64: return "DoubleStorage"
        case .float16: return "HalfStorage"
        case .bfloat16: return "BFloat16Storage"
        case .int64: return "LongStorage"
        case .int32: return "IntStorage"
        case .uint8: return "ByteStorage"
        case .bool: return "BoolStorage"
        }
    }

    /// Bytes per element.
    public var itemSize: Int {
        switch self {
        case .float64, .int64: return 8
        case .float32, .int32: return 4
        case .float16, .bfloat16: return 2
        case .uint8, .bool: return 1
        }
    }

    /// Whether the values are integers (or booleans), readable exactly as Int64.
    public var isInteger: Bool {
        switch self {
        case .int64, .int32, .uint8, .bool: return true
        case .float32, .float64, .float16, .bfloat16: return false
        }
    }

    /// Element `i` of little-endian `bytes` as Float32: exact for float32/float16/bfloat16,
    /// bool and small integers; float64 rounds to nearest; int64/int32 beyond 2²⁴ round.
    @inline(__always)
    func float(at i: Int, in bytes: UnsafeRawBufferPointer) -> Float {
        let o = i * itemSize
        switch self {
        case .float32: return Float(bitPattern: bytes.loadUnaligned(fromByteOffset: o, as: UInt32.self).littleEndian)
        case .float64: return Float(Double(bitPattern: bytes.loadUnaligned(fromByteOffset: o, as: UInt64.self).littleEndian))
        case .float16: return TorchHalf.float(fromHalf: bytes.loadUnaligned(fromByteOffset: o, as: UInt16.self).littleEndian)
        case .bfloat16: return Float(bitPattern: UInt32(bytes.loadUnaligned(fromByteOffset: o, as: UInt16.self).littleEndian) << 16)
        case .int64: return Float(Int64(littleEndian: bytes.loadUnaligned(fromByteOffset: o, as: Int64.self)))
        case .int32: return Float(Int32(littleEndian: bytes.loadUnaligned(fromByteOffset: o, as: Int32.self)))
        case .uint8: return Float(bytes[o])
        case .bool: return bytes[o] != 0 ? 1 : 0
        }
    }

    /// Element `i` as Int64; only for integer types (floats are truncated toward zero).
    @inline(__always)
    func int64(at i: Int, in bytes: UnsafeRawBufferPointer) -> Int64 {
        let o = i * itemSize
        switch self {
        case .int64: return Int64(littleEndian: bytes.loadUnaligned(fromByteOffset: o, as: Int64.self))
        case .int32: return Int64(Int32(littleEndian: bytes.loadUnaligned(fromByteOffset: o, as: Int32.self)))
        case .uint8: return Int64(bytes[o])
        case .bool: return bytes[o] != 0 ? 1 : 0
        case .float32, .float64, .float16, .bfloat16:
            let f = float(at: i, in: bytes)
            return f.isFinite ? Int64(exactly: f.rounded(.towardZero)) ?? 0 : 0
        }
    }
}

/// IEEE binary16 → Float32, exact (FluxCore's converter is internal to FluxCore; this is the
/// same widening, written out so that it behaves alike on every platform).
enum TorchHalf {
    @inline(__always)
    static func float(fromHalf h: UInt16) -> Float {
        let sign: UInt32 = UInt32(h & 0x8000) << 16
        let exp = UInt32(h >> 10) & 0x1F
        let mant = UInt32(h & 0x3FF)
        if exp == 0 {
            let magnitude = Float(mant) * 0x1p-24  // zero or subnormal, exact in binary32
            return sign != 0 ? -magnitude : magnitude
        }
        if exp == 0x1F { return Float(bitPattern: sign | 0x7F80_0000 | mant << 13) }  // Inf / NaN
        return Float(bitPattern: sign | (exp + 112) << 23 | mant << 13)
    }
}
