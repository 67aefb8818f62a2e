import Foundation
import FluxStore

/// How a query ranks its results.
public enum RerankMode: String, Codable, Sendable, CaseIterable {
    /// Dual softmax against the index's query bank (``DualSoftmax``).
    case dsl
    /// Plain cosine similarity.
    case none
}

/// Settings of one search.
public struct QueryOptions: Sendable {
    /// Results to return.
    public var k = 10
    /// Which stored budget (tokens) to search; nil = the largest indexed budget.
    public var budget: Int?
    /// nil = dual softmax when the index has a query bank, plain cosine otherwise.
    public var rerank: RerankMode?
    /// τ of the dual softmax (1 = raw cosines, as in the evaluation protocol).
    public var temperature: Float = 1
    /// Keep only the best clip of each video.
    public var perVideo = true
    /// Drop results scoring below this.
    public var minScore: Float?
    /// Candidates fetched from FAISS before reranking; nil = max(50, 10·k).
    public var pool: Int?
    /// Re-encode the top ``refineTop`` results at this larger budget (tokens) and re-rank
    /// them; nil = no refine.
    public var refineTokens: Int?
    /// How many top results ``refineTokens`` re-encodes.
    public var refineTop = 10
    /// Which clips may be returned (path, date, duration, kind); applied inside the vector search.
    public var filter = ClipFilter()
    /// Query arithmetic: terms added to (positive weight) or subtracted from (negative) the main
    /// query, each a unit vector times its weight (``QueryArithmetic``).
    public var terms: [QueryTerm] = []
    /// Texts whose look-alikes are dropped: a hit goes when its cosine with one of them is above
    /// ``excludeAbove``, or (nil) above its cosine with the query itself.
    public var exclude: [String] = []
    /// The cosine above which ``exclude`` drops a hit; nil = "more like the excluded text than
    /// like the query".
    public var excludeAbove: Float?
    /// With ``perVideo``: the best spans of each hit's video to report (0 = none). Needs an index
    /// with segments (`index --segments`).
    public var moments = 3
    /// Fold hits whose vectors have a cosine ≥ this with a better hit into it (nil = no folding).
    public var collapseAbove: Float?
    /// The order of the returned hits (the best `k` are chosen by relevance first).
    public var sort: ResultSort = .relevance
    /// What a text query searches: the picture, the transcripts, or both fused
    /// (``HybridFusion``); nil = both when the index has transcripts, else the picture.
    public var source: SearchSource?
    /// Internal: return every ranked hit of the first pool, not only `k` (the picture's list
    /// that hybrid search fuses).
    var keepAllRanked = false

    public init() {}
}

/// The order results are listed in. The `k` results are always the `k` most relevant; `sort`
/// only reorders them, and each keeps its relevance `rank`.
public enum ResultSort: String, Codable, Sendable, CaseIterable {
    /// Best score first.
    case relevance
    /// Most recently recorded first (container creation time, else modification time).
    case date
    /// By path, then start time.
    case path
    /// Longest video first.
    case duration

    /// `hits` in this order (stable: ties keep relevance order).
    public func apply(_ hits: [QueryHit]) -> [QueryHit] {
        let keyed = hits.enumerated().map { ($0.offset, $0.element) }
        func by(_ before: (QueryHit, QueryHit) -> Bool?) -> [QueryHit] {
            keyed.sorted { a, b in before(a.1, b.1) ?? (a.0 < b.0) }.map(\.1)
        }
        switch self {
        case .relevance: return hits
        case .date:
            return by { a, b in
                let x = a.recordedAt?.timeIntervalSince1970 ?? -.infinity, y = b.recordedAt?.timeIntervalSince1970 ?? -.infinity
                return x == y ? nil : x > y
            }
        case .path:
            return by { a, b in a.path != b.path ? a.path < b.path : (a.start == b.start ? nil : a.start < b.start) }
        case .duration:
            return by { a, b in
                let x = a.duration ?? -1, y = b.duration ?? -1
                return x == y ? nil : x > y
            }
        }
    }
}

/// One ranked result. JSON keys are stable: rank, clip_id, video_id, path, start, end, score,
/// cosine, weight, budget, kind; and when known or asked for: duration (the video's, seconds),
/// recorded_at (ISO 8601), moments, duplicates; with a text search (``SearchSource``):
/// visual_score, visual_rank, text_rank and cues — why the hit matched.
public struct QueryHit: Codable, Sendable, Equatable {
    public var rank: Int
    public var clipId: Int64
    public var videoId: Int64
    public var path: String
    /// Clip start and end in seconds from the start of the video.
    public var start: Double
    public var end: Double
    /// The ranking score: cosine × dual-softmax weight, or the cosine without reranking.
    public var score: Float
    public var cosine: Float
    /// The dual-softmax weight (1 without reranking).
    public var weight: Float
    /// Token budget of the vector that was scored.
    public var budget: Int
    /// "video" (whole) or "segment".
    public var kind: String
    /// The video's duration, seconds.
    public var duration: Double?
    /// When the video was recorded (container creation time, else file modification time).
    public var recordedAt: Date?
    /// The best spans of the video for the query (``QueryOptions/moments``), best first.
    public var moments: [Moment]?
    /// Near-identical hits folded into this one (``QueryOptions/collapseAbove``).
    public var duplicates: [DuplicateHit]?
    /// With a text search: the score the picture alone gave (cosine × dual-softmax weight, or
    /// the cosine), while ``score`` is the fused one.
    public var visualScore: Float?
    /// With a text search: the video's rank among the picture's results, and among the
    /// transcripts' (absent: not found that way).
    public var visualRank: Int?
    public var textRank: Int?
    /// With a text search: the video's matching cues, best first (at most five).
    public var cues: [CueMatch]?

    public init(rank: Int, clipId: Int64, videoId: Int64, path: String, start: Double, end: Double, score: Float,
                cosine: Float, weight: Float, budget: Int, kind: String, duration: Double? = nil, recordedAt: Date? = nil) {
        self.rank = rank
        self.clipId = clipId
        self.videoId = videoId
        self.path = path
        self.start = start
        self.end = end
        self.score = score
        self.cosine = cosine
        self.weight = weight
        self.budget = budget
        self.kind = kind
        self.duration = duration
        self.recordedAt = recordedAt
    }

    enum CodingKeys: String, CodingKey {
        case rank, path, start, end, score, cosine, weight, budget, kind, duration, moments, duplicates, cues
        case clipId = "clip_id"
        case videoId = "video_id"
        case recordedAt = "recorded_at"
        case visualScore = "visual_score", visualRank = "visual_rank", textRank = "text_rank"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        rank = try c.decode(Int.self, forKey: .rank)
        clipId = try c.decode(Int64.self, forKey: .clipId)
        videoId = try c.decode(Int64.self, forKey: .videoId)
        path = try c.decode(String.self, forKey: .path)
        start = try c.decode(Double.self, forKey: .start)
        end = try c.decode(Double.self, forKey: .end)
        score = try c.decode(Float.self, forKey: .score)
        cosine = try c.decode(Float.self, forKey: .cosine)
        weight = try c.decode(Float.self, forKey: .weight)
        budget = try c.decode(Int.self, forKey: .budget)
        kind = try c.decode(String.self, forKey: .kind)
        duration = try c.decodeIfPresent(Double.self, forKey: .duration)
        recordedAt = try c.decodeIfPresent(String.self, forKey: .recordedAt).flatMap { ISO8601DateFormatter().date(from: $0) }
        moments = try c.decodeIfPresent([Moment].self, forKey: .moments)
        duplicates = try c.decodeIfPresent([DuplicateHit].self, forKey: .duplicates)
        visualScore = try c.decodeIfPresent(Float.self, forKey: .visualScore)
        visualRank = try c.decodeIfPresent(Int.self, forKey: .visualRank)
        textRank = try c.decodeIfPresent(Int.self, forKey: .textRank)
        cues = try c.decodeIfPresent([CueMatch].self, forKey: .cues)
    }

    /// Dates are ISO 8601 strings whatever the encoder's date strategy.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(rank, forKey: .rank)
        try c.encode(clipId, forKey: .clipId)
        try c.encode(videoId, forKey: .videoId)
        try c.encode(path, forKey: .path)
        try c.encode(start, forKey: .start)
        try c.encode(end, forKey: .end)
        try c.encode(score, forKey: .score)
        try c.encode(cosine, forKey: .cosine)
        try c.encode(weight, forKey: .weight)
        try c.encode(budget, forKey: .budget)
        try c.encode(kind, forKey: .kind)
        try c.encodeIfPresent(duration, forKey: .duration)
        try c.encodeIfPresent(recordedAt.map { ISO8601DateFormatter().string(from: $0) }, forKey: .recordedAt)
        try c.encodeIfPresent(moments, forKey: .moments)
        try c.encodeIfPresent(duplicates, forKey: .duplicates)
        try c.encodeIfPresent(visualScore, forKey: .visualScore)
        try c.encodeIfPresent(visualRank, forKey: .visualRank)
        try c.encodeIfPresent(textRank, forKey: .textRank)
        try c.encodeIfPresent(cues, forKey: .cues)
    }
}

/// Milliseconds spent in each stage of a query.
public struct QueryTimings: Codable, Sendable, Equatable {
    public var encodeMs: Double = 0
    public var searchMs: Double = 0
    public var rerankMs: Double = 0
    public var refineMs: Double = 0
    public var totalMs: Double = 0

    enum CodingKeys: String, CodingKey {
        case encodeMs = "encode_ms", searchMs = "search_ms", rerankMs = "rerank_ms"
        case refineMs = "refine_ms", totalMs = "total_ms"
    }
}

/// The outcome of a search.
public struct QueryResult: Codable, Sendable {
    public var query: String
    public var budget: Int
    public var rerank: RerankMode
    public var temperature: Float
    public var bankSize: Int
    public var candidates: Int
    public var hits: [QueryHit]
    public var timings: QueryTimings
    /// Set when the shortlist was re-encoded at a larger budget.
    public var refine: RefineReport?
    /// The filter applied (absent when none).
    public var filter: ClipFilter?
    /// Clips the filter let through at the searched budget (absent without a filter).
    public var filtered: Int?
    /// Query arithmetic: every term with its weight, the main query first (absent without).
    public var terms: [QueryTerm]?
    /// `--exclude`: the texts, the cut-off (nil: "above the query's own cosine") and how many
    /// candidates it dropped.
    public var exclude: ExcludeReport?
    /// Cosine at or above which near-identical hits were folded (absent when off).
    public var collapseAbove: Float?
    /// The order of ``hits`` (absent: relevance).
    public var sort: ResultSort?
    /// Things worth telling the user that did not stop the search (a path filter that matches
    /// no indexed video, …).
    public var warnings: [String]?
    /// What was searched: the picture, the transcripts, or both (absent: the picture, on an
    /// index without transcripts).
    public var source: SearchSource?
    /// How text and picture were fused (absent without a text search).
    public var fusion: FusionReport?
    /// Candidates re-scored exactly from their stored vectors because the budget's FAISS index
    /// is compressed (``ExactRefine``); absent for exact (flat) indexes.
    public var refinedExact: Int?

    public init(query: String, budget: Int, rerank: RerankMode, temperature: Float, bankSize: Int, candidates: Int,
                hits: [QueryHit], timings: QueryTimings, refine: RefineReport?) {
        self.query = query
        self.budget = budget
        self.rerank = rerank
        self.temperature = temperature
        self.bankSize = bankSize
        self.candidates = candidates
        self.hits = hits
        self.timings = timings
        self.refine = refine
    }

    enum CodingKeys: String, CodingKey {
        case query, budget, rerank, temperature, candidates, hits, timings, refine
        case filter, filtered, terms, exclude, sort, warnings, source, fusion
        case bankSize = "bank_size"
        case collapseAbove = "collapse_above"
        case refinedExact = "refined_exact"
    }
}

/// What `--exclude` did. JSON keys: texts, above (absent: relative to the query), dropped.
public struct ExcludeReport: Codable, Sendable, Equatable {
    public var texts: [String]
    public var above: Float?
    /// Candidates dropped.
    public var dropped: Int
}

/// Why a query could not run.
public enum QueryError: Error, CustomStringConvertible, LocalizedError, Equatable {
    case emptyQuery
    case budgetNotIndexed(requested: Int, available: [Int])
    case emptyIndex(path: String)
    case modelMismatch(index: String, model: String)
    /// A "similar" query names a clip id the index does not hold.
    case unknownClip(id: Int64, index: String)
    /// A "similar" query's clip has no vector of its span at the searched budget; `available`:
    /// the indexed budgets that have one.
    case clipNotAtBudget(id: Int64, budget: Int, available: [Int])
    /// A query-by-example or "similar" file does not exist.
    case exampleNotFound(path: String)
    /// Query arithmetic whose weighted terms add up to nothing.
    case termsCancel
    /// `--source text` on an index that holds no transcript.
    case noTranscripts(index: String)
    /// `--source text` with a query that has no words to look up (a video, "similar").
    case textSourceNeedsText

    public var description: String {
        switch self {
        case .emptyQuery:
            return "the query is empty; type what you are looking for, e.g. fluxsearch query \"a dog on a beach\""
        case .budgetNotIndexed(let n, let available):
            return "the index has no vectors at \(n) tokens (it has: \(available.map(String.init).joined(separator: ", "))); pass one of those to --tokens, or index with --tokens \(n)"
        case .emptyIndex(let path):
            return "the index at \(path) has no clips yet; add videos with `fluxsearch index PATH`"
        case .modelMismatch(let index, let model):
            return "the index was built with model \(index), but --model is \(model); pass the index's model, or build a new index with --index NAME"
        case .unknownClip(let id, let index):
            return "no clip with id \(id) in the index at \(index); clip ids are the clip_id of each hit of `fluxsearch query TEXT --json`"
        case .clipNotAtBudget(let id, let budget, let available) where available.isEmpty:
            return "clip \(id) has no vector at \(budget) tokens, nor at any indexed budget (a refine-cache clip); use the clip_id of a hit of `fluxsearch query TEXT --json`"
        case .clipNotAtBudget(let id, let budget, let available):
            return "clip \(id) has no vector at \(budget) tokens (its span is indexed at: \(available.map(String.init).joined(separator: ", "))); pass one of those to --tokens"
        case .exampleNotFound(let path):
            return "no file at \(path); give an existing video file, or an indexed clip id"
        case .termsCancel:
            return "the query's terms cancel out (their weighted sum is zero); change a weight or drop a --minus term"
        case .noTranscripts(let index):
            return "the index at \(index) has no transcripts to search; put .srt, .vtt or JSON transcripts beside the videos (or use files with subtitle streams) and run `fluxsearch index` again, or search the picture with --source visual"
        case .textSourceNeedsText:
            return "--source text needs a text query (a video or a clip id has no words to look up); give a sentence, or use --source visual"
        }
    }

    public var errorDescription: String? { description }
}
