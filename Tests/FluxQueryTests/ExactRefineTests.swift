import XCTest
import FluxCore
import FluxModels
import FluxStore
import FluxTestSupport
@testable import FluxQuery

/// ``ExactRefine`` alone, and in the ``Retriever`` on an index whose FAISS factory is compressed
/// (IVF16,PQ8): the results come back in exact cosine order, with exact cosines.
final class ExactRefineTests: XCTestCase {
    static let e = 64

    func testRescoresByExactDotProductsTiesByIdAndDropsMissingVectors() throws {
        let q: [Float] = [1, 0]
        let stored: [Int64: [Float]] = [1: [0.5, 0.5], 2: [0.9, 0.1], 3: [0.5, -0.5], 4: [0.1, 0.9]]
        let candidates = [ClipHit(clipId: 4, score: 0.99), ClipHit(clipId: 3, score: 0.8), ClipHit(clipId: 1, score: 0.7),
                          ClipHit(clipId: 2, score: 0.1), ClipHit(clipId: 9, score: 0.95)]
        var asked: [Int64] = []
        let out = try ExactRefine.rescore(candidates, query: q) { ids in
            asked = ids
            return stored
        }
        XCTAssertEqual(asked, [4, 3, 1, 2, 9], "one call with every candidate")
        XCTAssertEqual(out, [ClipHit(clipId: 2, score: 0.9), ClipHit(clipId: 1, score: 0.5), ClipHit(clipId: 3, score: 0.5),
                             ClipHit(clipId: 4, score: 0.1)], "exact order, ties by id, 9 (no vector) dropped")
        XCTAssertEqual(try ExactRefine.rescore([], query: q) { _ in XCTFail("not called"); return [:] }, [])
    }

    func testAVectorOfAnotherLengthIsAnError() {
        XCTAssertThrowsError(try ExactRefine.rescore([ClipHit(clipId: 1, score: 0)], query: [1, 0]) { _ in [1: [1, 0, 0]] }) { error in
            XCTAssertEqual("\(error)".contains("clip 1 has a vector of 3 floats, the query 2"), true, "\(error)")
        }
    }

    func testRetrieverOnAProductQuantizedIndexReturnsExactCosineOrder() throws {
        let fixtures = try TestFixtures()
        defer { fixtures.remove() }
        let model = try fixtures.tinyModel()
        let settings = IndexSettings(modelName: "tiny-random", modelWeightHash: try model.weightHash(), embedDimension: Self.e,
                                     preprocessing: "{}", sampling: "{}", faissFactory: "IVF16,PQ8")
        let store = try IndexStore.create(at: fixtures.url("index"), settings: settings, budgets: [256])
        // 1,500 clustered vectors (30 centres): above IVF16,PQ8's training threshold of 624.
        let data = SyntheticVectors(seed: 11, dimension: Self.e, clusters: 30)
        for v in 0..<75 {
            let rows = data.vectors(from: v * 20, count: 20)
            let drafts = (0..<20).map { c in
                ClipDraft(start: Double(c), end: Double(c + 1), budget: 256, kind: .segment,
                          vector: Array(rows[(c * Self.e)..<((c + 1) * Self.e)]))
            }
            try store.replaceVideo(Video(path: "/videos/\(v).mp4", fingerprint: FileFingerprint(size: 1, mtime: 1, contentHash: "\(v)")),
                                   clips: drafts)
        }
        let mirror = VectorMirror(store: store, nprobe: 16)
        XCTAssertEqual(try mirror.effectiveFactory(budget: 256), "IVF16,PQ8")
        let encoder = TextEncoder(tokenizer: try BPETokenizer(), tower: try model.textTower())
        let retriever = Retriever(store: store, mirror: mirror, encoder: encoder)

        let stored = try store.embeddings(budget: 256)
        let vectors = Dictionary(uniqueKeysWithValues: (0..<stored.count).map { (stored.ids[$0], stored.vector(at: $0)) })
        func dot(_ a: [Float], _ b: [Float]) -> Float { zip(a, b).map(*).reduce(0, +) }
        var approximateScores = 0
        for source in [3, 500, 1_234] {
            let q = data.perturbed(data.vectors(from: source, count: 1), firstIndex: source, noise: 0.3)
            for mode in [RerankMode.none, .dsl] {
                var options = QueryOptions()
                options.k = 20
                options.perVideo = false
                options.rerank = mode
                options.moments = 0
                let result = try retriever.search(vector: q, label: "near \(source)", options: options)
                XCTAssertEqual(result.hits.count, 20)
                XCTAssertEqual(result.refinedExact, result.candidates, "the whole pool was re-scored")
                for hit in result.hits {
                    XCTAssertEqual(hit.cosine, dot(vectors[hit.clipId]!, q), accuracy: 1e-5, "exact cosine of clip \(hit.clipId)")
                }
                // With an empty caption bank the weights are equal, so both modes rank by cosine.
                let exact = vectors.map { (id: $0.key, cosine: dot($0.value, q)) }
                    .sorted { $0.cosine != $1.cosine ? $0.cosine > $1.cosine : $0.id < $1.id }
                XCTAssertEqual(result.hits.map(\.clipId), exact.prefix(20).map(\.id), "exact top 20 in exact order (\(mode))")
            }
            // The index itself scores approximately: the refine is what makes the order exact.
            for hit in try mirror.search(budget: 256, query: q, k: 20) where abs(hit.score - dot(vectors[hit.clipId]!, q)) > 1e-4 {
                approximateScores += 1
            }
        }
        XCTAssertGreaterThan(approximateScores, 0, "PQ scores differ from the exact ones")

        let json = String(decoding: try JSONEncoder().encode(try retriever.search(vector: stored.vector(at: 0), label: "x", options: QueryOptions())), as: UTF8.self)
        XCTAssertTrue(json.contains("\"refined_exact\":"), json)
    }
}
