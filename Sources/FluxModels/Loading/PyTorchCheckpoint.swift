import Foundation
import FluxCore

/// Where one tensor of a ``PyTorchCheckpoint`` lives, as PyTorch lays it out.
public struct PyTorchTensorInfo: Equatable, Sendable {
    /// The key in the file, before prefix stripping (for example `module.blocks.0.attn.qkv.weight`).
    public let key: String
    /// The stored element type (``PyTorchCheckpoint/tensor(named:)`` converts to Float32).
    public let dtype: TorchStorageType
    /// Dimensions, outermost first (PyTorch `size()`).
    public let shape: [Int]
    /// Element strides per dimension (PyTorch `stride()`); a transposed view has non-row-major strides.
    public let strides: [Int]
    /// Offset of element [0, …, 0] in the storage, in elements (PyTorch `storage_offset()`).
    public let storageOffset: Int
    /// The storage's archive key: tensors with the same key are views of one storage.
    public let storageKey: String
    /// Elements in the whole storage.
    public let storageElementCount: Int

    /// The number of elements of the tensor (the product of `shape`; 1 for a scalar).
    public var elementCount: Int { shape.reduce(1, *) }
    /// Whether the elements are laid out row-major without gaps from `storageOffset`.
    public var isContiguous: Bool {
        var expected = 1
        for (size, stride) in Swift.zip(shape, strides).reversed() where size != 1 {
            if stride != expected { return false }
            expected *= size
        }
        return true
    }
}

/// A PyTorch checkpoint written by `torch.save` (PyTorch ≥ 1.6 zip format), read without
/// Python and without executing anything from the file.
///
/// The archive holds `ARCHIVE/data.pkl` (a pickle, read by ``RestrictedUnpickler``, which
/// only accepts the opcodes and globals a state dict needs) and one entry `ARCHIVE/data/N` per
/// storage (raw little-endian elements). Opening parses the pickle and checks every tensor's
/// shape, strides and offset against its storage's size; tensor data is read on demand.
///
/// Like `Tools/convert_checkpoint.py` (`load_state_dict`), the state dict is found by
/// unwrapping up to four levels of `model` / `module` / `state_dict` nesting (stopping at the
/// first dict whose values are all tensors), non-tensor entries are ignored (listed in
/// ``ignoredKeys``), and the prefixes `module.`, `backbone.`, `encoder.` are stripped
/// repeatedly from the front of each key; ``tensorNames`` are the stripped names in file order.
///
/// Conforms to ``WeightSource``, so a tower can load from it directly. Thread-safe: storage
/// reads are serialised (the archive is read through one file handle), and the last storage
/// read is kept, so views of one storage read in a row do not re-read it.
public final class PyTorchCheckpoint: WeightSource, @unchecked Sendable {
    /// The prefixes stripped from the front of every key, as by the Python converter.
    public static let strippedPrefixes = ["module.", "backbone.", "encoder."]
    /// The largest `data.pkl` accepted, in bytes (real state dicts have a few hundred KB).
    public static let maximumPickleBytes: UInt64 = 64 << 20

    /// The file.
    public let url: URL
    /// The record prefix inside the archive (`archive`, or the file's stem for older torch).
    public let archivePrefix: String
    /// The keys followed to reach the state dict (for example `["model"]`; empty at the top).
    public let containerPath: [String]
    /// Tensor names after prefix stripping, in the order of the file.
    public let tensorNames: [String]
    /// Entries of the state dict that are not tensors (keys as in the file); ignored.
    public let ignoredKeys: [String]

    public var sourcePath: String { url.path }

    private let infos: [String: PyTorchTensorInfo]
    private let archive: CheckpointZipReader
    private let cacheLock = NSLock()
    private var lastStorage: (key: String, bytes: Data)?

    /// Opens and validates a checkpoint. Throws ``PyTorchCheckpointError`` (the file is not a
    /// torch.save archive, the pickle is malformed or refused, a tensor reaches outside its
    /// storage, no state dict inside).
    public init(contentsOf url: URL) throws {
        self.url = url
        let path = url.path
        archive = try CheckpointZipReader(url: url)

        let pickles = archive.entryNames.filter {
            let parts = $0.split(separator: "/", omittingEmptySubsequences: false)
            return parts.count == 2 && parts[1] == "data.pkl" && !parts[0].isEmpty
        }
        guard let pickleEntry = pickles.first else {
            throw PyTorchCheckpointError.missingEntry(path: path, entry: "ARCHIVE/data.pkl")
        }
        guard pickles.count == 1 else {
            throw PyTorchCheckpointError.unsupported(path: path, reason: "the archive holds \(pickles.count) data.pkl records (\(pickles.joined(separator: ", "))); torch.save writes one")
        }
        let prefix = String(pickleEntry.dropLast("/data.pkl".count))
        archivePrefix = prefix
        if archive.contains("\(prefix)/byteorder") {
            let order = try archive.read("\(prefix)/byteorder", maximumEntryBytes: 16)
            guard String(decoding: order, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) == "little" else {
                throw PyTorchCheckpointError.unsupported(path: path, reason: "the storages are big-endian (byteorder '\(String(decoding: order, as: UTF8.self))'); re-save the checkpoint on a little-endian machine")
            }
        }
        let pickle = [UInt8](try archive.read(pickleEntry, maximumEntryBytes: PyTorchCheckpoint.maximumPickleBytes))

        // Unpickle, unwrap and copy the tensor references out before the containers are torn down.
        let found = try RestrictedUnpickler.load(pickle, path: path) { top in
            try PyTorchCheckpoint.findStateDict(top, path: path)
        }
        containerPath = found.containerPath
        ignoredKeys = found.ignored

        var names: [String] = []
        var infos: [String: PyTorchTensorInfo] = [:]
        var originalKey: [String: String] = [:]
        var storageTypes: [String: TorchStorageRef] = [:]
        for (key, ref) in found.tensors {
            let name = PyTorchCheckpoint.strip(key)
            if let other = originalKey[name] {
                throw PyTorchCheckpointError.duplicateName(path: path, name: name, keys: [other, key])
            }
            originalKey[name] = key
            if let seen = storageTypes[ref.storage.key], seen != ref.storage {
                throw PyTorchCheckpointError.invalidTensor(path: path, tensor: key, reason: "its storage '\(ref.storage.key)' is declared as \(ref.storage.elementCount) × \(ref.storage.type.rawValue) here but \(seen.elementCount) × \(seen.type.rawValue) elsewhere")
            }
            storageTypes[ref.storage.key] = ref.storage
            let info = PyTorchTensorInfo(key: key, dtype: ref.storage.type, shape: ref.shape, strides: ref.strides,
                                         storageOffset: ref.storageOffset, storageKey: ref.storage.key,
                                         storageElementCount: ref.storage.elementCount)
            try PyTorchCheckpoint.validateExtent(info, path: path)
            names.append(name)
            infos[name] = info
        }
        // Every storage entry must exist and hold exactly numel × itemsize bytes.
        for (key, storage) in storageTypes.sorted(by: { $0.key < $1.key }) {
            let entry = "\(prefix)/data/\(key)"
            guard let size = try archive.declaredSize(of: entry) else {
                throw PyTorchCheckpointError.missingEntry(path: path, entry: entry)
            }
            let (expected, overflow) = storage.elementCount.multipliedReportingOverflow(by: storage.type.itemSize)
            guard !overflow, UInt64(expected) == size else {
                throw PyTorchCheckpointError.corruptEntry(path: path, entry: entry, reason: "it holds \(size) bytes, but the pickle declares \(storage.elementCount) × \(storage.type.rawValue) (\(storage.type.itemSize) bytes each)")
            }
        }
        tensorNames = names
        self.infos = infos
    }

    /// Whether a tensor of that (stripped) name exists.
    public func contains(_ name: String) -> Bool { infos[name] != nil }

    /// Dtype, shape, strides and storage of `name`; throws `WeightFileError.tensorNotFound`.
    public func info(named name: String) throws -> PyTorchTensorInfo {
        guard let info = infos[name] else { throw WeightFileError.tensorNotFound(path: sourcePath, tensor: name) }
        return info
    }

    public func shape(of name: String) throws -> [Int] { try info(named: name).shape }

    /// The tensor as a dense row-major Float32 ``Tensor`` of the same shape: strided views
    /// (transposes, slices, offsets into a shared storage) are gathered element by element;
    /// float16 and bfloat16 widen exactly, float64 rounds to nearest, integers convert
    /// (exactly up to 2²⁴), bool becomes 0/1.
    public func tensor(named name: String) throws -> Tensor {
        let info = try info(named: name)
        var values = [Float](repeating: 0, count: info.elementCount)
        let bytes = try storageBytes(info)
        if info.dtype == .float32, info.isContiguous, info.elementCount > 0 {  // little-endian hosts: one copy
            var check: UInt32 = 1
            if withUnsafeBytes(of: &check, { $0[0] }) == 1 {
                values.withUnsafeMutableBytes { out in
                    bytes.withUnsafeBytes { raw in
                        out.copyMemory(from: UnsafeRawBufferPointer(rebasing: raw[info.storageOffset * 4 ..< (info.storageOffset + info.elementCount) * 4]))
                    }
                }
                return Tensor(shape: info.shape, values: values)
            }
        }
        bytes.withUnsafeBytes { raw in
            values.withUnsafeMutableBufferPointer { out in
                PyTorchCheckpoint.gather(info) { dst, src in out[dst] = info.dtype.float(at: src, in: raw) }
            }
        }
        return Tensor(shape: info.shape, values: values)
    }

    /// An integer (int64, int32, uint8, bool) tensor's exact values, row-major. Throws
    /// ``PyTorchCheckpointError/wrongDType(path:tensor:dtype:wanted:)`` for floating-point tensors.
    public func int64Tensor(named name: String) throws -> (shape: [Int], values: [Int64]) {
        let info = try info(named: name)
        guard info.dtype.isInteger else {
            throw PyTorchCheckpointError.wrongDType(path: sourcePath, tensor: name, dtype: info.dtype.rawValue, wanted: "an integer type")
        }
        var values = [Int64](repeating: 0, count: info.elementCount)
        let bytes = try storageBytes(info)
        bytes.withUnsafeBytes { raw in
            values.withUnsafeMutableBufferPointer { out in
                PyTorchCheckpoint.gather(info) { dst, src in out[dst] = info.dtype.int64(at: src, in: raw) }
            }
        }
        return (info.shape, values)
    }

    /// Every tensor, by stripped name, as Float32 (the checkpoint's state dict after the
    /// converter's unwrapping and prefix stripping). Reads all data: use ``tensor(named:)`` for one.
    public func stateDict() throws -> [String: Tensor] {
        var out: [String: Tensor] = [:]
        for name in tensorNames { out[name] = try tensor(named: name) }
        return out
    }

    // MARK: - internals

    /// The storage's bytes. The last storage read is kept, so that views of one storage read in
    /// a row (checkpoints that flatten all parameters into one) do not re-read it per tensor.
    private func storageBytes(_ info: PyTorchTensorInfo) throws -> Data {
        // One reader at a time: the archive reads through one FILE* (seek, then read).
        cacheLock.lock()
        defer { cacheLock.unlock() }
        if let cached = lastStorage, cached.key == info.storageKey { return cached.bytes }
        lastStorage = nil  // release the previous storage before reading the next
        let bytes = try archive.read("\(archivePrefix)/data/\(info.storageKey)")
        lastStorage = (info.storageKey, bytes)
        return bytes
    }

    /// Calls `body(destination index, storage element index)` for every element, row-major.
    private static func gather(_ info: PyTorchTensorInfo, _ body: (Int, Int) -> Void) {
        let count = info.elementCount
        guard count > 0 else { return }
        if info.isContiguous {
            for i in 0..<count { body(i, info.storageOffset + i) }
            return
        }
        let rank = info.shape.count
        var index = [Int](repeating: 0, count: rank)
        var src = info.storageOffset
        for dst in 0..<count {
            body(dst, src)
            var d = rank - 1  // odometer: advance the innermost dimension, carry outwards
            while d >= 0 {
                index[d] += 1
                src += info.strides[d]
                if index[d] < info.shape[d] { break }
                src -= info.strides[d] * info.shape[d]
                index[d] = 0
                d -= 1
            }
        }
    }

    /// Checks that every element of the view lies inside its storage (overflow-checked) and
    /// that a broadcast view (stride 0) does not ask for an unreasonable allocation.
    private static func validateExtent(_ info: PyTorchTensorInfo, path: String) throws {
        func fail(_ reason: String) -> PyTorchCheckpointError {
            .invalidTensor(path: path, tensor: info.key, reason: reason)
        }
        var count = 1
        for size in info.shape {
            let (c, overflow) = count.multipliedReportingOverflow(by: size)
            guard !overflow else { throw fail("its shape \(info.shape) has too many elements") }
            count = c
        }
        guard count <= max(info.storageElementCount, 1 << 24) else {
            throw fail("its shape \(info.shape) has \(count) elements, more than its storage of \(info.storageElementCount)")
        }
        guard count > 0 else { return }
        var last = info.storageOffset
        for (size, stride) in Swift.zip(info.shape, info.strides) {
            let (step, o1) = (size - 1).multipliedReportingOverflow(by: stride)
            let (sum, o2) = last.addingReportingOverflow(step)
            guard !o1, !o2 else { throw fail("its strides \(info.strides) overflow") }
            last = sum
        }
        guard last < info.storageElementCount else {
            throw fail("shape \(info.shape), strides \(info.strides) and offset \(info.storageOffset) reach element \(last), but its storage '\(info.storageKey)' holds \(info.storageElementCount)")
        }
    }

    /// Strips `module.` / `backbone.` / `encoder.` from the front until none is left.
    static func strip(_ key: String) -> String {
        var name = Substring(key)
        var changed = true
        while changed {
            changed = false
            for p in strippedPrefixes where name.hasPrefix(p) {
                name = name.dropFirst(p.count)
                changed = true
            }
        }
        return String(name)
    }

    private struct FoundStateDict {
        var containerPath: [String] = []
        var tensors: [(String, TorchTensorRef)] = []
        var ignored: [String] = []
    }

    /// `load_state_dict`'s unwrapping: up to four times, while the object is a dict that is not
    /// a tensor map, descend into its first dict-valued `model` / `module` / `state_dict`.
    private static func findStateDict(_ top: PickleValue, path: String) throws -> FoundStateDict {
        var found = FoundStateDict()
        var current = top
        for _ in 0..<4 {
            guard case .dict(let d) = current else { break }
            if d.count > 0, d.values.allSatisfy({ if case .tensor = $0 { return true } else { return false } }) { break }
            var descended = false
            for key in ["model", "module", "state_dict"] {
                if let v = d[string: key], case .dict = v {
                    current = v
                    found.containerPath.append(key)
                    descended = true
                    break
                }
            }
            if !descended { break }
        }
        guard case .dict(let d) = current else {
            throw PyTorchCheckpointError.notAStateDict(path: path, found: "a \(current.typeName)")
        }
        for (k, v) in Swift.zip(d.keys, d.values) {
            guard case .string(let key) = k else {
                found.ignored.append("<\(k.typeName) key>")
                continue
            }
            if case .tensor(let ref) = v { found.tensors.append((key, ref)) } else { found.ignored.append(key) }
        }
        guard !found.tensors.isEmpty else {
            throw PyTorchCheckpointError.notAStateDict(path: path, found: "a dict of \(d.count) entries with no tensors")
        }
        return found
    }
}
