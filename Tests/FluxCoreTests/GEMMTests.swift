import XCTest
@testable import FluxCore

final class GEMMTests: XCTestCase {
    func testAllTransposeCombinationsMatchNumPy() throws {
        let a = try Fixtures.tensor("ops", "gemm_a"), at = try Fixtures.tensor("ops", "gemm_at")
        let b = try Fixtures.tensor("ops", "gemm_b"), bt = try Fixtures.tensor("ops", "gemm_bt")
        let expected = try Fixtures.tensor("ops", "gemm_ab").scalars
        for (ta, tb) in [(false, false), (true, false), (false, true), (true, true)] {
            let c = Tensor(zeros: [13, 11])
            GEMM.multiply(MatrixRef(ta ? at : a), transposeA: ta, MatrixRef(tb ? bt : b), transposeB: tb,
                          into: MutableMatrixRef(c))
            assertClose(c.scalars, expected, "transA=\(ta) transB=\(tb)")
        }
    }

    func testAlphaBetaAccumulate() throws {
        let a = try Fixtures.tensor("ops", "gemm_a"), b = try Fixtures.tensor("ops", "gemm_b")
        let c = try Fixtures.tensor("ops", "gemm_c0").copy()
        GEMM.multiply(MatrixRef(a), MatrixRef(b), into: MutableMatrixRef(c), alpha: 0.5, beta: 2)
        assertClose(c.scalars, try Fixtures.tensor("ops", "gemm_ab_ab").scalars)
    }

    func testStridedViewsReadAndWriteOnlyTheirBlock() throws {
        // a sits in columns 2..<19 of a [13, 20] buffer; c in columns 1..<12 of a [13, 14] buffer.
        let a = try Fixtures.tensor("ops", "gemm_a"), b = try Fixtures.tensor("ops", "gemm_b")
        let wide = Tensor(shape: [13, 20], values: [Float](repeating: 99, count: 260))
        for r in 0..<13 { for c in 0..<17 { wide.data[r * 20 + 2 + c] = a.data[r * 17 + c] } }
        let out = Tensor(shape: [13, 14], values: [Float](repeating: -7, count: 182))
        GEMM.multiply(MatrixRef(wide.data + 2, rows: 13, cols: 17, rowStride: 20), MatrixRef(b),
                      into: MutableMatrixRef(out.data + 1, rows: 13, cols: 11, rowStride: 14))
        let expected = try Fixtures.tensor("ops", "gemm_ab").scalars
        var block: [Float] = []
        for r in 0..<13 {
            XCTAssertEqual(out.data[r * 14], -7)
            XCTAssertEqual(out.data[r * 14 + 12], -7)
            XCTAssertEqual(out.data[r * 14 + 13], -7)
            for c in 0..<11 { block.append(out.data[r * 14 + 1 + c]) }
        }
        assertClose(block, expected)
    }

    func testMatchesNaiveTwinOnAwkwardShapes() {
        var rng = SplitMix64(seed: 7)
        for (m, k, n) in [(1, 1, 1), (3, 1, 5), (1, 31, 1), (17, 33, 9), (64, 5, 70)] {
            for (ta, tb) in [(false, false), (true, false), (false, true), (true, true)] {
                let aRows = ta ? k : m, aCols = ta ? m : k, bRows = tb ? n : k, bCols = tb ? k : n
                let a = randomTensor([aRows, aCols + 3], &rng), b = randomTensor([bRows, bCols + 1], &rng)
                let fast = Tensor(zeros: [m, n]), slow = Tensor(zeros: [m, n])
                let av = MatrixRef(a.data, rows: aRows, cols: aCols, rowStride: aCols + 3)
                let bv = MatrixRef(b.data, rows: bRows, cols: bCols, rowStride: bCols + 1)
                GEMM.multiply(av, transposeA: ta, bv, transposeB: tb, into: MutableMatrixRef(fast))
                ReferenceKernels.gemm(av, transposeA: ta, bv, transposeB: tb, into: MutableMatrixRef(slow))
                assertClose(fast.scalars, slow.scalars, rtol: 1e-5, atol: 1e-5, "m\(m) k\(k) n\(n) ta\(ta) tb\(tb)")
            }
        }
    }

    func testLinearAddsBias() {
        let x = Tensor(shape: [2, 3], values: [1, 2, 3, 4, 5, 6])
        let w = Tensor(shape: [2, 3], values: [1, 0, 0, 0, 1, 1])   // [out=2, in=3]
        let bias: [Float] = [10, 20]
        let out = Tensor(zeros: [2, 2])
        bias.withUnsafeBufferPointer { GEMM.linear(MatrixRef(x), weight: MatrixRef(w), bias: $0.baseAddress!, into: MutableMatrixRef(out)) }
        XCTAssertEqual(out.scalars, [11, 25, 14, 31])
    }
}
