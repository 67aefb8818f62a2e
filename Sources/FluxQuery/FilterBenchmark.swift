import Foundation
import FluxCore
import FluxModels
import FluxStore

/// The `bench filter` suite: latency of a filtered query (a `--path` filter that lets through
/// a given fraction of the clips) against the same query unfiltered, in one run, through the
/// real store, FAISS mirror and ``Retriever`` (vector queries: no text encode, no rerank bank).
///
/// The index is written to a temporary folder: `videos` videos of `clipsPerVideo` clips each
/// (one whole-video vector and segments), spread evenly over `folders` folders, so a filter on
/// one folder selects `1/folders` of the clips. Vectors are clustered like real embeddings (as
/// in ``QueryBenchmark``); queries are perturbed stored vectors.
public struct FilterBenchmark {
    public struct Result: Codable, Sendable {
        public let vectors: Int
        public let selected: Int
        /// Fraction of the vectors the filter lets through.
        public let selectivity: Double
        /// Milliseconds per query (selection from SQLite + FAISS search + ranking), p50 and p99.
        public let unfilteredP50: Double
        public let unfilteredP99: Double
        public let filteredP50: Double
        public let filteredP99: Double
        /// filteredP50 / unfilteredP50.
        public let ratio: Double
        /// Filtered queries that returned fewer than k hits (0 unless filtering is broken).
        public let shortResults: Int
        /// Seconds to write the index (SQLite) and build its FAISS index.
        public let buildSeconds: Double

        enum CodingKeys: String, CodingKey {
            case vectors, selected, selectivity, ratio
            case shortResults = "short_results"
            case unfilteredP50 = "unfiltered_p50_ms", unfilteredP99 = "unfiltered_p99_ms"
            case filteredP50 = "filtered_p50_ms", filteredP99 = "filtered_p99_ms"
            case buildSeconds = "build_s"
        }
    }

    public var dimension = 512
    public var videos = 2000
    public var clipsPerVideo = 50
    public var folders = 10
    public var queries = 100
    public var k = 10

    public init() {}

    public func run(in directory: URL, progress: (String) -> Void = { _ in }) throws -> Result {
        let e = dimension
        var rng = UInt64(0xF17E5)
        func gaussian() -> Float {
            rng = rng &* 6364136223846793005 &+ 1442695040888963407
            let u1 = Double(rng >> 11) / Double(1 << 53) + 1e-12
            rng = rng &* 6364136223846793005 &+ 1442695040888963407
            let u2 = Double(rng >> 11) / Double(1 << 53)
            return Float((-2 * log(u1)).squareRoot() * cos(2 * .pi * u2))
        }
        func unit(_ v: inout [Float]) {
            v.withUnsafeMutableBufferPointer { Normalization.l2Normalize($0.baseAddress!, rows: 1, cols: e) }
        }
        let n = videos * clipsPerVideo
        progress("writing \(n) vectors of \(videos) videos")
        let t0 = Timing.now()
        let settings = IndexSettings(modelName: "bench-filter", modelWeightHash: "bench", embedDimension: e,
                                     preprocessing: "bench", sampling: "bench")
        let store = try IndexStore.create(at: directory, settings: settings, budgets: [1024])
        let centres: [[Float]] = (0..<max(1, n / 50)).map { _ in
            var c = (0..<e).map { _ in gaussian() }
            unit(&c)
            return c
        }
        var samples: [[Float]] = []
        for v in 0..<videos {
            var drafts: [ClipDraft] = []
            for c in 0..<clipsPerVideo {
                let centre = centres[Int(rng % UInt64(centres.count))]
                var x = (0..<e).map { centre[$0] + 0.8 * gaussian() / Float(e).squareRoot() }
                unit(&x)
                if (v * clipsPerVideo + c) % max(1, n / queries) == 0, samples.count < queries { samples.append(x) }
                drafts.append(c == 0 ? ClipDraft(start: 0, end: Double(clipsPerVideo - 1) * 4, budget: 1024, kind: .video, vector: x)
                                     : ClipDraft(start: Double(c - 1) * 4, end: Double(c) * 4, budget: 1024, kind: .segment, vector: x))
            }
            let path = directory.appendingPathComponent("videos/folder-\(v % folders)/video-\(v).mp4").path
            let fingerprint = FileFingerprint(size: 1, mtime: 1_700_000_000 + Double(v), contentHash: "\(v)")
            try store.replaceVideo(Video(path: path, fingerprint: fingerprint, metadata: VideoMetadata(duration: 200)),
                                   clips: drafts)
        }
        let mirror = VectorMirror(store: store)
        _ = try mirror.load(budget: 1024)
        let build = Timing.now() - t0

        let qs: [[Float]] = samples.map { s in
            var q = s.map { $0 + 0.3 * gaussian() / Float(e).squareRoot() }
            unit(&q)
            return q
        }
        let tower = try TextTower.random(configuration: .mobileclipBase, seed: 1)
        let retriever = Retriever(store: store, mirror: mirror, encoder: TextEncoder(tokenizer: try BPETokenizer(), tower: tower))
        var plain = QueryOptions()
        plain.k = k
        plain.rerank = RerankMode.none
        plain.moments = 0
        var filtered = plain
        filtered.filter.paths = [.prefix(directory.appendingPathComponent("videos/folder-3").path)]
        let selected = try store.clipIds(budget: 1024, matching: filtered.filter).count

        progress("querying")
        // Warm both paths once, then interleave them so that drift affects both alike.
        _ = try retriever.search(vector: qs[0], label: "warm", options: plain)
        _ = try retriever.search(vector: qs[0], label: "warm", options: filtered)
        var a: [Double] = [], b: [Double] = []
        var short = 0
        for q in qs {
            let t1 = Timing.now()
            _ = try retriever.search(vector: q, label: "q", options: plain)
            let t2 = Timing.now()
            let r = try retriever.search(vector: q, label: "q", options: filtered)
            let t3 = Timing.now()
            if r.hits.count < k { short += 1 }
            a.append((t2 - t1) * 1e3)
            b.append((t3 - t2) * 1e3)
        }
        a.sort(); b.sort()
        func p(_ xs: [Double], _ q: Double) -> Double { xs[min(xs.count - 1, Int(Double(xs.count) * q))] }
        return Result(vectors: n, selected: selected, selectivity: Double(selected) / Double(n),
                      unfilteredP50: p(a, 0.5), unfilteredP99: p(a, 0.99), filteredP50: p(b, 0.5), filteredP99: p(b, 0.99),
                      ratio: p(b, 0.5) / p(a, 0.5), shortResults: short, buildSeconds: build)
    }
}
