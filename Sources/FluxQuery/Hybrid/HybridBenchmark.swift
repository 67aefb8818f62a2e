import Foundation
import FluxCore
import FluxIndex
import FluxModels
import FluxStore

/// The `bench hybrid` suite: latency of a text query that searches the picture and the
/// transcripts fused (`source .both`) against the same query on the picture alone
/// (`source .visual`), in one run, through the real ``SearchSession`` (text encode, FAISS
/// mirror, dual-softmax rerank against the model's bank, moments, collapse, FTS5, fusion).
///
/// The index is written to a temporary folder with the settings of the model at ``model``, so
/// that ``SearchSession/open(index:model:log:)`` accepts it: `videos` videos of `clipsPerVideo`
/// clips each (one whole-video vector and segments of 4 s) at one budget, clustered unit
/// vectors as in ``FilterBenchmark``. Every video gets one sidecar transcript of
/// `cuesPerVideo` cues (2.5 s each) of ``FluxCore/SyntheticSpeech``; queries are built by rule
/// from the same vocabulary (``FluxCore/SyntheticSpeech/query()``), fixed by the seed.
public struct HybridBenchmark {
    public struct Result: Codable, Sendable {
        public let model: String
        public let dimension: Int
        public let budget: Int
        public let videos: Int
        public let vectors: Int
        public let cues: Int
        public let queries: Int
        /// Milliseconds per query through ``SearchSession/search(_:options:)``, p50 and p99.
        public let visualP50: Double
        public let visualP99: Double
        public let hybridP50: Double
        public let hybridP99: Double
        /// hybridP50 / visualP50.
        public let ratio: Double
        /// Milliseconds of the FTS5 look-up alone (``FluxStore/IndexStore/searchCues(_:limit:filter:)``
        /// with the limit hybrid search uses), p50 and p99, timed apart from the queries.
        public let cueSearchP50: Double
        public let cueSearchP99: Double
        /// Mean matching cues a hybrid query read (at most ``cueLimit`` each).
        public let meanCues: Double
        /// Hybrid queries that read ``cueLimit`` cues (more matched) and that read none.
        public let cappedQueries: Int
        public let queriesWithoutCues: Int
        /// The most cues one search reads.
        public let cueLimit: Int
        /// Seconds to write the index (vectors and transcripts, SQLite), and to open the session
        /// and run the warm-up queries (FAISS mirror, text tower, bank encode).
        public let buildSeconds: Double
        public let warmupSeconds: Double
        /// The slowest hybrid query (by its own time) and its milliseconds.
        public let slowestQuery: String
        public let slowestMs: Double

        enum CodingKeys: String, CodingKey {
            case model, dimension, budget, videos, vectors, cues, queries, ratio
            case visualP50 = "visual_p50_ms", visualP99 = "visual_p99_ms"
            case hybridP50 = "hybrid_p50_ms", hybridP99 = "hybrid_p99_ms"
            case cueSearchP50 = "cue_search_p50_ms", cueSearchP99 = "cue_search_p99_ms"
            case meanCues = "mean_cues", cappedQueries = "capped_queries", queriesWithoutCues = "queries_without_cues"
            case cueLimit = "cue_limit", buildSeconds = "build_s", warmupSeconds = "warmup_s"
            case slowestQuery = "slowest_query", slowestMs = "slowest_ms"
        }
    }

    /// The model directory whose settings the index takes and whose text tower encodes queries.
    public let model: URL
    public var videos = 2000
    public var clipsPerVideo = 50
    public var cuesPerVideo = 40
    public var queries = 100
    /// Queries of each source run before timing (not counted).
    public var warmup = 3
    public var k = 10
    public var moments = 3
    /// As `query` does by default (`--collapse-above`).
    public var collapseAbove: Float? = NearDuplicates.defaultThreshold
    /// Fixes the vectors, the transcripts and the queries.
    public var seed: UInt64 = 0x4B1D

    public init(model: URL) { self.model = model }

    /// Writes the index into `directory` (which must not exist), then times the queries.
    /// - Throws: ``FluxModels/ModelLoadingError`` for the model, ``FluxStore/StoreError``,
    ///   ``QueryError`` from the searches.
    public func run(in directory: URL, progress: (String) -> Void = { _ in }) throws -> Result {
        let modelDirectory = try ModelDirectory(model)
        let e = modelDirectory.configuration.embedDim
        let table = modelDirectory.samplingTable
        let sampling = IndexSampling(table: table.entries)
        let budget = sampling.defaultBudget(patchSize: table.patchSize)
        var speech = SyntheticSpeech(seed: seed)

        let n = videos * clipsPerVideo
        progress("writing \(n) vectors and \(videos * cuesPerVideo) cues of \(videos) videos")
        let t0 = Timing.now()
        let settings = try IndexSettings(model: modelDirectory, sampling: sampling.descriptor)
        let bank = (try? CaptionFile.read(model.appendingPathComponent("bank.txt")))
            .map { IndexStore.BankSeed(texts: $0, source: "model:\(modelDirectory.configuration.name)") }
        let store = try IndexStore.create(at: directory, settings: settings, budgets: [budget], seedBank: bank)
        var vectors = ClusteredVectors(dimension: e, clusters: max(1, n / 50), seed: seed)
        let segment = 4.0
        for v in 0..<videos {
            var drafts: [ClipDraft] = []
            drafts.reserveCapacity(clipsPerVideo)
            for c in 0..<clipsPerVideo {
                let x = vectors.next()
                drafts.append(c == 0 ? ClipDraft(start: 0, end: Double(clipsPerVideo - 1) * segment, budget: budget, kind: .video, vector: x)
                                     : ClipDraft(start: Double(c - 1) * segment, end: Double(c) * segment, budget: budget, kind: .segment, vector: x))
            }
            let name = String(format: "v%04d", v)
            let fingerprint = FileFingerprint(size: 1, mtime: 1_700_000_000 + Double(v), contentHash: name)
            let video = try store.replaceVideo(Video(path: "/bench/\(name).mp4", fingerprint: fingerprint,
                                                     metadata: VideoMetadata(duration: Double(clipsPerVideo - 1) * segment)),
                                               clips: drafts)
            guard let id = video.id else { continue }
            let cues = speech.cues(count: cuesPerVideo, every: 2.5).map { CueDraft(start: $0.start, end: $0.end, text: $0.text) }
            try store.replaceTranscripts(videoId: id, [TranscriptDraft(source: "/bench/\(name).srt", kind: .sidecar, format: "srt",
                                                                       language: "en", cues: cues)],
                                         kinds: [.sidecar])
        }
        let build = Timing.now() - t0
        let texts = (0..<max(1, queries)).map { _ in speech.query() }

        progress("warming up")
        let t1 = Timing.now()
        let session = try SearchSession.open(index: directory, model: model)
        var visual = QueryOptions()
        visual.k = k
        visual.moments = moments
        visual.collapseAbove = collapseAbove
        visual.source = .visual
        var hybrid = visual
        hybrid.source = .both
        for q in texts.prefix(max(0, warmup)) {
            _ = try session.search(.text(q), options: visual)
            _ = try session.search(.text(q), options: hybrid)
        }
        let warm = Timing.now() - t1

        progress("querying")
        // Interleaved, so that drift affects both alike.
        var a: [Double] = [], b: [Double] = []
        var cueCounts: [Int] = []
        var slowest = (query: "", ms: 0.0)
        for q in texts {
            let s0 = Timing.now()
            _ = try session.search(.text(q), options: visual)
            let s1 = Timing.now()
            let r = try session.search(.text(q), options: hybrid)
            let s2 = Timing.now()
            a.append((s1 - s0) * 1e3)
            b.append((s2 - s1) * 1e3)
            cueCounts.append(r.fusion?.cues ?? 0)
            if b.last! > slowest.ms { slowest = (q, b.last!) }
        }
        // The FTS5 ranking alone, with every word of the query (before common words are left out).
        var f: [Double] = []
        for q in texts {
            guard let match = TranscriptQuery(q).ftsExpression else { continue }
            let s0 = Timing.now()
            _ = try store.searchCues(match, limit: SearchSession.cueLimit, highlight: false)
            f.append((Timing.now() - s0) * 1e3)
        }
        a.sort(); b.sort(); f.sort()
        func p(_ xs: [Double], _ q: Double) -> Double { xs.isEmpty ? 0 : xs[min(xs.count - 1, Int(Double(xs.count) * q))] }
        let counts = try store.transcriptCounts()
        return Result(model: modelDirectory.configuration.name, dimension: e, budget: budget, videos: videos, vectors: n,
                      cues: counts.cues, queries: texts.count,
                      visualP50: p(a, 0.5), visualP99: p(a, 0.99), hybridP50: p(b, 0.5), hybridP99: p(b, 0.99),
                      ratio: p(b, 0.5) / max(p(a, 0.5), 1e-9), cueSearchP50: p(f, 0.5), cueSearchP99: p(f, 0.99),
                      meanCues: Double(cueCounts.reduce(0, +)) / Double(max(1, cueCounts.count)),
                      cappedQueries: cueCounts.filter { $0 >= SearchSession.cueLimit }.count,
                      queriesWithoutCues: cueCounts.filter { $0 == 0 }.count, cueLimit: SearchSession.cueLimit,
                      buildSeconds: build, warmupSeconds: warm, slowestQuery: slowest.query, slowestMs: slowest.ms)
    }
}
