import XCTest
import FluxIndex
import FluxIngest
import FluxModels
import FluxStore
import FluxTestSupport
@testable import FluxQuery

/// "Find similar" on a small real index (generated clips, the tiny random model): the stored
/// vector is the query (checked against a cosine ranking of the stored vectors, with the source
/// file deleted and no vision tower loaded), the clip and its video are left out, and the
/// file form reuses the stored vector or query by example.
final class SimilarSearchTests: XCTestCase {
    var fixtures: TestFixtures!
    var model: ModelDirectory!
    var index: URL { fixtures.url("index") }
    var clips: URL { fixtures.url("clips") }
    let budget = 256

    override func setUpWithError() throws {
        fixtures = try TestFixtures()
        model = try fixtures.tinyModel()
        for colour in ["red", "green", "blue"] { try fixtures.clip("clips/\(colour).mp4", colour: colour) }
        try fixtures.clip("clips/long.mp4", colour: "yellow", seconds: 3)
        var request = Indexer.Request(budgets: [budget])
        request.segments = SegmentWindows(length: 1, stride: 1)
        let summary = try Indexer.open(index: index, modelURL: model.url, request: request).run(paths: [clips.path])
        XCTAssertEqual(summary.indexed.count, 4)
    }

    override func tearDown() { fixtures.remove() }

    func session() throws -> SearchSession { try SearchSession.open(index: index, model: model.url) }

    /// Every clip of the budget, with its stored vector.
    func storedClips() throws -> [(info: ClipInfo, vector: [Float])] {
        let store = try IndexStore.open(at: index)
        let infos = try store.allClips(budget: budget)
        let vectors = try store.vectors(clipIds: infos.map(\.id))
        return infos.map { ($0, vectors[$0.id]!) }
    }

    /// The reference: clips ranked by the dot product of their stored vectors with `q`
    /// (best first, ties by id), less those `keep` rejects.
    func cosineRanking(_ q: [Float], keep: (ClipInfo) -> Bool) throws -> [(id: Int64, cosine: Float)] {
        try storedClips().filter { keep($0.info) }
            .map { c in (c.info.id, zip(c.vector, q).map { $0 * $1 }.reduce(0, +)) }
            .sorted { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0 < $1.0 }
    }

    func allClipsOptions() -> QueryOptions {
        var options = QueryOptions()
        options.k = 100
        options.perVideo = false
        return options
    }

    func testClipIdRanksByTheStoredVectorWithoutItsVideoOrTheModel() throws {
        let all = try storedClips()
        let red = try XCTUnwrap(all.first { $0.info.path.hasSuffix("red.mp4") && $0.info.kind == .video })
        // The source file is gone: a search that decoded it would fail.
        try FileManager.default.removeItem(at: clips.appendingPathComponent("red.mp4"))
        let session = try self.session()
        let result = try session.search(.similar(.clip(red.info.id), includeSameVideo: false), options: allClipsOptions())

        let expected = try cosineRanking(red.vector) { $0.videoId != red.info.videoId }
        XCTAssertEqual(result.hits.map(\.clipId), expected.map(\.id))
        XCTAssertEqual(result.hits.count, all.count - all.filter { $0.info.videoId == red.info.videoId }.count)
        XCTAssertGreaterThan(result.hits.count, 5, "the other three videos and their segments")
        for (hit, want) in zip(result.hits, expected) {
            XCTAssertEqual(hit.cosine, want.cosine, accuracy: 1e-5)
            XCTAssertEqual(hit.score, hit.cosine, "plain cosine: no rerank")
        }
        XCTAssertFalse(result.hits.contains { $0.videoId == red.info.videoId })
        XCTAssertEqual(result.rerank, .none)
        XCTAssertEqual(result.query, "similar:clip \(red.info.id)")
        XCTAssertNil(session.embedderCache, "no vision tower was loaded")
    }

    func testIncludeSameVideoKeepsTheOtherClipsOfThatVideoButNotTheClip() throws {
        let all = try storedClips()
        let segment = try XCTUnwrap(all.first { $0.info.path.hasSuffix("long.mp4") && $0.info.kind == .segment })
        let siblings = Set(all.filter { $0.info.videoId == segment.info.videoId && $0.info.id != segment.info.id }.map(\.info.id))
        XCTAssertEqual(siblings.count, 3, "long.mp4: the whole clip and two more 1 s segments")

        let result = try session().search(.similar(.clip(segment.info.id), includeSameVideo: true), options: allClipsOptions())
        XCTAssertEqual(result.hits.map(\.clipId), try cosineRanking(segment.vector) { $0.id != segment.info.id }.map(\.id))
        XCTAssertEqual(result.hits.count, all.count - 1)
        XCTAssertTrue(siblings.isSubset(of: Set(result.hits.map(\.clipId))))

        let without = try session().search(.similar(.clip(segment.info.id), includeSameVideo: false), options: allClipsOptions())
        XCTAssertEqual(without.hits.count, all.count - 4)
        XCTAssertTrue(siblings.isDisjoint(with: Set(without.hits.map(\.clipId))))
    }

    /// With one result per video, k = 3 still returns the three other videos although the
    /// excluded video's clips are the nearest ones.
    func testPerVideoReturnsKOtherVideos() throws {
        let all = try storedClips()
        let long = try XCTUnwrap(all.first { $0.info.path.hasSuffix("long.mp4") && $0.info.kind == .video })
        var options = QueryOptions()
        options.k = 3
        options.pool = nil
        let result = try session().search(.similar(.clip(long.info.id), includeSameVideo: false), options: options)
        XCTAssertEqual(Set(result.hits.map { URL(fileURLWithPath: $0.path).lastPathComponent }), ["red.mp4", "green.mp4", "blue.mp4"])
        XCTAssertEqual(result.hits.map(\.rank), [1, 2, 3])
    }

    func testIndexedFileUsesItsStoredVectorAndASpanIsEncoded() throws {
        let all = try storedClips()
        let red = try XCTUnwrap(all.first { $0.info.path.hasSuffix("red.mp4") && $0.info.kind == .video })
        let session = try self.session()
        let file = try session.search(.similar(.file(clips.appendingPathComponent("red.mp4"), window: nil), includeSameVideo: false),
                                      options: allClipsOptions())
        XCTAssertEqual(file.hits.map(\.clipId), try cosineRanking(red.vector) { $0.videoId != red.info.videoId }.map(\.id))
        XCTAssertNil(session.embedderCache, "an indexed, unchanged file is not encoded")

        // A span is encoded (query by example) and still leaves the file's video out.
        let long = clips.appendingPathComponent("long.mp4")
        let span = try session.search(.similar(.file(long, window: TimeWindow(start: 1, end: 2)), includeSameVideo: false),
                                      options: allClipsOptions())
        XCTAssertNotNil(session.embedderCache)
        XCTAssertEqual(span.query, "similar:video:\(long.path)@1-2")
        XCTAssertFalse(span.hits.contains { $0.path == long.path })
        // With the same video allowed, the stored clip of that very span is still left out,
        // and its neighbours are in.
        let same = try session.search(.similar(.file(long, window: TimeWindow(start: 1, end: 2)), includeSameVideo: true),
                                      options: allClipsOptions())
        XCTAssertFalse(same.hits.contains { $0.path == long.path && $0.start == 1 && $0.end == 2 })
        XCTAssertEqual(same.hits.filter { $0.path == long.path }.count, 3)
    }

    func testUnknownClipMissingFileAndMissingBudgetSayWhatToDo() throws {
        let session = try self.session()
        XCTAssertThrowsError(try session.search(.similar(.clip(999_999), includeSameVideo: false), options: QueryOptions())) { error in
            XCTAssertEqual(error as? QueryError, .unknownClip(id: 999_999, index: self.index.path))
            XCTAssertEqual("\(error)", "no clip with id 999999 in the index at \(self.index.path); clip ids are the clip_id of each hit of `fluxsearch query TEXT --json`")
        }
        let missing = clips.appendingPathComponent("nope.mp4")
        XCTAssertThrowsError(try session.search(.similar(.file(missing, window: nil), includeSameVideo: false), options: QueryOptions())) { error in
            XCTAssertEqual(error as? QueryError, .exampleNotFound(path: missing.path))
            XCTAssertTrue("\(error)".hasPrefix("no file at \(missing.path);"), "\(error)")
        }
        // A clip cached at 512 tokens for a span the indexed budget (256) does not have.
        let store = try IndexStore.open(at: index)
        let red = try XCTUnwrap(try store.allClips(budget: budget).first { $0.path.hasSuffix("red.mp4") })
        var unit = [Float](repeating: 0, count: store.embedDimension); unit[0] = 1
        let cached = try store.upsertClips([ClipDraft(start: 0.5, end: 1.5, budget: 512, kind: .segment, vector: unit)],
                                           videoId: red.videoId)
        XCTAssertThrowsError(try session.search(.similar(.clip(cached[0]), includeSameVideo: false), options: QueryOptions())) { error in
            XCTAssertEqual(error as? QueryError, .clipNotAtBudget(id: cached[0], budget: 256, available: []))
            XCTAssertEqual("\(error)", "clip \(cached[0]) has no vector at 256 tokens, nor at any indexed budget (a refine-cache clip); use the clip_id of a hit of `fluxsearch query TEXT --json`")
        }
        XCTAssertEqual(QueryError.clipNotAtBudget(id: 7, budget: 1024, available: [256, 512]).description,
                       "clip 7 has no vector at 1024 tokens (its span is indexed at: 256, 512); pass one of those to --tokens")
    }
}
