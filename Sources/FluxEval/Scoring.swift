import Foundation

/// Raw, dual softmax, or both (`--dsl off|on|both`).
public enum DSLMode: String, Codable, Sendable, CaseIterable {
    /// Only the dual-softmax results (the headline numbers of FluxViT Table 9 / IV2 MODEL_ZOO).
    case on
    /// Only plain cosine.
    case off
    /// Both, side by side (the default).
    case both

    public var includesRaw: Bool { self != .on }
    public var includesDSL: Bool { self != .off }
}

/// The raw and dual-softmax scorings of one similarity matrix.
public struct ScoringResult: Sendable, Equatable {
    public var raw: RetrievalEvaluation?
    public var dsl: RetrievalEvaluation?
    public var dslScale: Double

    /// Scores `s` (`[Nv, Nt]`) against `textVideo` as `mode` asks.
    public static func score(_ s: ScoreMatrix, textVideo: [Int], mode: DSLMode, dslScale: Double) -> ScoringResult {
        ScoringResult(raw: mode.includesRaw ? RetrievalMetrics.evaluate(s, textVideo: textVideo) : nil,
                      dsl: mode.includesDSL ? RetrievalMetrics.evaluate(s, textVideo: textVideo, dslScale: dslScale) : nil,
                      dslScale: dslScale)
    }
}
