import Foundation
import XCTest
@testable import FluxStore

/// Every StoreError message, verbatim.
final class StoreErrorTests: XCTestCase {
    func testDescriptions() {
        XCTAssertEqual(StoreError.noIndex(path: "/idx").description,
                       "no index at /idx; build one with `fluxsearch index`")
        XCTAssertEqual(StoreError.alreadyExists(path: "/idx").description, """
            an index already exists at /idx
            hint: open it (it is reused by `fluxsearch index`), or choose another --index folder
            """)
        XCTAssertEqual(StoreError.settingsMismatch(path: "/idx", field: "model", stored: "a", requested: "b",
                                                   hint: "use another --index").description, """
            the index at /idx was built with another model — stored a, requested b
            hint: use another --index
            """)
        XCTAssertEqual(StoreError.unsupportedFormat(path: "/idx", found: "format 9", supported: "format 1").description, """
            the index at /idx has an unsupported format — this fluxsearch reads format 1, found format 9
            hint: use the fluxsearch version that built this index, or build a new index in another folder
            """)
        XCTAssertEqual(StoreError.corrupt(path: "/idx/faiss-256.index", reason: "truncated").description, """
            damaged index file: /idx/faiss-256.index — truncated
            hint: run `fluxsearch reindex --rebuild-faiss` to rebuild it from index.sqlite
            """)
        XCTAssertEqual(StoreError.corrupt(path: "/idx/index.sqlite", reason: "file is not a database").description, """
            damaged index file: /idx/index.sqlite — file is not a database
            hint: move the folder away and run `fluxsearch index` again to rebuild the index
            """)
        XCTAssertEqual(StoreError.io(path: "/v/a.mp4", reason: "cannot open: Permission denied").description,
                       "I/O error: /v/a.mp4 — cannot open: Permission denied")
        XCTAssertEqual(StoreError.sqlite(operation: "store video /v/a.mp4",
                                         message: "database or disk is full (SQLite error 13)").description, """
            store video /v/a.mp4 failed: database or disk is full (SQLite error 13)
            hint: free disk space and run the command again; everything committed so far is intact and the run resumes where it stopped
            """)
        XCTAssertEqual(StoreError.sqlite(operation: "record failure of /a", message: "database is locked (SQLite error 5)").description, """
            record failure of /a failed: database is locked (SQLite error 5)
            hint: another fluxsearch process is writing this index; wait for it to finish
            """)
        XCTAssertEqual(StoreError.sqlite(operation: "x", message: "no such table: foo (SQLite error 1)").description,
                       "x failed: no such table: foo (SQLite error 1)")
        XCTAssertEqual(StoreError.invalidInput(operation: "search budget 256", reason: "k must be ≥ 1, got 0").description,
                       "search budget 256: k must be ≥ 1, got 0")
        XCTAssertEqual(StoreError.unknownBudget(budget: 2048, available: [256, 1024]).description, """
            budget 2048 is not in this index — it has budgets: 256, 1024
            hint: use one of the index's budgets (256, 1024), or add 2048 with `fluxsearch index --budget 2048`
            """)
        XCTAssertEqual(StoreError.unknownBudget(budget: 8, available: []).description, """
            budget 8 is not in this index — it has budgets: none
            hint: use one of the index's budgets (none yet), or add 8 with `fluxsearch index --budget 8`
            """)
    }

    func testLongValuesAreShortenedUnlessVerbose() {
        let long = String(repeating: "x", count: 300)
        let error = StoreError.settingsMismatch(path: "/i", field: "preprocessing", stored: long, requested: "{}", hint: "h")
        XCTAssertTrue(error.description.contains(String(repeating: "x", count: 160) + "…, requested {}"))
        XCTAssertTrue(error.verboseDescription.contains(long + ", requested {}"))
        XCTAssertEqual(error.errorDescription, error.description)
    }

    func testGRDBErrorsAreWrappedWithContext() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("StoreErrorTests-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = try IndexStore.create(
            at: dir, settings: IndexSettings(modelName: "m", modelWeightHash: "h", embedDimension: 4,
                                             preprocessing: "p", sampling: "s"))
        XCTAssertThrowsError(try store.write("probe") { try $0.execute(sql: "SELECT * FROM nope") }) { error in
            XCTAssertEqual(error as? StoreError, .sqlite(operation: "probe", message: "no such table: nope (SQLite error 1)"))
        }
    }
}
