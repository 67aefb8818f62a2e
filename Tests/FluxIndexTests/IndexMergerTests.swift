import XCTest
import GRDB
@testable import FluxIndex
import FluxStore

/// `merge` at the library level: shard stores written directly (no encoding), merged, and
/// compared with one store that holds every video.
final class IndexMergerTests: XCTestCase {
    var dir: URL!
    let dimension = 8

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("fluxsearch-merge-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        addTeardownBlock { [dir] in try? FileManager.default.removeItem(at: dir!) }
    }

    func settings(sampling: String = #"{"table":"default"}"#, hash: String = "sha256:abc") -> IndexSettings {
        IndexSettings(modelName: "tiny", modelWeightHash: hash, embedDimension: dimension,
                      preprocessing: #"{"size":224}"#, sampling: sampling)
    }

    /// A unit vector that depends on (video, clip): distinct for every clip.
    func vector(_ video: Int, _ clip: Int) -> [Float] {
        var v = (0..<dimension).map { Float(sin(Double(video * 31 + clip * 7 + $0 * 3) + 0.5)) }
        let n = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
        for i in v.indices { v[i] /= n }
        return v
    }

    /// Writes videos `ids` (each 1 whole clip + 3 segments at budgets 256 and 512, one cue with
    /// a word naming the video) and failures `failed` into `store`.
    func fill(_ store: IndexStore, videos ids: [Int], failed: [Int] = []) throws {
        for i in ids {
            var clips: [ClipDraft] = []
            for budget in [256, 512] {
                clips.append(ClipDraft(start: 0, end: 30, budget: budget, kind: .video, vector: vector(i, budget)))
                for s in 0..<3 {
                    clips.append(ClipDraft(start: Double(s * 10), end: Double(s * 10 + 10), budget: budget, kind: .segment,
                                           vector: vector(i, budget + s + 1)))
                }
            }
            let cue = CueDraft(start: 1, end: 2, text: "the word video\(i) is said here")
            let transcript = TranscriptDraft(source: "/videos/v\(i).srt", kind: .sidecar, format: "srt", cues: [cue])
            _ = try store.replaceVideo(Video(path: "/videos/v\(i).mp4", fingerprint: FileFingerprint(size: Int64(1000 + i), mtime: 1, contentHash: "h\(i)")),
                                       clips: clips, transcripts: TranscriptBatch(drafts: [transcript]))
        }
        for f in failed { try store.recordFailure(path: "/videos/broken\(f).mp4", stage: "decode", reason: "not a video \(f)") }
    }

    func makeShard(_ name: String, shard: IndexShard?, videos: [Int], failed: [Int] = [], settings s: IndexSettings? = nil,
                   budgets: [Int] = [256, 512]) throws -> URL {
        let url = dir.appendingPathComponent(name)
        let store = try IndexStore.create(at: url, settings: s ?? settings(), budgets: budgets)
        if let shard { try store.recordShard(shard) }
        try fill(store, videos: videos, failed: failed)
        return url
    }

    /// Everything a merge must keep, with ids left out.
    func content(_ url: URL) throws -> [String] {
        let store = try IndexStore.open(at: url)
        return try store.database.read { db in
            var out: [String] = []
            for row in try Row.fetchAll(db, sql: """
                SELECT v.path, v.size, v.contentHash, c.kind, c.start, c."end", c.budget, hex(c.embedding) AS e
                FROM clip c JOIN video v ON v.id = c.videoId ORDER BY v.path, c.budget, c.kind, c.start
                """) {
                out.append("clip \(row["path"] as String) \(row["size"] as Int) \(row["contentHash"] as String) \(row["kind"] as String) "
                           + "\(row["start"] as Double) \(row["end"] as Double) \(row["budget"] as Int) \(row["e"] as String)")
            }
            for row in try Row.fetchAll(db, sql: "SELECT path, stage, reason FROM indexingFailure ORDER BY path") {
                out.append("failure \(row["path"] as String) \(row["stage"] as String) \(row["reason"] as String)")
            }
            for row in try Row.fetchAll(db, sql: """
                SELECT v.path, t.source, q.start, q.text FROM cue q JOIN transcript t ON t.id = q.transcriptId
                JOIN video v ON v.id = q.videoId ORDER BY v.path, q.start
                """) {
                out.append("cue \(row["path"] as String) \(row["source"] as String) \(row["start"] as Double) \(row["text"] as String)")
            }
            return out
        }
    }

    func job(_ i: Int, of n: Int = 3, digest: String = "fnv1a64:0000000000000001") -> IndexShard {
        IndexShard(index: i, count: n, fileListDigest: digest)
    }

    func testMergedShardsEqualOneIndexOfEveryVideo() throws {
        let single = dir.appendingPathComponent("single")
        let all = try IndexStore.create(at: single, settings: settings(), budgets: [256, 512])
        try fill(all, videos: Array(0..<9), failed: [0, 1, 2])

        let shards = [try makeShard("s0", shard: job(0), videos: [0, 3, 6], failed: [0]),
                      try makeShard("s1", shard: job(1), videos: [1, 4, 7], failed: [1, 2]),
                      try makeShard("s2", shard: job(2), videos: [2, 5, 8])]
        let target = dir.appendingPathComponent("merged")
        let report = try IndexMerger(shards: shards, into: target).run()
        XCTAssertEqual(report.videos, 9)
        XCTAssertEqual(report.clips, 9 * 8)
        XCTAssertEqual(report.failures, 3)
        XCTAssertEqual(report.missingShards, [])
        XCTAssertEqual(report.shards.map(\.mergedNow), [true, true, true])
        XCTAssertEqual(try content(target), try content(single))

        // The merged index is an ordinary index: transcripts are searchable, FAISS finds each vector.
        let merged = try IndexStore.open(at: target)
        XCTAssertNil(try merged.shard())
        XCTAssertEqual(try merged.searchCues("video7", limit: 5).count, 1)
        let hit = try VectorMirror(store: merged).search(budget: 512, query: vector(5, 512 + 2), k: 1)
        let clip = try merged.clips(ids: hit.map(\.clipId))
        XCTAssertEqual(clip.first?.path, "/videos/v5.mp4")
        XCTAssertEqual(clip.first?.start, 10)
        XCTAssertEqual(Double(hit[0].score), 1, accuracy: 1e-5)
    }

    func testAnInterruptedMergeIsFinishedByRunningItAgain() throws {
        let shards = [try makeShard("s0", shard: job(0), videos: [0, 3], failed: [0]),
                      try makeShard("s1", shard: job(1), videos: [1, 4]),
                      try makeShard("s2", shard: job(2), videos: [2, 5], failed: [2])]
        let reference = dir.appendingPathComponent("reference")
        _ = try IndexMerger(shards: shards, into: reference).run()

        // As a merge killed after its first shard's transaction leaves it.
        let target = dir.appendingPathComponent("merged")
        let partial = try IndexMerger(shards: [shards[0]], into: target).run()
        XCTAssertEqual(partial.missingShards, [1, 2])
        let resumed = try IndexMerger(shards: shards, into: target).run()
        XCTAssertEqual(resumed.shards.map(\.mergedNow), [false, true, true])
        XCTAssertEqual(try content(target), try content(reference))
        // And once more: nothing changes.
        let again = try IndexMerger(shards: shards, into: target).run()
        XCTAssertEqual(again.shards.map(\.mergedNow), [false, false, false])
        XCTAssertEqual(try content(target), try content(reference))
    }

    func testMismatchedShardsAreRefusedBeforeAnythingIsWritten() throws {
        let good = try makeShard("good", shard: job(0), videos: [0])
        let cases: [(URL, String)] = [
            (try makeShard("sampling", shard: job(1), videos: [1], settings: settings(sampling: #"{"table":"other"}"#)), "sampling"),
            (try makeShard("weights", shard: job(1), videos: [1], settings: settings(hash: "sha256:def")), "model weight hash"),
            (try makeShard("budgets", shard: job(1), videos: [], budgets: [256]), "token budgets"),
            (try makeShard("list", shard: job(1, digest: "fnv1a64:0000000000000002"), videos: [1]), "file list"),
            (try makeShard("count", shard: job(1, of: 4), videos: [1]), "file list"),
        ]
        for (shard, field) in cases {
            let target = dir.appendingPathComponent("into-\(shard.lastPathComponent)")
            XCTAssertThrowsError(try IndexMerger(shards: [good, shard], into: target).run(), field) { error in
                guard case .mismatch(_, _, let got, _, _)? = error as? MergeError else { return XCTFail("\(error)") }
                XCTAssertEqual(got, field)
                XCTAssert("\(error)".contains(shard.path), "\(error)")
            }
            XCTAssertFalse(IndexStore.exists(at: target), "nothing may be written for a refused merge")
        }
        let twin = try makeShard("twin", shard: job(0), videos: [5])
        XCTAssertThrowsError(try IndexMerger(shards: [good, twin], into: dir.appendingPathComponent("into-twin")).run()) { error in
            guard case .duplicateShard? = error as? MergeError else { return XCTFail("\(error)") }
        }
        XCTAssertThrowsError(try IndexMerger(shards: [good], into: good).run()) { error in
            XCTAssertEqual(error as? MergeError, .targetIsShard(path: good.path))
        }
        XCTAssertThrowsError(try IndexMerger(shards: [dir.appendingPathComponent("nothing")], into: dir.appendingPathComponent("x")).run()) { error in
            guard case .notAnIndex? = error as? MergeError else { return XCTFail("\(error)") }
        }
    }

    func testALaterShardReplacesTheSameVideo() throws {
        let a = try makeShard("a", shard: nil, videos: [0, 1])
        let b = dir.appendingPathComponent("b")
        let store = try IndexStore.create(at: b, settings: settings(), budgets: [256, 512])
        // Video 1 again, changed: other size and vectors.
        _ = try store.replaceVideo(Video(path: "/videos/v1.mp4", fingerprint: FileFingerprint(size: 5, mtime: 2, contentHash: "new")),
                                   clips: [ClipDraft(start: 0, end: 5, budget: 256, kind: .video, vector: vector(9, 9)),
                                           ClipDraft(start: 0, end: 5, budget: 512, kind: .video, vector: vector(9, 10))])
        let target = dir.appendingPathComponent("merged")
        let report = try IndexMerger(shards: [a, b], into: target).run()
        XCTAssertEqual(report.videos, 2)
        let merged = try IndexStore.open(at: target)
        let clips = try merged.allClips(budget: 256).filter { $0.path == "/videos/v1.mp4" }
        XCTAssertEqual(clips.count, 1)
        XCTAssertEqual(clips.first?.end, 5)
        XCTAssertEqual(try merged.searchCues("video1", limit: 5).count, 0, "the replaced video's cues go with it")
    }

    func testAShardRunCannotWriteIntoAnOrdinaryIndexNorTheOtherWay() throws {
        let ordinary = dir.appendingPathComponent("ordinary")
        try fill(try IndexStore.create(at: ordinary, settings: settings(), budgets: [256, 512]), videos: [0])
        XCTAssertThrowsError(try Indexer.checkShard(job(0), store: try IndexStore.open(at: ordinary))) { error in
            guard case .notAShard? = error as? IndexRequestError else { return XCTFail("\(error)") }
        }
        let shard = try makeShard("shard", shard: job(1), videos: [])
        XCTAssertThrowsError(try Indexer.checkShard(nil, store: try IndexStore.open(at: shard))) { error in
            guard case .isAShard? = error as? IndexRequestError else { return XCTFail("\(error)") }
        }
        XCTAssertThrowsError(try Indexer.checkShard(job(2), store: try IndexStore.open(at: shard)))
        XCTAssertNoThrow(try Indexer.checkShard(job(1), store: try IndexStore.open(at: shard)))
        // A new, empty folder becomes the shard and records it.
        let fresh = try IndexStore.create(at: dir.appendingPathComponent("fresh"), settings: settings(), budgets: [256])
        try Indexer.checkShard(job(2), store: fresh)
        XCTAssertEqual(try fresh.shard(), job(2))
    }
}
