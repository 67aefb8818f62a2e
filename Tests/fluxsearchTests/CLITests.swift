import XCTest
import FluxCore

final class CLITests: XCTestCase {
    func testVersionAndHelp() throws {
        let version = try CLI.run(["--version"])
        XCTAssertEqual(version.status, 0)
        XCTAssertEqual(version.stdout.trimmingCharacters(in: .whitespacesAndNewlines), "0.1.0")
        let help = try CLI.run(["--help"])
        XCTAssertEqual(help.status, 0)
        for word in ["embed", "bench", "FLUXSEARCH_THREADS"] { XCTAssertTrue(help.stdout.contains(word), "help lacks \(word):\n\(help.stdout)") }
    }

    /// `embed --tensor` end to end on a vision parity fixture: same embedding and kept tokens
    /// as the PyTorch reference.
    func testEmbedTensorMatchesTheReferenceFixture() throws {
        let fixtures = testsRoot.appendingPathComponent("FluxModelsTests/Fixtures/vision")
        let caseDir = fixtures.appendingPathComponent("groups-t6")
        struct Spec: Decodable { struct Input: Decodable { let shape: [Int]; let seed: UInt64 }; let input: Input; let budget: Int; let model: String }
        let spec = try JSONDecoder().decode(Spec.self, from: Data(contentsOf: caseDir.appendingPathComponent("case.json")))
        // The fixture input rule "hash-v1" (see Fixtures/vision/README.md).
        let count = spec.input.shape.reduce(1, *)
        let values: [Float] = (0..<count).map { i in
            let u = (UInt64(i) &* 2654435761 &+ spec.input.seed &* 40503) & 0xFFFF_FFFF
            return Float(u >> 8) * 0x1p-23 - 1
        }
        let dir = try temporaryDirectory(self)
        let input = dir.appendingPathComponent("clips.npy")
        try NPY.write(values, shape: spec.input.shape, to: input)

        let result = try CLI.run(["embed", "--model", fixtures.appendingPathComponent(spec.model).path, "--tensor", input.path,
                                  "--tokens", "\(spec.budget)", "--debug-selection", "--json"])
        XCTAssertEqual(result.status, 0, result.stderr)
        struct Report: Decodable { struct Clip: Decodable { let embedding: [Float]; let kept: [Int] }; let clips: [Clip]; let projector: Int }
        let report = try JSONDecoder().decode(Report.self, from: Data(result.stdout.utf8))
        let expected = try NPY.read(caseDir.appendingPathComponent("embedding.npy")).tensor.scalars
        let got = report.clips.flatMap(\.embedding)
        XCTAssertEqual(got.count, expected.count)
        XCTAssertLessThan(zip(got, expected).map { abs($0 - $1) }.max() ?? 1, 1e-4)
        guard case .int64(_, let kept) = try NPY.read(caseDir.appendingPathComponent("kept.npy")) else { return XCTFail("kept.npy") }
        XCTAssertEqual(report.clips.flatMap(\.kept), kept.map { Int($0) })
    }

    /// MODEL_SPEC §5 anchors: pre_text, then open_clip's tokenizer.
    func testTokenizeMatchesTheSpecAnchors() throws {
        let r = try CLI.run(["tokenize", "--json", "a cat dog cute jumps on the sofa"])
        XCTAssertEqual(r.status, 0, r.stderr)
        struct Out: Decodable { let ids: [Int]; let length: Int }
        let out = try JSONDecoder().decode(Out.self, from: Data(r.stdout.utf8))
        XCTAssertEqual(Array(out.ids.prefix(out.length)), [49406, 320, 2368, 1929, 2242, 18911, 525, 518, 15723, 49407])
        XCTAssertEqual(out.ids.count, 77)
    }

    func testEmbedErrorsNameTheProblemAndExitNonZero() throws {
        let missing = try CLI.run(["embed", "--model", "/nonexistent/model", "--tensor", "/tmp/x.npy"])
        XCTAssertNotEqual(missing.status, 0)
        XCTAssertTrue(missing.stderr.contains("/nonexistent/model: no such model directory"), missing.stderr)

        let noInput = try CLI.run(["embed", "--model", "/tmp"])
        XCTAssertNotEqual(noInput.status, 0)
        XCTAssertTrue(noInput.stderr.contains("Give exactly one input: --video FILE"), noInput.stderr)

        let badThreads = try CLI.run(["bench", "kernels", "--threads", "0"])
        XCTAssertNotEqual(badThreads.status, 0)
        XCTAssertTrue(badThreads.stderr.contains("--threads must be at least 1"), badThreads.stderr)
    }
}
