import Foundation

// Layout convention for all of FluxCore and the model towers:
// tensors are dense, row-major, in PyTorch dimension order (the last index is contiguous).
// Legend used in layout comments: B batch, T frames, N tokens/patches, C width, H heads,
// D head dim, L layers, V vocab, K top-k.

/// Owns (or borrows) the memory behind one or more ``Tensor`` values.
///
/// Storage is either allocated by FluxCore (and freed on deinit) or borrowed from an
/// owner object such as a memory-mapped weight file, which it keeps alive.
public final class TensorStorage: @unchecked Sendable {
    /// First element.
    public let base: UnsafeMutablePointer<Float>
    /// Number of Float32 elements.
    public let count: Int
    private let owner: AnyObject?

    /// Allocates `count` zero-initialised floats, 64-byte aligned.
    public init(zeros count: Int) {
        let bytes = max(count, 1) * MemoryLayout<Float>.stride
        let raw = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64)
        raw.initializeMemory(as: UInt8.self, repeating: 0, count: bytes)
        self.base = raw.bindMemory(to: Float.self, capacity: max(count, 1))
        self.count = count
        self.owner = nil
    }

    /// Wraps memory that `owner` keeps alive (for example a memory-mapped file).
    /// The memory is treated as read-only by convention; writing to it is undefined.
    public init(borrowing base: UnsafeMutablePointer<Float>, count: Int, owner: AnyObject) {
        self.base = base
        self.count = count
        self.owner = owner
    }

    deinit {
        if owner == nil { UnsafeMutableRawPointer(base).deallocate() }
    }
}

/// A dense Float32 tensor: row-major, PyTorch dimension order.
///
/// `Tensor` has reference semantics, as in PyTorch: copies and reshapes share storage.
/// Use ``copy()`` for an independent buffer.
public struct Tensor: @unchecked Sendable, CustomStringConvertible {
    /// Dimensions, outermost first.
    public let shape: [Int]
    /// The memory; may be shared with other tensors.
    public let storage: TensorStorage
    /// Offset of the first element within `storage`, in elements.
    public let offset: Int

    /// A new zero-filled tensor.
    public init(zeros shape: [Int]) {
        precondition(shape.allSatisfy { $0 >= 0 }, "negative dimension in \(shape)")
        self.shape = shape
        self.storage = TensorStorage(zeros: shape.reduce(1, *))
        self.offset = 0
    }

    /// A new tensor holding a copy of `values` (count must equal the product of `shape`).
    public init(shape: [Int], values: [Float]) {
        precondition(shape.reduce(1, *) == values.count,
                     "Tensor: \(values.count) values do not fill shape \(shape)")
        self.init(zeros: shape)
        values.withUnsafeBufferPointer { src in
            if let p = src.baseAddress { storage.base.update(from: p, count: values.count) }
        }
    }

    /// A view of existing storage (no copy).
    public init(shape: [Int], storage: TensorStorage, offset: Int = 0) {
        precondition(offset >= 0 && offset + shape.reduce(1, *) <= storage.count,
                     "Tensor view \(shape) at offset \(offset) exceeds storage of \(storage.count)")
        self.shape = shape
        self.storage = storage
        self.offset = offset
    }

    /// Number of elements.
    public var count: Int { shape.reduce(1, *) }
    /// Number of dimensions.
    public var rank: Int { shape.count }
    /// Pointer to the first element. Writable: callers own the aliasing rules.
    public var data: UnsafeMutablePointer<Float> { storage.base + offset }

    /// The elements as a Swift array (a copy).
    public var scalars: [Float] { Array(UnsafeBufferPointer(start: data, count: count)) }

    /// Same storage, new shape with the same element count.
    public func reshaped(_ newShape: [Int]) -> Tensor {
        precondition(newShape.reduce(1, *) == count, "cannot reshape \(shape) to \(newShape)")
        return Tensor(shape: newShape, storage: storage, offset: offset)
    }

    /// Rows `range` of the outermost dimension, as a view.
    public func slice(_ range: Range<Int>) -> Tensor {
        precondition(!shape.isEmpty && range.lowerBound >= 0 && range.upperBound <= shape[0])
        let inner = shape.dropFirst().reduce(1, *)
        return Tensor(shape: [range.count] + shape.dropFirst(), storage: storage,
                      offset: offset + range.lowerBound * inner)
    }

    /// An independent copy with its own storage.
    public func copy() -> Tensor {
        let t = Tensor(zeros: shape)
        t.data.update(from: data, count: count)
        return t
    }

    public var description: String { "Tensor\(shape)" }
}
