import Foundation
import XCTest
@testable import FluxStore

/// FAISS indexes derived from SQLite: staleness, incremental = rebuild, atomic files, IVF.
final class VectorMirrorTests: StoreTestCase {
    /// Collects the mirror's log lines.
    final class LogLines: @unchecked Sendable {
        private let lock = NSLock()
        private var storage: [String] = []
        var lines: [String] { lock.withLock { storage } }
        func append(_ s: String) { lock.withLock { storage.append(s) } }
        var sink: @Sendable (String) -> Void { { [self] in append($0) } }
    }

    func addVideos(_ store: IndexStore, _ range: Range<Int>, budgets: [Int] = [256], version: Int = 0) throws {
        for i in range {
            try store.replaceVideo(video("/v/\(i).mp4", i, version: version),
                                   clips: clipDrafts(budgets: budgets, seed: UInt64(i * 100 + version)))
        }
    }

    func queries(_ n: Int) -> [Float] { (0..<n).flatMap { unitVector(seed: 9_000 + UInt64($0)) } }

    func testLoadBuildsWritesAndReusesTheFile() throws {
        let store = try makeStore()
        try addVideos(store, 0..<5)
        let log = LogLines()
        let mirror = VectorMirror(store: store, log: log.sink)
        XCTAssertEqual(try mirror.load(budget: 256).count, 15)
        XCTAssertEqual(log.lines.count, 1)
        XCTAssertTrue(log.lines[0].hasPrefix("FAISS index of budget 256: rebuilt from index.sqlite (15 vectors, Flat) — no FAISS file"), log.lines[0])
        XCTAssertTrue(try mirror.status(budget: 256).isFileCurrent)
        XCTAssertEqual(listing(indexDir).filter { $0.hasPrefix("faiss") }, ["faiss-256.index", "faiss-256.lock", "faiss-256.stamp.json"])

        // Another process (a new mirror) reads the file instead of rebuilding.
        let log2 = LogLines()
        let other = VectorMirror(store: try IndexStore.open(at: indexDir), log: log2.sink)
        XCTAssertEqual(try other.load(budget: 256).count, 15)
        XCTAssertEqual(log2.lines, [])
        let hits = try other.search(budget: 256, query: store.embeddings(budget: 256).vector(at: 4), k: 3)
        XCTAssertEqual(hits.first?.clipId, try store.embeddings(budget: 256).ids[4])
        XCTAssertEqual(hits.first?.score ?? 0, 1, accuracy: 1e-5)
    }

    func testChangesMakeTheFileStaleAndItIsRebuilt() throws {
        let store = try makeStore()
        try addVideos(store, 0..<4)
        try VectorMirror(store: store).persist(budget: 256)
        try addVideos(store, 4..<5)
        let status = try VectorMirror(store: store).status(budget: 256)
        XCTAssertFalse(status.isFileCurrent)
        XCTAssertEqual(status.stamp?.count, 12)
        XCTAssertEqual(status.databaseCount, 15)

        let log = LogLines()
        let mirror = VectorMirror(store: store, log: log.sink)
        XCTAssertEqual(try mirror.load(budget: 256).count, 15)
        XCTAssertTrue(log.lines.first?.contains("stale (built at generation") ?? false, "\(log.lines)")
        XCTAssertTrue(try mirror.status(budget: 256).isFileCurrent, "rebuilt file written")

        // Removing also makes it stale; the in-memory index follows incrementally.
        try store.removeVideos(paths: ["/v/0.mp4"])
        XCTAssertFalse(try mirror.status(budget: 256).isFileCurrent)
        XCTAssertEqual(try mirror.load(budget: 256).count, 12)
        XCTAssertEqual(log.lines.count, 1, "incremental, no rebuild")
        try mirror.persist(budget: 256)
        XCTAssertTrue(try mirror.status(budget: 256).isFileCurrent)
    }

    func testIncrementalUpdatesGiveTheSameResultsAsARebuild() throws {
        let store = try makeStore(budgets: [256, 512])
        try addVideos(store, 0..<20, budgets: [256, 512])
        let incremental = VectorMirror(store: store)
        _ = try incremental.load(budget: 256)

        var rng = StoreTestRandom(seed: 42)
        for step in 0..<30 {
            let i = rng.next(below: 30)
            switch step % 3 {
            case 0: try addVideos(store, i..<(i + 1), budgets: [256, 512], version: step)   // add or re-encode
            case 1: try store.removeVideos(paths: ["/v/\(i).mp4"])
            default:
                if let v = try store.video(path: "/v/\(i).mp4") {       // refine-style upsert at 256
                    try store.upsertClips([ClipDraft(start: 0, end: 12, budget: 256, kind: .video,
                                                     vector: unitVector(seed: UInt64(step)))], videoId: v.id!)
                }
            }
            if step % 5 == 4 { _ = try incremental.load(budget: 256) }
        }
        let q = queries(6)
        let fromIncremental = try incremental.search(budget: 256, queries: q, k: 10)
        let rebuilt = VectorMirror(store: store)
        let index = try rebuilt.rebuild(budget: 256)
        XCTAssertEqual(try incremental.load(budget: 256).count, index.count)
        XCTAssertEqual(index.count, try store.counts().clipsPerBudget[256])
        let fromRebuild = try rebuilt.search(budget: 256, queries: q, k: 10)
        XCTAssertEqual(fromIncremental.map { $0.map(\.clipId) }, fromRebuild.map { $0.map(\.clipId) })
        for (a, b) in zip(fromIncremental.joined(), fromRebuild.joined()) {
            XCTAssertEqual(a.score, b.score, accuracy: 1e-6)
        }
    }

    func testWritesAreAtomicAndOrphanedTemporariesAreCleaned() throws {
        let store = try makeStore()
        let mirror = VectorMirror(store: store)
        for round in 0..<4 {
            try addVideos(store, (round * 3)..<(round * 3 + 3))
            try mirror.persist(budget: 256)
        }
        XCTAssertEqual(listing(indexDir).filter { $0.contains(".tmp-") }, [])

        // A writer killed mid-write leaves temporaries; the next writer (under the lock) removes them.
        for name in [".faiss-256.index.tmp-DEAD", ".faiss-256.stamp.json.tmp-DEAD"] {
            try Data("partial".utf8).write(to: indexDir.appendingPathComponent(name))
        }
        try mirror.rebuild(budget: 256)
        XCTAssertEqual(listing(indexDir).filter { $0.contains(".tmp-") }, [])
        XCTAssertTrue(try mirror.status(budget: 256).isFileCurrent)
    }

    func testDamagedOrForeignFilesAreNeverUsed() throws {
        let store = try makeStore()
        try addVideos(store, 0..<3)
        try VectorMirror(store: store).persist(budget: 256)
        let indexURL = VectorMirror.indexURL(in: indexDir, budget: 256)

        // Garbage index file with a matching stamp: rebuilt.
        try Data(repeating: 7, count: 100).write(to: indexURL)
        let log = LogLines()
        XCTAssertEqual(try VectorMirror(store: store, log: log.sink).load(budget: 256).count, 9)
        XCTAssertTrue(log.lines.first?.contains("unreadable") ?? false, "\(log.lines)")

        // Files of another index with the same generation and count (a recreated folder): rebuilt.
        let otherDir = tempDir.appendingPathComponent("other")
        let other = try IndexStore.create(at: otherDir, settings: makeSettings(), budgets: [256])
        for i in 0..<3 {
            try other.replaceVideo(video("/w/\(i).mp4", i), clips: clipDrafts(budgets: [256], seed: UInt64(500 + i)))
        }
        XCTAssertEqual(try other.generation(budget: 256), try store.generation(budget: 256))
        try FileManager.default.copyItem(at: indexURL, to: otherDir.appendingPathComponent("faiss-256.index"))
        try FileManager.default.copyItem(at: VectorMirror.stampURL(in: indexDir, budget: 256),
                                         to: otherDir.appendingPathComponent("faiss-256.stamp.json"))
        let log2 = LogLines()
        _ = try VectorMirror(store: other, log: log2.sink).load(budget: 256)
        XCTAssertTrue(log2.lines.first?.contains("belongs to another index") ?? false, "\(log2.lines)")
    }

    func testAnIVFIndexWithoutNProbeScansAnEighthOfItsListsAtLeastEight() throws {
        XCTAssertEqual(FaissFactory.defaultNProbe("IVF4096,PQ64"), 512)
        XCTAssertEqual(FaissFactory.defaultNProbe("OPQ64,IVF4096_HNSW32,PQ64"), 512)
        XCTAssertEqual(FaissFactory.defaultNProbe("IVF256,SQ8"), 32)
        XCTAssertEqual(FaissFactory.defaultNProbe("IVF16,Flat"), 8)
        XCTAssertEqual(FaissFactory.defaultNProbe("IVF4,Flat"), 4, "never more than the lists")
        XCTAssertNil(FaissFactory.defaultNProbe("Flat"))
        XCTAssertNil(FaissFactory.defaultNProbe("HNSW32"))

        let store = try makeStore(factory: "IVF4,Flat")
        try addVideos(store, 0..<60)   // 180 vectors: enough for IVF4
        let mirror = VectorMirror(store: store)
        _ = try mirror.load(budget: 256)
        XCTAssertEqual(mirror.entries[256]?.stamp.effectiveFactory, "IVF4,Flat")
        XCTAssertEqual(mirror.entries[256]?.appliedNProbe, 4)
        // A stored setting and an override still win.
        _ = try store.updateFaissOptions(nprobe: 2)
        _ = try mirror.load(budget: 256)
        XCTAssertEqual(mirror.entries[256]?.appliedNProbe, 2)
        mirror.nprobe = 3
        _ = try mirror.load(budget: 256)
        XCTAssertEqual(mirror.entries[256]?.appliedNProbe, 3)
    }

    func testIVFIsTrainedOnlyOnceEnoughVectorsExist() throws {
        // IVF4 needs 39·4 = 156 vectors; each video adds 3 clips.
        let store = try makeStore(factory: "IVF4,Flat")
        XCTAssertEqual(try FaissFactory.trainingThreshold(for: "IVF4,Flat", dimension: 8), 156)
        try addVideos(store, 0..<40)   // 120 vectors
        let mirror = VectorMirror(store: store, nprobe: 4)
        _ = try mirror.load(budget: 256)
        XCTAssertEqual(try mirror.status(budget: 256).stamp?.effectiveFactory, "Flat")

        try addVideos(store, 40..<60)  // 180 vectors
        let index = try mirror.load(budget: 256)
        XCTAssertEqual(index.count, 180)
        let stamp = try XCTUnwrap(try mirror.status(budget: 256).stamp)
        XCTAssertEqual(stamp.effectiveFactory, "IVF4,Flat", "switched kinds by a full rebuild")
        XCTAssertTrue(try mirror.status(budget: 256).isFileCurrent)

        // With nprobe = nlist, IVF search is exact: every vector finds itself first.
        let matrix = try store.embeddings(budget: 256)
        let q = (0..<10).flatMap { matrix.vector(at: $0 * 17) }
        let hits = try mirror.search(budget: 256, queries: q, k: 1)
        XCTAssertEqual(hits.map { $0.first?.clipId }, (0..<10).map { matrix.ids[$0 * 17] })

        // A fresh process loads the IVF file and applies nprobe itself (not stored in the file).
        let reloaded = VectorMirror(store: try IndexStore.open(at: indexDir), nprobe: 4)
        XCTAssertEqual(try reloaded.search(budget: 256, queries: q, k: 1).map { $0.first?.clipId },
                       hits.map { $0.first?.clipId })

        // Changing the factory invalidates the file.
        try store.updateFaissOptions(factory: "Flat")
        XCTAssertFalse(try mirror.status(budget: 256).isFileCurrent)
        XCTAssertEqual(try mirror.load(budget: 256).count, 180)
        XCTAssertEqual(try mirror.status(budget: 256).stamp?.effectiveFactory, "Flat")
    }

    func testEmptyUnknownAndBadQueries() throws {
        let store = try makeStore()
        let mirror = VectorMirror(store: store)
        XCTAssertEqual(try mirror.search(budget: 256, query: unitVector(seed: 1), k: 5), [])
        XCTAssertEqual(assertStoreError { _ = try mirror.load(budget: 999) }, .unknownBudget(budget: 999, available: [256]))
        XCTAssertEqual(assertStoreError { _ = try mirror.search(budget: 256, query: [1, 2, 3], k: 5) },
                       .invalidInput(operation: "search budget 256",
                                     reason: "query has wrong length — expected a multiple of dimension 8, got 3 floats"))
        try addVideos(store, 0..<1)
        XCTAssertEqual(try mirror.search(budget: 256, query: unitVector(seed: 1), k: 10).count, 3, "fewer than k")
    }
}
