import Foundation
import XCTest
import FluxCore
@testable import FluxModels

/// Text → unit vector: pre_text, tokenizer, tower, L2 normalisation.
final class TextEncoderTests: XCTestCase {
    /// A narrow tower over CLIP's real vocabulary, so that real text can be encoded.
    static let config = TextConfiguration(vocabSize: 49408, contextLength: 77, width: 16, layers: 2, heads: 2,
                                          ffnDim: 32, projectionDim: 8)

    func testEncodeIsNormalisedTowerOutputOfPreTextTokens() throws {
        let encoder = TextEncoder(tokenizer: try TextFixtures.tokenizer(), tower: try TextTower.random(configuration: Self.config, seed: 9))
        XCTAssertEqual(encoder.tokens(for: "A man is playing a guitar."), [49406, 320, 786, 533, 1629, 320, 5084, 49407])
        let v = try encoder.encode("A man is playing a guitar.")
        XCTAssertEqual(v.count, 8)
        XCTAssertEqual(sqrt(v.reduce(0) { $0 + $1 * $1 }), 1, accuracy: 1e-6)
        let raw = try encoder.tower.encode([49406, 320, 786, 533, 1629, 320, 5084, 49407])
        XCTAssertEqual(v, TextEncoder.l2Normalized(raw))
        // Same text after pre_text → same vector; without pre_text the "." is a token.
        XCTAssertEqual(try encoder.encode("a man is playing a guitar"), v)
        var plain = encoder
        plain.normalization = .none
        XCTAssertEqual(plain.tokens(for: "A man is playing a guitar.").count, 9)
        XCTAssertNotEqual(try plain.encode("A man is playing a guitar."), v)
    }

    func testBatchAgreesWithSingleAndEdgeInputsWork() throws {
        let encoder = TextEncoder(tokenizer: try TextFixtures.tokenizer(), tower: try TextTower.random(configuration: Self.config, seed: 10))
        let texts = ["", "   ", "a dog", String(repeating: "very long caption ", count: 40), "\u{1F415}\u{1F408}"]
        let batch = try encoder.encode(batch: texts)
        for (i, text) in texts.enumerated() {
            let single = try encoder.encode(text)
            XCTAssertLessThanOrEqual(maxAbsDiff(batch[i], single), 1e-5, text)
            XCTAssertEqual(sqrt(single.reduce(0) { $0 + $1 * $1 }), 1, accuracy: 1e-5)
        }
        XCTAssertEqual(encoder.tokens(for: String(repeating: "very long caption ", count: 40)).count, 77)
    }

    func testL2NormalizeLeavesZeroVectorZero() {
        XCTAssertEqual(TextEncoder.l2Normalized([0, 0, 0]), [0, 0, 0])
        XCTAssertEqual(TextEncoder.l2Normalized([3, 4]), [0.6, 0.8])
    }
}
