import XCTest
import FluxModels
import FluxStore
import FluxTestSupport
@testable import FluxQuery

/// The retriever on a hand-made store whose vectors are known: ranking, grouping per video,
/// the score floor, budget choice.
final class RetrieverTests: XCTestCase {
    var fixtures: TestFixtures!
    var store: IndexStore!
    var retriever: Retriever!
    static let e = 32

    /// The unit vector along axis `i`, tilted towards axis 0 by `t`.
    static func vector(_ i: Int, tilt t: Float = 0) -> [Float] {
        var v = [Float](repeating: 0, count: e)
        v[i] = 1
        v[0] += t
        let n = (v.map { $0 * $0 }.reduce(0, +)).squareRoot()
        return v.map { $0 / n }
    }

    override func setUpWithError() throws {
        fixtures = try TestFixtures()
        let model = try fixtures.tinyModel()
        let settings = IndexSettings(modelName: "tiny-random", modelWeightHash: try model.weightHash(), embedDimension: Self.e,
                                     preprocessing: "{}", sampling: "{}")
        store = try IndexStore.create(at: fixtures.url("index"), settings: settings, budgets: [128, 256])
        // Video 1: a whole clip close to axis 0 and a segment closer still; video 2: further;
        // video 3: orthogonal. Each at 256 tokens; video 1 also at 128.
        func add(_ name: String, _ clips: [(Double, Double, Int, Clip.Kind, [Float])]) throws {
            try store.replaceVideo(Video(path: "/videos/\(name)", fingerprint: FileFingerprint(size: 1, mtime: 1, contentHash: name)),
                                   clips: clips.map { ClipDraft(start: $0.0, end: $0.1, budget: $0.2, kind: $0.3, vector: $0.4) })
        }
        try add("one.mp4", [(0, 10, 256, .video, Self.vector(1, tilt: 2)), (2, 4, 256, .segment, Self.vector(1, tilt: 4)),
                            (0, 10, 128, .video, Self.vector(1, tilt: 2))])
        try add("two.mp4", [(0, 5, 256, .video, Self.vector(2, tilt: 3))])
        try add("three.mp4", [(0, 5, 256, .video, Self.vector(3))])
        let encoder = TextEncoder(tokenizer: try BPETokenizer(), tower: try model.textTower())
        retriever = Retriever(store: store, mirror: VectorMirror(store: store), encoder: encoder)
    }

    override func tearDown() { fixtures.remove() }

    func testRanksByCosineKeepingTheBestClipOfEachVideo() throws {
        let q = Self.vector(0)
        let result = try retriever.search(vector: q, label: "axis 0", options: QueryOptions())
        XCTAssertEqual(result.budget, 256, "the largest budget by default")
        XCTAssertEqual(result.hits.map(\.path), ["/videos/one.mp4", "/videos/two.mp4", "/videos/three.mp4"])
        XCTAssertEqual(result.hits[0].kind, "segment", "the segment is closer than its video's whole clip")
        XCTAssertEqual([result.hits[0].start, result.hits[0].end], [2, 4])
        XCTAssertEqual(result.hits[0].cosine, 4 / Float(17).squareRoot(), accuracy: 1e-6)
        XCTAssertEqual(result.hits[2].cosine, 0, accuracy: 1e-6)

        var all = QueryOptions()
        all.perVideo = false
        XCTAssertEqual(try retriever.search(vector: q, label: "", options: all).hits.count, 4)
    }

    func testMinScoreKAndBudget() throws {
        var options = QueryOptions()
        options.minScore = 0.5
        XCTAssertEqual(try retriever.search(vector: Self.vector(0), label: "", options: options).hits.count, 2)
        options = QueryOptions()
        options.k = 1
        options.budget = 128
        let small = try retriever.search(vector: Self.vector(0), label: "", options: options)
        XCTAssertEqual(small.hits.map(\.budget), [128])
        XCTAssertEqual(small.hits.map(\.path), ["/videos/one.mp4"])
        XCTAssertEqual(try retriever.resolveBudget(nil), 256)
        XCTAssertThrowsError(try retriever.resolveBudget(512))
    }

    func testTheBankReranksAHubDown() throws {
        // A bank caption along video one's segment: one matches it better than the query
        // (cosine 1 against 0.970), two less (0.920 against 0.949), so one drops below two.
        _ = try store.addBankEntries(texts: ["hub"], source: "test")
        try store.setBankEmbeddings(Dictionary(uniqueKeysWithValues: try store.bankEntries().compactMap { $0.id }.map { ($0, Self.vector(1, tilt: 4)) }))
        retriever.invalidateBank()
        var options = QueryOptions()
        options.temperature = 0.05
        XCTAssertEqual(try retriever.search(vector: Self.vector(0), label: "", options: { var o = options; o.rerank = RerankMode.none; return o }()).hits.first?.path,
                       "/videos/one.mp4", "by cosine, one comes first (0.970 against 0.949)")
        let result = try retriever.search(vector: Self.vector(0), label: "", options: options)
        XCTAssertEqual(result.rerank, .dsl)
        XCTAssertEqual(result.bankSize, 1)
        XCTAssertEqual(result.hits.map(\.path).first, "/videos/two.mp4")
    }
}
