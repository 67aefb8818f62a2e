import Foundation
import XCTest
@testable import FluxStore

/// Product-quantized factories end to end through the mirror (FAISS 1.7.3): trained on a sample
/// from SQLite once the budget is large enough, searched, written and read back, updated
/// incrementally, searched with a selection, and reported as not exact.
final class VectorMirrorProductQuantizationTests: StoreTestCase {
    static let e = 64
    /// IVF16 with PQ needs max(39 × 16, 256) = 624 vectors; each video adds 20.
    static let videos = 40

    /// FAISS's OpenMP pool as the CLI runs it (1 thread): PQ and OPQ training on a busy 2-core
    /// machine is many times slower with spinning OpenMP threads.
    private var openMPThreads = 0
    override func setUp() {
        super.setUp()
        openMPThreads = FaissThreads.openMPThreads
        FaissThreads.setOpenMPThreads(1)
    }
    override func tearDown() {
        FaissThreads.setOpenMPThreads(openMPThreads)
        super.tearDown()
    }

    /// Unit vectors around 20 centres (noise of norm ~0.8), so that neighbours are meaningful.
    func clustered(_ count: Int, seed: UInt64) -> [[Float]] {
        var rng = StoreTestRandom(seed: seed)
        func unit(_ v: [Float]) -> [Float] {
            let n = v.map { $0 * $0 }.reduce(0, +).squareRoot()
            return v.map { $0 / n }
        }
        let centres = (0..<20).map { _ in unit((0..<Self.e).map { _ in rng.nextFloat() }) }
        return (0..<count).map { _ in
            let c = centres[rng.next(below: centres.count)]
            return unit((0..<Self.e).map { c[$0] + 0.8 * 1.7 * rng.nextFloat() / Float(Self.e).squareRoot() })
        }
    }

    func makePQStore(factory: String) throws -> IndexStore {
        let store = try IndexStore.create(at: indexDir, settings: makeSettings(dimension: Self.e, factory: factory), budgets: [256])
        let vectors = clustered(Self.videos * 20, seed: 7)
        for v in 0..<Self.videos {
            let drafts = (0..<20).map { c in
                ClipDraft(start: Double(c), end: Double(c + 1), budget: 256, kind: c == 0 ? .video : .segment,
                          vector: vectors[v * 20 + c])
            }
            try store.replaceVideo(video("/v/\(v).mp4", v), clips: drafts)
        }
        return store
    }

    func dot(_ a: [Float], _ b: [Float]) -> Float { zip(a, b).map(*).reduce(0, +) }

    func checkFactory(_ factory: String, file: StaticString = #filePath, line: UInt = #line) throws {
        try? FileManager.default.removeItem(at: indexDir)
        XCTAssertEqual(try FaissFactory.trainingThreshold(for: factory, dimension: Self.e), 624, factory, file: file, line: line)
        XCTAssertEqual(try FaissFactory.trainingSampleSize(for: factory, count: 800, dimension: Self.e), 800, factory, file: file, line: line)
        let store = try makePQStore(factory: factory)
        let mirror = VectorMirror(store: store, nprobe: 16)
        XCTAssertEqual(try mirror.load(budget: 256).count, Self.videos * 20, factory, file: file, line: line)
        XCTAssertEqual(try mirror.effectiveFactory(budget: 256), factory, file: file, line: line)
        XCTAssertFalse(FaissFactory.isExact(factory))

        // A stored vector finds itself first; its score is approximate (codes, not floats).
        let matrix = try store.embeddings(budget: 256)
        let q = matrix.vector(at: 123)
        let hits = try mirror.search(budget: 256, query: q, k: 10)
        XCTAssertEqual(hits.first?.clipId, matrix.ids[123], factory, file: file, line: line)
        XCTAssertEqual(hits.first?.score ?? 0, 1, accuracy: 0.25, factory, file: file, line: line)

        // Another process reads the file (same results), and nprobe is applied to it.
        let reloaded = VectorMirror(store: try IndexStore.open(at: indexDir), nprobe: 16)
        XCTAssertEqual(try reloaded.search(budget: 256, query: q, k: 10), hits, factory, file: file, line: line)

        // A selection inside FAISS (OPQ: through the transform).
        let selection = Array(matrix.ids[200..<260])
        let selected = try mirror.search(budget: 256, query: q, k: 5, selecting: selection)
        XCTAssertEqual(selected.count, 5, factory, file: file, line: line)
        XCTAssertTrue(selected.allSatisfy { selection.contains($0.clipId) }, factory, file: file, line: line)

        // Removing a video updates the index in place (IVF lists support removal).
        let log = VectorMirrorTests.LogLines()
        let logged = VectorMirror(store: store, nprobe: 16, log: log.sink)
        _ = try logged.load(budget: 256)
        try store.removeVideos(paths: ["/v/0.mp4"])
        XCTAssertEqual(try logged.load(budget: 256).count, Self.videos * 20 - 20, factory, file: file, line: line)
        XCTAssertEqual(log.lines, [], "incremental, no rebuild: \(factory)", file: file, line: line)
    }

    func testIVFPQTrainsSearchesPersistsAndUpdates() throws { try checkFactory("IVF16,PQ8") }

    func testOPQIVFPQTrainsSearchesPersistsAndUpdates() throws { try checkFactory("OPQ8,IVF16,PQ8") }

    func testIVFWithHNSWQuantizerAndPQTrainsSearchesPersistsAndUpdates() throws {
        XCTAssertTrue(FaissFactory.supportsRemoval("IVF16_HNSW32,PQ8"))
        XCTAssertFalse(FaissFactory.supportsRemoval("HNSW32"))
        try checkFactory("IVF16_HNSW32,PQ8")
    }

    func testBelowTheThresholdTheMirrorStaysFlatAndExact() throws {
        let store = try IndexStore.create(at: indexDir, settings: makeSettings(dimension: Self.e, factory: "IVF16,PQ8"), budgets: [256])
        let vectors = clustered(600, seed: 3)
        try store.replaceVideo(video("/v/a.mp4"), clips: vectors.enumerated().map {
            ClipDraft(start: Double($0.offset), end: Double($0.offset + 1), budget: 256, kind: .segment, vector: $0.element)
        })
        let mirror = VectorMirror(store: store)
        XCTAssertEqual(try mirror.effectiveFactory(budget: 256), "Flat")
        XCTAssertTrue(FaissFactory.isExact("Flat"))
        let hit = try XCTUnwrap(try mirror.search(budget: 256, query: vectors[5], k: 1).first)
        XCTAssertEqual(hit.score, 1, accuracy: 1e-5)
    }

    func testTrainingSampleSizes() throws {
        // 64 per IVF list, at least the threshold, never more than the vectors.
        XCTAssertEqual(try FaissFactory.trainingSampleSize(for: "IVF4096,PQ64", count: 10_000_000, dimension: 512), 262_144)
        XCTAssertEqual(try FaissFactory.trainingSampleSize(for: "IVF4096,PQ64", count: 200_000, dimension: 512), 200_000)
        // IVF65536 needs 39 per list (2.6M vectors) even past the 1 GiB cap.
        XCTAssertEqual(try FaissFactory.trainingSampleSize(for: "OPQ64,IVF65536,PQ64", count: 10_000_000, dimension: 512), 39 * 65_536)
        XCTAssertEqual(try FaissFactory.trainingThreshold(for: "OPQ64,IVF65536,PQ64", dimension: 512), 39 * 65_536)
        // PQ alone: 65,536.
        XCTAssertEqual(try FaissFactory.trainingSampleSize(for: "PQ16", count: 1_000_000, dimension: 64), 65_536)
    }
}
