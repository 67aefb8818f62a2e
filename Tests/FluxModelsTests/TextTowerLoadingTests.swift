import Foundation
import XCTest
import FluxCore
@testable import FluxModels

final class TextTowerLoadingTests: XCTestCase {
    func testMobileCLIPBaseKeyTable() {
        let table = TextTower.parameterTable(.mobileclipBase)
        XCTAssertEqual(table.keys.count, 149)
        let shapes = Dictionary(uniqueKeysWithValues: table.defaultShapes.map { ($0.key, $0.shape) })
        XCTAssertEqual(shapes["embedding_layer.weight"], [49408, 512])
        XCTAssertEqual(shapes["positional_embedding.pos_embed.pos_embed"], [1, 1, 77, 512])
        XCTAssertEqual(shapes["transformer.11.pre_norm_mha.1.qkv_proj.weight"], [1536, 512])
        XCTAssertEqual(shapes["transformer.0.pre_norm_ffn.1.weight"], [2048, 512])
        XCTAssertEqual(shapes["transformer.0.pre_norm_ffn.4.weight"], [512, 2048])
        XCTAssertEqual(shapes["projection_layer"], [512, 512])
        XCTAssertEqual(table.defaultShapes.reduce(0) { $0 + $1.shape.reduce(1, *) }, 63_428_096)   // 63.43 M
    }

    func testLoadsPrefixedAndBareFilesAndToleratesOtherTowers() throws {
        // tiny-causal: text_encoder.* plus `temp` and `vision_align.0.weight`; tiny-bare: no prefix.
        let file = try SafetensorsFile(contentsOf: TextFixtures.root.appendingPathComponent("tiny-causal/model.safetensors"))
        XCTAssertTrue(file.names.contains("temp") && file.names.contains("vision_align.0.weight"))
        XCTAssertTrue(file.isZeroCopy("text_encoder.transformer.0.pre_norm_ffn.1.weight"))
        XCTAssertNoThrow(try TextTower.load(modelDirectory: TextFixtures.root.appendingPathComponent("tiny-causal")))
        XCTAssertNoThrow(try TextTower.load(modelDirectory: TextFixtures.root.appendingPathComponent("tiny-bare")))
    }

    func testReportsMissingUnexpectedAndWrongShapeTogether() throws {
        let config = TextConfiguration(vocabSize: 50, contextLength: 8, width: 8, layers: 1, heads: 2, ffnDim: 16, projectionDim: 4)
        var tensors = TextTower.randomWeights(configuration: config).tensors
        tensors["text_encoder.transformer.0.pre_norm_ffn.4.bias"] = nil
        tensors["text_encoder.projection_layer"] = Tensor(zeros: [4, 8])           // stored transposed
        tensors["text_encoder.transformer.0.pre_norm_ffn.2.weight"] = Tensor(zeros: [1])
        tensors["vision_encoder.cls_token"] = Tensor(zeros: [1])                  // another tower: fine
        XCTAssertThrowsError(try TextTower(configuration: config, weights: InMemoryWeights(tensors, path: "m.safetensors"))) { error in
            XCTAssertEqual(error as? ModelLoadingError, .tensorMismatch(
                path: "m.safetensors", tower: "text",
                missing: ["text_encoder.transformer.0.pre_norm_ffn.4.bias"],
                unexpected: ["text_encoder.transformer.0.pre_norm_ffn.2.weight"],
                wrongShape: [.init(key: "text_encoder.projection_layer", expected: "[8, 4]", actual: [4, 8])]))
            XCTAssertTrue("\(error)".contains("tensor 'text_encoder.projection_layer': expected [8, 4], got [4, 8]"), "\(error)")
        }
    }

    func testModelWithoutTextSection() throws {
        let dir = try temporaryDirectory(self)
        let config = ModelConfiguration(name: "vision-only", vision: .fluxvitSmall, text: nil, embedDim: 512)
        try JSONEncoder().encode(config).write(to: dir.appendingPathComponent("config.json"))
        var writer = SafetensorsWriter()
        writer.add("vision_encoder.cls_token", Tensor(zeros: [1, 1, 384]))
        try writer.write(to: dir.appendingPathComponent("model.safetensors"))
        XCTAssertThrowsError(try TextTower.load(modelDirectory: dir)) { error in
            guard case .towerNotConfigured(_, "text")? = error as? ModelLoadingError else { return XCTFail("\(error)") }
            XCTAssertTrue("\(error)".contains("has no text tower"), "\(error)")
        }
    }

    func testInvalidTokenSequences() throws {
        let tower = try TextTower.load(modelDirectory: TextFixtures.root.appendingPathComponent("tiny-bare"))
        XCTAssertThrowsError(try tower.encode([])) { XCTAssertEqual($0 as? TextError, .emptyTokenSequence) }
        XCTAssertThrowsError(try tower.encode([Int32](repeating: 1, count: 21))) {
            XCTAssertEqual($0 as? TextError, .tokenSequenceTooLong(count: 21, contextLength: 20))
            XCTAssertEqual("\($0)", "text tower: the token sequence has 21 tokens — expected at most the context length 20")
        }
        XCTAssertThrowsError(try tower.encode([198, 200, 199])) {
            XCTAssertEqual($0 as? TextError, .tokenOutOfRange(id: 200, position: 1, vocabularySize: 200))
            XCTAssertEqual("\($0)", "text tower: token 200 at position 1 is outside the vocabulary — expected 0 ..< 200")
        }
        XCTAssertThrowsError(try tower.encode([-1])) {
            XCTAssertEqual($0 as? TextError, .tokenOutOfRange(id: -1, position: 0, vocabularySize: 200))
        }
        // A single token is a valid (if odd) sequence: it is its own end token.
        XCTAssertEqual(try tower.encode([5]).count, 12)
    }
}
