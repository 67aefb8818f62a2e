import XCTest
import FluxModels
@testable import FluxModelHub

final class ModelLibraryTests: XCTestCase {
    private var temp: TemporaryFolder!
    private var library: ModelLibrary!

    override func setUpWithError() throws {
        temp = try TemporaryFolder("library")
        library = ModelLibrary(environment: ["FLUXSEARCH_CACHE": temp.url.path])
    }

    override func tearDown() {
        temp.remove()
    }

    func testFolderFollowsTheCacheFolderRule() {
        XCTAssertEqual(ModelLibrary.defaultFolder(environment: ["FLUXSEARCH_CACHE": "/data/fs-cache"]).path, "/data/fs-cache/models")
        XCTAssertEqual(ModelLibrary.defaultFolder(environment: ["HOME": "/home/ana"]).path, "/home/ana/.cache/fluxsearch/models")
        XCTAssertEqual(ModelLibrary.defaultFolder(environment: ["FLUXSEARCH_CACHE": "", "HOME": "/home/ana"]).path, "/home/ana/.cache/fluxsearch/models")
        XCTAssertEqual(library.folder.path, temp.url.appendingPathComponent("models").path)
        XCTAssertEqual(library.downloadsFolder.path, temp.url.appendingPathComponent("models/.downloads").path)
    }

    func testMissingModelsFolderIsAnEmptyLibrary() throws {
        XCTAssertEqual(try library.installed().count, 0)
        XCTAssertNil(library.defaultModelName)
    }

    func testListingShowsReadyAndBrokenModelsButNeverHiddenFolders() throws {
        let models = library.folder
        try HubFixtures.writeModel(at: models.appendingPathComponent("alpha"), name: "alpha", weightBytes: 1234, sources: ["clip/S14/pytorch_model.bin", "mobileclip_blt.pt"])
        try HubFixtures.writeModel(at: models.appendingPathComponent("beta"), name: "beta", weightBytes: 10)
        // Broken: unparsable config.
        let badConfig = models.appendingPathComponent("bad-config")
        try FileManager.default.createDirectory(at: badConfig, withIntermediateDirectories: true)
        try Data("{ not json".utf8).write(to: badConfig.appendingPathComponent("config.json"))
        // Broken: config without weights.
        let noWeights = models.appendingPathComponent("no-weights")
        try HubFixtures.writeModel(at: noWeights)
        try FileManager.default.removeItem(at: noWeights.appendingPathComponent("model.safetensors"))
        // Never listed: a staging folder with a complete model, the downloads folder, a file.
        try HubFixtures.writeModel(at: models.appendingPathComponent(".staging-gamma-1234"))
        try FileManager.default.createDirectory(at: library.downloadsFolder, withIntermediateDirectories: true)
        try Data("x".utf8).write(to: models.appendingPathComponent("notes.txt"))

        let listed = try library.installed()
        XCTAssertEqual(listed.map(\.name), ["alpha", "bad-config", "beta", "no-weights"])
        let alpha = try XCTUnwrap(listed.first { $0.name == "alpha" })
        XCTAssertEqual(alpha.configuration?.name, "alpha")
        XCTAssertNil(alpha.brokenReason)
        XCTAssertEqual(alpha.sourceFiles, ["pytorch_model.bin", "mobileclip_blt.pt"])
        let configBytes = HubFixtures.fileSize(alpha.url.appendingPathComponent("config.json"))
        let manifestBytes = HubFixtures.fileSize(alpha.url.appendingPathComponent("manifest.json"))
        XCTAssertEqual(alpha.sizeBytes, Int64(1234 + configBytes + manifestBytes))
        XCTAssertNil(listed.first { $0.name == "beta" }?.sourceFiles)

        let bad = try XCTUnwrap(listed.first { $0.name == "bad-config" })
        XCTAssertNil(bad.configuration)
        XCTAssertTrue(bad.brokenReason?.contains("config.json") ?? false, bad.brokenReason ?? "")
        XCTAssertEqual(listed.first { $0.name == "no-weights" }?.brokenReason, "no model.safetensors")
    }

    func testDefaultIsRecordedAndClearedWhenItsModelIsRemoved() throws {
        try HubFixtures.writeModel(at: library.folder.appendingPathComponent("alpha"))
        try HubFixtures.writeModel(at: library.folder.appendingPathComponent("beta"))
        XCTAssertNil(library.defaultModelName)

        try library.setDefault("beta")
        XCTAssertEqual(library.defaultModelName, "beta")
        XCTAssertEqual(try String(contentsOf: library.folder.appendingPathComponent("default"), encoding: .utf8), "beta\n")
        XCTAssertEqual(try library.installed().filter(\.isDefault).map(\.name), ["beta"])

        XCTAssertThrowsError(try library.setDefault("gamma")) { error in
            XCTAssertEqual(error as? ModelLibraryError, .notInstalled("gamma", installed: ["alpha", "beta"]))
        }
        XCTAssertEqual(library.defaultModelName, "beta")

        try library.remove("alpha")
        XCTAssertEqual(library.defaultModelName, "beta")
        try library.remove("beta")
        XCTAssertNil(library.defaultModelName)
        XCTAssertFalse(FileManager.default.fileExists(atPath: library.folder.appendingPathComponent("default").path))
        XCTAssertEqual(try library.installed().count, 0)
        // No hidden leftovers from the rename-then-delete.
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: library.folder.path), [])
    }

    func testRemoveRefusesPathsHiddenNamesAndUnknownModels() throws {
        try HubFixtures.writeModel(at: library.folder.appendingPathComponent(".staging-x"))
        for name in ["../models", "a/b", ".staging-x", "..", "", "default"] {
            XCTAssertThrowsError(try library.remove(name), name) { error in
                guard case .invalidName(let rejected, _) = error as? ModelLibraryError else {
                    return XCTFail("\(name): \(error)")
                }
                XCTAssertEqual(rejected, name)
            }
        }
        XCTAssertThrowsError(try library.remove("ghost")) { error in
            XCTAssertEqual(error as? ModelLibraryError, .notInstalled("ghost", installed: []))
        }
        XCTAssertTrue(FileManager.default.fileExists(atPath: library.folder.appendingPathComponent(".staging-x/config.json").path))
    }

    func testResolveWithoutAValueUsesTheDefault() throws {
        XCTAssertThrowsError(try library.resolveOrDefault(nil)) { error in
            XCTAssertEqual(error as? ModelLibraryError, .noDefaultModel(installed: []))
            XCTAssertTrue("\(error)".contains("fluxsearch models pull"))
        }
        try HubFixtures.writeModel(at: library.folder.appendingPathComponent("alpha"))
        XCTAssertThrowsError(try library.resolveOrDefault(nil)) { error in
            XCTAssertEqual(error as? ModelLibraryError, .noDefaultModel(installed: ["alpha"]))
            XCTAssertTrue("\(error)".contains("fluxsearch models default NAME"))
        }
        try library.setDefault("alpha")
        XCTAssertEqual(try library.resolveOrDefault(nil).path, library.folder.appendingPathComponent("alpha").path)
        XCTAssertThrowsError(try library.resolveOrDefault("beta"))
    }

    func testResolveTakesNamesFromTheLibraryAndPathsAsPaths() throws {
        try HubFixtures.writeModel(at: library.folder.appendingPathComponent("alpha"))
        try HubFixtures.writeModel(at: library.folder.appendingPathComponent("beta"))
        XCTAssertEqual(try library.resolve("alpha").path, library.folder.appendingPathComponent("alpha").path)

        let elsewhere = temp.url.appendingPathComponent("my models/custom")
        try HubFixtures.writeModel(at: elsewhere)
        XCTAssertEqual(try library.resolve(elsewhere.path).path, elsewhere.path)

        XCTAssertThrowsError(try library.resolve(temp.url.appendingPathComponent("nope").path)) { error in
            XCTAssertEqual(error as? ModelLibraryError, .noSuchModelDirectory(path: self.temp.url.appendingPathComponent("nope").path))
        }
        XCTAssertThrowsError(try library.resolve("./definitely-not-here")) { error in
            guard case .noSuchModelDirectory? = error as? ModelLibraryError else { return XCTFail("\(error)") }
        }
        XCTAssertThrowsError(try library.resolve("iv2-clip-s14")) { error in
            XCTAssertEqual(error as? ModelLibraryError, .notInstalled("iv2-clip-s14", installed: ["alpha", "beta"]))
            let message = "\(error)"
            XCTAssertTrue(message.contains("installed: alpha, beta"), message)
            XCTAssertTrue(message.contains("fluxsearch models pull iv2-clip-s14"), message)
            XCTAssertTrue(message.contains("fluxsearch models import FILE --name iv2-clip-s14"), message)
        }
    }

    func testInstallMovesAStagedModelIntoPlaceAtomically() throws {
        let staging = try library.makeStagingURL(for: "alpha")
        XCTAssertEqual(staging.deletingLastPathComponent().standardizedFileURL.path, library.folder.path)
        XCTAssertTrue(staging.lastPathComponent.hasPrefix("."))
        try HubFixtures.writeModel(at: staging, name: "alpha", weightBytes: 77)
        // Being written: not listed.
        XCTAssertEqual(try library.installed().count, 0)

        let installed = try library.install(stagedDirectory: staging, as: "alpha")
        XCTAssertEqual(installed.path, library.folder.appendingPathComponent("alpha").path)
        XCTAssertFalse(FileManager.default.fileExists(atPath: staging.path))
        XCTAssertEqual(try library.installed().map(\.name), ["alpha"])
        XCTAssertEqual(library.defaultModelName, "alpha", "the first installed model becomes the default")

        // An existing name is refused without replace, and left as it was.
        let second = try library.makeStagingURL(for: "alpha")
        try HubFixtures.writeModel(at: second, name: "alpha", weightBytes: 99)
        XCTAssertThrowsError(try library.install(stagedDirectory: second, as: "alpha")) { error in
            XCTAssertEqual(error as? ModelLibraryError, .alreadyInstalled("alpha", url: installed))
        }
        XCTAssertEqual(HubFixtures.fileSize(installed.appendingPathComponent("model.safetensors")), 77)

        // With replace, the new one takes its place; no hidden leftovers but the download folder.
        try library.install(stagedDirectory: second, as: "alpha", replace: true)
        XCTAssertEqual(HubFixtures.fileSize(installed.appendingPathComponent("model.safetensors")), 99)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: library.folder.path).filter { $0.hasPrefix(".") }
        XCTAssertEqual(leftovers, [])

        // A second model does not take over the default.
        let third = try library.makeStagingURL(for: "beta")
        try HubFixtures.writeModel(at: third, name: "beta")
        try library.install(stagedDirectory: third, as: "beta")
        XCTAssertEqual(library.defaultModelName, "alpha")
    }

    func testInstallRefusesIncompleteOrForeignStagingFolders() throws {
        let staging = try library.makeStagingURL(for: "alpha")
        try Data("{}".utf8).write(to: staging.appendingPathComponent("config.json"))
        XCTAssertThrowsError(try library.install(stagedDirectory: staging, as: "alpha")) { error in
            guard case .stagedModelInvalid(let path, _)? = error as? ModelLibraryError else { return XCTFail("\(error)") }
            XCTAssertEqual(path, staging.path)
        }
        XCTAssertEqual(try library.installed().count, 0)
        try library.discardStaging(staging)
        XCTAssertFalse(FileManager.default.fileExists(atPath: staging.path))

        // A finished model outside the models folder (another file system, perhaps) is refused:
        // installing must be a rename inside the folder.
        let outside = temp.url.appendingPathComponent("outside")
        try HubFixtures.writeModel(at: outside)
        XCTAssertThrowsError(try library.install(stagedDirectory: outside, as: "alpha")) { error in
            XCTAssertEqual(error as? ModelLibraryError, .stagingOutsideLibrary(path: outside.path, modelsFolder: self.library.folder.path))
        }
        XCTAssertThrowsError(try library.makeStagingURL(for: "../evil"))
        XCTAssertEqual(try library.installed().count, 0)
    }

    func testUnwritableModelsFolderGivesAClearError() throws {
        // Tests run as root, so permissions do not stop writes: a regular file where a parent
        // folder should be does (ENOTDIR).
        let blocker = temp.url.appendingPathComponent("cache-is-a-file")
        try Data("x".utf8).write(to: blocker)
        let blocked = ModelLibrary(environment: ["FLUXSEARCH_CACHE": blocker.path])
        XCTAssertThrowsError(try blocked.makeStagingURL(for: "alpha")) { error in
            guard case .fileSystem(_, let path, let reason)? = error as? ModelLibraryError else { return XCTFail("\(error)") }
            XCTAssertEqual(path, blocker.appendingPathComponent("models").path)
            XCTAssertEqual(reason, "Not a directory")
        }
    }
}

extension ModelLibraryTests {
    func testLeftoversOfKilledProcessesAreRemovedOnlyWhenOld() throws {
        let old = try library.makeStagingURL(for: "alpha")
        let young = try library.makeStagingURL(for: "beta")
        let trash = library.folder.appendingPathComponent(".removing-gamma-1")
        try HubFixtures.writeModel(at: library.folder.appendingPathComponent("delta"))
        try FileManager.default.createDirectory(at: trash, withIntermediateDirectories: true)
        let longAgo = Date().addingTimeInterval(-3 * 24 * 3600)
        for url in [old, trash] {
            try FileManager.default.setAttributes([.modificationDate: longAgo], ofItemAtPath: url.path)
        }
        let removed = try library.removeLeftovers()
        XCTAssertEqual(removed.map(\.lastPathComponent), [trash.lastPathComponent, old.lastPathComponent].sorted())
        XCTAssertTrue(FileManager.default.fileExists(atPath: young.path))
        XCTAssertEqual(try library.installed().map(\.name), ["delta"])

        try FileManager.default.createDirectory(at: library.downloadsFolder, withIntermediateDirectories: true)
        try Data(count: 4096).write(to: library.downloadsFolder.appendingPathComponent("x.part"))
        XCTAssertEqual(library.downloadsSizeBytes(), 4096)
        try library.clearDownloads()
        XCTAssertEqual(library.downloadsSizeBytes(), 0)
        XCTAssertFalse(FileManager.default.fileExists(atPath: library.downloadsFolder.path))
    }
}
