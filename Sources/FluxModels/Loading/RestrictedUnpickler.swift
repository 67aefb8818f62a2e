import Foundation

/// A pickle reader for `torch.save` state dicts that never executes code.
///
/// It implements only the opcodes `torch.save` writes for state dicts (protocol 2 by default;
/// the protocol-4 forms `FRAME`, `MEMOIZE`, `STACK_GLOBAL`, `SHORT_BINUNICODE`, `BINUNICODE8`
/// too) and resolves only allowlisted globals: `collections.OrderedDict`,
/// `torch._utils._rebuild_tensor_v2`, `torch._utils._rebuild_parameter`,
/// `torch._utils._rebuild_parameter_with_state` and the typed storages `torch.FloatStorage`,
/// `HalfStorage`, `BFloat16Storage`, `DoubleStorage`, `LongStorage`, `IntStorage`,
/// `ByteStorage`, `BoolStorage`. "Calling" one of them (REDUCE) builds plain data
/// (an empty ordered dict, a ``TorchTensorRef``); nothing else can be called. Any other opcode
/// or global is refused with ``PyTorchCheckpointError/refusedOpcode(path:offset:opcode:)`` or
/// ``PyTorchCheckpointError/refusedGlobal(path:offset:global:)``.
///
/// Resource bounds, so that a malformed pickle cannot crash the process or allocate without
/// limit: the input is read in one pass without recursion; every length operand is checked
/// against the remaining bytes before anything is allocated; at most `maximumValues` values
/// are created; tuples nest at most `maximumTupleDepth` deep; Python ints are limited to
/// 64 bits; after ``load(_:path:body:)`` returns, every list and dict is emptied so that
/// reference chains and cycles (possible through the memo) are released without recursion.
struct RestrictedUnpickler {
    /// The most values (pushes of any kind) one pickle may create.
    static let maximumValues = 1 << 22
    /// The deepest tuple nesting accepted (state dicts use 2: a shape tuple inside the args).
    static let maximumTupleDepth = 32
    /// The longest `GLOBAL` module or name line, in bytes.
    static let maximumGlobalLine = 256
    /// The most dimensions a tensor may have.
    static let maximumDimensions = 64

    /// Unpickles `bytes` and hands the top-level value to `body`; all containers are torn down
    /// when `body` returns, so `body` must copy out what it needs (strings, tensor refs).
    static func load<T>(_ bytes: [UInt8], path: String, body: (PickleValue) throws -> T) throws -> T {
        var machine = Machine(bytes: bytes, path: path)
        defer { machine.tearDown() }
        let value = try machine.run()
        return try body(value)
    }

    /// The opcode names of the whole pickle instruction set, for refusal messages.
    static func opcodeName(_ op: UInt8) -> String {
        let names: [UInt8: String] = [
            0x28: "MARK", 0x2e: "STOP", 0x30: "POP", 0x31: "POP_MARK", 0x32: "DUP", 0x46: "FLOAT",
            0x49: "INT", 0x4a: "BININT", 0x4b: "BININT1", 0x4c: "LONG", 0x4d: "BININT2", 0x4e: "NONE",
            0x50: "PERSID", 0x51: "BINPERSID", 0x52: "REDUCE", 0x53: "STRING", 0x54: "BINSTRING",
            0x55: "SHORT_BINSTRING", 0x56: "UNICODE", 0x58: "BINUNICODE", 0x61: "APPEND", 0x62: "BUILD",
            0x63: "GLOBAL", 0x64: "DICT", 0x7d: "EMPTY_DICT", 0x65: "APPENDS", 0x67: "GET", 0x68: "BINGET",
            0x69: "INST", 0x6a: "LONG_BINGET", 0x6c: "LIST", 0x5d: "EMPTY_LIST", 0x6f: "OBJ", 0x70: "PUT",
            0x71: "BINPUT", 0x72: "LONG_BINPUT", 0x73: "SETITEM", 0x74: "TUPLE", 0x29: "EMPTY_TUPLE",
            0x75: "SETITEMS", 0x47: "BINFLOAT", 0x80: "PROTO", 0x81: "NEWOBJ", 0x82: "EXT1", 0x83: "EXT2",
            0x84: "EXT4", 0x85: "TUPLE1", 0x86: "TUPLE2", 0x87: "TUPLE3", 0x88: "NEWTRUE", 0x89: "NEWFALSE",
            0x8a: "LONG1", 0x8b: "LONG4", 0x42: "BINBYTES", 0x43: "SHORT_BINBYTES", 0x8c: "SHORT_BINUNICODE",
            0x8d: "BINUNICODE8", 0x8e: "BINBYTES8", 0x8f: "EMPTY_SET", 0x90: "ADDITEMS", 0x91: "FROZENSET",
            0x92: "NEWOBJ_EX", 0x93: "STACK_GLOBAL", 0x94: "MEMOIZE", 0x95: "FRAME", 0x96: "BYTEARRAY8",
            0x97: "NEXT_BUFFER", 0x98: "READONLY_BUFFER",
        ]
        let hex = String(format: "0x%02x", op)
        if let n = names[op] { return "\(n) (\(hex))" }
        return "unknown opcode \(hex)"
    }

    private struct Machine {
        let bytes: [UInt8]
        let path: String
        var pos = 0
        var opStart = 0
        var stack: [PickleValue] = []
        var marks: [Int] = []
        var memo: [UInt32: PickleValue] = [:]
        var lists: [PickleList] = []
        var dicts: [PickleDict] = []
        var created = 0

        init(bytes: [UInt8], path: String) {
            self.bytes = bytes
            self.path = path
        }

        mutating func tearDown() {
            stack.removeAll()
            memo.removeAll()
            for l in lists { l.items.removeAll() }
            for d in dicts { d.removeAll() }
            lists.removeAll()
            dicts.removeAll()
        }

        func malformed(_ reason: String) -> PyTorchCheckpointError {
            .malformedPickle(path: path, offset: opStart, reason: reason)
        }

        // MARK: reading operands

        mutating func take(_ n: Int, _ what: String) throws -> ArraySlice<UInt8> {
            guard n >= 0, n <= bytes.count - pos else {
                throw malformed("\(what) needs \(n) bytes, only \(bytes.count - pos) remain")
            }
            defer { pos += n }
            return bytes[pos..<pos + n]
        }

        mutating func uint(_ n: Int, _ what: String) throws -> UInt64 {
            let s = try take(n, what)
            var v: UInt64 = 0
            for (i, b) in s.enumerated() { v |= UInt64(b) << (8 * UInt64(i)) }
            return v
        }

        mutating func length(_ n: Int, _ what: String) throws -> Int {
            let v = try uint(n, what)
            guard v <= UInt64(bytes.count - pos) else {
                throw malformed("\(what) declares \(v) bytes, only \(bytes.count - pos) remain")
            }
            return Int(v)
        }

        mutating func utf8(_ n: Int, _ what: String) throws -> String {
            let s = try take(n, what)
            guard let str = String(bytes: s, encoding: .utf8) else { throw malformed("\(what) is not valid UTF-8") }
            return str
        }

        mutating func line(_ what: String) throws -> String {
            var end = pos
            while end < bytes.count, bytes[end] != 0x0a {
                end += 1
                guard end - pos <= RestrictedUnpickler.maximumGlobalLine else {
                    throw malformed("\(what) is longer than \(RestrictedUnpickler.maximumGlobalLine) bytes")
                }
            }
            guard end < bytes.count else { throw malformed("\(what) has no terminating newline") }
            let s = bytes[pos..<end]
            pos = end + 1
            guard s.allSatisfy({ $0 >= 0x20 && $0 < 0x7f }), let str = String(bytes: s, encoding: .ascii) else {
                throw malformed("\(what) is not printable ASCII")
            }
            return str
        }

        // MARK: the stack

        mutating func push(_ v: PickleValue) throws {
            created += 1
            guard created <= RestrictedUnpickler.maximumValues else {
                throw malformed("the pickle creates more than \(RestrictedUnpickler.maximumValues) values; a state dict needs far fewer")
            }
            stack.append(v)
        }

        mutating func pop() throws -> PickleValue {
            let floor = marks.last ?? 0
            guard stack.count > floor else { throw malformed("stack underflow") }
            return stack.removeLast()
        }

        func top() throws -> PickleValue {
            let floor = marks.last ?? 0
            guard stack.count > floor, let v = stack.last else { throw malformed("stack underflow") }
            return v
        }

        mutating func popMark() throws -> [PickleValue] {
            guard let m = marks.popLast() else { throw malformed("no MARK on the stack") }
            let items = Array(stack[m...])
            stack.removeSubrange(m...)
            return items
        }

        mutating func tuple(_ items: [PickleValue]) throws -> PickleValue {
            var depth = 0
            for case .tuple(let t) in items { depth = max(depth, t.depth) }
            guard depth + 1 <= RestrictedUnpickler.maximumTupleDepth else {
                throw malformed("tuples nested deeper than \(RestrictedUnpickler.maximumTupleDepth)")
            }
            return .tuple(PickleTuple(items: items, depth: depth + 1))
        }

        mutating func memoize(_ index: UInt32) throws {
            memo[index] = try top()
        }

        // MARK: the loop

        mutating func run() throws -> PickleValue {
            while true {
                opStart = pos
                guard pos < bytes.count else { throw malformed("the pickle ends without STOP") }
                let op = bytes[pos]
                pos += 1
                switch op {
                case 0x80:  // PROTO
                    let v = try uint(1, "PROTO")
                    guard (2...5).contains(v) else { throw malformed("pickle protocol \(v) (torch.save writes 2)") }
                case 0x95:  // FRAME: a framing hint; the operand only has to be plausible
                    _ = try length(8, "FRAME")
                case 0x2e:  // STOP
                    let v = try pop()
                    return v
                case 0x28:  // MARK
                    guard marks.count < 1 << 16 else { throw malformed("too many nested MARKs") }
                    marks.append(stack.count)
                case 0x7d:  // EMPTY_DICT
                    let d = PickleDict(); dicts.append(d); try push(.dict(d))
                case 0x5d:  // EMPTY_LIST
                    let l = PickleList(); lists.append(l); try push(.list(l))
                case 0x29:  // EMPTY_TUPLE
                    try push(try tuple([]))
                case 0x4e: try push(.none)
                case 0x88: try push(.bool(true))
                case 0x89: try push(.bool(false))
                case 0x4a:  // BININT
                    try push(.int(Int64(Int32(bitPattern: UInt32(try uint(4, "BININT"))))))
                case 0x4b: try push(.int(Int64(try uint(1, "BININT1"))))
                case 0x4d: try push(.int(Int64(try uint(2, "BININT2"))))
                case 0x8a:  // LONG1: n bytes, little-endian two's complement
                    let n = Int(try uint(1, "LONG1"))
                    guard n <= 8 else { throw malformed("LONG1 of \(n) bytes: integers beyond 64 bits are not supported") }
                    var v = try uint(n, "LONG1")
                    if n > 0, n < 8, v & (1 << (UInt64(n) * 8 - 1)) != 0 { v |= ~0 << (UInt64(n) * 8) }
                    try push(.int(Int64(bitPattern: v)))
                case 0x47:  // BINFLOAT: big-endian IEEE double
                    let s = try take(8, "BINFLOAT")
                    var v: UInt64 = 0
                    for b in s { v = v << 8 | UInt64(b) }
                    try push(.float(Double(bitPattern: v)))
                case 0x58: let n = try length(4, "BINUNICODE"); try push(.string(try utf8(n, "BINUNICODE")))
                case 0x8c: let n = try length(1, "SHORT_BINUNICODE"); try push(.string(try utf8(n, "SHORT_BINUNICODE")))
                case 0x8d: let n = try length(8, "BINUNICODE8"); try push(.string(try utf8(n, "BINUNICODE8")))
                case 0x71: try memoize(UInt32(try uint(1, "BINPUT")))
                case 0x72: try memoize(UInt32(try uint(4, "LONG_BINPUT")))
                case 0x94:  // MEMOIZE
                    try memoize(UInt32(truncatingIfNeeded: memo.count))
                case 0x68, 0x6a:  // BINGET, LONG_BINGET
                    let i = UInt32(try uint(op == 0x68 ? 1 : 4, "BINGET"))
                    guard let v = memo[i] else { throw malformed("memo entry \(i) was never stored") }
                    try push(v)
                case 0x63:  // GLOBAL
                    let module = try line("GLOBAL module")
                    let name = try line("GLOBAL name")
                    try push(.global(try resolve(module, name)))
                case 0x93:  // STACK_GLOBAL
                    let nameV = try pop(), moduleV = try pop()
                    guard case .string(let module) = moduleV, case .string(let name) = nameV else {
                        throw malformed("STACK_GLOBAL needs two strings")
                    }
                    try push(.global(try resolve(module, name)))
                case 0x74: try push(try tuple(try popMark()))
                case 0x85: let a = try pop(); try push(try tuple([a]))
                case 0x86: let b = try pop(), a = try pop(); try push(try tuple([a, b]))
                case 0x87: let c = try pop(), b = try pop(), a = try pop(); try push(try tuple([a, b, c]))
                case 0x61:  // APPEND
                    let v = try pop()
                    guard case .list(let l) = try top() else { throw malformed("APPEND to a \(try top().typeName)") }
                    l.items.append(v)
                case 0x65:  // APPENDS
                    let items = try popMark()
                    guard case .list(let l) = try top() else { throw malformed("APPENDS to a \(try top().typeName)") }
                    l.items.append(contentsOf: items)
                case 0x73:  // SETITEM
                    let v = try pop(), k = try pop()
                    try setItems([k, v])
                case 0x75:  // SETITEMS
                    let items = try popMark()
                    guard items.count % 2 == 0 else { throw malformed("SETITEMS with an odd number of items") }
                    try setItems(items)
                case 0x51:  // BINPERSID
                    try push(.storage(try persistentStorage(try pop())))
                case 0x52:  // REDUCE
                    let args = try pop(), callable = try pop()
                    try push(try call(callable, args))
                case 0x62:  // BUILD: sets attributes (OrderedDict._metadata); nothing to run
                    _ = try pop()
                    switch try top() {
                    case .dict, .tensor: break
                    default: throw malformed("BUILD on a \(try top().typeName)")
                    }
                default:
                    throw PyTorchCheckpointError.refusedOpcode(path: path, offset: opStart,
                                                               opcode: RestrictedUnpickler.opcodeName(op))
                }
            }
        }

        func resolve(_ module: String, _ name: String) throws -> TorchGlobal {
            guard let g = TorchGlobal(module: module, name: name) else {
                throw PyTorchCheckpointError.refusedGlobal(path: path, offset: opStart, global: "\(module).\(name)")
            }
            return g
        }

        mutating func setItems(_ items: [PickleValue]) throws {
            guard case .dict(let d) = try top() else { throw malformed("SETITEM on a \(try top().typeName)") }
            var i = 0
            while i < items.count {
                guard d.set(items[i], items[i + 1]) else { throw malformed("unhashable dict key (\(items[i].typeName))") }
                i += 2
            }
        }

        /// `('storage', torch.<T>Storage, key, location, numel)` → a storage reference.
        func persistentStorage(_ pid: PickleValue) throws -> TorchStorageRef {
            guard case .tuple(let t) = pid, t.items.count == 5, case .string("storage") = t.items[0] else {
                throw malformed("a persistent id that is not ('storage', type, key, location, numel)")
            }
            guard case .global(.storageType(let type)) = t.items[1] else {
                throw malformed("a storage whose type is \(t.items[1].typeName), not a typed torch storage")
            }
            guard case .string(let key) = t.items[2], !key.isEmpty, key.count <= 64,
                  key.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" || $0 == ".") }),
                  key != ".", key != ".." else {
                throw malformed("a storage key that is not a plain entry name")
            }
            guard case .string(let location) = t.items[3] else { throw malformed("a storage location that is not a string") }
            guard case .int(let n) = t.items[4], n >= 0, n <= Int64(Int.max / 8) else {
                throw malformed("a storage size that is not a non-negative int")
            }
            return TorchStorageRef(type: type, key: key, location: location, elementCount: Int(n))
        }

        func ints(_ v: PickleValue, _ what: String) throws -> [Int] {
            guard case .tuple(let t) = v else { throw malformed("\(what) is a \(v.typeName), not a tuple") }
            guard t.items.count <= RestrictedUnpickler.maximumDimensions else {
                throw malformed("\(what) has \(t.items.count) dimensions (at most \(RestrictedUnpickler.maximumDimensions))")
            }
            return try t.items.map {
                guard case .int(let i) = $0, i >= 0 else { throw malformed("\(what) holds \($0.typeName) that is not a non-negative int") }
                return Int(i)
            }
        }

        /// REDUCE: the only callables are allowlisted globals, and calling them builds data.
        mutating func call(_ callable: PickleValue, _ argsValue: PickleValue) throws -> PickleValue {
            guard case .global(let g) = callable else { throw malformed("REDUCE on a \(callable.typeName)") }
            guard case .tuple(let argsTuple) = argsValue else { throw malformed("REDUCE arguments are a \(argsValue.typeName)") }
            let args = argsTuple.items
            switch g {
            case .orderedDict:
                let d = PickleDict()
                dicts.append(d)
                guard args.isEmpty else { throw malformed("collections.OrderedDict called with arguments") }
                return .dict(d)
            case .rebuildTensorV2:
                // (storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])
                guard args.count == 6 || args.count == 7 else {
                    throw malformed("_rebuild_tensor_v2 called with \(args.count) arguments (6 or 7)")
                }
                guard case .storage(let storage) = args[0] else { throw malformed("_rebuild_tensor_v2 without a storage") }
                guard case .int(let offset) = args[1], offset >= 0 else { throw malformed("_rebuild_tensor_v2 with a bad storage offset") }
                let shape = try ints(args[2], "the tensor size")
                let strides = try ints(args[3], "the tensor stride")
                guard shape.count == strides.count else {
                    throw malformed("a tensor with \(shape.count) sizes but \(strides.count) strides")
                }
                return .tensor(TorchTensorRef(storage: storage, storageOffset: Int(offset), shape: shape, strides: strides))
            case .rebuildParameter, .rebuildParameterWithState:
                // (data, requires_grad, backward_hooks[, state]) → the tensor itself
                let n = g == .rebuildParameter ? 3 : 4
                guard args.count == n, case .tensor = args[0] else {
                    throw malformed("\(g.qualifiedName) called without a tensor and \(n - 1) more arguments")
                }
                return args[0]
            case .storageType:
                throw PyTorchCheckpointError.refusedGlobal(path: path, offset: opStart,
                                                           global: "\(g.qualifiedName) called directly (storages come only from persistent ids)")
            }
        }
    }
}

/// A tuple and its nesting depth (1 for a tuple of scalars), tracked so that tuples cannot
/// nest deeper than ``RestrictedUnpickler/maximumTupleDepth``.
struct PickleTuple {
    let items: [PickleValue]
    let depth: Int
}
