import Foundation

/// Why a PyTorch checkpoint (a `torch.save` zip archive) could not be read.
///
/// Every case names the file; the message says what failed and what to do about it. A tensor
/// that is not in the checkpoint is reported as `WeightFileError.tensorNotFound`, as by every
/// other ``WeightSource``.
public enum PyTorchCheckpointError: Error, Equatable, CustomStringConvertible, LocalizedError {
    /// The path does not exist.
    case fileNotFound(path: String)
    /// The file is not a zip archive ZIPFoundation can open, or is truncated before its
    /// central directory (`reason` carries the zip library's words).
    case notAZipArchive(path: String, reason: String)
    /// The archive lacks an entry `torch.save` always writes (`ARCHIVE/data.pkl`, or a storage
    /// `ARCHIVE/data/N` that the pickle refers to).
    case missingEntry(path: String, entry: String)
    /// An entry declares a size the archive cannot hold (larger than the file, or over the
    /// reader's limit); nothing was allocated for it.
    case entrySizeOutOfRange(path: String, entry: String, declared: UInt64, limit: UInt64)
    /// Reading an entry failed or delivered a different number of bytes than it declares.
    case corruptEntry(path: String, entry: String, reason: String)
    /// The pickle is malformed: truncated, an opcode with a bad operand, a stack underflow,
    /// a memo miss, a resource limit. `offset` is the byte offset in `data.pkl`.
    case malformedPickle(path: String, offset: Int, reason: String)
    /// The pickle uses an opcode the restricted unpickler does not implement.
    case refusedOpcode(path: String, offset: Int, opcode: String)
    /// The pickle names a global outside the allowlist (for example `builtins.eval`).
    case refusedGlobal(path: String, offset: Int, global: String)
    /// The file is a valid checkpoint that uses something this reader does not support
    /// (big-endian storages, a storage type it does not know, a tensor without storage).
    case unsupported(path: String, reason: String)
    /// A tensor's shape, strides and offset reach outside its storage, or its storage entry
    /// holds a different number of bytes than the pickle declares.
    case invalidTensor(path: String, tensor: String, reason: String)
    /// No state dict (a dictionary whose values are all tensors) was found after unwrapping
    /// `model` / `module` / `state_dict`.
    case notAStateDict(path: String, found: String)
    /// Two keys become the same name after stripping `module.` / `backbone.` / `encoder.`.
    case duplicateName(path: String, name: String, keys: [String])
    /// An integer tensor was asked for as integers but is stored as floating point, or vice versa.
    case wrongDType(path: String, tensor: String, dtype: String, wanted: String)

    public var description: String {
        switch self {
        case .fileNotFound(let path):
            return "\(path): no such file"
        case .notAZipArchive(let path, let reason):
            return "\(path): not a readable zip archive (\(reason)); torch.save writes zip archives since PyTorch 1.6 — re-save legacy checkpoints with a recent PyTorch, or check that the download is complete"
        case .missingEntry(let path, let entry):
            return "\(path): the archive has no entry '\(entry)'; this is not a complete torch.save checkpoint — download it again"
        case .entrySizeOutOfRange(let path, let entry, let declared, let limit):
            return "\(path): entry '\(entry)' declares \(declared) bytes, more than the \(limit) the archive can hold; the file is truncated or corrupt — download it again"
        case .corruptEntry(let path, let entry, let reason):
            return "\(path): entry '\(entry)' is corrupt (\(reason)); download the checkpoint again"
        case .malformedPickle(let path, let offset, let reason):
            return "\(path): data.pkl is malformed at byte \(offset): \(reason); the checkpoint is corrupt or not written by torch.save"
        case .refusedOpcode(let path, let offset, let opcode):
            return "\(path): refused: data.pkl uses the pickle opcode \(opcode) at byte \(offset), which torch.save never writes for a state dict; convert the checkpoint with Tools/convert_checkpoint.py if you trust it"
        case .refusedGlobal(let path, let offset, let global):
            return "\(path): refused: the checkpoint calls \(global) (data.pkl byte \(offset)), which a weights file never needs; only torch's tensor rebuilders are allowed — if you trust the file, convert it with Tools/convert_checkpoint.py"
        case .unsupported(let path, let reason):
            return "\(path): unsupported checkpoint — \(reason)"
        case .invalidTensor(let path, let tensor, let reason):
            return "\(path): tensor '\(tensor)' is invalid — \(reason)"
        case .notAStateDict(let path, let found):
            return "\(path): expected a state dict (name → tensor), found \(found) after unwrapping 'model' / 'module' / 'state_dict'"
        case .duplicateName(let path, let name, let keys):
            return "\(path): the keys \(keys.map { "'\($0)'" }.joined(separator: " and ")) both become '\(name)' after stripping 'module.' / 'backbone.' / 'encoder.'"
        case .wrongDType(let path, let tensor, let dtype, let wanted):
            return "\(path): tensor '\(tensor)' is stored as \(dtype), not \(wanted)"
        }
    }

    public var errorDescription: String? { description }
}
