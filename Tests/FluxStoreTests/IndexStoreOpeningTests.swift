import Foundation
import GRDB
import XCTest
@testable import FluxStore

/// create / open / openOrCreate, settings compatibility, formats.
final class IndexStoreOpeningTests: StoreTestCase {
    func testCreateThenOpenRoundTripsSettingsAndBudgets() throws {
        let settings = makeSettings(factory: " flat ")
        let created = try IndexStore.create(at: indexDir, settings: settings, budgets: [1024, 256, 256])
        XCTAssertTrue(created.isNew)
        XCTAssertEqual(created.embedDimension, StoreTestCase.dimension)
        XCTAssertTrue(FileManager.default.fileExists(atPath: indexDir.appendingPathComponent("index.sqlite").path))

        let opened = try IndexStore.open(at: indexDir)
        XCTAssertFalse(opened.isNew)
        let stored = try opened.settings()
        XCTAssertEqual(stored.modelName, settings.modelName)
        XCTAssertEqual(stored.modelWeightHash, settings.modelWeightHash)
        XCTAssertEqual(stored.preprocessing, settings.preprocessing)
        XCTAssertEqual(stored.sampling, settings.sampling)
        XCTAssertEqual(stored.faissFactory, "Flat", "factory is normalised")
        XCTAssertEqual(stored.formatVersion, IndexSettings.currentFormatVersion)
        XCTAssertEqual(stored.indexUUID, created.indexUUID)
        XCTAssertEqual(try opened.indexedBudgets(), [256, 1024])
        XCTAssertEqual(try opened.budgets().map(\.role), [.indexed, .indexed])
        let mode = try opened.database.read { try String.fetchOne($0, sql: "PRAGMA journal_mode") }
        XCTAssertEqual(mode, "wal")
    }

    func testOpenWithoutIndexSaysHowToBuildOne() throws {
        let error = assertStoreError { _ = try IndexStore.open(at: self.indexDir) }
        XCTAssertEqual(error, .noIndex(path: indexDir.path))
        XCTAssertEqual(error?.description, "no index at \(indexDir.path); build one with `fluxsearch index`")
        XCTAssertFalse(FileManager.default.fileExists(atPath: indexDir.path), "open must not create anything")
    }

    func testCreateRefusesExistingIndex() throws {
        _ = try makeStore()
        let error = assertStoreError { _ = try IndexStore.create(at: self.indexDir, settings: self.makeSettings()) }
        XCTAssertEqual(error, .alreadyExists(path: indexDir.path))
    }

    func testOpenOrCreateCreatesThenReopens() throws {
        let first = try IndexStore.openOrCreate(at: indexDir, settings: makeSettings(), budgets: [256])
        XCTAssertTrue(first.isNew)
        let second = try IndexStore.openOrCreate(at: indexDir, settings: makeSettings(), budgets: [256])
        XCTAssertFalse(second.isNew)
        XCTAssertEqual(second.indexUUID, first.indexUUID)
    }

    func testOpenOrCreateRefusesEveryCompatibilityField() throws {
        _ = try makeStore()
        let cases: [(IndexSettings, String)] = [
            (makeSettings(model: "other-model"), "model"),
            (makeSettings(hash: "sha256:bbbb"), "model weight hash"),
            (makeSettings(dimension: 16), "embedding dimension"),
            (makeSettings(preprocessing: #"{"mean":[0.5,0.5,0.5],"size":256}"#), "preprocessing"),
            (makeSettings(sampling: #"{"frames":16,"segments":null}"#), "sampling"),
        ]
        for (requested, field) in cases {
            let error = assertStoreError { _ = try IndexStore.openOrCreate(at: self.indexDir, settings: requested) }
            guard case let .settingsMismatch(path, f, _, _, hint)? = error else {
                XCTFail("expected settingsMismatch for \(field), got \(String(describing: error))")
                continue
            }
            XCTAssertEqual(path, indexDir.path)
            XCTAssertEqual(f, field)
            XCTAssertTrue(hint.contains("--index"), hint)
        }
        let error = assertStoreError {
            _ = try IndexStore.openOrCreate(at: self.indexDir, settings: self.makeSettings(model: "other-model"))
        }
        XCTAssertEqual(error?.description, """
            the index at \(indexDir.path) was built with another model — stored fluxvit-test, requested other-model
            hint: an index never mixes vectors of different models or preprocessing: pass another --index folder \
            for these settings, or delete \(indexDir.path) and run `fluxsearch index` again to rebuild it with them
            """)
    }

    func testDescriptorsCompareAsJSONValues() throws {
        _ = try makeStore()
        // Same JSON with other key order and spacing: compatible.
        let reordered = makeSettings(preprocessing: #"{ "size": 224, "mean": [0.5, 0.5, 0.5] }"#,
                                     sampling: #"{"segments":null,"frames":8}"#)
        XCTAssertNoThrow(try IndexStore.openOrCreate(at: indexDir, settings: reordered))
        // The FAISS factory is not a compatibility field.
        XCTAssertNoThrow(try IndexStore.openOrCreate(at: indexDir, settings: makeSettings(factory: "IVF4,Flat")))
        XCTAssertEqual(try IndexStore.open(at: indexDir).settings().faissFactory, "Flat")
    }

    func testOpenOrCreateAddsNewBudgetsForExistingVideosToFillIn() throws {
        let store = try makeStore(budgets: [256])
        try store.replaceVideo(video("/v/a.mp4", 1), clips: clipDrafts(budgets: [256], seed: 1))
        let reopened = try IndexStore.openOrCreate(at: indexDir, settings: makeSettings(), budgets: [256, 512])
        XCTAssertEqual(try reopened.indexedBudgets(), [256, 512])
        XCTAssertEqual(try reopened.videosNeeding(budget: 512).map(\.path), ["/v/a.mp4"])
        XCTAssertEqual(try reopened.videosNeeding(budget: 256), [])
        guard case let .addBudgets(v, budgets) = try reopened.plan(path: "/v/a.mp4", fingerprint: fingerprint(1)) else {
            return XCTFail("expected .addBudgets")
        }
        XCTAssertEqual(budgets, [512])
        try reopened.upsertClips(clipDrafts(budgets: [512], seed: 9), videoId: v.id!)
        XCTAssertEqual(try reopened.videosNeeding(budget: 512), [])
        guard case .skip = try reopened.plan(path: "/v/a.mp4", fingerprint: fingerprint(1)) else {
            return XCTFail("expected .skip")
        }
    }

    func testInterruptedCreationIsNoIndexAndOpenOrCreateFinishesIt() throws {
        // Simulate a kill after the schema was written but before the settings row committed.
        try FileManager.default.createDirectory(at: indexDir, withIntermediateDirectories: true)
        let pool = try DatabasePool(path: indexDir.appendingPathComponent("index.sqlite").path)
        try IndexStore.migrator.migrate(pool)
        try pool.close()

        XCTAssertEqual(assertStoreError { _ = try IndexStore.open(at: self.indexDir) }, .noIndex(path: indexDir.path))
        let store = try IndexStore.openOrCreate(at: indexDir, settings: makeSettings(), budgets: [256])
        XCTAssertTrue(store.isNew)
        XCTAssertEqual(try IndexStore.open(at: indexDir).settings().modelName, "fluxvit-test")
    }

    func testNewerSchemaIsRefused() throws {
        let store = try makeStore()
        try store.dbPool.write { try $0.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('v999')") }
        let error = assertStoreError { _ = try IndexStore.open(at: self.indexDir) }
        XCTAssertEqual(error, .unsupportedFormat(path: indexDir.path, found: "schema migrations v999",
                                                 supported: "schema up to \(IndexStore.migrationIdentifiers.last ?? "")"))
    }

    func testNewerFormatVersionIsRefused() throws {
        let store = try makeStore()
        try store.dbPool.write { try $0.execute(sql: "UPDATE indexSettings SET formatVersion = 99") }
        let error = assertStoreError { _ = try IndexStore.open(at: self.indexDir) }
        XCTAssertEqual(error, .unsupportedFormat(path: indexDir.path, found: "format 99", supported: "format 1"))
    }

    func testGarbageDatabaseIsReportedCorrupt() throws {
        try FileManager.default.createDirectory(at: indexDir, withIntermediateDirectories: true)
        try Data(repeating: 0x5A, count: 8192).write(to: indexDir.appendingPathComponent("index.sqlite"))
        let error = assertStoreError { _ = try IndexStore.open(at: self.indexDir) }
        guard case let .corrupt(path, _)? = error else { return XCTFail("expected corrupt, got \(String(describing: error))") }
        XCTAssertEqual(path, indexDir.appendingPathComponent("index.sqlite").path)
    }

    func testCreateValidatesSettings() throws {
        XCTAssertEqual(assertStoreError { _ = try IndexStore.create(at: self.indexDir, settings: self.makeSettings(dimension: 0)) },
                       .invalidInput(operation: "create index", reason: "embedding dimension must be ≥ 1, got 0"))
        XCTAssertEqual(assertStoreError { _ = try IndexStore.create(at: self.indexDir, settings: self.makeSettings(), budgets: [0]) },
                       .invalidInput(operation: "create index", reason: "budgets must be positive token counts, got 0"))
        XCTAssertThrowsError(try IndexStore.create(at: indexDir, settings: makeSettings(factory: "IVFbogus"))) {
            XCTAssertTrue($0 is VectorIndexError, "\($0)")
        }
    }

    func testCreateDeletesStaleDerivedFilesOfAnOldIndex() throws {
        try FileManager.default.createDirectory(at: indexDir, withIntermediateDirectories: true)
        for name in ["faiss-256.index", "faiss-256.stamp.json", ".faiss-256.index.tmp-X", "notes.txt"] {
            try Data("x".utf8).write(to: indexDir.appendingPathComponent(name))
        }
        _ = try makeStore()
        let names = listing(indexDir)
        XCTAssertTrue(names.contains("notes.txt"))
        XCTAssertFalse(names.contains { $0.contains("faiss-256.index") || $0.contains("stamp") }, "\(names)")
    }

    func testUpdateFaissOptions() throws {
        let store = try makeStore()
        let updated = try store.updateFaissOptions(factory: "  IVF4,Flat ", nprobe: 3)
        XCTAssertEqual(updated.faissFactory, "IVF4,Flat")
        XCTAssertEqual(updated.nprobe, 3)
        XCTAssertEqual(try store.updateFaissOptions(nprobe: 2).faissFactory, "IVF4,Flat", "nil keeps the factory")
        XCTAssertThrowsError(try store.updateFaissOptions(factory: "NotAFactory"))
        XCTAssertEqual(assertStoreError { try store.updateFaissOptions(nprobe: 0) },
                       .invalidInput(operation: "set nprobe", reason: "nprobe must be ≥ 1, got 0"))
    }

    func testCanonicalPath() {
        XCTAssertEqual(IndexStore.canonicalPath("/a/./b/../c.mp4"), "/a/c.mp4")
        XCTAssertEqual(IndexStore.canonicalPath("/a/b/"), "/a/b")
        XCTAssertTrue(IndexStore.canonicalPath("rel/x.mp4").hasPrefix("/"))
    }
}
