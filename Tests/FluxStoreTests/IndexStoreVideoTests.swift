import Foundation
import GRDB
import XCTest
@testable import FluxStore

/// Storing, replacing, removing and pruning videos; failures; budgets and generations.
final class IndexStoreVideoTests: StoreTestCase {
    func testReplaceVideoStoresVideoClipsAndExactVectors() throws {
        let store = try makeStore(budgets: [256, 512])
        let drafts = clipDrafts(budgets: [256, 512], segments: 2, seed: 7)
        let stored = try store.replaceVideo(video("/videos/./a.mp4", 1), clips: drafts)
        XCTAssertNotNil(stored.id)
        XCTAssertEqual(stored.path, "/videos/a.mp4")

        let fetched = try XCTUnwrap(try store.video(path: "/videos/a.mp4"))
        XCTAssertEqual(fetched.metadata, VideoMetadata(duration: 12.5, fps: 30, frameCount: 375, width: 640,
                                                       height: 360, codec: "h264", rotation: 0))
        XCTAssertEqual(fetched.fingerprint, fingerprint(1))

        let clips = try store.clips(videoId: stored.id!)
        XCTAssertEqual(clips.count, 6)
        XCTAssertEqual(clips.filter { $0.kind == .video }.map(\.budget), [256, 512])
        let vectors = try store.vectors(clipIds: clips.map(\.id))
        for clip in clips {
            let draft = drafts.first { $0.start == clip.start && $0.end == clip.end && $0.budget == clip.budget }!
            XCTAssertEqual(vectors[clip.id], draft.vector, "vectors round-trip bit for bit")
        }
        let counts = try store.counts()
        XCTAssertEqual(counts.videos, 1)
        XCTAssertEqual(counts.clipsPerBudget, [256: 3, 512: 3])
        XCTAssertEqual(try store.integrityProblems(), [])
    }

    func testReplaceVideoIsAtomicWhenTheTransactionFails() throws {
        let store = try makeStore()
        let old = try store.replaceVideo(video("/v/a.mp4", 1), clips: clipDrafts(budgets: [256], seed: 1))
        let oldClips = try store.clips(videoId: old.id!)
        let generation = try store.generation(budget: 256)
        try store.recordFailure(path: "/v/a.mp4", stage: "decode", reason: "earlier failure")

        struct Crash: Error {}
        // Every row of the new version is written, then the transaction fails before commit.
        XCTAssertThrowsError(try store.replaceVideo(video("/v/a.mp4", 1, version: 2),
                                                    clips: clipDrafts(budgets: [256], segments: 5, seed: 50),
                                                    beforeCommit: { _ in throw Crash() }))
        XCTAssertEqual(try store.video(path: "/v/a.mp4"), old, "old version intact")
        XCTAssertEqual(try store.clips(videoId: old.id!), oldClips)
        XCTAssertEqual(try store.generation(budget: 256), generation, "rolled back generation too")
        XCTAssertEqual(try store.failures().count, 1, "failure record not cleared by a failed store")

        // A brand-new video whose transaction fails leaves nothing at all.
        XCTAssertThrowsError(try store.replaceVideo(video("/v/b.mp4", 2), clips: clipDrafts(budgets: [256], seed: 3),
                                                    beforeCommit: { _ in throw Crash() }))
        XCTAssertNil(try store.video(path: "/v/b.mp4"))
        XCTAssertEqual(try store.counts().clipsPerBudget[256], 3)

        // A failure raised by SQLite itself mid-transaction (unknown budget, checked inside it).
        let error = assertStoreError {
            try store.replaceVideo(self.video("/v/a.mp4", 1, version: 3), clips: self.clipDrafts(budgets: [256, 999], seed: 4))
        }
        XCTAssertEqual(error, .unknownBudget(budget: 999, available: [256]))
        XCTAssertEqual(try store.video(path: "/v/a.mp4"), old)
        XCTAssertEqual(try store.integrityProblems(), [])
    }

    func testReplaceVideoValidatesClipsBeforeWriting() throws {
        let store = try makeStore()
        let v = video("/v/a.mp4", 1)
        let good = unitVector(seed: 1)
        func attempt(_ clips: [ClipDraft]) -> StoreError? { assertStoreError { try store.replaceVideo(v, clips: clips) } }

        XCTAssertEqual(attempt([]), .invalidInput(operation: "store video /v/a.mp4", reason: "a video needs at least one clip"))
        XCTAssertEqual(attempt([ClipDraft(start: 0, end: 1, budget: 256, kind: .video, vector: [1, 2])]),
                       .invalidInput(operation: "store video /v/a.mp4, clip 0",
                                     reason: "vector has wrong dimension — expected 8, got 2"))
        var nan = good
        nan[3] = .nan
        XCTAssertEqual(attempt([ClipDraft(start: 0, end: 1, budget: 256, kind: .video, vector: nan)]),
                       .invalidInput(operation: "store video /v/a.mp4, clip 0", reason: "vector contains NaN or infinity"))
        XCTAssertEqual(attempt([ClipDraft(start: 2, end: 1, budget: 256, kind: .video, vector: good)]),
                       .invalidInput(operation: "store video /v/a.mp4, clip 0",
                                     reason: "invalid time span 2.0–1.0 s — expected 0 ≤ start ≤ end"))
        let dup = ClipDraft(start: 0, end: 4, budget: 256, kind: .segment, vector: good)
        XCTAssertEqual(attempt([dup, dup]),
                       .invalidInput(operation: "store video /v/a.mp4, clip 1",
                                     reason: "two clips with the same span 0.0–4.0 s at budget 256"))
        XCTAssertEqual(try store.counts().videos, 0)
    }

    func testFingerprintStatusAndPlan() throws {
        let store = try makeStore()
        XCTAssertEqual(try store.fingerprintStatus(path: "/v/a.mp4", fingerprint: fingerprint(1)), .new)
        XCTAssertEqual(try store.plan(path: "/v/a.mp4", fingerprint: fingerprint(1)), .encode(budgets: [256], replacing: nil))

        let stored = try store.replaceVideo(video("/v/a.mp4", 1), clips: clipDrafts(budgets: [256], seed: 1))
        XCTAssertEqual(try store.fingerprintStatus(path: "/v/../v/a.mp4", fingerprint: fingerprint(1)), .unchanged(stored))
        XCTAssertEqual(try store.plan(path: "/v/a.mp4", fingerprint: fingerprint(1)), .skip(stored))

        var touched = fingerprint(1)
        touched.mtime += 1
        XCTAssertEqual(try store.fingerprintStatus(path: "/v/a.mp4", fingerprint: touched), .changed(stored))
        XCTAssertEqual(try store.fingerprintStatus(path: "/v/a.mp4", fingerprint: fingerprint(1, version: 1)), .changed(stored))
        XCTAssertEqual(try store.plan(path: "/v/a.mp4", fingerprint: fingerprint(1, version: 1)),
                       .encode(budgets: [256], replacing: stored))

        // Re-encoding replaces, never duplicates.
        let newer = try store.replaceVideo(video("/v/a.mp4", 1, version: 1), clips: clipDrafts(budgets: [256], seed: 2))
        XCTAssertNotEqual(newer.id, stored.id)
        XCTAssertEqual(try store.videos().count, 1)
        XCTAssertEqual(try store.counts().clipsPerBudget[256], 3)
    }

    func testRemoveVideosByFileAndFolder() throws {
        let store = try makeStore()
        for (i, path) in ["/a/x.mp4", "/a/sub/y.mp4", "/ab/z.mp4", "/b/w.mp4", "/a.mp4"].enumerated() {
            try store.replaceVideo(video(path, i), clips: clipDrafts(budgets: [256], seed: UInt64(i * 10)))
        }
        try store.recordFailure(path: "/a/broken.mp4", stage: "decode", reason: "bad")
        XCTAssertEqual(try store.removeVideos(paths: ["/a/"]), 2)
        XCTAssertEqual(try store.videos().map(\.path), ["/a.mp4", "/ab/z.mp4", "/b/w.mp4"])
        XCTAssertEqual(try store.failures(), [], "failures under the folder go too")
        XCTAssertEqual(try store.removeVideos(paths: ["/b/./w.mp4", "/not/there.mp4"]), 1)
        XCTAssertEqual(try store.counts().clipsPerBudget[256], 6, "clips cascade")
        XCTAssertEqual(try store.integrityProblems(), [])
    }

    func testPruneRemovesOnlyVanishedFiles() throws {
        let store = try makeStore()
        let kept = tempDir.appendingPathComponent("kept.mp4")
        try Data("x".utf8).write(to: kept)
        let gone = tempDir.appendingPathComponent("gone.mp4").path
        try store.replaceVideo(video(kept.path, 1), clips: clipDrafts(budgets: [256], seed: 1))
        try store.replaceVideo(video(gone, 2), clips: clipDrafts(budgets: [256], seed: 2))
        try store.recordFailure(path: tempDir.appendingPathComponent("gone-too.mp4").path, stage: "decode", reason: "x")

        let removed = try store.prune { FileManager.default.fileExists(atPath: $0) }
        XCTAssertEqual(removed, [gone])
        XCTAssertEqual(try store.videos().map(\.path), [kept.path])
        XCTAssertEqual(try store.failures(), [])
        XCTAssertEqual(try store.prune { _ in true }, [])
    }

    func testFailuresAreRecordedUpdatedAndClearedOnSuccess() throws {
        let store = try makeStore()
        try store.recordFailure(path: "/v/b.mp4", stage: "decode", reason: "moov atom not found")
        try store.recordFailure(path: "/v/a.mp4", stage: "decode", reason: "first")
        try store.recordFailure(path: "/v/./a.mp4", stage: "encode", reason: "second")
        let failures = try store.failures()
        XCTAssertEqual(failures.map(\.path), ["/v/a.mp4", "/v/b.mp4"])
        XCTAssertEqual(failures[0].stage, "encode")
        XCTAssertEqual(failures[0].reason, "second", "latest per path")
        XCTAssertEqual(try store.counts().failures, 2)

        try store.replaceVideo(video("/v/a.mp4", 1), clips: clipDrafts(budgets: [256], seed: 1))
        XCTAssertEqual(try store.failures().map(\.path), ["/v/b.mp4"], "indexing fine clears the failure")
        XCTAssertEqual(try store.clearFailures(), 1)
        XCTAssertEqual(try store.failures(), [])
    }

    func testGenerationChangesWithEveryClipChangeOfItsBudgetOnly() throws {
        let store = try makeStore(budgets: [256, 512])
        let g0 = (try store.generation(budget: 256), try store.generation(budget: 512))
        let a = try store.replaceVideo(video("/v/a.mp4", 1), clips: clipDrafts(budgets: [256], seed: 1))
        let g1 = (try store.generation(budget: 256), try store.generation(budget: 512))
        XCTAssertGreaterThan(g1.0, g0.0)
        XCTAssertEqual(g1.1, g0.1, "budget 512 untouched")

        try store.upsertClips(clipDrafts(budgets: [512], seed: 2), videoId: a.id!)
        let g2 = (try store.generation(budget: 256), try store.generation(budget: 512))
        XCTAssertEqual(g2.0, g1.0)
        XCTAssertGreaterThan(g2.1, g1.1)

        // Deleting the video cascades to its clips, and the cascade bumps both budgets.
        XCTAssertEqual(try store.removeVideos(paths: ["/v/a.mp4"]), 1)
        XCTAssertGreaterThan(try store.generation(budget: 256), g2.0)
        XCTAssertGreaterThan(try store.generation(budget: 512), g2.1)
        XCTAssertEqual(try store.counts().clips, 0)

        XCTAssertEqual(assertStoreError { _ = try store.generation(budget: 7) }, .unknownBudget(budget: 7, available: [256, 512]))
    }

    func testClipRowsAreImmutable() throws {
        let store = try makeStore()
        try store.replaceVideo(video("/v/a.mp4", 1), clips: clipDrafts(budgets: [256], seed: 1))
        XCTAssertThrowsError(try store.dbPool.write { try $0.execute(sql: "UPDATE clip SET start = 1") }) {
            XCTAssertTrue("\($0)".contains("clip rows are immutable"), "\($0)")
        }
    }

    func testRefineCacheAtANewBudget() throws {
        let store = try makeStore(budgets: [256])
        let v = try store.replaceVideo(video("/v/a.mp4", 1), clips: clipDrafts(budgets: [256], seed: 1))
        let base = try store.clips(videoId: v.id!)
        XCTAssertEqual(try store.cachedVectors(forClips: base.map(\.id), budget: 2048), [:])

        // Refine re-encodes the first two clips at 2048 and caches them.
        let refined = base.prefix(2).map {
            ClipDraft(start: $0.start, end: $0.end, budget: 2048, kind: $0.kind, vector: unitVector(seed: UInt64($0.id) + 100))
        }
        let ids = try store.upsertClips(refined, videoId: v.id!)
        XCTAssertEqual(ids.count, 2)
        let budgets = try store.budgets()
        XCTAssertEqual(budgets.map(\.tokens), [256, 2048])
        XCTAssertEqual(budgets.map(\.role), [.indexed, .cache])
        XCTAssertEqual(try store.indexedBudgets(), [256], "a cache budget is not indexed")

        let cached = try store.cachedVectors(forClips: base.map(\.id), budget: 2048)
        XCTAssertEqual(Set(cached.keys), Set(base.prefix(2).map(\.id)))
        XCTAssertEqual(cached[base[0].id], refined[0].vector)

        // Caching again replaces (one vector per clip per budget).
        try store.upsertClips([refined[0]], videoId: v.id!)
        XCTAssertEqual(try store.counts().clipsPerBudget[2048], 2)

        // Re-indexing the changed file drops the stale cache.
        try store.replaceVideo(video("/v/a.mp4", 1, version: 1), clips: clipDrafts(budgets: [256], seed: 5))
        XCTAssertEqual(try store.counts().clipsPerBudget[2048], 0)
        XCTAssertEqual(assertStoreError { try store.upsertClips(refined, videoId: v.id!) },
                       .invalidInput(operation: "add clips to video \(v.id!)",
                                     reason: "video \(v.id!) is no longer in the index (it was re-indexed or removed meanwhile)"))

        // Declaring the cache budget as indexed promotes it.
        XCTAssertEqual(try store.addBudgets([2048]), [2048])
        XCTAssertEqual(try store.indexedBudgets(), [256, 2048])
    }

    func testClipsByIdKeepOrderAndSkipDeleted() throws {
        let store = try makeStore()
        let a = try store.replaceVideo(video("/v/a.mp4", 1), clips: clipDrafts(budgets: [256], seed: 1))
        let b = try store.replaceVideo(video("/v/b.mp4", 2), clips: clipDrafts(budgets: [256], seed: 2))
        let ids = try store.clips(videoId: a.id!).map(\.id) + store.clips(videoId: b.id!).map(\.id)
        let wanted = [ids[4], ids[0], 999_999, ids[2]]
        XCTAssertEqual(try store.clips(ids: wanted).map(\.id), [ids[4], ids[0], ids[2]])
        XCTAssertEqual(try store.clips(ids: [ids[4]]).first?.path, "/v/b.mp4")

        let all = try store.allClips()
        XCTAssertEqual(all.count, 6)
        XCTAssertEqual(all.map(\.path), ["/v/a.mp4", "/v/a.mp4", "/v/a.mp4", "/v/b.mp4", "/v/b.mp4", "/v/b.mp4"])
        let matrix = try store.embeddings(budget: 256)
        XCTAssertEqual(matrix.ids, ids.sorted())
        XCTAssertEqual(matrix.vectors.count, 6 * StoreTestCase.dimension)
        XCTAssertEqual(matrix.vector(at: 0), try store.vectors(clipIds: [matrix.ids[0]])[matrix.ids[0]])

        // Export stream: same order as allClips, vectors row-aligned, in batches.
        var exported: [ClipInfo] = []
        var exportedVectors: [Float] = []
        var batches = 0
        try store.forEachClip(includeVectors: true, batchSize: 4) { clips, vectors in
            batches += 1
            exported += clips
            exportedVectors += try XCTUnwrap(vectors)
        }
        XCTAssertEqual(exported, all)
        XCTAssertEqual(batches, 2)
        let stored = try store.vectors(clipIds: all.map(\.id))
        XCTAssertEqual(exportedVectors, all.flatMap { stored[$0.id]! })
        try store.forEachClip(budget: 256) { XCTAssertNil($1) }
    }
}
