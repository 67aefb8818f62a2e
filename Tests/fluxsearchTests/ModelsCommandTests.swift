import Foundation
import XCTest

/// `fluxsearch models import`: official files in any order become an installed model; bad
/// files fail with a message and leave nothing behind.
final class ModelsCommandTests: XCTestCase {
    static let inputs = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("FluxModelsTests/Fixtures/import/inputs")
    static let pth = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("FluxModelsTests/Fixtures/pth")

    var cache: URL!

    override func setUpWithError() throws {
        cache = FileManager.default.temporaryDirectory.appendingPathComponent("models-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: cache, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: cache)
    }

    func fluxsearch(_ args: [String]) throws -> CLI.Result {
        try CLI.run(args, environment: ["FLUXSEARCH_CACHE": cache.path], unsetting: ["FLUXSEARCH_MODEL"])
    }

    var modelsFolder: URL { cache.appendingPathComponent("models") }

    /// Leftovers of an import (hidden staging folders) in the models folder.
    func hiddenEntries() -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: modelsFolder.path)) ?? []).filter { $0.hasPrefix(".") }
    }

    func testFilesInAnyOrderBecomeOneInstalledModel() throws {
        // The text file first and the backbone before its CLIP container: roles come from the keys.
        let files = ["mobileclip-like.pt", "iv2-backbone.bin", "clip-partial.bin"].map { Self.inputs.appendingPathComponent($0).path }
        let r = try fluxsearch(["models", "import"] + files + ["--name", "tiny-clip", "--num-heads", "2", "--pos-frames", "4", "--text-heads", "4", "--json"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(json["name"] as? String, "tiny-clip")
        XCTAssertEqual(json["kind"] as? String, "clip")
        XCTAssertEqual(json["vision_align"] as? String, "checkpoint")
        XCTAssertEqual(json["text_aligned"] as? Bool, true)
        let dir = modelsFolder.appendingPathComponent("tiny-clip")
        for file in ["config.json", "model.safetensors", "manifest.json"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: dir.appendingPathComponent(file).path), file)
        }
        let manifest = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("manifest.json"))) as? [String: Any])
        XCTAssertEqual((manifest["sources"] as? [[String: String]])?.map { $0["file"] ?? "" },
                       ["clip-partial.bin", "iv2-backbone.bin", "mobileclip-like.pt"])
        XCTAssertEqual(hiddenEntries(), [])

        // Same name again: refused; with --replace: done.
        let again = try fluxsearch(["models", "import", files[2], "--vision-base", files[1], "--text", files[0], "--name", "tiny-clip",
                                    "--num-heads", "2", "--pos-frames", "4", "--text-heads", "4"])
        XCTAssertEqual(again.status, 1)
        XCTAssertTrue(again.stderr.contains("installed already") && again.stderr.contains("--replace"), again.stderr)
        let replaced = try fluxsearch(["models", "import", files[2], "--vision-base", files[1], "--text", files[0], "--name", "tiny-clip",
                                       "--num-heads", "2", "--pos-frames", "4", "--text-heads", "4", "--replace"])
        XCTAssertEqual(replaced.status, 0, replaced.stderr)
        XCTAssertTrue(replaced.stdout.contains("imported tiny-clip"), replaced.stdout)
        XCTAssertEqual(hiddenEntries(), [])
    }

    func testRefusedAndBrokenFilesLeaveNothingInstalled() throws {
        let cases: [(String, String)] = [
            ("forbidden.pth", "os.system"),          // a pickle that would run code
            ("truncated.pth", "truncated.pth"),
            ("absurd.pth", "too many elements"),
            ("legacy.pth", "re-save"),
        ]
        for (file, expected) in cases {
            let r = try fluxsearch(["models", "import", Self.pth.appendingPathComponent(file).path, "--name", "x"])
            XCTAssertEqual(r.status, 1, "\(file): \(r.stderr)")
            XCTAssertTrue(r.stderr.contains(expected), "\(file): \(r.stderr)")
            XCTAssertFalse(FileManager.default.fileExists(atPath: modelsFolder.appendingPathComponent("x").path), file)
            XCTAssertEqual(hiddenEntries(), [], file)
        }
    }

    func testAFIFOIsRefusedWithoutBlocking() throws {
        let fifo = cache.appendingPathComponent("model.pth")
        XCTAssertEqual(mkfifo(fifo.path, 0o600), 0)
        let r = try fluxsearch(["models", "import", fifo.path, "--name", "x"])
        XCTAssertEqual(r.status, 1, r.stderr)
        XCTAssertTrue(r.stderr.contains(fifo.path), r.stderr)
    }

    func testBadNamesAndFlagsAreUsageErrors() throws {
        let file = Self.inputs.appendingPathComponent("iv2-backbone.bin").path
        for args in [["--name", "../x"], ["--name", ".hidden"], ["--size", "xl"], ["--dtype", "f8"], ["--projector-budgets", "10,x"]] {
            let r = try fluxsearch(["models", "import", file] + args)
            XCTAssertEqual(r.status, 64, "\(args): \(r.stderr)")
        }
    }
}
