import Foundation
import FluxCore
import FluxIndex
import FluxIngest
import FluxModels
import FluxStore

/// What `--refine-tokens M --refine-top P` did.
public struct RefineReport: Codable, Sendable, Equatable {
    /// The larger budget the shortlist was re-encoded at.
    public var tokens: Int
    /// Shortlist length.
    public var top: Int
    /// Vectors encoded now (and cached in the index for later queries).
    public var encoded: Int
    /// Vectors found in the index's cache.
    public var cached: Int
    /// Shortlisted clips that could not be re-encoded (their source file vanished or fails),
    /// kept with their original score.
    public var failed: [String]
}

extension Retriever {
    /// Re-encodes the top `top` results from their source files as `plan` samples them (at its
    /// larger budget), re-scores and re-ranks them (they stay ahead of the rest), and caches
    /// the new vectors in the index.
    ///
    /// This is the Flux idea at query time: index cheaply, look closer at the shortlist.
    public func refine(_ result: inout QueryResult, query q: [Float], plan: SamplingPlan, top: Int,
                       embedder: VideoEmbedder) throws {
        let t0 = Timing.now()
        guard let tokens = plan.budget else { throw SamplingError.invalidBudget(0, reason: "refining needs a token budget") }
        try plan.validate()
        let n = min(top, result.hits.count)
        var report = RefineReport(tokens: tokens, top: n, encoded: 0, cached: 0, failed: [])
        guard n > 0 else { result.refine = report; return }
        var shortlist = Array(result.hits.prefix(n))
        var vectors = try store.cachedVectors(forClips: shortlist.map(\.clipId), budget: tokens)
        report.cached = vectors.count
        for hit in shortlist where vectors[hit.clipId] == nil {
            do {
                let window = hit.kind == "segment" ? TimeWindow(start: hit.start, end: hit.end) : nil
                let v = try embedder.embed(storedPath: hit.path, plan: plan, window: window)
                vectors[hit.clipId] = v
                try store.upsertClips([ClipDraft(start: hit.start, end: hit.end, budget: tokens,
                                                 kind: hit.kind == "segment" ? .segment : .video, vector: v)],
                                      videoId: hit.videoId)
                report.encoded += 1
            } catch {
                report.failed.append("\(hit.path): \(error)")
            }
        }
        let refined = shortlist.indices.filter { vectors[shortlist[$0].clipId] != nil }
        let e = store.embedDimension
        let flat = refined.flatMap { vectors[shortlist[$0].clipId]! }
        let cosines = Self.cosines(flat, query: q, dimension: e)
        var scores = cosines, weights = [Float](repeating: 1, count: cosines.count)
        if result.rerank == .dsl {
            (scores, weights) = DualSoftmax.rerank(cosines: cosines, candidates: flat, bank: try bank(), dimension: e,
                                                   temperature: result.temperature)
        }
        for (k, i) in refined.enumerated() {
            shortlist[i].cosine = cosines[k]; shortlist[i].score = scores[k]
            shortlist[i].weight = weights[k]; shortlist[i].budget = tokens
        }
        shortlist.sort { $0.score != $1.score ? $0.score > $1.score : $0.clipId < $1.clipId }
        result.hits.replaceSubrange(0..<n, with: shortlist)
        for i in result.hits.indices { result.hits[i].rank = i + 1 }
        result.refine = report
        result.timings.refineMs = (Timing.now() - t0) * 1e3
        result.timings.totalMs += result.timings.refineMs
    }
}
