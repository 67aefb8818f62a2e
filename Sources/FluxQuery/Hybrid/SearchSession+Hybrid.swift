import Foundation
import FluxCore
import FluxStore

extension SearchSession {
    /// Most cues a text search reads from FTS5 (best first by BM25).
    static let cueLimit = 200

    /// The source a search uses: as asked, else both for a text query on an index with
    /// transcripts (grouped per video), else the picture.
    /// - Throws: ``QueryError/textSourceNeedsText`` and ``QueryError/noTranscripts(index:)`` for
    ///   `--source text` that cannot run.
    func resolveSource(_ query: SearchQuery, options: QueryOptions) throws -> SearchSource {
        var isText = false
        if case .text = query { isText = true }
        switch options.source {
        case nil:
            guard isText, options.perVideo else { return .visual }
            return try store.hasTranscripts() ? .both : .visual
        case .visual?:
            return .visual
        case .text?:
            guard isText else { throw QueryError.textSourceNeedsText }
            guard try store.hasTranscripts() else { throw QueryError.noTranscripts(index: store.directory.path) }
            return .text
        case .both?:
            guard isText else { return .visual }
            return try store.hasTranscripts() ? .both : .visual
        }
    }

    /// A text query against the transcripts (`.text`) or fused with the picture (`.both`): see
    /// ``HybridFusion`` for the ranking. Results are grouped per video; each hit carries its
    /// visual score and ranks and its matching cues.
    func hybridSearch(_ text: String, source: SearchSource, options: QueryOptions) throws -> QueryResult {
        let t0 = Timing.now()
        let retriever = try self.retriever()
        try options.filter.validate()
        let budget = try retriever.resolveBudget(options.budget)
        let k = options.k

        // The picture's ranking: every video of the candidate pool a visual-only search uses.
        var base: QueryResult
        var q: [Float]
        var visualHits: [QueryHit] = []
        if source == .both {
            var visualOptions = options
            visualOptions.budget = budget
            visualOptions.moments = 0
            visualOptions.sort = .relevance
            visualOptions.perVideo = true
            visualOptions.keepAllRanked = true
            (base, q) = try visualSearch(.text(text), options: visualOptions)
            visualHits = base.hits
        } else {
            q = try retriever.encodeQuery(text)
            if !options.terms.isEmpty { q = try combine(q, terms: options.terms, budget: budget) }
            base = QueryResult(query: text, budget: budget, rerank: .none, temperature: options.temperature, bankSize: 0,
                               candidates: 0, hits: [], timings: QueryTimings(), refine: nil)
            base.timings.encodeMs = (Timing.now() - t0) * 1e3
            if !options.filter.isEmpty { base.filter = options.filter }
        }

        // The transcripts' ranking: videos by their best cue.
        let t1 = Timing.now()
        var words = TranscriptQuery(text)
        if words.terms.count > 1 {
            let (counts, total) = try store.cueCounts(terms: words.terms.map(TranscriptQuery.quoted),
                                                      capFraction: TranscriptQuery.commonFraction)
            words = words.droppingCommonTerms(counts: counts, total: total)
        }
        let match = words.ftsExpression
        let cues = try match.map { try store.searchCues($0, limit: Self.cueLimit, filter: options.filter, highlight: false) } ?? []
        var textOrder: [Int64] = []
        var cuesByVideo: [Int64: [CueMatch]] = [:]
        for c in cues {
            if cuesByVideo[c.videoId] == nil { textOrder.append(c.videoId) }
            cuesByVideo[c.videoId, default: []].append(c)
        }

        // Videos the transcripts found but the pool did not: scored by the picture directly and
        // ranked after the pool, so the picture still has its say about them.
        var scored: [Int64: (segments: [MomentFinder.Segment], clips: [(info: ClipInfo, cosine: Float)])] = [:]
        func clips(of videoId: Int64) throws -> (segments: [MomentFinder.Segment], clips: [(info: ClipInfo, cosine: Float)]) {
            if let s = scored[videoId] { return s }
            var s = try retriever.scoredClips(videoId: videoId, budget: budget, query: q)
            if let kind = options.filter.kind { s.clips = s.clips.filter { $0.info.kind == kind } }
            scored[videoId] = s
            return s
        }
        func bestHit(_ videoId: Int64) throws -> QueryHit? {
            try clips(of: videoId).clips.max { a, b in a.cosine != b.cosine ? a.cosine < b.cosine : a.info.id > b.info.id }
                .map { QueryHit($0.info, score: $0.cosine, cosine: $0.cosine, weight: 1) }
        }
        let inPool = Set(visualHits.map(\.videoId))
        var extras: [QueryHit] = []
        if source == .both {
            let missing = textOrder.prefix(max(2 * k, 20)).filter { !inPool.contains($0) }
            for (id, s) in try retriever.scoredClips(videoIds: Array(missing), budget: budget, query: q) where scored[id] == nil {
                var s = s
                if let kind = options.filter.kind { s.clips = s.clips.filter { $0.info.kind == kind } }
                scored[id] = s
            }
            for id in missing {
                if let hit = try bestHit(id) { extras.append(hit) }
            }
            extras.sort { $0.cosine != $1.cosine ? $0.cosine > $1.cosine : $0.videoId < $1.videoId }
        }
        let fused = HybridFusion.fuseVideos(visual: (visualHits + extras).map(\.videoId), text: textOrder)

        // The clips of the videos that may be shown, for their moments, in one read.
        let shownIds = fused.prefix(2 * k).map(\.videoId).filter { scored[$0] == nil }
        for (id, s) in try retriever.scoredClips(videoIds: shownIds, budget: budget, query: q) {
            var s = s
            if let kind = options.filter.kind { s.clips = s.clips.filter { $0.info.kind == kind } }
            scored[id] = s
        }
        var hitByVideo: [Int64: QueryHit] = [:]
        for h in visualHits + extras where hitByVideo[h.videoId] == nil { hitByVideo[h.videoId] = h }
        var hits: [QueryHit] = []
        for v in fused where hits.count < k {
            guard var hit = try hitByVideo[v.videoId] ?? bestHit(v.videoId) else { continue }
            hit.visualScore = hit.score
            hit.score = Float(v.rrf)
            hit.visualRank = v.visualRank
            hit.textRank = v.textRank
            if let c = cuesByVideo[v.videoId] { hit.cues = Array(c.prefix(5)) }
            hit.rank = hits.count + 1
            if options.moments > 0 {
                let s = try clips(of: v.videoId)
                let picture = source == .both ? MomentFinder.moments(of: s.segments, count: options.moments) : []
                let whole = s.clips.first { $0.info.kind == .video }?.cosine
                let moments = HybridFusion.moments(visual: picture, cues: cuesByVideo[v.videoId] ?? [], segments: s.segments,
                                                   whole: whole, count: options.moments)
                hit.moments = moments.isEmpty ? nil : moments
            }
            hits.append(hit)
        }
        // Only the cues shown get their words marked, in one pass.
        let shown = hits.flatMap { ($0.cues ?? []) + ($0.moments ?? []).flatMap { $0.cues ?? [] } }.map(\.cueId)
        let marks = try match.map { try store.highlightedFragments($0, cueIds: shown) } ?? [:]
        func mark(_ cues: [CueMatch]?) -> [CueMatch]? {
            cues?.map { cue in
                var cue = cue
                cue.fragments = marks[cue.cueId] ?? [TextFragment(text: cue.text, match: false)]
                return cue
            }
        }
        for i in hits.indices {
            hits[i].cues = mark(hits[i].cues)
            if let moments = hits[i].moments {
                hits[i].moments = moments.map { m in
                    var m = m
                    m.cues = mark(m.cues)
                    return m
                }
            }
        }
        let textMs = (Timing.now() - t1) * 1e3

        var result = base
        result.hits = options.sort.apply(hits)
        result.candidates = base.candidates + cues.count
        result.source = source
        result.fusion = FusionReport(k: HybridFusion.k, terms: words.terms, cues: cues.count,
                                     droppedTerms: words.dropped.isEmpty ? nil : words.dropped)
        if options.sort != .relevance { result.sort = options.sort }
        result.timings.searchMs += textMs
        result.timings.totalMs = (Timing.now() - t0) * 1e3
        return result
    }
}
