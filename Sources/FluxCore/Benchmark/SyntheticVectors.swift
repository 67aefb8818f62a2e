import CFluxKernels
import Foundation

/// Clustered unit vectors that are a pure function of (seed, id), for benchmarks at sizes that do
/// not fit in memory as float32 (10M × 512 floats is 20 GB): generate any chunk, in any order,
/// and regenerate any single vector later by its id.
///
/// Vector `i` is a unit centre (`clusters` of them, centre chosen by a hash of `i`) plus Gaussian
/// noise of expected norm ``noise``, normalised; see `flux_synthetic.h` for the exact recipe. With
/// the default noise 0.8, members of one cluster have cosines of about 0.6 with each other and
/// about 0 with the rest, like real embeddings of similar clips.
///
/// For example:
/// ```swift
/// let data = SyntheticVectors(seed: 7, dimension: 512, clusters: 200_000)
/// let chunk = data.vectors(from: 100_000, count: 100_000)     // ids 100000..<200000
/// let again = data.vectors(ids: [123_456])[123_456]!           // equals row 23456 of chunk
/// ```
public struct SyntheticVectors: Sendable {
    public let seed: UInt64
    /// Floats per vector.
    public let dimension: Int
    /// Number of cluster centres (≥ 1).
    public let clusters: Int
    /// Expected norm of the noise added to a unit centre before normalising.
    public let noise: Float

    public init(seed: UInt64, dimension: Int, clusters: Int, noise: Float = 0.8) {
        precondition(dimension >= 1, "dimension must be ≥ 1")
        self.seed = seed
        self.dimension = dimension
        self.clusters = max(1, clusters)
        self.noise = noise
    }

    /// Vectors `first, first + stride, …` (`count` of them), row-major: `count × dimension` floats.
    public func vectors(from first: Int, count: Int, stride: Int = 1) -> [Float] {
        [Float](unsafeUninitializedCapacity: count * dimension) { buffer, initialized in
            fill(buffer, from: first, count: count, stride: stride)
            initialized = count * dimension
        }
    }

    /// Writes ``vectors(from:count:stride:)`` into `out` (at least `count × dimension` floats).
    public func fill(_ out: UnsafeMutableBufferPointer<Float>, from first: Int, count: Int, stride: Int = 1) {
        precondition(first >= 0 && count >= 0 && stride >= 1 && out.count >= count * dimension,
                     "fill: bad range or buffer too small")
        guard count > 0 else { return }
        fk_clustered_vectors(seed, UInt64(first), UInt64(stride), count, dimension, UInt64(clusters), noise,
                             out.baseAddress!)
    }

    /// The vectors of `ids` (each ≥ 0) by id: what a store returns for a shortlist.
    public func vectors(ids: [Int64]) -> [Int64: [Float]] {
        var out: [Int64: [Float]] = [:]
        out.reserveCapacity(ids.count)
        for id in ids where id >= 0 { out[id] = vectors(from: Int(id), count: 1) }
        return out
    }

    /// `rows` (`n × dimension` floats) each plus noise of expected norm `noise` drawn for indexes
    /// `firstIndex…`, normalised: queries near stored vectors.
    public func perturbed(_ rows: [Float], firstIndex: Int, noise: Float) -> [Float] {
        let n = rows.count / dimension
        var out = rows
        out.withUnsafeMutableBufferPointer { o in
            fk_perturbed_vectors(seed, UInt64(firstIndex), n, dimension, noise, o.baseAddress!, o.baseAddress!)
        }
        return out
    }
}
