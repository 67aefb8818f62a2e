import Foundation
import XCTest
@testable import FluxStore

/// Search restricted to a selection of ids, inside FAISS: flat (through IndexIDMap2), IVF, and
/// the exact-scan fallback for HNSW; and the SQL selection of ``ClipFilter``.
final class SelectedSearchTests: StoreTestCase {
    let d = 16

    func randomUnits(_ n: Int, seed: UInt64) -> [Float] {
        var rng = StoreTestRandom(seed: seed)
        var v = (0..<(n * d)).map { _ in rng.nextFloat() }
        for i in 0..<n {
            let norm = (0..<d).map { v[i * d + $0] * v[i * d + $0] }.reduce(0, +).squareRoot()
            for j in 0..<d { v[i * d + j] /= norm }
        }
        return v
    }

    /// The exact answer: the selected ids by inner product, best first.
    func exact(_ data: [Float], ids: [Int64], query: [Float], selection: Set<Int64>, k: Int) -> [Int64] {
        var scored: [(id: Int64, score: Float)] = []
        for i in ids.indices where selection.contains(ids[i]) {
            var dot: Float = 0
            for j in 0..<d { dot += data[i * d + j] * query[j] }
            scored.append((ids[i], dot))
        }
        scored.sort { $0.score != $1.score ? $0.score > $1.score : $0.id < $1.id }
        return scored.prefix(k).map(\.id)
    }

    func testFlatSearchReturnsTheBestSelectedVectorsOnly() throws {
        let n = 500
        let data = randomUnits(n, seed: 1)
        let ids = (0..<Int64(n)).map { $0 * 3 + 7 }   // sparse external ids
        let index = try VectorIndex(flatInnerProduct: d)
        try index.add(data, ids: ids)
        let selection = Set(ids.enumerated().filter { $0.offset % 10 == 3 }.map(\.element))   // 10 %
        let query = Array(randomUnits(1, seed: 2))
        let result = try index.search(query, k: 20, selecting: Array(selection).shuffled())
        XCTAssertEqual(result.hits(forQuery: 0).map(\.id), exact(data, ids: ids, query: query, selection: selection, k: 20))
        // Fewer selected than k: all of them, then -1.
        let few = try index.search(query, k: 20, selecting: [ids[5], ids[9]])
        XCTAssertEqual(Set(few.hits(forQuery: 0).map(\.id)), [ids[5], ids[9]])
        XCTAssertEqual(few.labels.filter { $0 == -1 }.count, 18)
        // Ids that are not in the index select nothing.
        XCTAssertEqual(try index.search(query, k: 5, selecting: [1, 2]).hits(forQuery: 0), [])
        XCTAssertThrowsError(try index.search(query, k: 5, selecting: [-4]))
    }

    func testIVFSearchHonoursTheSelectionAndItsNProbe() throws {
        let n = 2000
        let data = randomUnits(n, seed: 3)
        let ids = (0..<Int64(n)).map { $0 }
        let index = try VectorIndex(factory: "IVF8,Flat", dimension: d)
        try index.train(data)
        try index.add(data, ids: ids)
        try index.setParameter("nprobe", 8)   // every list: exact
        let selection = Set(ids.filter { $0 % 7 == 0 })
        let query = Array(randomUnits(1, seed: 4))
        let hits = try index.search(query, k: 10, selecting: Array(selection)).hits(forQuery: 0)
        XCTAssertEqual(hits.map(\.id), exact(data, ids: ids, query: query, selection: selection, k: 10))
    }

    func testHNSWRefusesASelectionAndTheMirrorScansExactlyInstead() throws {
        let index = try VectorIndex(factory: "HNSW16", dimension: d)
        try index.add(randomUnits(50, seed: 5), ids: (0..<50).map { Int64($0) })
        XCTAssertThrowsError(try index.search(randomUnits(1, seed: 6), k: 3, selecting: [1, 2, 3, 4]))

        let store = try makeStore(factory: "HNSW16")
        for i in 0..<20 { try store.replaceVideo(video("/v/\(i).mp4", i), clips: clipDrafts(budgets: [256], seed: UInt64(i))) }
        let all = try store.allClips(budget: 256)
        let vectors = try store.vectors(clipIds: all.map(\.id))
        let selection = all.filter { $0.videoId % 3 == 0 }.map(\.id)
        let query = unitVector(seed: 77)
        let mirror = VectorMirror(store: store)
        let hits = try mirror.search(budget: 256, query: query, k: 5, selecting: selection)
        var scored: [(id: Int64, score: Float)] = []
        for id in selection {
            var dot: Float = 0
            for (a, b) in zip(vectors[id]!, query) { dot += a * b }
            scored.append((id, dot))
        }
        scored.sort { $0.score != $1.score ? $0.score > $1.score : $0.id < $1.id }
        let want = scored.prefix(5).map(\.id)
        XCTAssertEqual(hits.map(\.clipId), want)
    }

    func testClipFilterSelectsByPathDateDurationAndKind() throws {
        let store = try makeStore()
        var videos: [(String, Double?, Double, Double)] = []   // path, creationTime, mtime, duration
        videos.append(("/lib/a/one.mp4", 1_700_000_000, 1_600_000_000, 10))
        videos.append(("/lib/a/two.mov", nil, 1_710_000_000, 100))
        videos.append(("/lib/ab/three.mp4", 1_720_000_000, 1_500_000_000, 50))
        videos.append(("/lib/a%_[x]/four.mp4", nil, 1_690_000_000, 5))
        for (i, v) in videos.enumerated() {
            var record = video(v.0, i)
            record.mtime = v.2
            record.metadata = VideoMetadata(duration: v.3, creationTime: v.1)
            try store.replaceVideo(record, clips: clipDrafts(budgets: [256], seed: UInt64(i)))
        }
        func paths(_ filter: ClipFilter) throws -> [String] {
            let ids = try store.clipIds(budget: 256, matching: filter)
            return Array(Set(try store.clips(ids: ids).map(\.path))).sorted()
        }
        XCTAssertEqual(try paths(ClipFilter(paths: [.prefix("/lib/a")])), ["/lib/a/one.mp4", "/lib/a/two.mov"])
        XCTAssertEqual(try paths(ClipFilter(paths: [.prefix("/lib/a/")])), ["/lib/a/one.mp4", "/lib/a/two.mov"])
        XCTAssertEqual(try paths(ClipFilter(paths: [.prefix("/lib/a%_[x]")])), ["/lib/a%_[x]/four.mp4"], "no LIKE or GLOB wildcards in a prefix")
        XCTAssertEqual(try paths(ClipFilter(paths: [.prefix("/")])).count, 4)
        XCTAssertEqual(try paths(ClipFilter(paths: [.glob("*/t*")])), ["/lib/a/two.mov", "/lib/ab/three.mp4"])
        XCTAssertEqual(try paths(ClipFilter(after: Date(timeIntervalSince1970: 1_700_000_000))),
                       ["/lib/a/one.mp4", "/lib/a/two.mov", "/lib/ab/three.mp4"], "creation time, else mtime; --after is inclusive")
        XCTAssertEqual(try paths(ClipFilter(before: Date(timeIntervalSince1970: 1_700_000_000))), ["/lib/a%_[x]/four.mp4"])
        XCTAssertEqual(try paths(ClipFilter(minDuration: 10, maxDuration: 50)), ["/lib/a/one.mp4", "/lib/ab/three.mp4"])
        let segments = try store.clipIds(budget: 256, matching: ClipFilter(kind: .segment))
        XCTAssertEqual(Set(try store.clips(ids: segments).map(\.kind)), [.segment])
        XCTAssertEqual(try store.unmatchedPathPatterns(ClipFilter(paths: [.prefix("/lib/a"), .glob("*.mkv")])), [.glob("*.mkv")])
        XCTAssertEqual(try store.clipIds(budget: 256, matching: ClipFilter()).count, try store.allClips(budget: 256).count)
    }

    func testPathPatternsAsTyped() {
        let cwd = URL(fileURLWithPath: "/home/me")
        XCTAssertEqual(ClipFilter.PathPattern(parsing: "Videos/2024", relativeTo: cwd), .prefix("/home/me/Videos/2024"))
        XCTAssertEqual(ClipFilter.PathPattern(parsing: "/v/../w/", relativeTo: cwd), .prefix("/w"))
        XCTAssertEqual(ClipFilter.PathPattern(parsing: "*.mov", relativeTo: cwd), .glob("*/*.mov"))
        XCTAssertEqual(ClipFilter.PathPattern(parsing: "clips/*.mov", relativeTo: cwd), .glob("/home/me/clips/*.mov"))
        XCTAssertEqual(ClipFilter.PathPattern(parsing: "/v/[ab]?.mp4", relativeTo: cwd), .glob("/v/[ab]?.mp4"))
    }

    func testFilterJSONRoundTrips() throws {
        let filter = ClipFilter(paths: [.prefix("/v"), .glob("*/*.mov")], after: Date(timeIntervalSince1970: 1_714_521_600),
                                minDuration: 30, kind: .segment)
        let data = try JSONEncoder().encode(filter)
        let text = String(decoding: data, as: UTF8.self)
        XCTAssertTrue(text.contains(#""after":"2024-05-01T00:00:00Z""#), text)
        XCTAssertTrue(text.contains(#""min_duration":30"#), text)
        XCTAssertFalse(text.contains("before"), text)
        XCTAssertEqual(try JSONDecoder().decode(ClipFilter.self, from: data), filter)
    }
}
