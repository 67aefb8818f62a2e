import XCTest
import FluxIndex
import FluxModels
import FluxStore
import FluxTestSupport
@testable import FluxQuery

/// `SearchSession.duplicateClusters` on an index whose vectors are made by hand (one real clip
/// indexed with the tiny random model sets the index up; the other videos are stored directly
/// with chosen whole-video and segment vectors): links at the threshold (inclusive), chains
/// joined by union-find, segment clips ignored, the longest (then earliest) video first,
/// clusters ordered by size, best similarity and path, and the flat fallback for HNSW.
final class DuplicateClustersTests: XCTestCase {
    var fixtures: TestFixtures!
    var model: ModelDirectory!
    var store: IndexStore!
    var index: URL { fixtures.url("index") }
    let budget = 256
    var e: Int { store.embedDimension }

    override func setUpWithError() throws {
        fixtures = try TestFixtures()
        model = try fixtures.tinyModel()
        try fixtures.clip("clips/real.mp4", colour: "red")
        let summary = try Indexer.open(index: index, modelURL: model.url, request: Indexer.Request(budgets: [budget]))
            .run(paths: [fixtures.url("clips").path])
        XCTAssertEqual(summary.indexed.count, 1)
        store = try IndexStore.open(at: index)

        // In the plane of axes 4 and 5: c1 ~ c2 and c2 ~ c3 (cosine 0.999), c1 and c3 at 0.996.
        let theta = acos(0.999)
        let a = unit([0: 1]), b = unit([3: 1])
        try add("a.mp4", a, duration: 10, indexedAt: 1000)
        try add("a-reencode.avi", unit([0: 1, 1: 0.01]), duration: 10, indexedAt: 2000)
        try add("a-trim.mp4", unit([0: 1, 2: 0.03]), duration: 8, indexedAt: 500)
        try add("b.mp4", b, duration: 5, indexedAt: 1000)
        try add("b-copy.mp4", b, duration: 5, indexedAt: 1500)
        for (i, name) in ["c1.mp4", "c2.mp4", "c3.mp4"].enumerated() {
            let angle = Float(i) * Float(theta)
            try add(name, unit([4: cos(angle), 5: sin(angle)]), duration: 6, indexedAt: 1000 + Double(i))
        }
        // d is alone, but has segments equal to a's and b's vectors: segments never link videos.
        try add("d.mp4", unit([6: 1]), duration: 20, indexedAt: 1000, segments: [a, b])
    }

    override func tearDown() { fixtures.remove() }

    /// A unit vector of the index's dimension with the given components.
    func unit(_ components: [Int: Float]) -> [Float] {
        var v = [Float](repeating: 0, count: e)
        for (i, x) in components { v[i] = x }
        let norm = v.map { $0 * $0 }.reduce(0, +).squareRoot()
        return v.map { $0 / norm }
    }

    /// Stores a video at /dedupe/`name` with its whole-video vector and 1 s segments.
    func add(_ name: String, _ vector: [Float], duration: Double, indexedAt: Double, segments: [[Float]] = []) throws {
        let video = Video(path: "/dedupe/\(name)", fingerprint: FileFingerprint(size: 1, mtime: 0, contentHash: name),
                          metadata: VideoMetadata(duration: duration), indexedAt: Date(timeIntervalSince1970: indexedAt))
        var clips = [ClipDraft(start: 0, end: duration, budget: budget, kind: .video, vector: vector)]
        for (i, s) in segments.enumerated() {
            clips.append(ClipDraft(start: Double(i), end: Double(i + 1), budget: budget, kind: .segment, vector: s))
        }
        try store.replaceVideo(video, clips: clips)
    }

    /// The cosine of the stored whole-video vectors of two of the videos made by hand.
    func storedCosine(_ x: String, _ y: String) throws -> Float {
        let clips = try store.allClips(budget: budget).filter { $0.kind == .video }
        let idX = try XCTUnwrap(clips.first { $0.path == "/dedupe/\(x)" }?.id)
        let idY = try XCTUnwrap(clips.first { $0.path == "/dedupe/\(y)" }?.id)
        let vectors = try store.vectors(clipIds: [idX, idY])
        return NearDuplicates.similarity(vectors[idX]!, vectors[idY]!)
    }

    func session() throws -> SearchSession { try SearchSession.open(index: index, model: model.url) }

    func names(_ cluster: DedupeReport.Cluster) -> [String] { cluster.videos.map { URL(fileURLWithPath: $0.path).lastPathComponent } }

    func testClustersAreLinkedOrderedAndLedByTheLongestVideo() throws {
        let report = try session().duplicateClusters(threshold: 0.998, budget: nil)
        XCTAssertEqual(report.budget, budget)
        XCTAssertEqual(report.threshold, 0.998)
        XCTAssertEqual(report.videosScanned, 10, "the real clip and nine made by hand")
        // Two clusters of 3 (a's has the better best similarity, 0.99995 against 0.999), then b's.
        XCTAssertEqual(report.clusters.map(names), [["a.mp4", "a-reencode.avi", "a-trim.mp4"],
                                                    ["c1.mp4", "c2.mp4", "c3.mp4"],
                                                    ["b.mp4", "b-copy.mp4"]])
        let (a, c, b) = (report.clusters[0], report.clusters[1], report.clusters[2])
        // a.mp4 and a-reencode.avi are both 10 s long: the earlier indexed leads; the 8 s trim,
        // indexed earliest of all, does not.
        XCTAssertEqual(a.videos.map(\.duration), [10, 10, 8])
        XCTAssertEqual(a.videos[0].similarity, 1)
        XCTAssertEqual(a.videos[1].similarity, 1 / Float(1.0001).squareRoot(), accuracy: 1e-6)
        XCTAssertEqual(a.videos[2].similarity, 1 / Float(1.0009).squareRoot(), accuracy: 1e-6)
        // c3 joined through c2: its cosine with the first member is below the threshold.
        XCTAssertEqual(c.videos[1].similarity, 0.999, accuracy: 1e-5)
        XCTAssertEqual(c.videos[2].similarity, 0.996, accuracy: 1e-5)
        XCTAssertLessThan(c.videos[2].similarity, report.threshold)
        XCTAssertEqual(b.videos.map(\.similarity), [1, 1])
        let ids = try store.videos().reduce(into: [String: Int64]()) { $0[$1.path] = $1.id }
        XCTAssertEqual(b.videos.map(\.videoId), [ids["/dedupe/b.mp4"]!, ids["/dedupe/b-copy.mp4"]!])
        XCTAssertFalse(report.clusters.contains { names($0).contains("d.mp4") }, "d's segments equal a and b but do not count")
    }

    func testThresholdIsInclusiveAndBudgetIsChecked() throws {
        let session = try self.session()
        // Only the byte-identical vectors reach 1.
        XCTAssertEqual(try session.duplicateClusters(threshold: 1, budget: 256).clusters.map(names), [["b.mp4", "b-copy.mp4"]])
        // At exactly the stored cos(c1, c2) they are linked; one step above, they are not.
        let cosine = try storedCosine("c1.mp4", "c2.mp4")
        XCTAssertEqual(cosine, 0.999, accuracy: 1e-5)
        let at = try session.duplicateClusters(threshold: cosine, budget: nil)
        XCTAssertTrue(at.clusters.contains { names($0).starts(with: ["c1.mp4", "c2.mp4"]) }, "\(at.clusters.map(names))")
        let above = try session.duplicateClusters(threshold: cosine.nextUp, budget: nil)
        XCTAssertFalse(above.clusters.contains { Set(names($0)).isSuperset(of: ["c1.mp4", "c2.mp4"]) }, "\(above.clusters.map(names))")
        // a-reencode (0.99995) stays; b's copy (1) comes first.
        XCTAssertEqual(try session.duplicateClusters(threshold: 0.9999, budget: nil).clusters.map(names),
                       [["b.mp4", "b-copy.mp4"], ["a.mp4", "a-reencode.avi"]])
        // Low enough to link everything of one plane, not the orthogonal videos.
        let loose = try session.duplicateClusters(threshold: 0.99, budget: nil)
        XCTAssertEqual(loose.clusters.map(\.videos.count), [3, 3, 2])

        XCTAssertThrowsError(try session.duplicateClusters(threshold: 0.998, budget: 512)) { error in
            XCTAssertEqual(error as? QueryError, .budgetNotIndexed(requested: 512, available: [256]))
        }
    }

    /// HNSW has no range search in FAISS 1.7.3: the session searches a flat index of the
    /// whole-video vectors instead, with the same result.
    func testAnHNSWIndexGivesTheSameClusters() throws {
        let flat = try session().duplicateClusters(threshold: 0.998, budget: nil)
        try store.updateFaissOptions(factory: "HNSW32")
        let hnsw = try session().duplicateClusters(threshold: 0.998, budget: nil)
        XCTAssertEqual(hnsw, flat)
    }

    func testReportJSONKeys() throws {
        let report = DedupeReport(threshold: 0.5, budget: 256, videosScanned: 3, clusters: [
            DedupeReport.Cluster(videos: [DedupeReport.Member(videoId: 1, path: "a", duration: 2, similarity: 1),
                                          DedupeReport.Member(videoId: 2, path: "b", duration: nil, similarity: 0.75)])])
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let json = String(decoding: try encoder.encode(report), as: UTF8.self)
        XCTAssertEqual(json, #"{"budget":256,"clusters":[{"videos":[{"duration":2,"path":"a","similarity":1,"video_id":1},{"duration":null,"path":"b","similarity":0.75,"video_id":2}]}],"threshold":0.5,"videos_scanned":3}"#)
        XCTAssertEqual(try JSONDecoder().decode(DedupeReport.self, from: Data(json.utf8)), report)
    }
}
