import Foundation

/// Why a weight or array file (safetensors, .npy) could not be read or written.
///
/// Every case names the file, and the tensor where one is involved, so that the message
/// alone tells the user what to fix.
public enum WeightFileError: Error, Equatable, CustomStringConvertible, LocalizedError {
    /// The path does not exist.
    case fileNotFound(path: String)
    /// The OS refused to open, stat, map or write the file.
    case io(path: String, reason: String)
    /// The file ends before a structure it declares (`what`), which needs `needed` bytes.
    case truncated(path: String, what: String, needed: Int, available: Int)
    /// The safetensors header length prefix points past the end of the file.
    case headerLengthOutOfRange(path: String, headerLength: UInt64, fileSize: Int)
    /// The header is not valid JSON or not of the expected form.
    case invalidHeader(path: String, reason: String)
    /// A tensor declares a dtype this reader does not know.
    case unknownDType(path: String, tensor: String, dtype: String)
    /// A tensor's shape × dtype size differs from its byte range.
    case shapeMismatch(path: String, tensor: String, shape: [Int], dtype: String, expectedBytes: Int, actualBytes: Int)
    /// A tensor's byte range lies (partly) outside the data section, or is reversed.
    case offsetsOutOfRange(path: String, tensor: String, begin: Int, end: Int, dataSize: Int)
    /// Two tensors' byte ranges overlap.
    case overlappingTensors(path: String, tensor: String, other: String)
    /// A valid file that uses a feature this reader does not support (for example Fortran order).
    case unsupported(path: String, reason: String)
    /// A requested tensor is not in the file.
    case tensorNotFound(path: String, tensor: String)

    public var description: String {
        switch self {
        case .fileNotFound(let path):
            return "\(path): no such file"
        case .io(let path, let reason):
            return "\(path): \(reason)"
        case .truncated(let path, let what, let needed, let available):
            return "\(path): file is truncated — \(what) needs \(needed) bytes, only \(available) present"
        case .headerLengthOutOfRange(let path, let len, let size):
            return "\(path): header length \(len) runs past the end of the file (\(size) bytes); the file is truncated or not safetensors"
        case .invalidHeader(let path, let reason):
            return "\(path): invalid header — \(reason)"
        case .unknownDType(let path, let tensor, let dtype):
            return "\(path): tensor '\(tensor)' has unknown dtype '\(dtype)' (supported: F32, F16, BF16, I64)"
        case .shapeMismatch(let path, let tensor, let shape, let dtype, let expected, let actual):
            return "\(path): tensor '\(tensor)' shape \(shape) × \(dtype) needs \(expected) bytes, but its byte range holds \(actual)"
        case .offsetsOutOfRange(let path, let tensor, let begin, let end, let size):
            return "\(path): tensor '\(tensor)' byte range [\(begin), \(end)) lies outside the data section of \(size) bytes"
        case .overlappingTensors(let path, let tensor, let other):
            return "\(path): tensor '\(tensor)' overlaps tensor '\(other)'"
        case .unsupported(let path, let reason):
            return "\(path): unsupported — \(reason)"
        case .tensorNotFound(let path, let tensor):
            return "\(path): no tensor named '\(tensor)'"
        }
    }

    public var errorDescription: String? { description }
}
