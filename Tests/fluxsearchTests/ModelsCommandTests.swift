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
        XCTAssertTrue(again.stderr.contains("already installed") && again.stderr.contains("--replace"), again.stderr)
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

    func testListDefaultRemoveAndModelNames() throws {
        let files = ["clip-partial.bin", "iv2-backbone.bin", "mobileclip-like.pt"].map { Self.inputs.appendingPathComponent($0).path }
        let imported = try fluxsearch(["models", "import"] + files + ["--name", "tiny", "--num-heads", "2", "--pos-frames", "4", "--text-heads", "4"])
        XCTAssertEqual(imported.status, 0, imported.stderr)
        // The first installed model becomes the default.
        let list = try fluxsearch(["models", "list", "--json"])
        XCTAssertEqual(list.status, 0, list.stderr)
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [String: Any])
        let installed = try XCTUnwrap(json["installed"] as? [[String: Any]])
        XCTAssertEqual(installed.map { $0["name"] as? String }, ["tiny"])
        XCTAssertEqual(installed.first?["default"] as? Bool, true)
        XCTAssertEqual((installed.first?["weight_hash"] as? String)?.hasPrefix("h64:"), true)
        XCTAssertEqual(installed.first?["text_aligned"] as? Bool, true)
        let known = try XCTUnwrap(json["known"] as? [[String: Any]])
        XCTAssertTrue(known.contains { $0["name"] as? String == "iv2-clip-s14" && $0["pullable"] as? Bool == true })
        XCTAssertTrue(known.contains { $0["name"] as? String == "fluxvit-s14" && $0["pullable"] as? Bool == false })

        // --model takes a name; an unknown one lists what is installed.
        let unknown = try fluxsearch(["embed", "--model", "no-such-model", "--text", "a dog"])
        XCTAssertEqual(unknown.status, 1, unknown.stderr)
        XCTAssertTrue(unknown.stderr.contains("no-such-model") && unknown.stderr.contains("tiny"), unknown.stderr)

        XCTAssertEqual(try fluxsearch(["models", "default", "tiny"]).stdout, "default model: tiny\n")
        XCTAssertEqual(try fluxsearch(["models", "default"]).stdout, "tiny\n")
        let removed = try fluxsearch(["models", "remove", "tiny"])
        XCTAssertEqual(removed.status, 0, removed.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: modelsFolder.appendingPathComponent("tiny").path))
        XCTAssertEqual(try fluxsearch(["models", "remove", "tiny"]).status, 1)
    }

    func testPullWithoutNetworkNamesTheOfflineRoute() throws {
        let r = try CLI.run(["models", "pull", "iv2-clip-s14"],
                            environment: ["FLUXSEARCH_CACHE": cache.path, "HF_ENDPOINT": "http://127.0.0.1:9",
                                          "FLUXSEARCH_DOWNLOAD_MIRROR": "http://127.0.0.1:9"])
        XCTAssertEqual(r.status, 1, r.stderr)
        XCTAssertTrue(r.stderr.contains("fluxsearch models import"), r.stderr)
        XCTAssertEqual(hiddenEntries().filter { !$0.hasPrefix(".downloads") }, [])
        XCTAssertFalse(FileManager.default.fileExists(atPath: modelsFolder.appendingPathComponent("iv2-clip-s14").path))
        let importOnly = try fluxsearch(["models", "pull", "fluxvit-s14"])
        XCTAssertEqual(importOnly.status, 1)
        XCTAssertTrue(importOnly.stderr.contains("models import") && importOnly.stderr.contains("MODEL_ZOO"), importOnly.stderr)
    }
}
