import FluxCore

/// The tensors a tower expects, declared before anything is read (after whisper.cpp's
/// declare → load → check → count).
///
/// Keys are the official state-dict names relative to the tower, e.g. `blocks.3.attn.qkv.weight`.
public struct ParameterTable {
    /// What shape a parameter must have.
    public enum ShapeRule {
        case exact([Int])
        /// Any shape the closure accepts; `description` says what is expected.
        case custom(description: String, accepts: ([Int]) -> Bool)

        func accepts(_ shape: [Int]) -> Bool {
            switch self {
            case .exact(let s): return s == shape
            case .custom(_, let f): return f(shape)
            }
        }

        var text: String {
            switch self {
            case .exact(let s): return "\(s)"
            case .custom(let d, _): return d
            }
        }
    }

    struct Entry {
        let key: String
        let rule: ShapeRule
        /// The shape a freshly initialised model uses (random weights for benchmarks).
        let defaultShape: [Int]
    }

    private(set) var entries: [Entry] = []
    private var seen: Set<String> = []

    public init() {}

    /// Declares a required tensor of an exact shape.
    public mutating func declare(_ key: String, _ shape: [Int]) {
        declare(key, rule: .exact(shape), defaultShape: shape)
    }

    /// Declares a required tensor with a custom shape rule; `defaultShape` must satisfy it.
    public mutating func declare(_ key: String, rule: ShapeRule, defaultShape: [Int]) {
        precondition(!seen.contains(key), "parameter '\(key)' declared twice")
        precondition(rule.accepts(defaultShape), "default shape of '\(key)' violates its rule")
        seen.insert(key)
        entries.append(Entry(key: key, rule: rule, defaultShape: defaultShape))
    }

    public var keys: [String] { entries.map(\.key) }

    /// Every declared key with its default shape, in declaration order.
    public var defaultShapes: [(key: String, shape: [Int])] { entries.map { ($0.key, $0.defaultShape) } }
}

/// Tensors loaded and verified against a ``ParameterTable``.
public struct LoadedParameters {
    private let tensors: [String: Tensor]
    /// The source prefix that was matched (for example "vision_encoder." or "").
    public let prefix: String

    init(tensors: [String: Tensor], prefix: String) {
        self.tensors = tensors
        self.prefix = prefix
    }

    /// A declared tensor. Asking for an undeclared key is a programming error.
    public subscript(_ key: String) -> Tensor {
        guard let t = tensors[key] else { preconditionFailure("parameter '\(key)' was not declared") }
        return t
    }
}

/// Loads one tower's declared tensors from a ``WeightSource``.
public enum ParameterLoader {
    /// Reads every declared tensor and checks the whole set at once.
    ///
    /// - Parameters:
    ///   - prefixes: candidate key prefixes in order of preference (e.g. `["vision_encoder.", ""]`);
    ///     a leading `module.` (DataParallel) is always tolerated. The first prefix under which
    ///     any declared key exists is used.
    ///   - foreign: absolute key prefixes that belong to other parts of the model (for example
    ///     `text_encoder.` when loading the vision tower from a bare-prefixed file); such keys
    ///     are never reported as unexpected. Every other undeclared key under the chosen prefix is.
    ///   - ignoring: key prefixes (relative to the tower) of training-only tensors that are
    ///     skipped silently, such as classification heads.
    /// - Throws: ``ModelLoadingError/tensorMismatch`` listing every missing, unexpected and
    ///   mis-shaped tensor.
    public static func load(_ table: ParameterTable, from source: WeightSource, tower: String,
                            prefixes: [String], foreign: [String] = [],
                            ignoring: [String] = []) throws -> LoadedParameters {
        // Canonical name → name in the file.
        var fileNames: [String: String] = [:]
        for name in source.tensorNames {
            let canonical = name.hasPrefix("module.") ? String(name.dropFirst("module.".count)) : name
            fileNames[canonical] = name
        }
        let declared = Set(table.keys)
        let prefix = prefixes.first { p in declared.contains { fileNames[p + $0] != nil } } ?? prefixes.first ?? ""

        var missing: [String] = [], wrong: [ModelLoadingError.ShapeProblem] = []
        var tensors: [String: Tensor] = [:]
        for entry in table.entries {
            guard let fileName = fileNames[prefix + entry.key] else { missing.append(prefix + entry.key); continue }
            let shape = try source.shape(of: fileName)
            guard entry.rule.accepts(shape) else {
                wrong.append(.init(key: prefix + entry.key, expected: entry.rule.text, actual: shape))
                continue
            }
            tensors[entry.key] = try source.tensor(named: fileName)
        }
        var unexpected: [String] = []
        for canonical in fileNames.keys.sorted() where canonical.hasPrefix(prefix) {
            let relative = String(canonical.dropFirst(prefix.count))
            if declared.contains(relative) { continue }
            if ignoring.contains(where: { relative.hasPrefix($0) }) { continue }
            if foreign.contains(where: { canonical.hasPrefix($0) }) { continue }
            unexpected.append(canonical)
        }
        if !missing.isEmpty || !unexpected.isEmpty || !wrong.isEmpty {
            throw ModelLoadingError.tensorMismatch(path: source.sourcePath, tower: tower, missing: missing,
                                                   unexpected: unexpected, wrongShape: wrong)
        }
        return LoadedParameters(tensors: tensors, prefix: prefix)
    }
}
