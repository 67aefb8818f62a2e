import XCTest
import FluxIndex
import FluxIngest
import FluxModels
import FluxStore
import FluxTestSupport
@testable import FluxQuery

/// Query arithmetic on a small real index (the tiny random model): the combined query's scores
/// equal a NumPy computation of the same arithmetic on the same unit vectors; adding a video
/// moves that video up; `--exclude` drops look-alikes.
final class QueryArithmeticTests: XCTestCase {
    var fixtures: TestFixtures!
    var model: ModelDirectory!
    var index: URL { fixtures.url("index") }

    override func setUpWithError() throws {
        fixtures = try TestFixtures()
        model = try fixtures.tinyModel()
        for colour in ["red", "green", "blue", "yellow", "white", "black"] { try fixtures.clip("clips/\(colour).mp4", colour: colour) }
        let summary = try Indexer.open(index: index, modelURL: model.url, request: Indexer.Request(budgets: [256]))
            .run(paths: [fixtures.url("clips").path])
        XCTAssertEqual(summary.indexed.count, 6)
    }

    override func tearDown() { fixtures.remove() }

    func options() -> QueryOptions {
        var o = QueryOptions()
        o.k = 100
        o.rerank = RerankMode.none
        o.moments = 0
        return o
    }

    /// NumPy: q = Σ wᵢ·tᵢ / ‖Σ wᵢ·tᵢ‖, then q · v for every clip vector.
    func numpyScores(terms: [([Float], Float)], clips: [Int64: [Float]]) throws -> [Int64: Double] {
        struct Input: Encodable { let terms: [[Float]]; let weights: [Float]; let ids: [Int64]; let clips: [[Float]] }
        let ids = clips.keys.sorted()
        let input = Input(terms: terms.map(\.0), weights: terms.map(\.1), ids: ids, clips: ids.map { clips[$0]! })
        let inURL = fixtures.url("arith.json")
        try JSONEncoder().encode(input).write(to: inURL)
        let script = """
            import json, sys
            import numpy as np
            d = json.load(open(sys.argv[1]))
            t = np.array(d["terms"], dtype=np.float64); w = np.array(d["weights"], dtype=np.float64)
            q = (w[:, None] * t).sum(0); q /= np.linalg.norm(q)
            s = np.array(d["clips"], dtype=np.float64) @ q
            print(json.dumps({str(i): float(x) for i, x in zip(d["ids"], s)}))
            """
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", "-c", script, inURL.path]
        let pipe = Pipe()
        p.standardOutput = pipe
        try p.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0, "python3 with numpy (Tools/setup installs it)")
        let raw = try JSONDecoder().decode([String: Double].self, from: data)
        return Dictionary(uniqueKeysWithValues: raw.map { (Int64($0.key)!, $0.value) })
    }

    func testCombinedScoresMatchNumPyAndPlusVideoMovesThatVideoUp() throws {
        let session = try SearchSession.open(index: index, model: model.url)
        let store = session.store
        let infos = try store.allClips(budget: 256)
        let vectors = try store.vectors(clipIds: infos.map(\.id))
        let encoder = try session.textEncoder()
        let main = "a coloured box on a test pattern", minus = "a green square"
        let t = try encoder.encode(main), m = try encoder.encode(minus)

        // The video added moves up; it is chosen by rule before any arithmetic runs.
        let plain = try session.search(.text(main), options: options())
        let added = try XCTUnwrap(plain.hits.last).clipId   // the video ranked last for the main text

        var o = options()
        o.terms = [QueryTerm(.text(minus), weight: -0.7), QueryTerm(.example(.clip(added)), weight: 0.5)]
        let combined = try session.search(.text(main), options: o)

        let expected = try numpyScores(terms: [(t, 1), (m, -0.7), (vectors[added]!, 0.5)], clips: vectors)
        XCTAssertEqual(combined.hits.count, infos.count)
        for hit in combined.hits {
            XCTAssertEqual(Double(hit.cosine), try XCTUnwrap(expected[hit.clipId]), accuracy: 2e-5, "clip \(hit.clipId)")
            XCTAssertEqual(hit.score, hit.cosine)
        }
        XCTAssertEqual(combined.hits.map(\.clipId), expected.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.map(\.key))

        func rank(_ id: Int64, _ r: QueryResult) -> Int { r.hits.first { $0.clipId == id }!.rank }
        // With the random tiny model every text encodes to nearly the same direction, so the
        // direction of --minus is tested with the demo model (QueryFeaturesCommandTests).
        XCTAssertLessThan(rank(added, combined), rank(added, plain), "--plus-video moves that video up")

        XCTAssertEqual(combined.terms?.map(\.weight), [1, -0.7, 0.5])
        XCTAssertEqual(combined.query, "\(main) - 0.7*\"\(minus)\" + 0.5*clip \(added)")
    }

    func testTermsThatCancelAreAnError() throws {
        var o = options()
        o.terms = [QueryTerm(.text("a red box"), weight: -1)]
        XCTAssertThrowsError(try SearchSession.open(index: index, model: model.url).search(.text("a red box"), options: o)) { error in
            XCTAssertEqual(error as? QueryError, .termsCancel)
        }
    }

    func testAnUnknownClipIdTermIsAnError() throws {
        var o = options()
        o.terms = [QueryTerm(.example(.clip(987_654)), weight: 1)]
        XCTAssertThrowsError(try SearchSession.open(index: index, model: model.url).search(.text("a red box"), options: o)) { error in
            guard case QueryError.unknownClip(987_654, _) = error else { return XCTFail("\(error)") }
        }
    }

    func testExcludeDropsHitsMoreLikeTheExcludedText() throws {
        let session = try SearchSession.open(index: index, model: model.url)
        let store = session.store
        let infos = try store.allClips(budget: 256)
        let vectors = try store.vectors(clipIds: infos.map(\.id))
        let encoder = try session.textEncoder()
        let main = "a red box", excluded = "a blue box"
        let t = try encoder.encode(main), x = try encoder.encode(excluded)
        func dot(_ a: [Float], _ b: [Float]) -> Float { zip(a, b).map { $0 * $1 }.reduce(0, +) }

        var o = options()
        o.exclude = [excluded]
        let relative = try session.search(.text(main), options: o)
        let keptRelative = infos.filter { dot(vectors[$0.id]!, x) <= dot(vectors[$0.id]!, t) }.map(\.id)
        XCTAssertEqual(Set(relative.hits.map(\.clipId)), Set(keptRelative))
        XCTAssertEqual(relative.exclude?.dropped, infos.count - keptRelative.count)

        // An absolute cut-off: the median cosine with the excluded text keeps half.
        let cut = infos.map { dot(vectors[$0.id]!, x) }.sorted()[infos.count / 2]
        o.excludeAbove = cut
        let absolute = try session.search(.text(main), options: o)
        XCTAssertEqual(Set(absolute.hits.map(\.clipId)), Set(infos.filter { dot(vectors[$0.id]!, x) <= cut }.map(\.id)))
        XCTAssertEqual(absolute.exclude?.above, cut)
    }

    func testWeightPrefix() {
        XCTAssertEqual(QueryTerm.splitWeight("0.5*people").weight, 0.5)
        XCTAssertEqual(QueryTerm.splitWeight("0.5*people").rest, "people")
        XCTAssertNil(QueryTerm.splitWeight("people").weight)
        XCTAssertNil(QueryTerm.splitWeight("a*b").weight)
        XCTAssertEqual(QueryTerm.splitWeight("1*3*4 grid").rest, "3*4 grid")
    }
}
