import Foundation
import FluxCore
import FluxModels
import FluxStore

/// The `bench query` suite: latency of one warm query — text encode (optional), FAISS search
/// of a candidate pool, dual-softmax rerank against a query bank — at several index sizes, and
/// the recall@10 of an approximate (IVF) index against exact flat search.
///
/// Vectors are clustered like real embeddings (points around n/50 random centres), queries
/// are perturbed copies of stored vectors; uniform random vectors would have no structure for
/// an IVF index to exploit, and their top 10 beyond the first would be noise. Candidate vectors for the rerank are read from memory
/// (the CLI reads ~100 of them from SQLite, about 1 ms more).
public struct QueryBenchmark {
    public struct Result: Codable, Sendable {
        public let vectors: Int
        public let index: String
        /// Milliseconds per query: search + rerank (+ text encode when enabled).
        public let p50: Double
        public let p99: Double
        /// Search alone, ms, p50.
        public let searchP50: Double
        /// Fraction of flat search's top 10 also in this index's top 10 (1 for flat).
        public let recallAt10: Double
        public let buildSeconds: Double
    }

    public var dimension = 512
    public var queries = 100
    public var pool = 100
    public var bankSize = 1000
    public var ivfFactory: (Int) -> String = { n in "IVF\(max(16, Int(Double(n).squareRoot()) * 2)),SQ8" }
    public var nprobe = 16
    /// A text tower to encode each query with (nil: vector search only).
    public var textTower: TextTower?

    public init() {}

    /// Runs flat and IVF at `n` vectors.
    public func run(vectors n: Int, progress: (String) -> Void = { _ in }) throws -> [Result] {
        let e = dimension
        var rng = UInt64(0x5EED) &+ UInt64(n)
        func gaussian() -> Float {
            rng = rng &* 6364136223846793005 &+ 1442695040888963407
            let u1 = Double(rng >> 11) / Double(1 << 53) + 1e-12
            rng = rng &* 6364136223846793005 &+ 1442695040888963407
            let u2 = Double(rng >> 11) / Double(1 << 53)
            return Float((-2 * log(u1)).squareRoot() * cos(2 * .pi * u2))
        }
        func units(_ count: Int) -> [Float] {
            var v = (0..<(count * e)).map { _ in gaussian() }
            v.withUnsafeMutableBufferPointer { Normalization.l2Normalize($0.baseAddress!, rows: count, cols: e) }
            return v
        }
        progress("generating \(n) vectors")
        let centres = units(max(1, n / 50))
        var data = [Float](repeating: 0, count: n * e)
        for i in 0..<n {
            let c = Int(rng % UInt64(centres.count / e))
            for j in 0..<e { data[i * e + j] = centres[c * e + j] + 0.8 * gaussian() / Float(e).squareRoot() }
        }
        data.withUnsafeMutableBufferPointer { Normalization.l2Normalize($0.baseAddress!, rows: n, cols: e) }
        let ids = (0..<Int64(n)).map { $0 }
        let bank = units(bankSize)
        var qs = [Float](repeating: 0, count: queries * e)
        for q in 0..<queries {
            let src = (q * 7919) % n
            for j in 0..<e { qs[q * e + j] = data[src * e + j] + 0.3 * gaussian() / Float(e).squareRoot() }
        }
        qs.withUnsafeMutableBufferPointer { Normalization.l2Normalize($0.baseAddress!, rows: queries, cols: e) }

        var results: [Result] = []
        var flatTop: [[Int64]] = []
        for kind in ["Flat", ivfFactory(n)] {
            progress("building \(kind)")
            let t0 = Timing.now()
            let index: VectorIndex
            if kind == "Flat" {
                index = try VectorIndex(flatInnerProduct: e)
            } else {
                index = try VectorIndex(factory: kind, dimension: e)
                let lists = Int(kind.dropFirst(3).prefix { $0.isNumber }) ?? 64
                let sample = min(n, lists * 64)
                try index.train(Array(data[0..<(sample * e)]))
                try index.setParameter("nprobe", Double(nprobe))
            }
            try index.add(data, ids: ids)
            let build = Timing.now() - t0
            progress("querying \(kind)")
            var total: [Double] = [], search: [Double] = []
            var recall = 0.0
            let tokens: [Int32] = [49406] + (0..<10).map { Int32(320 + $0) } + [49407]
            for q in 0..<queries {
                let t1 = Timing.now()
                if let textTower { _ = try textTower.encode(tokens) }
                let query = Array(qs[(q * e)..<((q + 1) * e)])
                let t2 = Timing.now()
                let hits = try index.search(query, k: pool)
                let t3 = Timing.now()
                let cand = hits.labels.filter { $0 >= 0 }
                let flat = cand.flatMap { data[(Int($0) * e)..<((Int($0) + 1) * e)] }
                let cos = hits.distances.prefix(cand.count).map { $0 }
                _ = DualSoftmax.rerank(cosines: Array(cos), candidates: flat, bank: bank, dimension: e)
                let t4 = Timing.now()
                total.append((t4 - t1) * 1e3)
                search.append((t3 - t2) * 1e3)
                let top = Array(cand.prefix(10))
                if kind == "Flat" { flatTop.append(top) } else {
                    recall += Double(Set(top).intersection(flatTop[q]).count) / Double(max(1, flatTop[q].count))
                }
            }
            total.sort(); search.sort()
            results.append(Result(vectors: n, index: kind, p50: total[total.count / 2],
                                  p99: total[min(total.count - 1, Int(Double(total.count) * 0.99))],
                                  searchP50: search[search.count / 2],
                                  recallAt10: kind == "Flat" ? 1 : recall / Double(queries), buildSeconds: build))
        }
        return results
    }
}
