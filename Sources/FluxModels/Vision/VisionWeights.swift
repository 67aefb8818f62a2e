import FluxCore

/// The vision tower's tensors, one stored property per checkpoint key (names in comments).
/// Built once at load; the patch projection is re-packed there for GEMM.
struct VisionWeights {
    struct PatchEmbed {
        /// `patch_embed.norm_before.weight` [3·p²] in (row i, col j, channel) order; FluxViT only.
        var normBefore: Tensor?
        /// `patch_embed.proj.weight` [D, 3, 1, p, p] re-packed to [D, 3·p²] with columns in
        /// (i, j, channel) order, matching the patch vectors (MODEL_SPEC §2.2 step 3).
        var projection: Tensor
        /// `patch_embed.proj.bias` [D].
        var bias: Tensor
        /// `patch_embed.norm.weight` [D]; FluxViT only.
        var norm: Tensor?
    }

    struct Block {
        var norm1: Tensor          // norm1.weight [D]
        var qkv: Tensor            // attn.qkv.weight [3D, D], no bias
        var qNorm: Tensor          // attn.q_norm.weight [D]
        var kNorm: Tensor          // attn.k_norm.weight [D]
        var lpeScale: Tensor?      // attn.lpe.depthwise_conv.weight [D,1,1,1,1] as [D]
        var lpeBias: Tensor?       // attn.lpe.depthwise_conv.bias [D]
        var proj: Tensor           // attn.proj.weight [D, D]
        var projBias: Tensor       // attn.proj.bias [D]
        var ls1: Tensor            // ls1.gamma [D]
        var norm2: Tensor          // norm2.weight [D]
        var fc1: Tensor            // mlp.fc1.weight [hidden, D]
        var fc1Bias: Tensor        // mlp.fc1.bias [hidden]
        var fc2: Tensor            // mlp.fc2.weight [D, hidden]
        var fc2Bias: Tensor        // mlp.fc2.bias [D]
        var ls2: Tensor            // ls2.gamma [D]
    }

    /// `clip_projector[.j]`: attention pooling with a mean query.
    struct Projector {
        var normQ: (weight: Tensor, bias: Tensor)   // norm1_q
        var normK: (weight: Tensor, bias: Tensor)   // norm1_k
        var normV: (weight: Tensor, bias: Tensor)   // norm1_v
        var q: Tensor, qBias: Tensor                // cross_attn.q.weight [D, D], cross_attn.q_bias [D]
        var k: Tensor, kBias: Tensor
        var v: Tensor, vBias: Tensor
        var proj: Tensor, projBias: Tensor          // cross_attn.proj [out, D], [out]
    }

    /// `vision_align`: LayerNorm then Linear into the joint space.
    struct Align {
        var norm: (weight: Tensor, bias: Tensor)    // vision_align.0
        var linear: Tensor, bias: Tensor            // vision_align.1 [E, out], [E]
    }

    var clsToken: Tensor         // cls_token [1, 1, D]
    /// pos_embed [1, 1 + T0·H0², D], resampled to the configured grid if stored on another.
    var posEmbed: Tensor
    var gpeScale: Tensor?        // gpe_proj.depthwise_conv.weight as [D]
    var gpeBias: Tensor?         // gpe_proj.depthwise_conv.bias [D]
    var patchEmbed: PatchEmbed
    var blocks: [Block]
    var projectors: [Projector]
    var align: Align?

    init(_ p: LoadedParameters, align a: LoadedParameters?, config c: VisionConfiguration) throws {
        let d = c.embedDim
        clsToken = p["cls_token"]
        posEmbed = try PositionTable.adaptStoredTable(p["pos_embed"], config: c)
        if c.arch == .fluxvit {
            gpeScale = p["gpe_proj.depthwise_conv.weight"].reshaped([d])
            gpeBias = p["gpe_proj.depthwise_conv.bias"]
        }
        patchEmbed = PatchEmbed(
            normBefore: c.arch == .fluxvit ? p["patch_embed.norm_before.weight"] : nil,
            projection: Self.packPatchProjection(p["patch_embed.proj.weight"], patch: c.patchSize),
            bias: p["patch_embed.proj.bias"],
            norm: c.arch == .fluxvit ? p["patch_embed.norm.weight"] : nil)
        blocks = (0..<c.depth).map { i in
            let b = "blocks.\(i)."
            return Block(norm1: p[b + "norm1.weight"], qkv: p[b + "attn.qkv.weight"],
                         qNorm: p[b + "attn.q_norm.weight"], kNorm: p[b + "attn.k_norm.weight"],
                         lpeScale: c.arch == .fluxvit ? p[b + "attn.lpe.depthwise_conv.weight"].reshaped([d]) : nil,
                         lpeBias: c.arch == .fluxvit ? p[b + "attn.lpe.depthwise_conv.bias"] : nil,
                         proj: p[b + "attn.proj.weight"], projBias: p[b + "attn.proj.bias"],
                         ls1: p[b + "ls1.gamma"], norm2: p[b + "norm2.weight"],
                         fc1: p[b + "mlp.fc1.weight"], fc1Bias: p[b + "mlp.fc1.bias"],
                         fc2: p[b + "mlp.fc2.weight"], fc2Bias: p[b + "mlp.fc2.bias"], ls2: p[b + "ls2.gamma"])
        }
        projectors = (0..<c.numProjectors).map { j in
            let x = c.projectorPrefix(j)
            return Projector(normQ: (p[x + "norm1_q.weight"], p[x + "norm1_q.bias"]),
                             normK: (p[x + "norm1_k.weight"], p[x + "norm1_k.bias"]),
                             normV: (p[x + "norm1_v.weight"], p[x + "norm1_v.bias"]),
                             q: p[x + "cross_attn.q.weight"], qBias: p[x + "cross_attn.q_bias"],
                             k: p[x + "cross_attn.k.weight"], kBias: p[x + "cross_attn.k_bias"],
                             v: p[x + "cross_attn.v.weight"], vBias: p[x + "cross_attn.v_bias"],
                             proj: p[x + "cross_attn.proj.weight"], projBias: p[x + "cross_attn.proj.bias"])
        }
        if let a {
            align = Align(norm: (a["0.weight"], a["0.bias"]), linear: a["1.weight"], bias: a["1.bias"])
        }
    }

    /// [D, 3, 1, p, p] (channel-major, as Conv3d stores it) → [D, 3·p²] with column
    /// (i·p + j)·3 + ch, the channel-minor order of the flattened patch vectors.
    static func packPatchProjection(_ w: Tensor, patch p: Int) -> Tensor {
        let d = w.shape[0], area = p * p
        let out = Tensor(zeros: [d, 3 * area])
        for o in 0..<d {
            let src = w.data + o * 3 * area, dst = out.data + o * 3 * area
            for ch in 0..<3 {
                for ij in 0..<area { dst[ij * 3 + ch] = src[ch * area + ij] }
            }
        }
        return out
    }
}
