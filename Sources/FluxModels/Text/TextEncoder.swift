import Foundation
import FluxCore

/// Text → unit vector in the joint video–text space: caption normalisation, CLIP tokenizer,
/// MobileCLIP text tower, L2 normalisation.
///
/// For example:
///
/// ```swift
/// let encoder = try TextEncoder.load(modelDirectory: modelURL)   // vocabulary from Tools/setup
/// let v = try encoder.encode("a man is playing a guitar")        // [embed_dim], ‖v‖ = 1
/// ```
///
/// Thread safety: immutable apart from the tokenizer's locked cache; share freely.
public struct TextEncoder: Sendable {
    public let tokenizer: BPETokenizer
    public let tower: TextTower
    /// Applied before tokenisation (default ``CaptionNormalization/preText``, as the
    /// InternVideo2 retrieval eval does for captions; see ``CaptionNormalization`` for why
    /// live queries get it too).
    public var normalization: CaptionNormalization

    public init(tokenizer: BPETokenizer, tower: TextTower, normalization: CaptionNormalization = .preText) {
        self.tokenizer = tokenizer
        self.tower = tower
        self.normalization = normalization
    }

    /// Loads the tower of `modelDirectory` and the vocabulary (default:
    /// ``BPETokenizer/defaultVocabularyURL(environment:)``).
    public static func load(modelDirectory: URL, vocabularyURL: URL? = nil,
                            normalization: CaptionNormalization = .preText) throws -> TextEncoder {
        let tower = try TextTower.load(modelDirectory: modelDirectory)
        let tokenizer = try BPETokenizer(vocabularyURL: vocabularyURL)
        return TextEncoder(tokenizer: tokenizer, tower: tower, normalization: normalization)
    }

    /// The token ids the tower sees for `text` (normalised, tokenised, through the end token).
    public func tokens(for text: String) -> [Int32] {
        tokenizer.tokenizeUnpadded(normalization.apply(text), contextLength: tower.configuration.contextLength)
    }

    /// The L2-normalised embedding of `text`: [embed_dim], unit length (a zero vector stays
    /// zero, as `F.normalize` with eps 1e-12 leaves it).
    public func encode(_ text: String) throws -> [Float] {
        Self.l2Normalized(try tower.encode(tokens(for: text)))
    }

    /// ``encode(_:)`` for several texts in one stacked forward pass (``TextTower/encode(batch:extent:)``:
    /// faster, and equal to single encodes to about 1e-6).
    public func encode(batch texts: [String]) throws -> [[Float]] {
        let features = try tower.encode(batch: texts.map(tokens(for:)))
        return features.map(Self.l2Normalized)
    }

    /// `v / max(‖v‖₂, 1e-12)`.
    public static func l2Normalized(_ v: [Float]) -> [Float] {
        var out = v
        out.withUnsafeMutableBufferPointer { p in
            if let base = p.baseAddress { Normalization.l2Normalize(base, rows: 1, cols: p.count) }
        }
        return out
    }
}
