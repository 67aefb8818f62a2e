import Foundation

// Placeholder until the near-duplicates branch lands (it defines DuplicateHit with NearDuplicates).
/// A hit folded into a better-ranked one because their vectors are near-identical.
public struct DuplicateHit: Codable, Sendable, Equatable {
    public var clipId: Int64
    public var videoId: Int64
    public var path: String
    public var start: Double
    public var end: Double
    public var score: Float
    public var similarity: Float

    enum CodingKeys: String, CodingKey {
        case path, start, end, score, similarity
        case clipId = "clip_id", videoId = "video_id"
    }
}

/// Placeholder until the near-duplicates branch lands.
public enum NearDuplicates {
    public static let defaultThreshold: Float = 0.999

    public static func collapse(_ hits: [QueryHit], vectors: [Int64: [Float]], dimension: Int,
                                threshold: Float) -> [(hit: QueryHit, duplicates: [DuplicateHit])] {
        var kept: [(hit: QueryHit, duplicates: [DuplicateHit])] = []
        for h in hits {
            let v = vectors[h.clipId]
            if let v, let i = kept.firstIndex(where: { k in vectors[k.hit.clipId].map { Retriever.dot($0, v) >= threshold } ?? false }) {
                kept[i].duplicates.append(DuplicateHit(clipId: h.clipId, videoId: h.videoId, path: h.path, start: h.start, end: h.end,
                                                       score: h.score, similarity: Retriever.dot(vectors[kept[i].hit.clipId]!, v)))
            } else {
                kept.append((h, []))
            }
        }
        return kept
    }
}
