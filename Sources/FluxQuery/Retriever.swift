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
    ///
    /// Stages: the filter's selection (``QueryOptions/filter``, applied inside FAISS) → a pool of
    /// candidates (re-scored exactly by ``ExactRefine`` when the index is compressed) → `--exclude` look-alikes dropped (`excludeVectors`, unit vectors) → dual-softmax
    /// rerank → best first, one per video → near-duplicates folded → `k` → moments → sort.
    /// The pool widens until `k` results survive or the index has no more clips.
    public func search(vector q: [Float], label: String, options: QueryOptions,
                       excluding exclusion: SearchExclusion = SearchExclusion(),
                       excludeVectors: [[Float]] = []) throws -> QueryResult {
        let t0 = Timing.now()
        let budget = try resolveBudget(options.budget)
        try options.filter.validate()
        var selection: [Int64]?
        var warnings: [String] = []
        if !options.filter.isEmpty {
            selection = try store.clipIds(budget: budget, matching: options.filter)
            for pattern in try store.unmatchedPathPatterns(options.filter) {
                warnings.append("--path \(pattern) matches no indexed video; check the spelling, or index that folder first")
            }
        }
        let bank = try bank()
        let mode = options.rerank ?? (bank.isEmpty ? .none : .dsl)
        var pool = options.pool ?? max(50, 10 * options.k)
        var ranked: Ranked
        var searchMs = 0.0, rerankMs = 0.0
        var refined: Int?
        while true {
            let t1 = Timing.now()
            let (found, infos, full) = try candidates(budget: budget, query: q, pool: pool, selection: selection, excluding: exclusion)
            var hits = found
            // A compressed index (PQ, SQ, …) scores approximately: re-score its pool from the
            // stored float32 vectors so that ranks and cosines are exact, whatever the rerank.
            // The index the search just used (no second freshness check against the database).
            if let factory = mirror.loadedFactory(budget: budget), !FaissFactory.isExact(factory) {
                hits = try ExactRefine.rescore(hits, query: q) { try store.vectors(clipIds: $0) }
                refined = (refined ?? 0) + hits.count
            }
            searchMs += (Timing.now() - t1) * 1e3
            let t2 = Timing.now()
            ranked = try rank(hits: hits, infos: infos, query: q, mode: mode, bank: bank, options: options,
                              excludeVectors: excludeVectors)
            ranked.full = full
            rerankMs += (Timing.now() - t2) * 1e3
            if options.pool != nil || !full || ranked.hits.count >= options.k { break }
            pool *= 4
        }

        var hits = ranked.hits
        if let minScore = options.minScore { hits = hits.filter { $0.score >= minScore } }
        if !options.keepAllRanked { hits = Array(hits.prefix(options.k)) }
        for i in hits.indices { hits[i].rank = i + 1 }
        if options.perVideo, options.moments > 0 { try addMoments(&hits, query: q, budget: budget, count: options.moments) }
        hits = options.sort.apply(hits)

        var timings = QueryTimings()
        timings.searchMs = searchMs
        timings.rerankMs = rerankMs
        timings.totalMs = (Timing.now() - t0) * 1e3
        var result = QueryResult(query: label, budget: budget, rerank: mode, temperature: options.temperature,
                                 bankSize: bank.count / max(store.embedDimension, 1), candidates: ranked.candidates,
                                 hits: hits, timings: timings, refine: nil)
        result.refinedExact = refined
        if !options.filter.isEmpty { result.filter = options.filter; result.filtered = selection?.count }
        if !options.exclude.isEmpty {
            result.exclude = ExcludeReport(texts: options.exclude, above: options.excludeAbove, dropped: ranked.dropped)
        }
        result.collapseAbove = options.collapseAbove
        if options.sort != .relevance { result.sort = options.sort }
        if !warnings.isEmpty { result.warnings = warnings }
        return result
    }

    /// Candidates ranked best first, one per video when asked, near-duplicates folded.
    struct Ranked {
        var hits: [QueryHit]
        var candidates: Int
        /// Candidates `--exclude` dropped.
        var dropped: Int
        var full = false
    }

    private func rank(hits raw: [ClipHit], infos allInfos: [ClipInfo], query q: [Float], mode: RerankMode, bank: [Float],
                      options: QueryOptions, excludeVectors: [[Float]]) throws -> Ranked {
        let e = store.embedDimension
        let needVectors = mode == .dsl || !excludeVectors.isEmpty || options.collapseAbove != nil
        let vectors = needVectors ? try store.vectors(clipIds: allInfos.map(\.id)) : [:]
        let zero = [Float](repeating: 0, count: e)
        var infos = allInfos
        var dropped = 0
        if !excludeVectors.isEmpty {
            infos = allInfos.filter { info in
                let v = vectors[info.id] ?? zero
                let own = Self.dot(v, q)
                let drop = excludeVectors.contains { Self.dot(v, $0) > (options.excludeAbove ?? own) }
                if drop { dropped += 1 }
                return !drop
            }
        }
        // Exact for flat indexes and after ExactRefine; approximate nowhere else.
        let cosineByID = Dictionary(raw.map { ($0.clipId, $0.score) }, uniquingKeysWith: { a, _ in a })
        var cosines = infos.map { cosineByID[$0.id] ?? 0 }
        var weights = [Float](repeating: 1, count: infos.count)
        var scores = cosines
        if mode == .dsl, !infos.isEmpty {
            let flat = infos.flatMap { vectors[$0.id] ?? zero }
            // Recompute the cosines from the stored vectors so that score and weight agree
            // exactly (IVF/SQ indexes return approximate scores).
            cosines = Self.cosines(flat, query: q, dimension: e)
            (scores, weights) = DualSoftmax.rerank(cosines: cosines, candidates: flat, bank: bank, dimension: e,
                                                   temperature: options.temperature)
        }
        var ranked: [QueryHit] = infos.indices.map { i in
            QueryHit(infos[i], score: scores[i], cosine: cosines[i], weight: weights[i])
        }
        // Best first; ties by clip id so that output is deterministic.
        ranked.sort { $0.score != $1.score ? $0.score > $1.score : $0.clipId < $1.clipId }
        if options.perVideo {
            var seen = Set<Int64>()
            ranked = ranked.filter { seen.insert($0.videoId).inserted }
        }
        if let threshold = options.collapseAbove {
            ranked = NearDuplicates.collapse(ranked, vectors: vectors, dimension: e, threshold: threshold).map { pair in
                var hit = pair.hit
                if !pair.duplicates.isEmpty { hit.duplicates = pair.duplicates }
                return hit
            }
        }
        return Ranked(hits: ranked, candidates: infos.count, dropped: dropped)
    }

    /// Fills each hit's ``QueryHit/moments`` from the cosines of its video's segments at `budget`
    /// (videos indexed without segments get none).
    private func addMoments(_ hits: inout [QueryHit], query q: [Float], budget: Int, count: Int) throws {
        for i in hits.indices {
            let scored = try scoredClips(videoId: hits[i].videoId, budget: budget, query: q).segments
            guard !scored.isEmpty else { continue }
            hits[i].moments = MomentFinder.moments(of: scored, count: count)
        }
    }

    /// ``scoredClips(videoId:budget:query:)`` of many videos, in one read.
    func scoredClips(videoIds: [Int64], budget: Int, query q: [Float]) throws
        -> [Int64: (segments: [MomentFinder.Segment], clips: [(info: ClipInfo, cosine: Float)])] {
        var out: [Int64: (segments: [MomentFinder.Segment], clips: [(info: ClipInfo, cosine: Float)])] = [:]
        for id in videoIds { out[id] = ([], []) }
        for (c, v) in try store.clipsWithVectors(videoIds: videoIds, budget: budget) {
            let cosine = Self.dot(v, q)
            out[c.videoId]?.clips.append((c, cosine))
            if c.kind == .segment { out[c.videoId]?.segments.append(MomentFinder.Segment(start: c.start, end: c.end, score: cosine)) }
        }
        return out
    }

    /// The cosines with `q` of the clips of video `videoId` at `budget`: its segments (in time
    /// order) and its whole-video clip, with the clips' metadata.
    func scoredClips(videoId: Int64, budget: Int, query q: [Float]) throws
        -> (segments: [MomentFinder.Segment], clips: [(info: ClipInfo, cosine: Float)]) {
        let clips = try store.clips(videoId: videoId).filter { $0.budget == budget }
        guard !clips.isEmpty else { return ([], []) }
        let vectors = try store.vectors(clipIds: clips.map(\.id))
        let scored = clips.compactMap { c in vectors[c.id].map { (info: c, cosine: Self.dot($0, q)) } }
        let segments = scored.filter { $0.info.kind == .segment }
            .map { MomentFinder.Segment(start: $0.info.start, end: $0.info.end, score: $0.cosine) }
        return (segments, scored)
    }

    static func dot(_ a: [Float], _ b: [Float]) -> Float {
        var s: Float = 0
        for j in 0..<min(a.count, b.count) { s += a[j] * b[j] }
        return s
    }

    /// FAISS's `pool` best clips of `budget` for `q` (among `selection` when given), less those
    /// `exclusion` names, with their metadata; `full` when FAISS returned a whole pool (the
    /// index may hold more).
    private func candidates(budget: Int, query q: [Float], pool: Int, selection: [Int64]?,
                            excluding exclusion: SearchExclusion) throws -> (hits: [ClipHit], infos: [ClipInfo], full: Bool) {
        let raw = try selection.map { try mirror.search(budget: budget, query: q, k: pool, selecting: $0) }
            ?? mirror.search(budget: budget, query: q, k: pool)
        let infos = try store.clips(ids: raw.map(\.clipId)).filter { !exclusion.excludes($0) }
        let kept = Set(infos.map(\.id))
        return (raw.filter { kept.contains($0.clipId) }, infos, raw.count == pool)
    }
}

extension QueryHit {
    /// The hit of clip `info` (rank 0: set when the list is final).
    init(_ info: ClipInfo, score: Float, cosine: Float, weight: Float) {
        self.init(rank: 0, clipId: info.id, videoId: info.videoId, path: info.path, start: info.start, end: info.end,
                  score: score, cosine: cosine, weight: weight, budget: info.budget, kind: info.kind.rawValue,
                  duration: info.videoDuration, recordedAt: info.recordedAt.map { Date(timeIntervalSince1970: $0) })
    }
}
