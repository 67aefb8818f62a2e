import FluxCore

/// Something that holds named Float32 tensors: a safetensors file, or a dictionary in tests.
public protocol WeightSource {
    /// Where the weights come from, for messages.
    var sourcePath: String { get }
    /// Every tensor name.
    var tensorNames: [String] { get }
    /// The shape of a tensor, without reading its data.
    func shape(of name: String) throws -> [Int]
    /// The tensor as Float32 (converted from F16/BF16 where stored so).
    func tensor(named name: String) throws -> Tensor
}

extension SafetensorsFile: WeightSource {
    public var sourcePath: String { path }
    public var tensorNames: [String] { names }
    public func shape(of name: String) throws -> [Int] { try info(named: name).shape }
}

/// Tensors held in memory, keyed by name.
public struct InMemoryWeights: WeightSource {
    public var tensors: [String: Tensor]
    public var sourcePath: String
    public init(_ tensors: [String: Tensor], path: String = "<memory>") {
        self.tensors = tensors
        self.sourcePath = path
    }
    public var tensorNames: [String] { tensors.keys.sorted() }
    public func shape(of name: String) throws -> [Int] {
        guard let t = tensors[name] else { throw WeightFileError.tensorNotFound(path: sourcePath, tensor: name) }
        return t.shape
    }
    public func tensor(named name: String) throws -> Tensor {
        guard let t = tensors[name] else { throw WeightFileError.tensorNotFound(path: sourcePath, tensor: name) }
        return t
    }
}
