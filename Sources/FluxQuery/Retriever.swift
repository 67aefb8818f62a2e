import Foundation
import FluxCore
import FluxModels
import FluxStore

/// Answers text (or vector) queries against one index: encode → FAISS candidates → dual-softmax
/// rerank against the query bank → per-video grouping.
///
/// For example:
/// ```swift
/// let store = try IndexStore.open(at: indexURL)
/// let retriever = Retriever(store: store, mirror: VectorMirror(store: store), encoder: encoder)
/// let result = try retriever.search(vector: try retriever.encodeQuery("a red ball bounces"),
///                                   label: "a red ball bounces", options: QueryOptions())
/// ```
/// ``SearchSession`` builds one for each index it opens; use the session unless you hold the
/// parts yourself (tests, benchmarks).
/// ```swift
/// ```
public final class Retriever {
    public let store: IndexStore
    public let mirror: VectorMirror
    public let encoder: TextEncoder
    private var bankMatrix: [Float]?

    public init(store: IndexStore, mirror: VectorMirror, encoder: TextEncoder) {
        self.store = store
        self.mirror = mirror
        self.encoder = encoder
    }

    /// The bank's unit vectors `[B, E]`, encoding (and storing) any caption not yet encoded.
    public func bank() throws -> [Float] {
        if let bankMatrix { return bankMatrix }
        let missing = try store.bankEntriesNeedingEmbedding()
        if !missing.isEmpty {
            var vectors: [Int64: [Float]] = [:]
            let encoded = try encoder.encode(batch: missing.map(\.text))
            for (entry, v) in zip(missing, encoded) { if let id = entry.id { vectors[id] = v } }
            try store.setBankEmbeddings(vectors)
        }
        let e = store.embedDimension
        let matrix = try store.bankEntries().compactMap { $0.vector(dimension: e) }.flatMap { $0 }
        bankMatrix = matrix
        return matrix
    }

    /// Forgets the bank matrix, so the next ``bank()`` reads (and encodes) it again.
    public func invalidateBank() { bankMatrix = nil }

    /// Dot products of each row of `rows` (`[N, E]` row-major, unit vectors) with `q`: cosines.
    static func cosines(_ rows: [Float], query q: [Float], dimension e: Int) -> [Float] {
        (0..<(e > 0 ? rows.count / e : 0)).map { i in
            var s: Float = 0
            for j in 0..<e { s += rows[i * e + j] * q[j] }
            return s
        }
    }

    /// The budget a query searches: the requested one if indexed, else the largest.
    public func resolveBudget(_ requested: Int?) throws -> Int {
        let available = try store.indexedBudgets()
        if let requested {
            guard available.contains(requested) else { throw QueryError.budgetNotIndexed(requested: requested, available: available) }
            return requested
        }
        guard let largest = available.max() else { throw QueryError.emptyIndex(path: store.directory.path) }
        return largest
    }

    /// The unit vector of a text query.
    public func encodeQuery(_ text: String) throws -> [Float] {
        guard !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { throw QueryError.emptyQuery }
        return try encoder.encode(text)
    }

    /// Searches with a unit query vector (for query by example: a clip's embedding), leaving
    /// out the clips `exclusion` names before ranking.
    public func search(vector q: [Float], label: String, options: QueryOptions,
                       excluding exclusion: SearchExclusion = SearchExclusion()) throws -> QueryResult {
        let t0 = Timing.now()
        let budget = try resolveBudget(options.budget)
        var pool = options.pool ?? max(50, 10 * options.k)
        var (hits, infos, full) = try candidates(budget: budget, query: q, pool: pool, excluding: exclusion)
        // One clip per video (or excluded clips) can leave fewer than k results in the pool
        // (many segments of a few videos): widen it until k are in or the index has no more clips.
        while options.pool == nil, full,
              (options.perVideo ? Set(infos.map(\.videoId)).count : infos.count) < options.k {
            pool *= 4
            (hits, infos, full) = try candidates(budget: budget, query: q, pool: pool, excluding: exclusion)
        }
        let t1 = Timing.now()

        let bank = try bank()
        let mode = options.rerank ?? (bank.isEmpty ? .none : .dsl)
        let cosineByID = Dictionary(hits.map { ($0.clipId, $0.score) }, uniquingKeysWith: { a, _ in a })
        var cosines = infos.map { cosineByID[$0.id] ?? 0 }
        var weights = [Float](repeating: 1, count: infos.count)
        var scores = cosines
        if mode == .dsl, !infos.isEmpty {
            let vectors = try store.vectors(clipIds: infos.map(\.id))
            let e = store.embedDimension
            let flat = infos.flatMap { vectors[$0.id] ?? [Float](repeating: 0, count: e) }
            // Recompute the cosines from the stored vectors so that score and weight agree
            // exactly (IVF/SQ indexes return approximate scores).
            cosines = Self.cosines(flat, query: q, dimension: e)
            (scores, weights) = DualSoftmax.rerank(cosines: cosines, candidates: flat, bank: bank, dimension: e,
                                                   temperature: options.temperature)
        }
        let t2 = Timing.now()

        var ranked: [QueryHit] = infos.indices.map { i in
            QueryHit(rank: 0, clipId: infos[i].id, videoId: infos[i].videoId, path: infos[i].path, start: infos[i].start,
                     end: infos[i].end, score: scores[i], cosine: cosines[i], weight: weights[i],
                     budget: infos[i].budget, kind: infos[i].kind.rawValue)
        }
        // Best first; ties by clip id so that output is deterministic.
        ranked.sort { $0.score != $1.score ? $0.score > $1.score : $0.clipId < $1.clipId }
        if options.perVideo {
            var seen = Set<Int64>()
            ranked = ranked.filter { seen.insert($0.videoId).inserted }
        }
        if let minScore = options.minScore { ranked = ranked.filter { $0.score >= minScore } }
        ranked = Array(ranked.prefix(options.k))
        for i in ranked.indices { ranked[i].rank = i + 1 }

        var timings = QueryTimings()
        timings.searchMs = (t1 - t0) * 1e3
        timings.rerankMs = (t2 - t1) * 1e3
        timings.totalMs = (Timing.now() - t0) * 1e3
        return QueryResult(query: label, budget: budget, rerank: mode, temperature: options.temperature,
                           bankSize: bank.count / max(store.embedDimension, 1), candidates: infos.count,
                           hits: ranked, timings: timings, refine: nil)
    }

    /// FAISS's `pool` best clips of `budget` for `q`, less those `exclusion` names, with their
    /// metadata; `full` when FAISS returned a whole pool (the index may hold more).
    private func candidates(budget: Int, query q: [Float], pool: Int,
                            excluding exclusion: SearchExclusion) throws -> (hits: [ClipHit], infos: [ClipInfo], full: Bool) {
        let raw = try mirror.search(budget: budget, query: q, k: pool)
        let infos = try store.clips(ids: raw.map(\.clipId)).filter { !exclusion.excludes($0) }
        let kept = Set(infos.map(\.id))
        return (raw.filter { kept.contains($0.clipId) }, infos, raw.count == pool)
    }
}
