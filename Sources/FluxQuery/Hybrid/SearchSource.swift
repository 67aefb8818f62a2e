import Foundation

/// What a text query searches.
public enum SearchSource: String, Codable, Sendable, CaseIterable {
    /// The picture: the clips' vectors (the only source of a video or "similar" query).
    case visual
    /// The transcripts: cue text through SQLite FTS5.
    case text
    /// Both, fused by reciprocal rank (``HybridFusion``).
    case both
}

/// How a search fused its ranked lists. JSON keys: method ("rrf"), k (the constant), terms (the
/// words looked up in the transcripts), cues (matching cues found), and dropped_terms (words
/// too common in the transcripts to look up; absent when none).
public struct FusionReport: Codable, Sendable, Equatable {
    public var method = "rrf"
    public var k: Double
    public var terms: [String]
    public var cues: Int
    public var droppedTerms: [String]?

    enum CodingKeys: String, CodingKey {
        case method, k, terms, cues
        case droppedTerms = "dropped_terms"
    }
}
