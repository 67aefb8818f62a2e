import Foundation
import XCTest
@testable import FluxStore

/// `VectorIndex.rangeSearch` (FaissBridge `fb_range_search`): FAISS's strict radius rule per
/// metric, ids translated through IndexIDMap2 and IVF, hits best first, and the errors of
/// index types without range search.
final class VectorIndexRangeTests: XCTestCase {
    typealias Hit = VectorIndex.SearchResult.Hit

    /// Four 4-d vectors whose inner products with e0 are exact in float32: 1, 0.5, 0, 0.6.
    let stored: [Float] = [1, 0, 0, 0,
                           0.5, 0.5, 0.5, 0.5,
                           0, 1, 0, 0,
                           0.6, 0.8, 0, 0]
    let ids: [Int64] = [10, 11, 12, 13]

    func testInnerProductKeepsScoresAboveTheRadiusBestFirst() throws {
        let index = try VectorIndex(flatInnerProduct: 4)
        try index.add(stored, ids: ids)
        let queries: [Float] = [1, 0, 0, 0,
                                0, 0, 0, -1]
        let result = try index.rangeSearch(queries, radius: 0.5)
        XCTAssertEqual(result.count, 2)
        // Strictly above: id 11 scores exactly 0.5 and is out.
        XCTAssertEqual(result[0], [Hit(id: 10, score: 1), Hit(id: 13, score: 0.6)])
        XCTAssertEqual(result[1], [], "a query with nothing in range gets an empty list")

        // One step below the radius makes it inclusive.
        let inclusive = try index.rangeSearch(Array(queries[0..<4]), radius: Float(0.5).nextDown)
        XCTAssertEqual(inclusive[0].map(\.id), [10, 13, 11])
        XCTAssertEqual(inclusive[0].map(\.score), [1, 0.6, 0.5])

        // Every vector, in score order: ties (0 and 0) by id.
        let all = try index.rangeSearch([0.5, 0.5, 0.5, 0.5], radius: -2)
        XCTAssertEqual(all[0].map(\.id), [11, 13, 10, 12])
        for (hit, want) in zip(all[0], [Float(1), 0.7, 0.5, 0.5]) { XCTAssertEqual(hit.score, want, accuracy: 1e-6, "\(all[0])") }
    }

    func testL2KeepsSquaredDistancesBelowTheRadiusNearestFirst() throws {
        let index = try VectorIndex(factory: "Flat", dimension: 4, metric: .l2)
        try index.add(stored, ids: ids)
        // Squared distances from e0: 0, 1, 2, 0.8.
        let result = try index.rangeSearch([1, 0, 0, 0], radius: 1)
        XCTAssertEqual(result[0].map(\.id), [10, 13], "strictly below: id 11 at exactly 1 is out")
        XCTAssertEqual(result[0][0].score, 0)
        XCTAssertEqual(result[0][1].score, 0.8, accuracy: 1e-6)
    }

    /// IVF with every list probed finds what the flat index finds, under the caller's ids.
    func testIVFWithAllListsProbedMatchesFlat() throws {
        let d = 8, n = 400
        let vectors = unitVectors(n, d, seed: 7)
        let ids = (0..<Int64(n)).map { 5000 + $0 }
        let flat = try VectorIndex(flatInnerProduct: d)
        try flat.add(vectors, ids: ids)
        let ivf = try VectorIndex(factory: "IVF4,Flat", dimension: d)
        try ivf.train(vectors)
        try ivf.add(vectors, ids: ids)
        try ivf.setParameter("nprobe", 4)

        let queries = Array(vectors[0..<(20 * d)])
        let exact = try flat.rangeSearch(queries, radius: 0.6)
        let approximate = try ivf.rangeSearch(queries, radius: 0.6)
        XCTAssertEqual(exact.count, 20)
        for q in 0..<20 {
            XCTAssertEqual(approximate[q].map(\.id), exact[q].map(\.id), "query \(q)")
            XCTAssertEqual(exact[q].first?.id, ids[q], "each stored vector finds itself first")
            for (a, b) in zip(approximate[q], exact[q]) { XCTAssertEqual(a.score, b.score, accuracy: 1e-5) }
            XCTAssertTrue(exact[q].allSatisfy { $0.score > 0.6 })
        }
        XCTAssertGreaterThan(exact.map(\.count).reduce(0, +), 20, "some queries have neighbours besides themselves")
    }

    func testIndexesWithoutRangeSearchAndBadInputThrow() throws {
        let hnsw = try VectorIndex(factory: "HNSW32", dimension: 4)
        try hnsw.add(stored, ids: ids)
        XCTAssertThrowsError(try hnsw.rangeSearch([1, 0, 0, 0], radius: 0.5)) { error in
            guard case let .faiss(operation, message)? = error as? VectorIndexError else {
                return XCTFail("expected VectorIndexError.faiss, got \(error)")
            }
            XCTAssertEqual(operation, "rangeSearch")
            XCTAssertTrue(message.contains("not implemented"), message)
        }

        let untrained = try VectorIndex(factory: "IVF4,Flat", dimension: 4)
        XCTAssertThrowsError(try untrained.rangeSearch([1, 0, 0, 0], radius: 0.5)) { error in
            XCTAssertTrue("\(error)".contains("not trained"), "\(error)")
        }

        let flat = try VectorIndex(flatInnerProduct: 4)
        XCTAssertThrowsError(try flat.rangeSearch([1, 0, 0], radius: 0.5)) { error in
            XCTAssertEqual(error as? VectorIndexError,
                           .vectorLengthMismatch(operation: "rangeSearch", dimension: 4, floatCount: 3))
        }
        XCTAssertEqual(try flat.rangeSearch([], radius: 0.5).count, 0, "no queries, no lists")
        XCTAssertEqual(try flat.rangeSearch([1, 0, 0, 0], radius: 0.5), [[]], "an empty index has nothing in range")
    }

    /// `n` L2-normalised pseudo-random vectors of dimension `d`, row-major (a fixed LCG).
    func unitVectors(_ n: Int, _ d: Int, seed: UInt64) -> [Float] {
        var state = seed
        var out: [Float] = []
        for _ in 0..<n {
            let v = (0..<d).map { _ -> Float in
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                return Float(state >> 40) / Float(1 << 24) * 2 - 1
            }
            let norm = v.map { $0 * $0 }.reduce(0, +).squareRoot()
            out += v.map { $0 / norm }
        }
        return out
    }
}
