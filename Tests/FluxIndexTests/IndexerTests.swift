import XCTest
import FluxIngest
import FluxModels
import FluxStore
import FluxTestSupport
@testable import FluxIndex

/// The indexer on generated clips and the tiny model: what it stores, what it skips, what it
/// records as failed, and that its vectors are the embedder's.
final class IndexerTests: XCTestCase {
    var fixtures: TestFixtures!
    var model: ModelDirectory!
    var clips: URL { fixtures.url("clips") }
    var index: URL { fixtures.url("index") }

    override func setUpWithError() throws {
        fixtures = try TestFixtures()
        model = try fixtures.tinyModel()
        try fixtures.clip("clips/red.mp4", colour: "red")
        try fixtures.clip("clips/sub/blue.mp4", colour: "blue", seconds: 3)
        try fixtures.garbage("clips/broken.mp4")
    }

    override func tearDown() { fixtures.remove() }

    func open(_ budgets: [Int]?, segments: SegmentWindows? = nil, frames: Int? = nil) throws -> Indexer {
        var request = Indexer.Request(budgets: budgets)
        request.segments = segments
        request.frames = frames
        return try Indexer.open(index: index, modelURL: model.url, request: request)
    }

    func testIndexesSkipsAndRecordsFailures() throws {
        let first = try open([256]).run(paths: [clips.path])
        XCTAssertEqual(first.indexed.map { URL(fileURLWithPath: $0).lastPathComponent }, ["red.mp4", "blue.mp4"])
        XCTAssertEqual(first.notVideo.map { URL(fileURLWithPath: $0.path).lastPathComponent }, ["broken.mp4"])
        XCTAssertEqual(first.failed.count, 0)
        XCTAssertEqual(first.clips, 2)
        let store = try IndexStore.open(at: index)
        XCTAssertEqual(try store.failures().map(\.stage), [Indexer.notVideoStage])

        let again = try open([256]).run(paths: [clips.path])
        XCTAssertEqual(again.indexed, [])
        XCTAssertEqual(again.skipped.count, 2)
        XCTAssertEqual(again.clips, 0)
    }

    func testStoredVectorsAreTheEmbeddersAndANewBudgetAddsOnlyItsOwn() throws {
        _ = try open([256], segments: SegmentWindows(length: 1, stride: 1)).run(paths: [clips.path])
        let indexer = try open([256, 512], segments: SegmentWindows(length: 1, stride: 1))
        let added = try indexer.run(paths: [clips.path])
        XCTAssertEqual(added.indexed.count, 2, "both videos get the new budget")
        XCTAssertEqual(added.clips, (1 + 2) + (1 + 3), "whole + segments of the 2 s and the 3 s clip, at 512 only")

        let store = indexer.store
        let blue = clips.appendingPathComponent("sub/blue.mp4")
        let stored = try store.allClips().filter { $0.path == blue.path }
        XCTAssertEqual(stored.filter { $0.budget == 256 }.count, 4)
        XCTAssertEqual(stored.filter { $0.budget == 512 }.count, 4)
        let embedder = VideoEmbedder(tower: try model.visionTower())
        let vectors = try store.vectors(clipIds: stored.map(\.id))
        for clip in stored {
            let plan = try model.samplingTable.plan(budget: clip.budget)
            let window = clip.kind == .segment ? TimeWindow(start: clip.start, end: clip.end) : nil
            XCTAssertEqual(vectors[clip.id], try embedder.embed(blue, plan: plan, window: window), "\(clip.budget) \(clip.start)–\(clip.end)")
        }
    }

    func testABudgetTheModelCannotSampleIsRefusedBeforeTheIndexExists() throws {
        // 4 frames × 256 tokens > 512: selection needs 2 or ≥ 6 frames
        XCTAssertThrowsError(try open([512], frames: 4)) { error in
            guard case .invalidFrames(4, _)? = error as? SamplingError else { return XCTFail("\(error)") }
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: index.appendingPathComponent("index.sqlite").path))
    }

    func testTheIndexRecordsTheDefaultPreprocessing() throws {
        _ = try open([256])
        let settings = try IndexStore.open(at: index).settings()
        XCTAssertEqual(settings.preprocessing,
                       #"{"mean":[0.485,0.456,0.406],"resize":"squash-bicubic-uint8-round-half-even","std":[0.229,0.224,0.225]}"#,
                       "every existing index holds this string; changing it would make them unopenable")
        XCTAssertEqual(settings.modelWeightHash, try model.weightHash())
    }

    /// A run killed while creating the index leaves index.sqlite without its settings; the
    /// next run finishes creating it instead of saying there is no index.
    func testARunKilledWhileCreatingTheIndexIsFinishedByTheNext() throws {
        try FileManager.default.createDirectory(at: index, withIntermediateDirectories: true)
        try Data().write(to: index.appendingPathComponent("index.sqlite"))
        let summary = try open([256]).run(paths: [clips.path])
        XCTAssertEqual(summary.indexed.count, 2)
        XCTAssertEqual(try IndexStore.open(at: index).counts().videos, 2)
    }
}
