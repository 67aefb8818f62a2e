import XCTest
import FluxCore
@testable import FluxModels

/// Malformed or mismatched checkpoints must fail with one error naming every problem.
final class VisionTowerLoadingTests: XCTestCase {
    static let tiny = VisionConfiguration(arch: .fluxvit, embedDim: 32, depth: 2, numHeads: 2, mlpHiddenDim: 64,
                                          posNumFrames: 4, posGridSize: 3, numProjectors: 3,
                                          projectorBudgets: [72, 36, 18], projectorHeads: 4, projectorOutDim: 24)

    func testRandomWeightsLoadAndEncode() throws {
        let tower = try VisionTower(configuration: Self.tiny, embedDim: 16,
                                    weights: VisionTower.randomWeights(configuration: Self.tiny, embedDim: 16))
        let out = try tower.encode(KernelBenchmark.random([2, 3, 4, 42, 42], seed: 1))
        let e = try XCTUnwrap(out.embeddings)
        XCTAssertEqual(e.shape, [2, 16])
        for b in 0..<2 {
            let norm = e.slice(b..<(b + 1)).scalars.reduce(0) { $0 + $1 * $1 }.squareRoot()
            XCTAssertEqual(norm, 1, accuracy: 1e-5)
        }
        XCTAssertEqual(out.tokensPerClip, 36)
        XCTAssertEqual(out.projector, 1, "36 tokens is nearest the 36-token projector")
    }

    func testMissingUnexpectedAndMisshapedTensorsAreListedTogether() throws {
        var w = VisionTower.randomWeights(configuration: Self.tiny, embedDim: 16)
        w.tensors["vision_encoder.blocks.1.mlp.fc2.bias"] = nil
        w.tensors["vision_encoder.blocks.0.attn.qkv.weight"] = Tensor(zeros: [32, 96])
        w.tensors["vision_encoder.blocks.7.norm1.weight"] = Tensor(zeros: [32])
        w.tensors["vision_encoder.head.0.weight"] = Tensor(zeros: [400, 24])   // training-only: ignored
        w.sourcePath = "bad.safetensors"
        XCTAssertThrowsError(try VisionTower(configuration: Self.tiny, embedDim: 16, weights: w)) { error in
            guard case .tensorMismatch(let path, let tower, let missing, let unexpected, let wrong)? = error as? ModelLoadingError else {
                return XCTFail("unexpected error \(error)")
            }
            XCTAssertEqual(path, "bad.safetensors")
            XCTAssertEqual(tower, "vision")
            XCTAssertEqual(missing, ["vision_encoder.blocks.1.mlp.fc2.bias"])
            XCTAssertEqual(unexpected, ["vision_encoder.blocks.7.norm1.weight"])
            XCTAssertEqual(wrong, [.init(key: "vision_encoder.blocks.0.attn.qkv.weight", expected: "[96, 32]", actual: [32, 96])])
            let text = "\(error)"
            XCTAssertTrue(text.contains("tensor 'vision_encoder.blocks.0.attn.qkv.weight': expected [96, 32], got [32, 96]"), text)
            XCTAssertTrue(text.contains("hint: convert official checkpoints with Tools/convert_checkpoint.py"), text)
        }
    }

    func testMissingVisionAlignIsReported() throws {
        var w = VisionTower.randomWeights(configuration: Self.tiny, embedDim: 16)
        w.tensors["vision_align.1.weight"] = nil
        XCTAssertThrowsError(try VisionTower(configuration: Self.tiny, embedDim: 16, weights: w)) { error in
            XCTAssertTrue("\(error)".contains("the vision_align weights do not match"), "\(error)")
            XCTAssertTrue("\(error)".contains("vision_align.1.weight"), "\(error)")
        }
    }

    func testPosTableOnAnotherGridIsResampledAtLoad() throws {
        var w = VisionTower.randomWeights(configuration: Self.tiny, embedDim: 16)
        w.tensors["vision_encoder.pos_embed"] = KernelBenchmark.random([1, 1 + 4 * 5 * 5, 32], seed: 3)
        let tower = try VisionTower(configuration: Self.tiny, embedDim: 16, weights: w)
        XCTAssertEqual(tower.weights.posEmbed.shape, [1, 1 + 4 * 3 * 3, 32])

        w.tensors["vision_encoder.pos_embed"] = Tensor(zeros: [1, 1 + 4 * 5 * 5 + 1, 32])
        XCTAssertThrowsError(try VisionTower(configuration: Self.tiny, embedDim: 16, weights: w)) { error in
            XCTAssertTrue("\(error)".contains("vision_encoder.pos_embed"), "\(error)")
        }
    }

    func testBadInputsGiveTypedErrors() throws {
        let tower = try VisionTower(configuration: Self.tiny, embedDim: 16,
                                    weights: VisionTower.randomWeights(configuration: Self.tiny, embedDim: 16))
        XCTAssertThrowsError(try tower.encode(Tensor(zeros: [1, 3, 2, 40, 40]))) { error in
            XCTAssertTrue("\(error)".contains("divisible by 14"), "\(error)")
        }
        XCTAssertThrowsError(try tower.encode(Tensor(zeros: [1, 3, 3, 42, 42]), budget: 10)) { error in
            XCTAssertTrue("\(error)".contains("even frame count"), "\(error)")
        }
        XCTAssertThrowsError(try tower.encode(Tensor(zeros: [1, 3, 4, 42, 42]), budget: 10)) { error in
            XCTAssertTrue("\(error)".contains("groups of 1 frame"), "\(error)")
        }
        XCTAssertThrowsError(try tower.encode(Tensor(zeros: [1, 3, 2, 42, 42]), projector: 3)) { error in
            XCTAssertEqual(error as? VisionError, .invalidProjector(3, available: 3))
        }
        XCTAssertThrowsError(try tower.encode(Tensor(zeros: [1, 3, 2, 42, 42]), budget: 0))

        var iv2 = Self.tiny
        iv2.arch = .internvideo2; iv2.numProjectors = 1; iv2.projectorBudgets = [36]
        let plain = try VisionTower(configuration: iv2, embedDim: 16, weights: VisionTower.randomWeights(configuration: iv2, embedDim: 16))
        XCTAssertThrowsError(try plain.encode(Tensor(zeros: [1, 3, 4, 42, 42]), budget: 20)) { error in
            XCTAssertTrue("\(error)".contains("no token selection"), "\(error)")
        }
        XCTAssertThrowsError(try plain.encode(Tensor(zeros: [1, 3, 2, 42, 42]))) { error in
            XCTAssertTrue("\(error)".contains("exactly 4 frames (or 1)"), "\(error)")
        }
        XCTAssertEqual(try plain.encode(Tensor(zeros: [1, 3, 4, 42, 42]), budget: 36).tokensPerClip, 36)
    }

    func testModelDirectoryErrorsNameTheFile() throws {
        let dir = try temporaryDirectory(self)
        XCTAssertThrowsError(try ModelDirectory(dir.appendingPathComponent("nope"))) { error in
            XCTAssertTrue("\(error)".contains("nope: no such file"), "\(error)")
        }
        XCTAssertThrowsError(try ModelDirectory(dir)) { error in
            XCTAssertTrue("\(error)".contains("config.json: no such file"), "\(error)")
        }
        let config = ModelConfiguration(name: "t", vision: Self.tiny, text: nil, embedDim: 16)
        try JSONEncoder().encode(config).write(to: dir.appendingPathComponent("config.json"))
        XCTAssertThrowsError(try ModelDirectory(dir)) { error in
            XCTAssertTrue("\(error)".contains("model.safetensors: no such file"), "\(error)")
        }
        try Data("not safetensors at all".utf8).write(to: dir.appendingPathComponent("model.safetensors"))
        XCTAssertThrowsError(try ModelDirectory(dir)) { error in
            XCTAssertTrue("\(error)".contains("model.safetensors"), "\(error)")
        }
    }
}

final class TokenSelectionTests: XCTestCase {
    func testGroupCountsAndTruncatingKeepCounts() {
        XCTAssertEqual([2, 6, 8, 12, 16, 24].map(TokenSelection.groupCount), [1, 2, 4, 4, 4, 4])
        // MODEL_SPEC §2.4: T=12@224 with budget 1024 keeps 4·255 = 1020; T=24 @ 2048 keeps 2044.
        XCTAssertEqual(TokenSelection.keepPerGroup(frames: 12, perFrame: 256, budget: 1024).map { $0 * 4 }, 1020)
        XCTAssertEqual(TokenSelection.keepPerGroup(frames: 24, perFrame: 256, budget: 2048).map { $0 * 4 }, 2044)
        XCTAssertEqual(TokenSelection.keepPerGroup(frames: 16, perFrame: 256, budget: 2048).map { $0 * 4 }, 2048)
        XCTAssertNil(TokenSelection.keepPerGroup(frames: 8, perFrame: 256, budget: 2048))
    }

    func testFrameZeroTiesWithFrameOneAndLowerIndexWins() throws {
        // T=2, L=2, D=1: both frames' tokens at a position share one distance; with k = 2 the
        // two tokens of the most dynamic position win, in original order.
        let x: [Float] = [0, 0, 5, 1]   // frame 0: p0=0, p1=0; frame 1: p0=5, p1=1
        let kept = try x.withUnsafeBufferPointer {
            try TokenSelection.select($0.baseAddress!, frames: 2, perFrame: 2, width: 1, budget: 2)
        }
        XCTAssertEqual(kept, [0, 2])
        // k = 1: tie between token 0 (frame 0) and token 2 (frame 1) → the lower index.
        let one = try x.withUnsafeBufferPointer {
            try TokenSelection.select($0.baseAddress!, frames: 2, perFrame: 2, width: 1, budget: 1)
        }
        XCTAssertEqual(one, [0])
    }
}
