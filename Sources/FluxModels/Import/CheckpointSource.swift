import Foundation
import FluxCore

/// One input file of an import, opened without reading tensor data: a `torch.save` archive
/// (``PyTorchCheckpoint``, which unwraps `model`/`module`/`state_dict` and strips prefixes)
/// or a `.safetensors` file (whose keys get the same prefix stripping).
///
/// Tensor names are the stripped names, in file order. Data is read per tensor, on demand.
final class CheckpointSource {
    /// How a tensor is stored: the importer rounds a resampled `pos_embed` back to it, as
    /// the Python converter does (`resample(pos.float()).to(pos.dtype)`).
    enum Precision: Equatable {
        case float32, float16, bfloat16, other
    }

    let url: URL
    let names: [String]
    private let weights: WeightSource
    /// Stripped name → the name in `weights`.
    private let original: [String: String]
    private let precisionOf: (String) -> Precision

    var path: String { url.path }

    init(url: URL) throws {
        self.url = url
        try Self.requireRegularFile(url)
        let ext = url.pathExtension.lowercased()
        if ext == "safetensors" {
            let file = try SafetensorsFile(contentsOf: url)
            var names: [String] = []
            var original: [String: String] = [:]
            for name in file.names {
                let stripped = PyTorchCheckpoint.strip(name)
                if original[stripped] != nil { throw CheckpointImportError.duplicateName(path: url.path, name: stripped) }
                original[stripped] = name
                names.append(stripped)
            }
            self.names = names
            self.original = original
            weights = file
            precisionOf = { name in
                switch (try? file.info(named: name))?.dtype {
                case .f32?: return .float32
                case .f16?: return .float16
                case .bf16?: return .bfloat16
                default: return .other
                }
            }
        } else if ["pth", "pt", "bin", "ckpt"].contains(ext) || Self.looksLikeZip(url) {
            let checkpoint = try PyTorchCheckpoint(contentsOf: url)
            names = checkpoint.tensorNames
            original = Dictionary(uniqueKeysWithValues: names.map { ($0, $0) })
            weights = checkpoint
            precisionOf = { name in
                switch (try? checkpoint.info(named: name))?.dtype {
                case .float32?: return .float32
                case .float16?: return .float16
                case .bfloat16?: return .bfloat16
                default: return .other
                }
            }
        } else {
            throw CheckpointImportError.unsupportedFormat(path: url.path)
        }
    }

    func contains(_ name: String) -> Bool { original[name] != nil }

    func shape(of name: String) throws -> [Int] {
        guard let key = original[name] else { throw CheckpointImportError.missingTensor(name: name) }
        return try weights.shape(of: key)
    }

    /// The tensor as Float32 (exact for F32/F16/BF16 sources; F64 rounds to nearest).
    func tensor(named name: String) throws -> Tensor {
        guard let key = original[name] else { throw CheckpointImportError.missingTensor(name: name) }
        return try weights.tensor(named: key)
    }

    func precision(of name: String) -> Precision {
        guard let key = original[name] else { return .other }
        return precisionOf(key)
    }

    /// Refuses FIFOs, devices and folders before anything opens them (opening a FIFO blocks).
    private static func requireRegularFile(_ url: URL) throws {
        var st = stat()
        guard stat(url.path, &st) == 0 else {
            throw PyTorchCheckpointError.fileNotFound(path: url.path)
        }
        guard (st.st_mode & S_IFMT) == S_IFREG else {
            throw CheckpointImportError.unsupportedFormat(path: url.path)
        }
    }

    /// Whether the file starts with a zip local-file header ("PK\u{3}\u{4}").
    private static func looksLikeZip(_ url: URL) -> Bool {
        guard let handle = try? FileHandle(forReadingFrom: url) else { return false }
        defer { try? handle.close() }
        let head = (try? handle.read(upToCount: 4)) ?? Data()
        return head == Data([0x50, 0x4B, 0x03, 0x04])
    }
}

/// One tensor of the model being written: its shape, known before any data is read, and
/// how to make it (read from an input file, possibly transformed, or made by the importer).
struct TensorReference {
    var shape: [Int]
    /// How the input stores it (F32 for tensors the importer makes).
    var precision: CheckpointSource.Precision = .float32
    let produce: () throws -> Tensor

    init(shape: [Int], precision: CheckpointSource.Precision = .float32, produce: @escaping () throws -> Tensor) {
        self.shape = shape
        self.precision = precision
        self.produce = produce
    }

    /// The tensor `name` of `source`.
    static func file(_ source: CheckpointSource, _ name: String) throws -> TensorReference {
        TensorReference(shape: try source.shape(of: name), precision: source.precision(of: name)) { try source.tensor(named: name) }
    }

    /// A tensor the importer makes (an identity `vision_align`).
    static func constant(_ tensor: Tensor) -> TensorReference {
        TensorReference(shape: tensor.shape) { tensor }
    }
}

/// Tensors by key, in insertion order (as a Python dict: re-assigning keeps the position).
struct OrderedTensors {
    private(set) var keys: [String] = []
    private var map: [String: TensorReference] = [:]

    var isEmpty: Bool { keys.isEmpty }
    var count: Int { keys.count }
    func contains(_ key: String) -> Bool { map[key] != nil }

    subscript(_ key: String) -> TensorReference? {
        get { map[key] }
        set {
            if let newValue {
                if map[key] == nil { keys.append(key) }
                map[key] = newValue
            } else if map.removeValue(forKey: key) != nil {
                keys.removeAll { $0 == key }
            }
        }
    }

    var entries: [(key: String, value: TensorReference)] { keys.map { ($0, map[$0]!) } }
}
