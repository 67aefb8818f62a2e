import Foundation
import XCTest
@testable import FluxStore

/// The query bank: seeding, add with dedupe, embeddings, clear.
final class IndexStoreBankTests: StoreTestCase {
    func testNewIndexIsSeededWithBundledCaptions() throws {
        let store = try IndexStore.create(
            at: indexDir, settings: makeSettings(), budgets: [256],
            seedBank: .init(texts: ["a dog runs", "a cat sleeps", "a dog runs"], source: "model:fluxvit-test"))
        XCTAssertEqual(try store.bankEntries().map(\.text), ["a dog runs", "a cat sleeps"])
        XCTAssertEqual(Set(try store.bankEntries().map(\.source)), ["model:fluxvit-test"])
        // Reopening does not seed again.
        let again = try IndexStore.openOrCreate(at: indexDir, settings: makeSettings(),
                                                seedBank: .init(texts: ["other"], source: "model:x"))
        XCTAssertEqual(try again.bankEntries().count, 2)
    }

    func testAddDedupesTrimsAndSkipsEmptyLines() throws {
        let store = try makeStore()
        XCTAssertEqual(try store.addBankEntries(texts: ["  a man cooks ", "", "   ", "a man cooks", "b"], source: "captions.txt"), 2)
        XCTAssertEqual(try store.addBankEntries(texts: ["b", "c"], source: "more.csv"), 1)
        let entries = try store.bankEntries()
        XCTAssertEqual(entries.map(\.text), ["a man cooks", "b", "c"])
        XCTAssertEqual(entries.map(\.source), ["captions.txt", "captions.txt", "more.csv"])
        XCTAssertEqual(try store.counts().bankEntries, 3)
    }

    func testEmbeddingsAreStoredAndListed() throws {
        let store = try makeStore()
        try store.addBankEntries(texts: ["x", "y"], source: "f")
        let pending = try store.bankEntriesNeedingEmbedding()
        XCTAssertEqual(pending.map(\.text), ["x", "y"])
        try store.setBankEmbeddings([pending[0].id!: unitVector(seed: 1)])
        XCTAssertEqual(try store.bankEntriesNeedingEmbedding().map(\.text), ["y"])
        XCTAssertEqual(try store.bankEntries()[0].vector(dimension: StoreTestCase.dimension), unitVector(seed: 1))
        XCTAssertEqual(try store.counts().bankEntriesEncoded, 1)
        XCTAssertEqual(assertStoreError { try store.setBankEmbeddings([pending[1].id!: [1, 2, 3]]) },
                       .invalidInput(operation: "set bank embedding \(pending[1].id!)",
                                     reason: "vector has wrong dimension — expected 8, got 3"))
    }

    func testClear() throws {
        let store = try makeStore()
        try store.addBankEntries(texts: ["x", "y"], source: "f")
        XCTAssertEqual(try store.clearBank(), 2)
        XCTAssertEqual(try store.bankEntries(), [])
        XCTAssertEqual(try store.addBankEntries(texts: ["x"], source: "f"), 1, "cleared texts can be added again")
    }
}
