import Foundation
import FluxStore

/// A span of a video where a query matches: one or more adjacent segments, and with a text
/// search the cues said there. JSON keys: start, end (seconds), score (the best segment's
/// cosine), segments (how many were merged); with a text search also rrf (the span's fused
/// score, ``HybridFusion``) and cues (the matching cues inside the span, in time order).
public struct Moment: Codable, Sendable, Equatable {
    /// Seconds from the start of the video.
    public var start: Double
    public var end: Double
    /// Cosine of the query with the best segment in the span (the whole video's vector when the
    /// index has no segments).
    public var score: Float
    /// Segments merged into the span.
    public var segments: Int
    /// Reciprocal-rank-fusion score of the span among the video's spans (text searches only).
    public var rrf: Double?
    /// Matching cues inside the span (text searches only).
    public var cues: [CueMatch]?

    public init(start: Double, end: Double, score: Float, segments: Int, rrf: Double? = nil, cues: [CueMatch]? = nil) {
        self.start = start
        self.end = end
        self.score = score
        self.segments = segments
        self.rrf = rrf
        self.cues = cues
    }
}

/// Picks the spans of one video that match a query best, from the cosines of its segments.
///
/// A segment is *high* when its cosine is at least halfway from the video's median segment to
/// its best one (`median + (best − median) / 2`): a bar relative to the video itself, so that
/// it means the same with any model's cosine scale. Runs of high segments that overlap or touch
/// merge into one moment. Moments rank by their best segment; when fewer than `count` are high,
/// the best remaining segments that overlap no chosen moment fill in, one segment each.
public enum MomentFinder {
    /// One scored segment: seconds, and its cosine with the query.
    public struct Segment: Sendable, Equatable {
        public var start: Double
        public var end: Double
        public var score: Float

        public init(start: Double, end: Double, score: Float) {
            self.start = start
            self.end = end
            self.score = score
        }
    }

    /// The best `count` moments of one video's segments, best first.
    public static func moments(of segments: [Segment], count: Int) -> [Moment] {
        guard count > 0, !segments.isEmpty else { return [] }
        let sortedScores = segments.map(\.score).sorted()
        let median = sortedScores[sortedScores.count / 2]
        let best = sortedScores.last!
        let bar = median + (best - median) / 2
        let ordered = segments.sorted { $0.start != $1.start ? $0.start < $1.start : $0.end < $1.end }

        var runs: [Moment] = []
        var open: Moment?
        for s in ordered {
            guard s.score >= bar else {
                if let m = open { runs.append(m); open = nil }
                continue
            }
            if var m = open, s.start <= m.end + 1e-6 {
                m.end = max(m.end, s.end)
                m.score = max(m.score, s.score)
                m.segments += 1
                open = m
            } else {
                if let m = open { runs.append(m) }
                open = Moment(start: s.start, end: s.end, score: s.score, segments: 1)
            }
        }
        if let m = open { runs.append(m) }
        var chosen = Array(runs.sorted { $0.score != $1.score ? $0.score > $1.score : $0.start < $1.start }.prefix(count))

        if chosen.count < count {
            let rest = ordered.filter { $0.score < bar }
                .sorted { $0.score != $1.score ? $0.score > $1.score : $0.start < $1.start }
            for s in rest where chosen.count < count {
                let overlaps = chosen.contains { s.start < $0.end - 1e-6 && s.end > $0.start + 1e-6 }
                if !overlaps { chosen.append(Moment(start: s.start, end: s.end, score: s.score, segments: 1)) }
            }
        }
        return chosen
    }
}
