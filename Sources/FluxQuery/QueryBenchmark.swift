import Foundation
import FluxCore
import FluxStore

/// The `bench query` suite: one FAISS index of `n` synthetic vectors, built in chunks, and its
/// query latency and recall@10 against exact search, with and without ``ExactRefine``.
///
/// Nothing holds the `n` vectors as float32 (10M × 512 floats is 20 GB): they come from
/// ``SyntheticVectors`` (clustered unit vectors, a pure function of seed and id) in chunks of
/// ``chunk``. Each chunk is added to the index and scored against every query with one sgemm
/// (a top-10 kept per query), so the exact ground truth is ready when the last chunk is in. The
/// exact refine regenerates the shortlisted vectors by id, standing in for the SQLite read of
/// ``Retriever``, through the same ``ExactRefine``.
///
/// Queries are fixed before anything is measured: query `q` of `Q` is the stored vector with id
/// `⌊(2q + 1)·n / 2Q⌋` (evenly spread) plus noise of norm 0.3, normalised.
///
/// Memory: the index's resident size is the growth of VmRSS from before its creation to after
/// the build, once the training sample and chunk buffers are freed; the file size is that of the
/// index written with FAISS's `write_index`.
public struct QueryBenchmark {
    /// One index size and factory.
    public struct Result: Codable, Sendable {
        public let vectors: Int
        public let dimension: Int
        /// The FAISS factory built, e.g. "IVF4096_HNSW32,PQ64".
        public let factory: String
        /// IVF lists scanned per query (nil: not an IVF index).
        public let nprobe: Int?
        /// Shortlist length: neighbours asked from FAISS and re-scored exactly.
        public let refine: Int
        public let queries: Int
        /// Vectors the index was trained on (0: needs no training).
        public let trainVectors: Int
        /// Seconds: training, adding (FAISS alone), and their sum.
        public let trainSeconds: Double
        public let addSeconds: Double
        public let buildSeconds: Double
        /// Seconds spent generating vectors and computing the exact ground truth (not build).
        public let generateSeconds: Double
        public let groundTruthSeconds: Double
        /// Growth of resident memory across the build (VmRSS), bytes.
        public let indexResidentBytes: Int
        /// Bytes of the index written to disk.
        public let indexFileBytes: Int
        /// Milliseconds per query: FAISS search of `refine` neighbours, p50 and p99.
        public let searchP50: Double
        public let searchP99: Double
        /// Milliseconds per query: search plus exact refine (regenerating the shortlist's vectors).
        public let refinedP50: Double
        public let refinedP99: Double
        /// Mean fraction of the exact top 10 in FAISS's top 10, and after the exact refine.
        public let recallAt10: Double
        public let refinedRecallAt10: Double

        enum CodingKeys: String, CodingKey {
            case vectors, dimension, factory, nprobe, refine, queries
            case trainVectors = "train_vectors", trainSeconds = "train_s", addSeconds = "add_s", buildSeconds = "build_s"
            case generateSeconds = "generate_s", groundTruthSeconds = "ground_truth_s"
            case indexResidentBytes = "index_resident_bytes", indexFileBytes = "index_file_bytes"
            case searchP50 = "search_p50_ms", searchP99 = "search_p99_ms"
            case refinedP50 = "refined_p50_ms", refinedP99 = "refined_p99_ms"
            case recallAt10 = "recall_at_10", refinedRecallAt10 = "refined_recall_at_10"
        }
    }

    public var dimension = 512
    public var queries = 100
    /// Shortlist length re-scored exactly (and k of the FAISS search).
    public var refine = 100
    /// IVF lists scanned per query.
    public var nprobe = 32
    /// Vectors generated, added and scored at a time.
    public var chunk = 100_000
    /// FAISS factory; nil = ``defaultFactory(vectors:dimension:)``.
    public var factory: String?
    public var seed: UInt64 = 0x5EED

    public init() {}

    /// `IVF{nlist},PQ{d/8}` with nlist = the power of two ≤ n/100, between 16 and 4096:
    /// 8-dimensional PQ sub-vectors (64 bytes a vector at d = 512), and a flat coarse quantizer
    /// that trains on 64 × nlist vectors (k-means cost nlist² × 64 × 2d per iteration).
    ///
    /// Measured on 2 cores: a flat quantizer assigns vectors through sgemm (n × nlist × 2d FLOP,
    /// both cores), which beat an HNSW32 quantizer (`IVF512_HNSW32,PQ64`: graph search on one
    /// OpenMP thread) by 3× in add time at 100k.
    public static func defaultFactory(vectors n: Int, dimension: Int = 512) -> String {
        var nlist = 16
        while nlist * 2 <= min(4096, n / 100) { nlist *= 2 }
        return "IVF\(nlist),PQ\(max(1, dimension / 8))"
    }

    /// The query vectors (`queries × dimension` floats) and the ids they were made from.
    func queryVectors(_ data: SyntheticVectors, vectors n: Int) -> (vectors: [Float], sources: [Int]) {
        let count = min(queries, n)
        let sources = (0..<count).map { q in Int((Double(2 * q + 1) * Double(n) / Double(2 * count)).rounded(.down)) }
        let rows = sources.flatMap { data.vectors(from: $0, count: 1) }
        return (data.perturbed(rows, firstIndex: 0, noise: 0.3), sources)
    }

    /// Builds the index of `n` vectors, then measures latency and recall at ``nprobe`` and ``refine``.
    /// - Throws: ``QueryBenchmarkError`` when `n` is too small for the factory, and FAISS errors.
    public func run(vectors n: Int, progress: (String) -> Void = { _ in }) throws -> Result {
        try run(vectors: n, nprobes: [nprobe], refines: [refine], progress: progress)[0]
    }

    /// Builds the index of `n` vectors once, then measures latency and recall at every pair of
    /// `nprobes` × `refines` (operating points of one index: lists scanned, shortlist length),
    /// in that order. Build figures are the same in every result.
    public func run(vectors n: Int, nprobes: [Int], refines: [Int], progress: (String) -> Void = { _ in }) throws -> [Result] {
        let e = dimension
        let factory = FaissFactory.normalized(self.factory ?? Self.defaultFactory(vectors: n, dimension: e))
        let threshold = try FaissFactory.trainingThreshold(for: factory, dimension: e)
        guard n >= threshold else { throw QueryBenchmarkError.tooFewVectors(factory: factory, vectors: n, needed: threshold) }
        let data = SyntheticVectors(seed: seed, dimension: e, clusters: max(1, n / 50))
        let (qs, _) = queryVectors(data, vectors: n)
        let nq = qs.count / e

        let rssBefore = Timing.residentBytes
        let index = FaissFactory.isFlat(factory)
            ? try VectorIndex(flatInnerProduct: e) : try VectorIndex(factory: factory, dimension: e)
        var trainVectors = 0, trainSeconds = 0.0
        if !index.isTrained {
            trainVectors = try FaissFactory.trainingSampleSize(for: factory, count: n, dimension: e)
            progress("training \(factory) on \(trainVectors) vectors")
            let sample = data.vectors(from: 0, count: trainVectors, stride: max(1, n / trainVectors))
            let t0 = Timing.now()
            try index.train(sample)
            trainSeconds = Timing.now() - t0
        }

        var truth = ExactTopK(queries: qs, dimension: e, k: 10)
        var addSeconds = 0.0, generateSeconds = 0.0
        do {
            let step = max(1, chunk)
            var buffer = [Float](repeating: 0, count: min(step, n) * e)
            var start = 0
            while start < n {
                let count = min(step, n - start)
                if start % (10 * step) == 0 { progress("adding vectors \(start)..<\(min(n, start + 10 * step)) of \(n)") }
                let t0 = Timing.now()
                buffer.withUnsafeMutableBufferPointer { data.fill($0, from: start, count: count) }
                let t1 = Timing.now()
                let ids = (Int64(start)..<Int64(start + count)).map { $0 }
                try buffer.withUnsafeBufferPointer { b in
                    try ids.withUnsafeBufferPointer { try index.add(UnsafeBufferPointer(rebasing: b[0..<(count * e)]), ids: $0) }
                }
                let t2 = Timing.now()
                buffer.withUnsafeBufferPointer { truth.add(UnsafeBufferPointer(rebasing: $0[0..<(count * e)]), firstId: Int64(start)) }
                generateSeconds += t1 - t0
                addSeconds += t2 - t1
                start += count
            }
        }
        let residentBytes = max(0, Timing.residentBytes - rssBefore)
        let fileBytes = try Self.fileSize(of: index)

        let ivf = FaissFactory.ivfListCount(factory) != nil
        let exact = truth.ids()
        var results: [Result] = []
        for nprobe in ivf ? nprobes : [nprobes.first ?? self.nprobe] {
            if ivf { try index.setParameter("nprobe", Double(nprobe)) }
            for refine in refines {
                progress("querying (\(nq) queries\(ivf ? ", nprobe \(nprobe)" : ""), shortlist \(refine))")
                var search: [Double] = [], refined: [Double] = []
                var recall = 0.0, refinedRecall = 0.0
                _ = try index.search(Array(qs[0..<e]), k: refine)  // warm-up
                for q in 0..<nq {
                    let query = Array(qs[(q * e)..<((q + 1) * e)])
                    let t0 = Timing.now()
                    let hits = try index.search(query, k: refine).hits(forQuery: 0).map { ClipHit(clipId: $0.id, score: $0.score) }
                    let t1 = Timing.now()
                    let rescored = try ExactRefine.rescore(hits, query: query) { data.vectors(ids: $0) }
                    let t2 = Timing.now()
                    search.append((t1 - t0) * 1e3)
                    refined.append((t2 - t0) * 1e3)
                    let want = Set(exact[q])
                    recall += Double(hits.prefix(10).filter { want.contains($0.clipId) }.count) / Double(max(1, want.count))
                    refinedRecall += Double(rescored.prefix(10).filter { want.contains($0.clipId) }.count) / Double(max(1, want.count))
                }
                search.sort(); refined.sort()
                func percentile(_ xs: [Double], _ p: Double) -> Double { xs[min(xs.count - 1, Int(Double(xs.count) * p))] }
                results.append(Result(vectors: n, dimension: e, factory: factory, nprobe: ivf ? nprobe : nil, refine: refine, queries: nq,
                                      trainVectors: trainVectors, trainSeconds: trainSeconds, addSeconds: addSeconds,
                                      buildSeconds: trainSeconds + addSeconds, generateSeconds: generateSeconds,
                                      groundTruthSeconds: truth.seconds, indexResidentBytes: residentBytes, indexFileBytes: fileBytes,
                                      searchP50: percentile(search, 0.5), searchP99: percentile(search, 0.99),
                                      refinedP50: percentile(refined, 0.5), refinedP99: percentile(refined, 0.99),
                                      recallAt10: recall / Double(nq), refinedRecallAt10: refinedRecall / Double(nq)))
            }
        }
        return results
    }

    /// Bytes of `index` written to a temporary file (removed again).
    static func fileSize(of index: VectorIndex) throws -> Int {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("fluxsearch-bench-\(UUID().uuidString).index")
        defer { try? FileManager.default.removeItem(at: url) }
        try index.write(to: url)
        return (try FileManager.default.attributesOfItem(atPath: url.path)[.size] as? NSNumber)?.intValue ?? 0
    }
}

/// Why ``QueryBenchmark`` cannot run.
public enum QueryBenchmarkError: Error, Equatable, CustomStringConvertible, LocalizedError {
    /// The factory needs more training vectors than the index will hold.
    case tooFewVectors(factory: String, vectors: Int, needed: Int)

    public var description: String {
        switch self {
        case let .tooFewVectors(factory, vectors, needed):
            return "\(factory) needs at least \(needed) vectors to train, got \(vectors); pass a larger --vectors or a factory with fewer IVF lists"
        }
    }

    public var errorDescription: String? { description }
}
