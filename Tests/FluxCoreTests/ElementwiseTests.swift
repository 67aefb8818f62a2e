import XCTest
@testable import FluxCore

/// LayerNorm, RMSNorm, GELU (both forms), softmax (both axes), L2 normalisation and exp
/// against the NumPy fixtures in Fixtures/ops (Tools/fixtures/make_core_fixtures.py).
final class ElementwiseTests: XCTestCase {
    func testLayerNormWithAndWithoutAffine() throws {
        let x = try Fixtures.tensor("ops", "ln_x"), w = try Fixtures.tensor("ops", "ln_w"), b = try Fixtures.tensor("ops", "ln_b")
        let out = Tensor(zeros: x.shape)
        Normalization.layerNorm(x.data, rows: 6, cols: 37, weight: w.data, bias: b.data, eps: 1e-5, out: out.data)
        assertClose(out.scalars, try Fixtures.tensor("ops", "ln_out").scalars, atol: 1e-6)
        let inPlace = x.copy()
        Normalization.layerNorm(inPlace.data, rows: 6, cols: 37, weight: nil, bias: nil, eps: 1e-5, out: inPlace.data)
        assertClose(inPlace.scalars, try Fixtures.tensor("ops", "ln_out_plain").scalars, atol: 1e-6)
        assertClose(ReferenceKernels.layerNorm(x.scalars, rows: 6, cols: 37, weight: w.scalars, bias: b.scalars, eps: 1e-5),
                    try Fixtures.tensor("ops", "ln_out").scalars, atol: 1e-6, "naive twin")
    }

    func testRMSNorm() throws {
        let x = try Fixtures.tensor("ops", "rms_x"), w = try Fixtures.tensor("ops", "rms_w")
        let out = Tensor(zeros: x.shape)
        Normalization.rmsNorm(x.data, rows: 6, cols: 37, weight: w.data, eps: 1e-6, out: out.data)
        assertClose(out.scalars, try Fixtures.tensor("ops", "rms_out").scalars, atol: 1e-6)
    }

    func testExactGELU() throws {
        let x = try Fixtures.tensor("ops", "gelu_x").copy()
        Activations.gelu(x.data, count: x.count)
        // Relative 1e-5 all the way into the negative tail (values down to about −1e-32).
        assertClose(x.scalars, try Fixtures.tensor("ops", "gelu_erf").scalars, rtol: 1e-5, atol: 1e-30)
    }

    func testTanhGELU() throws {
        let x = try Fixtures.tensor("ops", "gelu_x").copy()
        Activations.geluTanh(x.data, count: x.count)
        assertClose(x.scalars, try Fixtures.tensor("ops", "gelu_tanh").scalars, rtol: 1e-5, atol: 1e-30)
    }

    func testSoftmaxAlongRowsAndColumns() throws {
        let rows = try Fixtures.tensor("ops", "sm_x").copy(), cols = rows.copy()
        Softmax.rows(rows.data, rows: 7, cols: 19)
        Softmax.columns(cols.data, rows: 7, cols: 19)
        assertClose(rows.scalars, try Fixtures.tensor("ops", "sm_rows").scalars, atol: 1e-9)
        assertClose(cols.scalars, try Fixtures.tensor("ops", "sm_cols").scalars, atol: 1e-9)
    }

    func testSoftmaxOfAllNegativeInfinityRowIsZero() {
        var x: [Float] = [-.infinity, -.infinity, -.infinity]
        x.withUnsafeMutableBufferPointer { Softmax.rows($0.baseAddress!, rows: 1, cols: 3) }
        XCTAssertEqual(x, [0, 0, 0])
    }

    func testL2NormalizeKeepsZeroRowsZero() throws {
        let x = try Fixtures.tensor("ops", "l2_x").copy()
        Normalization.l2Normalize(x.data, rows: 5, cols: 33)
        assertClose(x.scalars, try Fixtures.tensor("ops", "l2_out").scalars, atol: 1e-7)
        XCTAssertEqual(Array(x.scalars[66..<99]), [Float](repeating: 0, count: 33))
    }

    func testVectorisedExp() throws {
        let x = try Fixtures.tensor("ops", "exp_x").copy()
        VectorMath.exp(x.data, count: x.count)
        assertClose(x.scalars, try Fixtures.tensor("ops", "exp_out").scalars, rtol: 1e-6, atol: 0)
        var edge: [Float] = [-.infinity, -100, .infinity, 0]
        edge.withUnsafeMutableBufferPointer { VectorMath.exp($0.baseAddress!, count: 4) }
        XCTAssertEqual(edge, [0, 0, .infinity, 1])
    }
}
