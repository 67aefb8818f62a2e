import XCTest
import FluxCore
import FluxStore
@testable import FluxQuery

/// The `bench query` code path at 100,000 vectors (512-d), as CI runs it: vectors generated in
/// chunks and by id, exact ground truth chunk by chunk, a product-quantized index, the exact
/// refine. Asserts recall, never timings.
final class QueryBenchmarkTests: XCTestCase {

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
    func testAt100kVectorsRefineReachesRecall90AndNeverLowersIt() throws {
        var bench = QueryBenchmark()
        bench.queries = 50
        bench.chunk = 25_000          // four chunks: the ground truth is merged across them
        // The default factory and nprobe, as `bench query`; two shortlists on the one index.
        let results = try bench.run(vectors: 100_000, nprobes: [bench.nprobe], refines: [bench.refine, 400])
        XCTAssertEqual(results.map(\.refine), [100, 400])
        XCTAssertEqual(results[1].buildSeconds, results[0].buildSeconds, "one build serves every operating point")
        // A longer shortlist holds the shorter one, so its exact top 10 can only be better.
        XCTAssertGreaterThanOrEqual(results[1].refinedRecallAt10, results[0].refinedRecallAt10)
        let r = results[0]
        XCTAssertEqual(r.vectors, 100_000)
        XCTAssertEqual(r.factory, "IVF512,PQ64")
        XCTAssertEqual(r.nprobe, 32)
        XCTAssertEqual(r.trainVectors, 512 * 64)
        XCTAssertGreaterThan(r.indexFileBytes, 100_000 * (64 + 8), "codes and ids on disk")
        XCTAssertGreaterThanOrEqual(r.refinedRecallAt10, 0.90, "recall@10 with exact refine: \(r.refinedRecallAt10)")
        XCTAssertGreaterThanOrEqual(r.refinedRecallAt10, r.recallAt10, "the refine never lowers recall")
        print("bench query at 100k: recall@10 \(r.recallAt10) → \(r.refinedRecallAt10) with refine; train \(r.trainSeconds) s, add \(r.addSeconds) s")
    }

    func testDefaultFactoryScalesItsListsWithTheSize() {
        XCTAssertEqual(QueryBenchmark.defaultFactory(vectors: 1_000), "IVF16,PQ64")
        XCTAssertEqual(QueryBenchmark.defaultFactory(vectors: 100_000), "IVF512,PQ64")
        XCTAssertEqual(QueryBenchmark.defaultFactory(vectors: 1_000_000), "IVF4096,PQ64")
        XCTAssertEqual(QueryBenchmark.defaultFactory(vectors: 10_000_000), "IVF4096,PQ64")
    }

    func testTooFewVectorsForTheFactoryIsAClearError() {
        var bench = QueryBenchmark()
        bench.factory = "IVF4096,PQ64"
        XCTAssertThrowsError(try bench.run(vectors: 10_000)) { error in
            XCTAssertEqual(error as? QueryBenchmarkError, .tooFewVectors(factory: "IVF4096,PQ64", vectors: 10_000, needed: 159_744))
            XCTAssertEqual("\(error)", "IVF4096,PQ64 needs at least 159744 vectors to train, got 10000; pass a larger --vectors or a factory with fewer IVF lists")
        }
    }

    func testSyntheticVectorsAreRandomAccessByIdAndUnit() {
        let data = SyntheticVectors(seed: 3, dimension: 48, clusters: 7)
        let chunk = data.vectors(from: 100, count: 50)
        let strided = data.vectors(from: 100, count: 10, stride: 5)
        let byId = data.vectors(ids: [100, 149, 125])
        XCTAssertEqual(byId[100]!, Array(chunk[0..<48]))
        XCTAssertEqual(byId[149]!, Array(chunk[(49 * 48)..<(50 * 48)]))
        XCTAssertEqual(Array(strided[48..<96]), Array(chunk[(5 * 48)..<(6 * 48)]))
        XCTAssertNotEqual(byId[125]!, byId[100]!)
        for i in 0..<50 {
            let norm = chunk[(i * 48)..<((i + 1) * 48)].map { $0 * $0 }.reduce(0, +)
            XCTAssertEqual(norm, 1, accuracy: 1e-5)
        }
        XCTAssertNotEqual(SyntheticVectors(seed: 4, dimension: 48, clusters: 7).vectors(from: 100, count: 1), byId[100]!)
    }

    func testExactTopKOverChunksEqualsABruteForceScan() {
        let e = 16
        let data = SyntheticVectors(seed: 5, dimension: e, clusters: 4)
        let all = data.vectors(from: 0, count: 1000)
        let queries = data.perturbed(data.vectors(from: 10, count: 3), firstIndex: 0, noise: 0.3)
        var top = ExactTopK(queries: queries, dimension: e, k: 10)
        for start in stride(from: 0, to: 1000, by: 300) {
            let count = min(300, 1000 - start)
            all[(start * e)..<((start + count) * e)].withUnsafeBufferPointer { top.add($0, firstId: Int64(start)) }
        }
        for q in 0..<3 {
            var scores = [Float](repeating: 0, count: 1000)
            for i in 0..<1000 {
                for j in 0..<e { scores[i] += all[i * e + j] * queries[q * e + j] }
            }
            let order = (0..<1000).sorted { (a: Int, b: Int) -> Bool in scores[a] != scores[b] ? scores[a] > scores[b] : a < b }
            let want: [Int64] = order.prefix(10).map { Int64($0) }
            XCTAssertEqual(top.ids()[q], want)
        }
    }
}
