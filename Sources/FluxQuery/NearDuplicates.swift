import Foundation

/// A hit folded into a better-ranked one because their vectors are near-identical: a
/// re-encode, a trim or a copy of the same video, or a segment that repeats another. JSON keys
/// are stable: clip_id, video_id, path, start, end, score, similarity.
public struct DuplicateHit: Codable, Sendable, Equatable {
    public var clipId: Int64
    public var videoId: Int64
    public var path: String
    /// Clip start and end in seconds from the start of the video.
    public var start: Double
    public var end: Double
    /// Its own ranking score (``QueryHit/score``), as it would have ranked unfolded.
    public var score: Float
    /// The cosine of its vector with the vector of the hit it is folded under.
    public var similarity: Float

    public init(clipId: Int64, videoId: Int64, path: String, start: Double, end: Double, score: Float, similarity: Float) {
        self.clipId = clipId
        self.videoId = videoId
        self.path = path
        self.start = start
        self.end = end
        self.score = score
        self.similarity = similarity
    }

    /// `hit` folded with `similarity` to the hit that keeps its place.
    public init(_ hit: QueryHit, similarity: Float) {
        self.init(clipId: hit.clipId, videoId: hit.videoId, path: hit.path, start: hit.start, end: hit.end,
                  score: hit.score, similarity: similarity)
    }

    enum CodingKeys: String, CodingKey {
        case path, start, end, score, similarity
        case clipId = "clip_id"
        case videoId = "video_id"
    }
}

/// Near-duplicate handling on clip vectors: the pure part, shared by `query --collapse-above`
/// (``collapse(_:vectors:dimension:threshold:)``) and `dedupe` (which uses
/// ``defaultThreshold`` over a whole index, see ``SearchSession/duplicateClusters(threshold:budget:)``).
///
/// ## Topics
/// - ``collapse(_:vectors:dimension:threshold:)``
/// - ``defaultThreshold``
/// - ``cosine(_:_:)``
public enum NearDuplicates {
    /// The default cosine at or above which two vectors are near-duplicates: 0.99.
    ///
    /// Measured with `Tools/synth/duplicate_cosines.py` on the 300 clips of the synthetic test
    /// split with the demo model (`Corpus/models/demo`) at 256 tokens: 2,400 files, each clip
    /// with a byte copy, two re-encodes and four trims, compared by whole-video vectors.
    /// - Distinct videos: the highest cosine between two originals is 0.98312 (two clips that
    ///   differ only in shape, triangle and circle); none of the 44,850 pairs reaches 0.985. A
    ///   variant against another video's original reaches 0.99546 (a 20 % trim); 3 of 627,900
    ///   such pairs reach 0.99.
    /// - Duplicates, cosine with their original (median; share ≥ 0.99): byte copies 1 (100 %: the
    ///   same vector); MPEG-4 Part 2 re-encodes at another size and frame rate 0.99783 (86.0 %);
    ///   H.264 CRF 30 re-encodes 0.99604 (75.7 %); 10 % trims 0.992–0.993 (62 %); 20 % trims
    ///   0.990 (49–50 %). Their tails reach 0.59–0.83, below many distinct pairs: no threshold
    ///   separates duplicates from distinct videos with this model.
    ///
    /// 0.99 sits 0.0069 above the highest distinct pair, so that false links stay rare in a
    /// library larger than the one measured (of all 2,870,400 cross-video pairs: 22 reach 0.99,
    /// 77 reach 0.985, none 0.998), at the cost of recall: 59.5 % of the 8,400 duplicate pairs
    /// reach it (72.8 % at 0.985, 16.5 % at 0.998). Outside the demo model's domain cosines crowd
    /// towards 1: on ffmpeg's test pattern a re-encode scores 0.99917 and another video 0.99761
    /// (`SimilarCommandTests`); pass a higher threshold there, or use a model made for the footage.
    public static let defaultThreshold: Float = 0.99

    /// Folds near-duplicate hits under better-ranked ones.
    ///
    /// Walks `hits` in their order (best first, as a ``QueryResult`` holds them). A hit whose
    /// vector has a cosine ≥ `threshold` with the vector of an already *kept* hit is folded under
    /// the first such kept hit (the best-ranked one); otherwise it is kept. A folded hit is
    /// compared with kept hits only, so chains do not merge: with A kept, B ~ A and C ~ B but
    /// not C ~ A, C is kept.
    ///
    /// For example, with `threshold` 0.99 and vectors such that cos(A, B) = 0.995 and
    /// cos(A, C) = 0.5:
    /// ```swift
    /// let groups = NearDuplicates.collapse([a, b, c], vectors: vectors, dimension: 128, threshold: 0.99)
    /// // [(a, [B with similarity 0.995]), (c, [])]
    /// ```
    ///
    /// Kept hits come back unchanged and in their order (ranks included: renumber them if the
    /// gaps matter), each with its folded hits in their order. A hit without a vector of
    /// `dimension` floats in `vectors` (keyed by clip id) is kept and nothing folds under it.
    /// The cosine is normalised (vectors need not be unit length; equal vectors score exactly
    /// 1); a zero vector folds nothing.
    /// O(hits × kept × dimension).
    public static func collapse(_ hits: [QueryHit], vectors: [Int64: [Float]], dimension: Int,
                                threshold: Float) -> [(hit: QueryHit, duplicates: [DuplicateHit])] {
        var groups: [(hit: QueryHit, duplicates: [DuplicateHit])] = []
        // The unit vector of each kept group, nil when its hit has none.
        var keptUnits: [[Float]?] = []
        for hit in hits {
            let unit = vectors[hit.clipId].flatMap { $0.count == dimension ? normalized($0) : nil }
            if let unit {
                var folded = false
                for (g, kept) in keptUnits.enumerated() {
                    guard let kept else { continue }
                    let similarity = Self.similarity(unit, kept)
                    if similarity >= threshold {
                        groups[g].duplicates.append(DuplicateHit(hit, similarity: similarity))
                        folded = true
                        break
                    }
                }
                if folded { continue }
            }
            groups.append((hit, []))
            keptUnits.append(unit)
        }
        return groups
    }

    /// The cosine of two vectors of equal length (0 when either is zero; exactly 1 for equal
    /// vectors, see ``similarity(_:_:)``).
    public static func cosine(_ a: [Float], _ b: [Float]) -> Float {
        precondition(a.count == b.count, "cosine of vectors of lengths \(a.count) and \(b.count)")
        guard let ua = normalized(a), let ub = normalized(b) else { return 0 }
        return similarity(ua, ub)
    }

    // MARK: - Helpers

    /// The dot product of two unit vectors, but exactly 1 when they are equal: a byte copy of a
    /// video has the very same vector, whose float32 dot product with itself may round to
    /// 0.99999994, and `--threshold 1` must still find it.
    static func similarity(_ a: [Float], _ b: [Float]) -> Float {
        a == b ? 1 : dot(a, b)
    }

    static func dot(_ a: [Float], _ b: [Float]) -> Float {
        var s: Float = 0
        for i in a.indices { s += a[i] * b[i] }
        return s
    }

    /// `v / |v|`, or nil for a zero (or non-finite) vector.
    static func normalized(_ v: [Float]) -> [Float]? {
        let norm = dot(v, v).squareRoot()
        guard norm > 0, norm.isFinite else { return nil }
        return v.map { $0 / norm }
    }
}
