import Foundation

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

    public init() {}
}

/// One ranked result. JSON keys are stable: rank, clip_id, video_id, path, start, end, score,
/// cosine, weight, budget, kind.
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

    enum CodingKeys: String, CodingKey {
        case rank, path, start, end, score, cosine, weight, budget, kind
        case clipId = "clip_id"
        case videoId = "video_id"
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

    enum CodingKeys: String, CodingKey {
        case query, budget, rerank, temperature, candidates, hits, timings, refine
        case bankSize = "bank_size"
    }
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
        }
    }

    public var errorDescription: String? { description }
}
