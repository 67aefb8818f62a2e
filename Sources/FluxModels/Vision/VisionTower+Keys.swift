// The vision tower's state-dict keys and shapes (MODEL_SPEC Appendix B), as a function of
// the configuration. `{i}` = block, `{j}` = projector. FluxViT projectors are
// `clip_projector.{j}.*`; the single InternVideo2 projector is `clip_projector.*`.
//
// Shapes are PyTorch's: nn.Linear weights [out, in], Conv3d weights [out, in, t, h, w].

extension VisionConfiguration {
    /// Tensor keys of the tower itself (the `vision_encoder.` part of a CLIP checkpoint).
    public var parameterTable: ParameterTable {
        var t = ParameterTable()
        let d = embedDim, p = patchSize
        let fluxvit = arch == .fluxvit
        t.declare("cls_token", [1, 1, d])
        let rows = 1 + posNumFrames * posGridSize * posGridSize
        // A checkpoint trained on another grid is accepted and resampled at load (MODEL_SPEC §2.3).
        t.declare("pos_embed", rule: .custom(description: "[1, 1 + \(posNumFrames)·H², \(d)] (H² = grid patches per frame)", accepts: { s in
            guard s.count == 3, s[0] == 1, s[2] == d, s[1] > 1 else { return false }
            return s[1] == rows || Self.squareGrid(rows: s[1] - 1, frames: self.posNumFrames) != nil
        }), defaultShape: [1, rows, d])
        if fluxvit {
            t.declare("gpe_proj.depthwise_conv.weight", [d, 1, 1, 1, 1])
            t.declare("gpe_proj.depthwise_conv.bias", [d])
            t.declare("patch_embed.norm_before.weight", [3 * p * p])
            t.declare("patch_embed.norm.weight", [d])
        }
        t.declare("patch_embed.proj.weight", [d, 3, 1, p, p])
        t.declare("patch_embed.proj.bias", [d])
        for i in 0..<depth {
            let b = "blocks.\(i)."
            t.declare(b + "norm1.weight", [d])
            t.declare(b + "attn.qkv.weight", [3 * d, d])
            t.declare(b + "attn.proj.weight", [d, d])
            t.declare(b + "attn.proj.bias", [d])
            if fluxvit {
                t.declare(b + "attn.lpe.depthwise_conv.weight", [d, 1, 1, 1, 1])
                t.declare(b + "attn.lpe.depthwise_conv.bias", [d])
            }
            t.declare(b + "attn.q_norm.weight", [d])
            t.declare(b + "attn.k_norm.weight", [d])
            t.declare(b + "ls1.gamma", [d])
            t.declare(b + "norm2.weight", [d])
            t.declare(b + "mlp.fc1.weight", [mlpHiddenDim, d])
            t.declare(b + "mlp.fc1.bias", [mlpHiddenDim])
            t.declare(b + "mlp.fc2.weight", [d, mlpHiddenDim])
            t.declare(b + "mlp.fc2.bias", [d])
            t.declare(b + "ls2.gamma", [d])
        }
        for j in 0..<numProjectors {
            let c = projectorPrefix(j)
            for n in ["norm1_q", "norm1_k", "norm1_v"] {
                t.declare(c + n + ".weight", [d])
                t.declare(c + n + ".bias", [d])
            }
            for n in ["q", "k", "v"] {
                t.declare(c + "cross_attn.\(n)_bias", [d])
                t.declare(c + "cross_attn.\(n).weight", [d, d])
            }
            t.declare(c + "cross_attn.proj.weight", [projectorOutDim, d])
            t.declare(c + "cross_attn.proj.bias", [projectorOutDim])
        }
        return t
    }

    /// Key prefix of projector `j`.
    func projectorPrefix(_ j: Int) -> String {
        arch == .fluxvit ? "clip_projector.\(j)." : "clip_projector."
    }

    /// Training-only tensors a converted checkpoint may still hold; they are skipped.
    static let trainingOnlyPrefixes = ["head.", "head_", "fc_norm.", "final_clip_decoder_for_projs.",
                                       "clip_decoder.", "mae_decoder.", "final_clip_decoder.",
                                       "clip_pos_embed", "mae_pos_embed"]

    /// `vision_align` keys: LayerNorm(projector_out_dim) then Linear(projector_out_dim → embed_dim).
    func alignTable(embedDim e: Int) -> ParameterTable {
        var t = ParameterTable()
        t.declare("0.weight", [projectorOutDim])
        t.declare("0.bias", [projectorOutDim])
        t.declare("1.weight", [e, projectorOutDim])
        t.declare("1.bias", [e])
        return t
    }

    /// The side H of a grid with `rows` = frames·H² positions, or nil when there is none.
    static func squareGrid(rows: Int, frames: Int) -> Int? {
        guard frames > 0, rows % frames == 0 else { return nil }
        let area = rows / frames
        let side = Int(Double(area).squareRoot().rounded())
        return side * side == area ? side : nil
    }
}
