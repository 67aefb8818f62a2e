import Foundation

/// Embedding vectors as SQLite blobs: `dimension` Float32 values, little-endian, no header
/// (`dimension · 4` bytes). The same layout NumPy reads with `np.frombuffer(blob, "<f4")`.
enum EmbeddingCodec {
    /// The blob for `vector`.
    static func encode(_ vector: [Float]) -> Data {
        #if _endian(big)
        return vector.withUnsafeBufferPointer { p in
            Data(p.map { $0.bitPattern.littleEndian }.withUnsafeBytes { Array($0) })
        }
        #else
        return vector.withUnsafeBytes { Data($0) }
        #endif
    }

    /// Decodes a blob of exactly `dimension` floats.
    /// - Throws: ``StoreError/corrupt(path:reason:)`` when the length is wrong.
    static func decode(_ data: Data, dimension: Int, context: @autoclosure () -> String,
                       databasePath: String) throws -> [Float] {
        guard data.count == dimension * MemoryLayout<Float>.size else {
            throw StoreError.corrupt(
                path: databasePath,
                reason: "\(context()): embedding blob has wrong size — expected \(dimension * 4) bytes "
                    + "(\(dimension) float32), got \(data.count)")
        }
        return data.withUnsafeBytes { raw in
            [Float](unsafeUninitializedCapacity: dimension) { buffer, initialized in
                // memcpy: the blob pointer need not be 4-byte aligned.
                if dimension > 0 { memcpy(buffer.baseAddress!, raw.baseAddress!, dimension * 4) }
                #if _endian(big)
                for i in 0..<dimension { buffer[i] = Float(bitPattern: UInt32(littleEndian: buffer[i].bitPattern)) }
                #endif
                initialized = dimension
            }
        }
    }

    /// Appends the blob's `dimension` floats to `out` (for building flat row-major matrices).
    static func append(_ data: Data, dimension: Int, to out: inout [Float], context: @autoclosure () -> String,
                       databasePath: String) throws {
        out.append(contentsOf: try decode(data, dimension: dimension, context: context(), databasePath: databasePath))
    }

    /// Checks that a vector about to be stored has the index dimension and only finite values.
    static func validate(_ vector: [Float], dimension: Int, operation: @autoclosure () -> String) throws {
        guard vector.count == dimension else {
            throw StoreError.invalidInput(
                operation: operation(),
                reason: "vector has wrong dimension — expected \(dimension), got \(vector.count)")
        }
        guard vector.allSatisfy(\.isFinite) else {
            throw StoreError.invalidInput(operation: operation(), reason: "vector contains NaN or infinity")
        }
    }
}
