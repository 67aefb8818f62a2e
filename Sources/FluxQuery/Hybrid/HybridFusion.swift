import Foundation
import FluxStore

/// Reciprocal rank fusion (Cormack, Clarke and Büttcher, SIGIR 2009) of the picture's ranking
/// and the transcripts' ranking, at two levels.
///
/// **Videos.** Each list ranks videos (the picture: the visual result order; the transcripts:
/// each video's best cue by BM25). A video's fused score is
///
///     rrf(v) = Σ over lists L that rank v of 1 / (k + rank_L(v)),   k = 60,
///
/// so a video found by both lists beats one found by a single list at the same rank, and a list
/// that does not rank a video adds nothing. k = 60 is the constant of the paper; it flattens the
/// head of each list, so that rank 1 against rank 3 matters less than being in both lists.
///
/// **Moments.** Inside a hit's video, the picture's moments (``MomentFinder``, best first) and
/// the matching cues (best first) are spans of time. Spans that overlap merge, transitively, into
/// one moment, whose score is the same sum over the two lists, each list counting its best-ranked
/// span inside the moment (ranks within the video). A cue that overlaps a high-scoring stretch of
/// picture therefore makes the best moment.
public enum HybridFusion {
    /// The rank constant k.
    public static let k: Double = 60

    /// `Σ 1 / (k + r)` over the ranks present (1-based).
    public static func score(_ ranks: Int?...) -> Double {
        ranks.reduce(0) { sum, r in r.map { sum + 1 / (k + Double($0)) } ?? sum }
    }

    /// A video as both lists rank it.
    public struct RankedVideo: Sendable, Equatable {
        public var videoId: Int64
        public var visualRank: Int?
        public var textRank: Int?
        public var rrf: Double
    }

    /// Fuses two rankings of video ids (best first; a repeated id keeps its first rank). Ties
    /// keep the better visual rank, then the better text rank, then the lower id.
    public static func fuseVideos(visual: [Int64], text: [Int64]) -> [RankedVideo] {
        var table: [Int64: RankedVideo] = [:]
        for (i, id) in visual.enumerated() where table[id] == nil {
            table[id] = RankedVideo(videoId: id, visualRank: i + 1, textRank: nil, rrf: 0)
        }
        for (i, id) in text.enumerated() {
            var entry = table[id] ?? RankedVideo(videoId: id, visualRank: nil, textRank: nil, rrf: 0)
            if entry.textRank == nil { entry.textRank = i + 1 }
            table[id] = entry
        }
        let worst = Int.max
        return table.values.map { v in
            var v = v
            v.rrf = score(v.visualRank, v.textRank)
            return v
        }.sorted { a, b in
            if a.rrf != b.rrf { return a.rrf > b.rrf }
            if (a.visualRank ?? worst) != (b.visualRank ?? worst) { return (a.visualRank ?? worst) < (b.visualRank ?? worst) }
            if (a.textRank ?? worst) != (b.textRank ?? worst) { return (a.textRank ?? worst) < (b.textRank ?? worst) }
            return a.videoId < b.videoId
        }
    }

    /// The best `count` moments of one video, fused.
    /// - Parameters:
    ///   - visual: the picture's moments of the video, best first.
    ///   - cues: the video's matching cues, best first.
    ///   - segments: every scored segment of the video, to give each moment the cosine of its
    ///     best overlapping segment.
    ///   - whole: the cosine of the whole-video vector, for moments no segment overlaps.
    public static func moments(visual: [Moment], cues: [CueMatch], segments: [MomentFinder.Segment], whole: Float?,
                               count: Int) -> [Moment] {
        guard count > 0 else { return [] }
        enum Item { case picture(Int, Moment), text(Int, CueMatch) }
        var items: [(start: Double, end: Double, item: Item)] = []
        for (i, m) in visual.enumerated() { items.append((m.start, m.end, .picture(i + 1, m))) }
        for (i, c) in cues.enumerated() { items.append((c.start, c.end, .text(i + 1, c))) }
        items.sort { $0.start != $1.start ? $0.start < $1.start : $0.end < $1.end }

        var groups: [[(start: Double, end: Double, item: Item)]] = []
        var groupEnd = -Double.infinity
        for it in items {
            // Overlap, not mere contact: back-to-back cues stay separate moments.
            if !groups.isEmpty, it.start < groupEnd - 1e-6 {
                groups[groups.count - 1].append(it)
                groupEnd = max(groupEnd, it.end)
            } else {
                groups.append([it])
                groupEnd = it.end
            }
        }
        let moments = groups.map { group -> Moment in
            let start = group.map(\.start).min() ?? 0, end = group.map(\.end).max() ?? 0
            var visualRank: Int?, textRank: Int?
            var merged = 0
            var matched: [CueMatch] = []
            var pictureBest: Float?
            for g in group {
                switch g.item {
                case .picture(let r, let m):
                    visualRank = min(visualRank ?? r, r)
                    merged += m.segments
                    pictureBest = max(pictureBest ?? m.score, m.score)
                case .text(let r, let c):
                    textRank = min(textRank ?? r, r)
                    matched.append(c)
                }
            }
            let overlapping = segments.filter { $0.start < end - 1e-6 && $0.end > start + 1e-6 }.map(\.score)
            let cosine = overlapping.max() ?? pictureBest ?? whole ?? 0
            matched.sort { $0.start != $1.start ? $0.start < $1.start : $0.cueId < $1.cueId }
            return Moment(start: start, end: end, score: cosine, segments: merged, rrf: score(visualRank, textRank),
                          cues: matched.isEmpty ? nil : matched)
        }
        return Array(moments.sorted { a, b in
            let x = a.rrf ?? 0, y = b.rrf ?? 0
            return x != y ? x > y : a.start < b.start
        }.prefix(count))
    }
}
