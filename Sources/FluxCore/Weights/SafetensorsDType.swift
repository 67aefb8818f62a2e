import Foundation

/// The element types FluxCore reads from safetensors files, by their header spelling.
///
/// Any other dtype string (`F64`, `I32`, `BOOL`, `F8_E4M3`, …) is rejected at open with
/// ``WeightFileError/unknownDType(path:tensor:dtype:)``, whose message lists these four.
/// All values are little-endian in the file.
public enum SafetensorsDType: String, CaseIterable, Sendable {
    /// IEEE 754 binary32. Read zero-copy when 4-byte aligned.
    case f32 = "F32"
    /// IEEE 754 binary16. Converted to Float32 on load.
    case f16 = "F16"
    /// bfloat16 (the top 16 bits of a binary32). Converted to Float32 on load.
    case bf16 = "BF16"
    /// Signed 64-bit integer (token ids, position ids).
    case i64 = "I64"

    /// Bytes per element.
    public var byteSize: Int {
        switch self {
        case .f32: return 4
        case .f16, .bf16: return 2
        case .i64: return 8
        }
    }
}

/// Where one tensor lives in a safetensors file, as declared (and validated) by its header.
public struct SafetensorsTensorInfo: Equatable, Sendable {
    /// The tensor's key, e.g. `blocks.3.attn.qkv.weight`.
    public let name: String
    public let dtype: SafetensorsDType
    /// Dimensions, outermost first (row-major, PyTorch order). `[]` is a scalar.
    public let shape: [Int]
    /// Byte range relative to the start of the data section (the header's `data_offsets`).
    /// Add ``SafetensorsFile/dataSectionOffset`` for the position in the file.
    public let byteRange: Range<Int>

    /// Number of elements (the product of `shape`; 1 for a scalar).
    public var elementCount: Int { byteRange.count / dtype.byteSize }
}
