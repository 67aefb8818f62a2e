import Foundation

/// A storage as a `torch.save` pickle refers to it: the persistent id
/// `('storage', torch.<Type>Storage, key, location, numel)`. The bytes live in the archive
/// entry `ARCHIVE/data/<key>`, little-endian, `numel` elements of `type`.
struct TorchStorageRef: Equatable, Sendable {
    /// The element type.
    let type: TorchStorageType
    /// The archive key (the entry `ARCHIVE/data/<key>`).
    let key: String
    /// The device it was saved from (`cpu`, `cuda:0`, …); informational only.
    let location: String
    /// The number of elements (not bytes) the storage holds.
    let elementCount: Int
}

/// A tensor as `torch._utils._rebuild_tensor_v2` describes it: a strided view of a storage.
/// `shape`, `strides` and `storageOffset` are in elements, outermost dimension first, exactly
/// as PyTorch's `size()`, `stride()` and `storage_offset()`.
struct TorchTensorRef: Equatable, Sendable {
    let storage: TorchStorageRef
    let storageOffset: Int
    let shape: [Int]
    let strides: [Int]
}

/// A mutable list shared through the pickle memo (reference semantics, as in Python).
final class PickleList {
    var items: [PickleValue] = []
}

/// A mutable dict shared through the pickle memo; keeps insertion order (like Python's dict
/// and `collections.OrderedDict`). Keys are compared by ``PickleValue/hashKey``.
final class PickleDict {
    private(set) var keys: [PickleValue] = []
    private(set) var values: [PickleValue] = []
    private var index: [PickleHashKey: Int] = [:]

    var count: Int { keys.count }

    /// Sets `key` to `value`; returns false when the key is not hashable (a list or dict).
    func set(_ key: PickleValue, _ value: PickleValue) -> Bool {
        guard let h = key.hashKey else { return false }
        if let i = index[h] {
            values[i] = value
        } else {
            index[h] = keys.count
            keys.append(key)
            values.append(value)
        }
        return true
    }

    /// The value of a string key.
    subscript(string key: String) -> PickleValue? {
        guard let i = index[.string(key)] else { return nil }
        return values[i]
    }

    /// Drops all entries (used to break reference chains and cycles after unpickling).
    func removeAll() {
        keys.removeAll()
        values.removeAll()
        index.removeAll()
    }
}

/// A hashable dict key: the Python key kinds a state dict can use.
enum PickleHashKey: Hashable {
    case none
    case bool(Bool)
    case int(Int64)
    case float(UInt64)
    case string(String)
    case tuple([PickleHashKey])
}

/// A Python value produced by ``RestrictedUnpickler``. Only plain data, storages, tensors and
/// the names of allowlisted globals; never a callable that could run.
enum PickleValue {
    case none
    case bool(Bool)
    /// Python ints up to 64 bits (larger ones are refused by the unpickler).
    case int(Int64)
    case float(Double)
    case string(String)
    case tuple(PickleTuple)
    case list(PickleList)
    case dict(PickleDict)
    /// An allowlisted global, not yet called (`module.name`).
    case global(TorchGlobal)
    case storage(TorchStorageRef)
    case tensor(TorchTensorRef)

    /// The key for dict lookups; nil for unhashable values.
    var hashKey: PickleHashKey? {
        switch self {
        case .none: return PickleHashKey.none
        case .bool(let b): return .bool(b)
        case .int(let i): return .int(i)
        case .float(let d): return .float(d.bitPattern)
        case .string(let s): return .string(s)
        case .tuple(let t):
            // Small flat keys only, so that hashing a key is cheap whatever the pickle shares.
            guard t.depth <= 2, t.items.count <= 16 else { return nil }
            let items = t.items
            var keys: [PickleHashKey] = []
            for item in items {
                guard let k = item.hashKey else { return nil }
                keys.append(k)
            }
            return .tuple(keys)
        case .list, .dict, .global, .storage, .tensor: return nil
        }
    }

    /// A short Python-like type name, for messages.
    var typeName: String {
        switch self {
        case .none: return "None"
        case .bool: return "bool"
        case .int: return "int"
        case .float: return "float"
        case .string: return "str"
        case .tuple: return "tuple"
        case .list: return "list"
        case .dict: return "dict"
        case .global(let g): return g.qualifiedName
        case .storage: return "storage"
        case .tensor: return "tensor"
        }
    }
}

/// The globals a `torch.save` state dict may name. Anything else is refused.
enum TorchGlobal: Equatable, Sendable {
    case orderedDict
    case rebuildTensorV2
    case rebuildParameter
    case rebuildParameterWithState
    case storageType(TorchStorageType)

    /// Resolves `module` + `name` against the allowlist; nil means refused.
    init?(module: String, name: String) {
        switch (module, name) {
        case ("collections", "OrderedDict"): self = .orderedDict
        case ("torch._utils", "_rebuild_tensor_v2"): self = .rebuildTensorV2
        case ("torch._utils", "_rebuild_parameter"): self = .rebuildParameter
        case ("torch._utils", "_rebuild_parameter_with_state"): self = .rebuildParameterWithState
        case ("torch", _):
            guard let t = TorchStorageType(storageClassName: name) else { return nil }
            self = .storageType(t)
        default: return nil
        }
    }

    /// `module.name` as Python spells it.
    var qualifiedName: String {
        switch self {
        case .orderedDict: return "collections.OrderedDict"
        case .rebuildTensorV2: return "torch._utils._rebuild_tensor_v2"
        case .rebuildParameter: return "torch._utils._rebuild_parameter"
        case .rebuildParameterWithState: return "torch._utils._rebuild_parameter_with_state"
        case .storageType(let t): return "torch.\(t.storageClassName)"
        }
    }
}
