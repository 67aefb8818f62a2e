import XCTest
@testable import FluxCore

/// Stable argsort / top-k (MODEL_SPEC §2.4 step 6: descending, ties → lower index first).
final class SortingTests: XCTestCase {
    func testArgsortMatchesNumPyStable() throws {
        let x = try Fixtures.tensor("interp", "argsort_x").scalars
        XCTAssertEqual(Sorting.argsortDescending(x), try Fixtures.ints("interp", "argsort_desc"))
        XCTAssertEqual(Sorting.argsortAscending(x), try Fixtures.ints("interp", "argsort_asc"))
    }

    func testTiesKeepLowerIndexFirst() {
        XCTAssertEqual(Sorting.argsortDescending([0.5, 2, 0.5, 1, 2, 0.5]), [1, 4, 3, 0, 2, 5])
        XCTAssertEqual(Sorting.argsortAscending([0.5, 2, 0.5, 1, 2, 0.5]), [0, 2, 5, 3, 1, 4])
        // §2.4: frame-0 and frame-1 tokens at the same position tie exactly; frame 0 wins.
        XCTAssertEqual(Sorting.topK([3, 7, 7, 1, 7], k: 2), [1, 2])
        XCTAssertEqual(Sorting.argsortDescending([Float](repeating: 1, count: 50)), Array(0..<50))
    }

    func testSpecialValues() {
        let v: [Float] = [.nan, 1, -.infinity, -0.0, .infinity, 0.0, .nan, -1]
        // −0.0 and +0.0 tie (index order); NaN last in both directions.
        XCTAssertEqual(Sorting.argsortDescending(v), [4, 1, 3, 5, 7, 2, 0, 6])
        XCTAssertEqual(Sorting.argsortAscending(v), [2, 7, 3, 5, 1, 4, 0, 6])
        XCTAssertEqual(Sorting.topK(v, k: 3), [4, 1, 3])
        XCTAssertEqual(Sorting.bottomK(v, k: 3), [2, 7, 3])
    }

    func testEmptyAndDegenerateK() {
        XCTAssertEqual(Sorting.argsortDescending([]), [])
        XCTAssertEqual(Sorting.argsortAscending([]), [])
        XCTAssertEqual(Sorting.topK([], k: 5), [])
        XCTAssertEqual(Sorting.topK([1, 2, 3], k: 0), [])
        XCTAssertEqual(Sorting.topK([1, 2, 3], k: -1), [])
        XCTAssertEqual(Sorting.topK([1, 3, 2], k: 10), [1, 2, 0])   // k > n: all, in order
        XCTAssertEqual(Sorting.bottomK([1, 3, 2], k: 10), [0, 2, 1])
        XCTAssertEqual(Sorting.topK([4], k: 1), [0])
    }

    /// Top-k equals the prefix of the full stable argsort, on data with many ties, for k on
    /// both the heap path (k < n/4) and the full-sort path.
    func testTopKEqualsArgsortPrefix() {
        var rng = SplitMix64(seed: 3)
        for (n, levels) in [(1, 1), (17, 3), (1000, 5), (5000, 40), (4096, 4096)] {
            let v = (0..<n).map { _ in Float(rng.int(levels)) * 0.25 - 1 }
            let desc = Sorting.argsortDescending(v), asc = Sorting.argsortAscending(v)
            // Stability / order sanity of the full sorts.
            for i in 1..<max(n, 1) {
                let (a, b) = (desc[i - 1], desc[i])
                XCTAssertTrue(v[a] > v[b] || (v[a] == v[b] && a < b), "descending order broken at \(i)")
            }
            XCTAssertEqual(Set(desc).count, n)
            for k in [1, 2, 7, n / 8, n / 4 - 1, n / 4, n / 2, n - 1, n, n + 3] where k >= 1 {
                XCTAssertEqual(Sorting.topK(v, k: k), Array(desc.prefix(k)), "topK n=\(n) k=\(k)")
                XCTAssertEqual(Sorting.bottomK(v, k: k), Array(asc.prefix(k)), "bottomK n=\(n) k=\(k)")
            }
        }
    }

    func testTopKWithNaNsOnHeapPath() {
        var rng = SplitMix64(seed: 5)
        var v = (0..<2000).map { _ in Float(rng.int(8)) }
        for i in stride(from: 0, to: 2000, by: 97) { v[i] = .nan }
        XCTAssertEqual(Sorting.topK(v, k: 30), Array(Sorting.argsortDescending(v).prefix(30)))
        XCTAssertFalse(Sorting.topK(v, k: 30).contains { v[$0].isNaN })
        let all = Sorting.argsortDescending(v)
        XCTAssertTrue(all.suffix(21).allSatisfy { v[$0].isNaN })
    }

    func testBufferPointerOverloads() {
        let v: [Float] = [0.1, 0.9, 0.5, 0.9]
        v.withUnsafeBufferPointer { p in
            XCTAssertEqual(Sorting.argsortDescending(p), [1, 3, 2, 0])
            XCTAssertEqual(Sorting.topK(UnsafeBufferPointer(rebasing: p[1...]), k: 2), [0, 2])
        }
    }
}
