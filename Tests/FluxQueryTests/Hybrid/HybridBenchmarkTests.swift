import XCTest
import FluxCore
import FluxTestSupport
@testable import FluxQuery

/// `bench hybrid` at toy sizes against the tiny random model: the result is well-formed (no
/// timing is asserted; speed is for `fluxsearch bench hybrid` to print).
final class HybridBenchmarkTests: XCTestCase {
    func testTinyRunIsWellFormed() throws {
        let fixtures = try TestFixtures()
        defer { fixtures.remove() }
        let model = try fixtures.tinyModel()
        var bench = HybridBenchmark(model: model.url)
        bench.videos = 20
        bench.clipsPerVideo = 5
        bench.cuesPerVideo = 10
        bench.queries = 5
        bench.warmup = 1
        let r = try bench.run(in: fixtures.url("index"))
        XCTAssertEqual(r.videos, 20)
        XCTAssertEqual(r.vectors, 100)
        XCTAssertEqual(r.cues, 200)
        XCTAssertEqual(r.queries, 5)
        XCTAssertEqual(r.dimension, model.configuration.embedDim)
        XCTAssertGreaterThan(r.visualP50, 0)
        XCTAssertGreaterThan(r.hybridP50, 0)
        XCTAssertGreaterThanOrEqual(r.visualP99, r.visualP50)
        XCTAssertGreaterThanOrEqual(r.hybridP99, r.hybridP50)
        XCTAssertGreaterThan(r.meanCues, 0, "hybrid queries should find cues of the shared vocabulary")
        XCTAssertLessThan(r.queriesWithoutCues, r.queries)
        XCTAssertFalse(r.slowestQuery.isEmpty)
    }

    /// Queries follow the rule: five distinct content words (2 frequent, 2 mid, 1 rare) joined
    /// by function words, the same for the same seed.
    func testQueriesAreFixedBySeedAndBuiltByRule() {
        var a = SyntheticSpeech(seed: 3), b = SyntheticSpeech(seed: 3)
        let qa = (0..<5).map { _ in a.query() }, qb = (0..<5).map { _ in b.query() }
        XCTAssertEqual(qa, qb)
        for q in qa {
            let terms = TranscriptQuery(q).terms
            XCTAssertEqual(terms.count, 5, q)
            let ranks = terms.compactMap { a.vocabulary.firstIndex(of: $0) }
            XCTAssertEqual(ranks.count, 5, q)
            let n = Double(a.vocabulary.count)
            XCTAssertTrue(ranks[0..<2].allSatisfy { SyntheticSpeech.frequentBand.contains(Double($0) / n) }, q)
            XCTAssertTrue(ranks[2..<4].allSatisfy { SyntheticSpeech.midBand.contains(Double($0) / n) }, q)
            XCTAssertTrue(SyntheticSpeech.rareBand.contains(Double(ranks[4]) / n), q)
        }
    }
}
