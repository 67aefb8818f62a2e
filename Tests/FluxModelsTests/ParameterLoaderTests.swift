import XCTest
import FluxCore
@testable import FluxModels

final class ParameterLoaderTests: XCTestCase {
    private var table: ParameterTable {
        var t = ParameterTable()
        t.declare("a.weight", [2, 3])
        t.declare("a.bias", [2])
        return t
    }

    func testLoadsUnderPreferredPrefixAndToleratesModulePrefix() throws {
        let src = InMemoryWeights(["module.vision_encoder.a.weight": Tensor(zeros: [2, 3]),
                                   "vision_encoder.a.bias": Tensor(shape: [2], values: [1, 2]),
                                   "text_encoder.x": Tensor(zeros: [1])])
        let p = try ParameterLoader.load(table, from: src, tower: "vision", prefixes: ["vision_encoder.", ""])
        XCTAssertEqual(p.prefix, "vision_encoder.")
        XCTAssertEqual(p["a.bias"].scalars, [1, 2])
    }

    func testReportsMissingUnexpectedAndWrongShapeTogether() {
        let src = InMemoryWeights(["a.weight": Tensor(zeros: [3, 2]), "a.extra": Tensor(zeros: [1]),
                                   "head.0.weight": Tensor(zeros: [4]), "text_encoder.y": Tensor(zeros: [1])], path: "m.safetensors")
        XCTAssertThrowsError(try ParameterLoader.load(table, from: src, tower: "vision", prefixes: ["vision_encoder.", ""],
                                                      foreign: ["text_encoder."], ignoring: ["head."])) { error in
            let expected = ModelLoadingError.tensorMismatch(
                path: "m.safetensors", tower: "vision", missing: ["a.bias"], unexpected: ["a.extra"],
                wrongShape: [.init(key: "a.weight", expected: "[2, 3]", actual: [3, 2])])
            XCTAssertEqual(error as? ModelLoadingError, expected)
            let text = "\(error)"
            XCTAssertTrue(text.contains("tensor 'a.weight': expected [2, 3], got [3, 2]"), text)
            XCTAssertTrue(text.contains("1 missing, 1 unexpected, 1 with wrong shape"), text)
        }
    }

    func testConfigurationRoundTripAndValidation() throws {
        let dir = try temporaryDirectory(self)
        let config = ModelConfiguration(name: "t", vision: .fluxvitSmall, text: .mobileclipBase, embedDim: 512)
        let url = dir.appendingPathComponent("config.json")
        try JSONEncoder().encode(config).write(to: url)
        XCTAssertEqual(try ModelConfiguration.load(from: url), config)

        var bad = config
        bad.vision!.numHeads = 7
        try JSONEncoder().encode(bad).write(to: url)
        XCTAssertThrowsError(try ModelConfiguration.load(from: url)) { error in
            XCTAssertTrue("\(error)".contains("must be a positive multiple of vision.num_heads 7"), "\(error)")
        }
        try Data("{\"format\": \"fluxsearch-model\", \"name\": \"t\", \"embed_dim\": 512}".utf8).write(to: url)
        XCTAssertThrowsError(try ModelConfiguration.load(from: url)) { error in
            XCTAssertTrue("\(error)".contains("missing key 'format_version'"), "\(error)")
        }
    }
}

func temporaryDirectory(_ test: XCTestCase) throws -> URL {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("fluxmodels-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    test.addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
    return dir
}
