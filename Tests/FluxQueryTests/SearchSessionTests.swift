import XCTest
import FluxIndex
import FluxIngest
import FluxModels
import FluxStore
import FluxTestSupport
@testable import FluxQuery

/// The session on a small real index (generated clips, the tiny random model): the model
/// check, text search, query by example, refine and its cache, the bank.
final class SearchSessionTests: XCTestCase {
    var fixtures: TestFixtures!
    var model: ModelDirectory!
    var index: URL { fixtures.url("index") }
    var clips: URL { fixtures.url("clips") }

    override func setUpWithError() throws {
        fixtures = try TestFixtures()
        model = try fixtures.tinyModel()
        for colour in ["red", "green", "blue"] { try fixtures.clip("clips/\(colour).mp4", colour: colour) }
        try fixtures.clip("clips/long.mp4", colour: "yellow", seconds: 3)
        var request = Indexer.Request(budgets: [256])
        request.segments = SegmentWindows(length: 1, stride: 1)
        let summary = try Indexer.open(index: index, modelURL: model.url, request: request).run(paths: [clips.path])
        XCTAssertEqual(summary.indexed.count, 4)
    }

    override func tearDown() { fixtures.remove() }

    func session() throws -> SearchSession { try SearchSession.open(index: index, model: model.url) }

    func testAnotherModelIsRefused() throws {
        let other = try fixtures.tinyModel(seed: 7)
        XCTAssertThrowsError(try SearchSession.open(index: index, model: other.url)) { error in
            guard case .modelMismatch? = error as? QueryError else { return XCTFail("\(error)") }
            XCTAssertTrue("\(error)".contains("--index NAME"), "\(error)")
        }
    }

    func testTextSearchReturnsKDistinctVideosWithTimings() throws {
        var options = QueryOptions()
        options.k = 3
        let result = try session().search(.text("a red square"), options: options)
        XCTAssertEqual(result.hits.count, 3)
        XCTAssertEqual(Set(result.hits.map(\.videoId)).count, 3, "one clip per video")
        XCTAssertEqual(result.hits.map(\.rank), [1, 2, 3])
        XCTAssertEqual(result.rerank, .none, "no bank: plain cosine")
        XCTAssertGreaterThan(result.timings.encodeMs, 0)
        XCTAssertGreaterThanOrEqual(result.timings.totalMs, result.timings.encodeMs + result.timings.searchMs)
        XCTAssertThrowsError(try session().search(.text("   "), options: options)) { XCTAssertEqual($0 as? QueryError, .emptyQuery) }
    }

    /// Query by example of an indexed clip finds that clip with the vector indexing stored:
    /// cosine 1 (the same road, so the same vector).
    func testQueryByExampleFindsTheClipItself() throws {
        let red = clips.appendingPathComponent("red.mp4")
        var options = QueryOptions()
        options.perVideo = false
        let whole = try session().search(.example(red, window: nil), options: options)
        XCTAssertEqual(whole.query, "video:" + red.path)
        XCTAssertEqual(whole.hits[0].path, red.path)
        XCTAssertEqual(whole.hits[0].kind, "video")
        XCTAssertEqual(whole.hits[0].cosine, 1, accuracy: 1e-5)

        let long = clips.appendingPathComponent("long.mp4")
        let part = try session().search(.example(long, window: TimeWindow(start: 1, end: 2)), options: options)
        XCTAssertEqual(part.hits[0].path, long.path)
        XCTAssertEqual([part.hits[0].start, part.hits[0].end], [1, 2])
        XCTAssertEqual(part.hits[0].cosine, 1, accuracy: 1e-5)
    }

    func testRefineEncodesTheShortlistOnceThenUsesTheCache() throws {
        var options = QueryOptions()
        options.k = 4
        options.refineTokens = 512
        options.refineTop = 2
        let first = try session().search(.text("a green square"), options: options)
        XCTAssertEqual(first.refine, RefineReport(tokens: 512, top: 2, encoded: 2, cached: 0, failed: []))
        XCTAssertEqual(first.hits.prefix(2).map(\.budget), [512, 512])
        XCTAssertEqual(first.hits.dropFirst(2).map(\.budget), [256, 256])
        XCTAssertGreaterThan(first.timings.refineMs, 0)

        let second = try session().search(.text("a green square"), options: options)
        XCTAssertEqual(second.refine?.cached, 2)
        XCTAssertEqual(second.refine?.encoded, 0)
        XCTAssertEqual(second.hits.map(\.clipId), first.hits.map(\.clipId))

        // The cached vector is what the embedder gives for that clip at 512.
        let top = first.hits[0]
        let store = try IndexStore.open(at: index)
        let cached = try store.cachedVectors(forClips: [top.clipId], budget: 512)[top.clipId]
        let window = top.kind == "segment" ? TimeWindow(start: top.start, end: top.end) : nil
        XCTAssertEqual(cached, try VideoEmbedder(tower: model.visionTower())
            .embed(URL(fileURLWithPath: top.path), plan: model.samplingTable.plan(budget: 512), window: window))
    }

    func testBankAddEncodesAndTurnsOnTheDualSoftmax() throws {
        let session = try self.session()
        let (added, size) = try session.addToBank(["a red square", "a blue square", "a red square"], source: "test")
        XCTAssertEqual(added, 2)
        XCTAssertEqual(size, 2)
        XCTAssertTrue(try session.store.bankEntriesNeedingEmbedding().isEmpty, "encoded at once")
        let result = try session.search(.text("a yellow square"), options: QueryOptions())
        XCTAssertEqual(result.rerank, .dsl)
        XCTAssertEqual(result.bankSize, 2)
        for hit in result.hits { XCTAssertEqual(hit.score, hit.cosine * hit.weight, accuracy: 1e-6) }
    }

    func testAnUnindexedBudgetSaysWhichOnesExist() throws {
        var options = QueryOptions()
        options.budget = 1024
        XCTAssertThrowsError(try session().search(.text("a square"), options: options)) { error in
            XCTAssertEqual(error as? QueryError, .budgetNotIndexed(requested: 1024, available: [256]))
        }
    }
}
