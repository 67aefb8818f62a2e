import XCTest
@testable import FluxCore

final class AttentionTests: XCTestCase {
    private func run(_ q: Tensor, _ k: Tensor, _ v: Tensor, _ mask: AttentionMask) -> [Float] {
        let out = Tensor(zeros: q.shape)
        Attention.multiHead(q: MatrixRef(q), k: MatrixRef(k), v: MatrixRef(v), heads: 3,
                            scale: 1 / Float(8).squareRoot(), mask: mask, out: MutableMatrixRef(out))
        return out.scalars
    }

    func testUnmaskedMatchesNumPy() throws {
        let (q, k, v) = (try Fixtures.tensor("ops", "attn_q"), try Fixtures.tensor("ops", "attn_k"), try Fixtures.tensor("ops", "attn_v"))
        assertClose(run(q, k, v, .none), try Fixtures.tensor("ops", "attn_out_none").scalars)
    }

    func testCausalWithMoreKeysThanQueriesMatchesNumPy() throws {
        let (q, k, v) = (try Fixtures.tensor("ops", "attn_q"), try Fixtures.tensor("ops", "attn_k"), try Fixtures.tensor("ops", "attn_v"))
        assertClose(run(q, k, v, .causal), try Fixtures.tensor("ops", "attn_out_causal").scalars)
    }

    func testSquareCausalMatchesNumPy() throws {
        let (q, k, v) = (try Fixtures.tensor("ops", "attn_self_q"), try Fixtures.tensor("ops", "attn_self_k"), try Fixtures.tensor("ops", "attn_self_v"))
        assertClose(run(q, k, v, .causal), try Fixtures.tensor("ops", "attn_self_causal").scalars)
    }

    func testAdditiveMaskWithInfinitiesMatchesNumPy() throws {
        let (q, k, v) = (try Fixtures.tensor("ops", "attn_q"), try Fixtures.tensor("ops", "attn_k"), try Fixtures.tensor("ops", "attn_v"))
        let mask = try Fixtures.tensor("ops", "attn_mask")
        assertClose(run(q, k, v, .additive(UnsafePointer(mask.data))), try Fixtures.tensor("ops", "attn_out_mask").scalars)
    }

    func testPackedQKVViewsAndMultipleBlocksMatchNaiveTwin() {
        // 300 queries × 300 keys exceeds one query block, and q/k/v are column blocks of one
        // packed [N, 3·C] buffer, as the ViT blocks use them.
        var rng = SplitMix64(seed: 3)
        let n = 300, heads = 2, d = 16, c = heads * d
        let qkv = randomTensor([n, 3 * c], &rng, scale: 2)
        let views = (0..<3).map { MatrixRef(qkv.data + $0 * c, rows: n, cols: c, rowStride: 3 * c) }
        for mask in [AttentionMask.none, .causal] {
            let fast = Tensor(zeros: [n, c]), slow = Tensor(zeros: [n, c])
            Attention.multiHead(q: views[0], k: views[1], v: views[2], heads: heads, scale: 0.25, mask: mask, out: MutableMatrixRef(fast))
            ReferenceKernels.attention(q: views[0], k: views[1], v: views[2], heads: heads, scale: 0.25, mask: mask, out: MutableMatrixRef(slow))
            assertClose(fast.scalars, slow.scalars, rtol: 1e-4, atol: 1e-5, "\(mask)")
        }
    }

    func testFullyMaskedRowGivesZeros() {
        let q = Tensor(shape: [1, 2], values: [1, 2]), k = Tensor(shape: [2, 2], values: [1, 0, 0, 1])
        let v = Tensor(shape: [2, 2], values: [5, 6, 7, 8])
        let mask: [Float] = [-.infinity, -.infinity]
        let out = Tensor(zeros: [1, 2])
        mask.withUnsafeBufferPointer {
            Attention.multiHead(q: MatrixRef(q), k: MatrixRef(k), v: MatrixRef(v), heads: 1, scale: 1,
                                mask: .additive($0.baseAddress!), out: MutableMatrixRef(out))
        }
        XCTAssertEqual(out.scalars, [0, 0])
    }
}
