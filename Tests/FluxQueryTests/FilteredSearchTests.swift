import XCTest
import FluxIndex
import FluxIngest
import FluxModels
import FluxStore
import FluxTestSupport
@testable import FluxQuery

/// Filters on a small real index (generated clips in three folders, dated by their container's
/// `creation_time` or, without one, by the file's modification time; the tiny random model):
/// each filter alone and combined returns exactly the clips it names, ranked as an exact cosine
/// scan of those clips ranks them, also when they all rank below the FAISS pool and when fewer
/// than k match.
final class FilteredSearchTests: XCTestCase {
    var fixtures: TestFixtures!
    var model: ModelDirectory!
    var index: URL { fixtures.url("index") }
    let budget = 256

    /// name → (relative path, seconds, creation_time or nil)
    static let videos: [(name: String, path: String, seconds: Int, created: String?)] = [
        ("red", "clips/a/red.mp4", 2, "2024-01-10T10:00:00Z"),
        ("green", "clips/a/green.mp4", 4, "2024-03-01T00:00:00Z"),
        ("blue", "clips/b/blue.mp4", 2, nil),
        ("yellow", "clips/b/deep/yellow.mov", 3, "2024-05-05T12:00:00Z"),
        ("white", "clips/c/white.mp4", 3, "2024-02-15T00:00:00Z"),
    ]
    /// blue.mp4 has no creation_time: its modification time dates it.
    static let blueModified = ISO8601DateFormatter().date(from: "2023-06-01T00:00:00Z")!

    override func setUpWithError() throws {
        fixtures = try TestFixtures()
        model = try fixtures.tinyModel()
        for v in Self.videos {
            let url = try fixtures.clip(v.path, colour: v.name, seconds: v.seconds,
                                        metadata: v.created.map { ["creation_time": $0] } ?? [:])
            if v.created == nil {
                try FileManager.default.setAttributes([.modificationDate: Self.blueModified], ofItemAtPath: url.path)
            }
        }
        var request = Indexer.Request(budgets: [budget])
        request.segments = SegmentWindows(length: 1, stride: 1)
        let summary = try Indexer.open(index: index, modelURL: model.url, request: request).run(paths: [fixtures.url("clips").path])
        XCTAssertEqual(summary.indexed.count, Self.videos.count)
    }

    override func tearDown() { fixtures.remove() }

    func session() throws -> SearchSession { try SearchSession.open(index: index, model: model.url) }

    func date(_ s: String) -> Date { ISO8601DateFormatter().date(from: s)! }

    /// Every clip at the budget with its vector and its video's name.
    func stored() throws -> [(info: ClipInfo, name: String, vector: [Float])] {
        let store = try IndexStore.open(at: index)
        let infos = try store.allClips(budget: budget)
        let vectors = try store.vectors(clipIds: infos.map(\.id))
        return infos.map { info in
            let name = Self.videos.first { info.path.hasSuffix($0.path) }!.name
            return (info, name, vectors[info.id]!)
        }
    }

    /// Every clip's ranking by the query vector, as plain cosines: the options of these tests.
    func allClips(k: Int = 1000) -> QueryOptions {
        var o = QueryOptions()
        o.k = k
        o.perVideo = false
        o.rerank = RerankMode.none
        o.moments = 0
        return o
    }

    /// The exact answer: the clips `keep` accepts, by dot product with `q` (ties by id).
    func reference(_ q: [Float], keep: ((info: ClipInfo, name: String, vector: [Float])) -> Bool) throws -> [Int64] {
        var scored: [(id: Int64, cosine: Float)] = []
        for c in try stored() where keep(c) {
            var dot: Float = 0
            for j in 0..<q.count { dot += c.vector[j] * q[j] }
            scored.append((c.info.id, dot))
        }
        scored.sort { $0.cosine != $1.cosine ? $0.cosine > $1.cosine : $0.id < $1.id }
        return scored.map(\.id)
    }

    func testEachFilterAloneAndCombinedReturnsExactlyItsClipsInExactOrder() throws {
        let session = try self.session()
        let q = try session.textEncoder().encode("a box on a test pattern")
        let base = fixtures.directory
        typealias Case = (label: String, filter: ClipFilter, names: Set<String>, kind: Clip.Kind?)
        var cases: [Case] = []
        cases.append(("folder prefix", ClipFilter(paths: [.prefix(fixtures.url("clips/a").path)]), ["red", "green"], nil))
        cases.append(("relative folder", ClipFilter(paths: [.init(parsing: "clips/b", relativeTo: base)]), ["blue", "yellow"], nil))
        cases.append(("file name glob", ClipFilter(paths: [.init(parsing: "*.mov", relativeTo: base)]), ["yellow"], nil))
        cases.append(("two alternatives", ClipFilter(paths: [.init(parsing: "clips/c", relativeTo: base), .init(parsing: "*/red.mp4", relativeTo: base)]), ["white", "red"], nil))
        cases.append(("a file", ClipFilter(paths: [.init(parsing: "clips/a/green.mp4", relativeTo: base)]), ["green"], nil))
        cases.append(("after", ClipFilter(after: date("2024-02-01T00:00:00Z")), ["green", "yellow", "white"], nil))
        cases.append(("before (mtime fallback)", ClipFilter(before: date("2024-02-01T00:00:00Z")), ["red", "blue"], nil))
        cases.append(("date range", ClipFilter(after: date("2024-02-15T00:00:00Z"), before: date("2024-05-05T12:00:00Z")), ["white", "green"], nil))
        cases.append(("min duration", ClipFilter(minDuration: 2.5), ["green", "yellow", "white"], nil))
        cases.append(("max duration", ClipFilter(maxDuration: 2.5), ["red", "blue"], nil))
        cases.append(("kind video", ClipFilter(kind: .video), Set(Self.videos.map(\.name)), .video))
        cases.append(("kind segment", ClipFilter(kind: .segment), Set(Self.videos.map(\.name)), .segment))
        cases.append(("combined", ClipFilter(paths: [.prefix(fixtures.url("clips").path)], after: date("2024-01-01T00:00:00Z"), minDuration: 2.5, maxDuration: 3.5, kind: .segment), ["yellow", "white"], .segment))
        for (label, filter, names, kind) in cases {
            var options = allClips()
            options.filter = filter
            let result = try session.search(.text("a box on a test pattern"), options: options)
            let want = try reference(q) { names.contains($0.name) && (kind == nil || $0.info.kind == kind) }
            XCTAssertFalse(want.isEmpty, label)
            XCTAssertEqual(result.hits.map(\.clipId), want, label)
            XCTAssertEqual(result.filtered, want.count, label)
            XCTAssertEqual(result.filter, filter, label)
            XCTAssertNil(result.warnings, label)
        }
    }

    func testAFilterWhoseClipsAllRankBelowThePoolStillReturnsThem() throws {
        let session = try self.session()
        let all = try stored()
        let red = try XCTUnwrap(all.first { $0.name == "red" && $0.info.kind == .video })
        // The video whose best clip ranks lowest for red's vector: every one of its clips is
        // outside an unfiltered pool of 3.
        let ranking = try reference(red.vector) { _ in true }
        let lastVideo = try XCTUnwrap(all.max { a, b in
            let ra = ranking.firstIndex(of: a.info.id)!, rb = ranking.firstIndex(of: b.info.id)!
            return ra < rb
        }).name
        let bestOfLast = all.filter { $0.name == lastVideo }.map { ranking.firstIndex(of: $0.info.id)! }.min()!
        XCTAssertGreaterThanOrEqual(bestOfLast, 3)

        var options = allClips(k: 3)
        options.pool = 3
        let unfiltered = try session.search(.similar(.clip(red.info.id), includeSameVideo: true), options: options)
        XCTAssertFalse(unfiltered.hits.contains { h in all.first { $0.info.id == h.clipId }!.name == lastVideo })

        let path = Self.videos.first { $0.name == lastVideo }!.path
        options.filter = ClipFilter(paths: [.prefix(fixtures.url(path).path)])
        let filtered = try session.search(.similar(.clip(red.info.id), includeSameVideo: true), options: options)
        let want = try reference(red.vector) { $0.name == lastVideo }
        XCTAssertEqual(filtered.hits.map(\.clipId), Array(want.prefix(3)))
    }

    func testFewerMatchesThanKReturnsThemAll() throws {
        var options = QueryOptions()
        options.k = 10
        options.filter = ClipFilter(paths: [.prefix(fixtures.url("clips/b").path)], kind: .video)
        let result = try session().search(.text("anything"), options: options)
        XCTAssertEqual(result.hits.map { URL(fileURLWithPath: $0.path).lastPathComponent }.sorted(), ["blue.mp4", "yellow.mov"])
        XCTAssertEqual(result.filtered, 2)
    }

    func testAPathThatMatchesNothingWarnsAndReturnsNoHits() throws {
        var options = QueryOptions()
        // A prefix matches whole path components only: "clips/a/re" is not "clips/a/red.mp4".
        options.filter = ClipFilter(paths: [.init(parsing: "clips/a/re", relativeTo: fixtures.directory),
                                            .init(parsing: "*.mkv", relativeTo: fixtures.directory)])
        let result = try session().search(.text("a box"), options: options)
        XCTAssertEqual(result.hits, [])
        XCTAssertEqual(result.filtered, 0)
        XCTAssertEqual(result.warnings?.count, 2)
        XCTAssertTrue(result.warnings?[0].contains("clips/a/re") ?? false, "\(result.warnings ?? [])")
        XCTAssertTrue(result.warnings?[1].contains("*/*.mkv") ?? false, "\(result.warnings ?? [])")
    }

    func testContradictoryFiltersAreRefused() throws {
        let session = try self.session()
        var options = QueryOptions()
        options.filter = ClipFilter(after: date("2024-06-01T00:00:00Z"), before: date("2024-05-01T00:00:00Z"))
        XCTAssertThrowsError(try session.search(.text("a box"), options: options)) { error in
            guard case ClipFilterError.emptyDateRange = error else { return XCTFail("\(error)") }
            XCTAssertTrue("\(error)".contains("--after"), "\(error)")
        }
        options.filter = ClipFilter(minDuration: 5, maxDuration: 2)
        XCTAssertThrowsError(try session.search(.text("a box"), options: options)) { error in
            XCTAssertEqual(error as? ClipFilterError, .emptyDurationRange(min: 5, max: 2))
        }
        options.filter = ClipFilter(minDuration: -1)
        XCTAssertThrowsError(try session.search(.text("a box"), options: options))
    }

    func testRecordingTimeIsTheContainersElseTheFilesModificationTime() throws {
        let store = try IndexStore.open(at: index)
        for v in Self.videos {
            let video = try XCTUnwrap(store.video(path: fixtures.url(v.path).path))
            if let created = v.created {
                XCTAssertEqual(try XCTUnwrap(video.creationTime), date(created).timeIntervalSince1970, accuracy: 1e-3, v.name)
            } else {
                XCTAssertNil(video.creationTime)
            }
        }
        var options = QueryOptions()
        options.k = 10
        options.filter = ClipFilter(kind: .video)
        options.sort = .date
        let result = try session().search(.text("a box"), options: options)
        XCTAssertEqual(result.hits.map { URL(fileURLWithPath: $0.path).deletingPathExtension().lastPathComponent },
                       ["yellow", "green", "white", "red", "blue"])
        let blue = try XCTUnwrap(result.hits.last)
        XCTAssertEqual(try XCTUnwrap(blue.recordedAt).timeIntervalSince1970, Self.blueModified.timeIntervalSince1970, accuracy: 1e-3)
        XCTAssertEqual(result.sort, .date)
        XCTAssertEqual(Set(result.hits.map(\.rank)), Set(1...5), "sorting keeps each hit's relevance rank")
    }

    func testSortByDurationAndPath() throws {
        let session = try self.session()
        var options = QueryOptions()
        options.k = 10
        options.filter = ClipFilter(kind: .video)
        options.sort = .duration
        let byDuration = try session.search(.text("a box"), options: options).hits
        XCTAssertEqual(byDuration.map { $0.duration ?? 0 }, byDuration.map { $0.duration ?? 0 }.sorted(by: >))
        XCTAssertEqual(byDuration.first.map { URL(fileURLWithPath: $0.path).lastPathComponent }, "green.mp4")
        options.sort = .path
        let byPath = try session.search(.text("a box"), options: options).hits
        XCTAssertEqual(byPath.map(\.path), byPath.map(\.path).sorted())
    }
}
