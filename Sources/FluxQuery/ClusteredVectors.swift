import Foundation
import FluxCore

/// Unit vectors scattered around random centres, like real embeddings (as in
/// ``FilterBenchmark``): each is a centre plus Gaussian noise of norm about 0.8, normalised.
struct ClusteredVectors {
    let dimension: Int
    private var rng: UInt64
    private var centres: [[Float]] = []

    init(dimension: Int, clusters: Int, seed: UInt64) {
        self.dimension = dimension
        rng = seed | 1
        for _ in 0..<max(1, clusters) {
            var c = [Float](repeating: 0, count: dimension)
            for i in 0..<dimension { c[i] = gaussian() }
            centres.append(unit(c))
        }
    }

    /// The next vector, near a centre drawn at random.
    mutating func next() -> [Float] {
        let centre = centres[Int(rng % UInt64(centres.count))]
        let scale = 0.8 / Float(dimension).squareRoot()
        var x = [Float](repeating: 0, count: dimension)
        for i in 0..<dimension { x[i] = centre[i] + scale * gaussian() }
        return unit(x)
    }

    private mutating func gaussian() -> Float {
        rng = rng &* 6364136223846793005 &+ 1442695040888963407
        let u1 = Double(rng >> 11) / Double(1 << 53) + 1e-12
        rng = rng &* 6364136223846793005 &+ 1442695040888963407
        let u2 = Double(rng >> 11) / Double(1 << 53)
        return Float((-2 * log(u1)).squareRoot() * cos(2 * .pi * u2))
    }

    private func unit(_ v: [Float]) -> [Float] {
        var v = v
        let e = dimension
        v.withUnsafeMutableBufferPointer { Normalization.l2Normalize($0.baseAddress!, rows: 1, cols: e) }
        return v
    }
}
