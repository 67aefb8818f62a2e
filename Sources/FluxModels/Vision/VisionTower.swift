import Foundation
import FluxCore

/// A FluxViT (or InternVideo2) video tower with its `vision_align` head: clips in, joint-space
/// embeddings out, under an optional token budget.
///
/// Port of the FluxViT single-modality model (OpenGVLab/FluxViT `fluxvit.py`) and the
/// InternVideo2-CLIP vision path, written from ../shared/spec/MODEL_SPEC.md §2–3.
///
/// Layouts: input clips `[B, 3, T, H, W]` float32, RGB, already mean/std normalised, with
/// H = W a multiple of the patch size (14 px); tokens `[N, D]` row-major with the class token
/// first. Thread-safe: `encode` may run concurrently (each call has its own workspace).
public final class VisionTower: @unchecked Sendable {
    public let configuration: VisionConfiguration
    /// Joint-space width (vision_align output), or nil for a tower without vision_align.
    public let embedDim: Int?
    let weights: VisionWeights
    let positions: PositionTable

    /// The result of encoding a batch.
    public struct Output {
        /// L2-normalised joint-space embeddings `[B, E]`; nil without vision_align.
        public let embeddings: Tensor?
        /// Projector outputs f `[B, projector_out_dim]` (before vision_align).
        public let features: Tensor
        /// Kept flat token indices t·L + p per clip (ascending), or nil when every token was kept.
        public let kept: [[Int]]?
        /// The projector used.
        public let projector: Int
        /// Patch tokens each clip entered the blocks with (class token excluded).
        public let tokensPerClip: Int
    }

    /// Loads the tower from a weight source holding official keys (`vision_encoder.*` or bare)
    /// and, when `embedDim` is given, `vision_align.*`.
    public init(configuration c: VisionConfiguration, embedDim: Int?, weights source: WeightSource) throws {
        let tower = try ParameterLoader.load(
            c.parameterTable, from: source, tower: "vision", prefixes: ["vision_encoder.", ""],
            foreign: ["vision_align.", "text_encoder.", "temp"], ignoring: VisionConfiguration.trainingOnlyPrefixes)
        var align: LoadedParameters?
        if let e = embedDim {
            align = try ParameterLoader.load(c.alignTable(embedDim: e), from: source, tower: "vision_align",
                                             prefixes: ["vision_align."])
        }
        configuration = c
        self.embedDim = embedDim
        weights = try VisionWeights(tower, align: align, config: c)
        positions = PositionTable(stored: weights.posEmbed, gpeScale: weights.gpeScale, gpeBias: weights.gpeBias, config: c)
    }

    /// The projector trained for the budget nearest to `tokens` (ties → the lower index).
    public func projectorIndex(forTokens tokens: Int) -> Int {
        let budgets = configuration.projectorBudgets
        return budgets.indices.min { abs(budgets[$0] - tokens) < abs(budgets[$1] - tokens) } ?? 0
    }

    /// Encodes a batch of clips.
    ///
    /// - Parameters:
    ///   - clips: `[B, 3, T, H, W]`, H = W = k·patch.
    ///   - budget: maximum patch tokens per clip; when T·L exceeds it, group-dynamic selection
    ///     keeps the most dynamic ones. nil keeps all.
    ///   - projector: override the projector; by default the one nearest min(budget, T·L).
    public func encode(_ clips: Tensor, budget: Int? = nil, projector: Int? = nil) throws -> Output {
        let c = configuration
        guard clips.rank == 5, clips.shape[1] == 3 else {
            throw VisionError.unsupportedInput(reason: "expected a [B, 3, T, H, W] tensor, got \(clips.shape)")
        }
        let (b, t, hPx, wPx) = (clips.shape[0], clips.shape[2], clips.shape[3], clips.shape[4])
        guard b >= 1, t >= 1 else { throw VisionError.unsupportedInput(reason: "empty batch or no frames: \(clips.shape)") }
        guard hPx == wPx, hPx > 0, hPx % c.patchSize == 0 else {
            throw VisionError.unsupportedInput(reason: "frames must be square with a side divisible by \(c.patchSize) px, got \(hPx)×\(wPx)")
        }
        let side = hPx / c.patchSize, perFrame = side * side
        if let budget { try SamplingPlan.checkBudget(budget) }
        if let budget, c.arch == .internvideo2, budget < t * perFrame {
            throw SamplingError.invalidBudget(budget, reason: "an InternVideo2 tower has no token selection and this clip has \(t * perFrame) patch tokens; drop the budget or sample fewer frames")
        }
        let effective = min(budget ?? Int.max, t * perFrame)
        let j = projector ?? projectorIndex(forTokens: effective)
        guard j >= 0, j < c.numProjectors else { throw VisionError.invalidProjector(j, available: c.numProjectors) }
        let table = try positions.table(frames: t, side: side)

        let features = Tensor(zeros: [b, c.projectorOutDim])
        var keptAll: [[Int]] = []
        var tokens = t * perFrame
        let clipSize = 3 * t * hPx * wPx
        for i in 0..<b {
            let x = patchEmbed(clips.data + i * clipSize, frames: t, side: side)
            let kept = try budget.flatMap { try TokenSelection.select(x.data, frames: t, perFrame: perFrame, width: c.embedDim, budget: $0) }
            if let kept { keptAll.append(kept) }
            tokens = kept?.count ?? t * perFrame
            let z = assembleTokens(x, kept: kept, table: table)
            var ws = Workspace(tokens: tokens + 1, config: c)
            for block in weights.blocks { runBlock(block, z: z, ws: &ws) }
            pool(z, projector: weights.projectors[j], ws: &ws, into: features.data + i * c.projectorOutDim)
        }
        var embeddings: Tensor?
        if let align = weights.align, let e = embedDim {
            let out = Tensor(zeros: [b, e])
            let normed = Tensor(zeros: [b, c.projectorOutDim])
            Normalization.layerNorm(features.data, rows: b, cols: c.projectorOutDim, weight: align.norm.weight.data,
                                    bias: align.norm.bias.data, eps: c.projectorNormEps, out: normed.data)
            GEMM.linear(MatrixRef(normed), weight: MatrixRef(align.linear), bias: align.bias.data, into: MutableMatrixRef(out))
            Normalization.l2Normalize(out.data, rows: b, cols: e)
            embeddings = out
        }
        return Output(embeddings: embeddings, features: features, kept: budget == nil || keptAll.isEmpty ? nil : keptAll,
                      projector: j, tokensPerClip: tokens)
    }

    // MARK: - Patch embedding

    /// One clip `[3, T, H, W]` → `[T·L, D]` (Dual Patch Norm for FluxViT).
    func patchEmbed(_ clip: UnsafePointer<Float>, frames t: Int, side: Int) -> Tensor {
        let c = configuration, p = c.patchSize, d = c.embedDim
        let hPx = side * p, plane = hPx * hPx, l = side * side, width = 3 * p * p
        // Patch vectors u[(i·p + j)·3 + ch] = V[ch, t, p·r + i, p·c + j] (channel fastest).
        let u = Tensor(zeros: [t * l, width])
        for f in 0..<t {
            for r in 0..<side {
                for col in 0..<side {
                    let row = u.data + ((f * l) + r * side + col) * width
                    for i in 0..<p {
                        for ch in 0..<3 {
                            let src = clip + (ch * t + f) * plane + (p * r + i) * hPx + p * col
                            for jj in 0..<p { row[(i * p + jj) * 3 + ch] = src[jj] }
                        }
                    }
                }
            }
        }
        if let nb = weights.patchEmbed.normBefore {
            Normalization.rmsNorm(u.data, rows: t * l, cols: width, weight: nb.data, eps: c.normEps, out: u.data)
        }
        let x = Tensor(zeros: [t * l, d])
        GEMM.linear(MatrixRef(u), weight: MatrixRef(weights.patchEmbed.projection), bias: weights.patchEmbed.bias.data,
                    into: MutableMatrixRef(x))
        if let n = weights.patchEmbed.norm {
            Normalization.rmsNorm(x.data, rows: t * l, cols: d, weight: n.data, eps: c.normEps, out: x.data)
        }
        return x
    }

    /// `[cls + pos[0]; X[k] + pos[1 + k] for kept k]` → `[1 + K, D]`; position is added
    /// before dropping, so kept tokens carry their original locations.
    func assembleTokens(_ x: Tensor, kept: [Int]?, table: Tensor) -> Tensor {
        let d = configuration.embedDim
        let indices = kept ?? Array(0..<x.shape[0])
        let z = Tensor(zeros: [1 + indices.count, d])
        z.data.update(from: weights.clsToken.data, count: d)
        VectorMath.add(table.data, to: z.data, count: d)
        for (m, k) in indices.enumerated() {
            let dst = z.data + (1 + m) * d
            dst.update(from: x.data + k * d, count: d)
            VectorMath.add(table.data + (1 + k) * d, to: dst, count: d)
        }
        return z
    }

    // MARK: - Blocks

    /// Scratch buffers for one sequence of N tokens.
    struct Workspace {
        let y: Tensor, qkv: Tensor, o: Tensor, tmp: Tensor, hidden: Tensor
        init(tokens n: Int, config c: VisionConfiguration) {
            y = Tensor(zeros: [n, c.embedDim]); qkv = Tensor(zeros: [n, 3 * c.embedDim])
            o = Tensor(zeros: [n, c.embedDim]); tmp = Tensor(zeros: [n, max(c.embedDim, c.projectorOutDim)])
            hidden = Tensor(zeros: [n, c.mlpHiddenDim])
        }
    }

    /// Pre-norm block (MODEL_SPEC §2.5), in place on z `[N, D]`.
    func runBlock(_ w: VisionWeights.Block, z: Tensor, ws: inout Workspace) {
        let c = configuration, n = z.shape[0], d = c.embedDim, heads = c.numHeads
        let eps = c.normEps
        Normalization.rmsNorm(z.data, rows: n, cols: d, weight: w.norm1.data, eps: eps, out: ws.y.data)
        GEMM.linear(MatrixRef(ws.y), weight: MatrixRef(w.qkv), bias: nil, into: MutableMatrixRef(ws.qkv))
        // qk-norm over the full width D (all heads together), on the q and k column blocks.
        let q = ws.qkv.data, k = ws.qkv.data + d, v = ws.qkv.data + 2 * d
        Normalization.rmsNorm(q, rows: n, cols: d, stride: 3 * d, weight: w.qNorm.data, eps: eps, out: q, outStride: 3 * d)
        Normalization.rmsNorm(k, rows: n, cols: d, stride: 3 * d, weight: w.kNorm.data, eps: eps, out: k, outStride: 3 * d)
        Attention.multiHead(q: MatrixRef(q, rows: n, cols: d, rowStride: 3 * d),
                            k: MatrixRef(k, rows: n, cols: d, rowStride: 3 * d),
                            v: MatrixRef(v, rows: n, cols: d, rowStride: 3 * d),
                            heads: heads, scale: 1 / Float(d / heads).squareRoot(), out: MutableMatrixRef(ws.o))
        if let alpha = w.lpeScale, let beta = w.lpeBias {
            // LPE: a 1×1×1 depthwise conv on V = per-channel affine, added before attn.proj.
            for r in 0..<n {
                VectorMath.addScaled(v + r * 3 * d, gamma: alpha.data, to: ws.o.data + r * d, count: d)
                VectorMath.add(beta.data, to: ws.o.data + r * d, count: d)
            }
        }
        let tmp = MutableMatrixRef(ws.tmp.data, rows: n, cols: d)
        GEMM.linear(MatrixRef(ws.o), weight: MatrixRef(w.proj), bias: w.projBias.data, into: tmp)
        for r in 0..<n { VectorMath.addScaled(ws.tmp.data + r * d, gamma: w.ls1.data, to: z.data + r * d, count: d) }

        Normalization.rmsNorm(z.data, rows: n, cols: d, weight: w.norm2.data, eps: eps, out: ws.y.data)
        GEMM.linear(MatrixRef(ws.y), weight: MatrixRef(w.fc1), bias: w.fc1Bias.data, into: MutableMatrixRef(ws.hidden))
        switch c.mlpActivation {
        case .geluTanh: Activations.geluTanh(ws.hidden.data, count: ws.hidden.count)
        case .gelu: Activations.gelu(ws.hidden.data, count: ws.hidden.count)
        }
        GEMM.linear(MatrixRef(ws.hidden), weight: MatrixRef(w.fc2), bias: w.fc2Bias.data, into: tmp)
        for r in 0..<n { VectorMath.addScaled(ws.tmp.data + r * d, gamma: w.ls2.data, to: z.data + r * d, count: d) }
    }

    // MARK: - Attention pooling

    /// Attention pooling with the mean of all tokens (class token included) as the query
    /// (MODEL_SPEC §2.6). Writes f `[projector_out_dim]` to `out`.
    func pool(_ z: Tensor, projector w: VisionWeights.Projector, ws: inout Workspace, into out: UnsafeMutablePointer<Float>) {
        let c = configuration, n = z.shape[0], d = c.embedDim, eps = c.projectorNormEps
        let mean = Tensor(zeros: [1, d])
        for r in 0..<n { VectorMath.add(z.data + r * d, to: mean.data, count: d) }
        VectorMath.scale(mean.data, count: d, by: 1 / Float(n))
        Normalization.layerNorm(mean.data, rows: 1, cols: d, weight: w.normQ.weight.data, bias: w.normQ.bias.data, eps: eps, out: mean.data)
        let query = Tensor(zeros: [1, d])
        GEMM.linear(MatrixRef(mean), weight: MatrixRef(w.q), bias: w.qBias.data, into: MutableMatrixRef(query))
        // K and V side by side in the qkv buffer (row stride 3D).
        let keys = MutableMatrixRef(ws.qkv.data, rows: n, cols: d, rowStride: 3 * d)
        let values = MutableMatrixRef(ws.qkv.data + d, rows: n, cols: d, rowStride: 3 * d)
        Normalization.layerNorm(z.data, rows: n, cols: d, weight: w.normK.weight.data, bias: w.normK.bias.data, eps: eps, out: ws.y.data)
        GEMM.linear(MatrixRef(ws.y), weight: MatrixRef(w.k), bias: w.kBias.data, into: keys)
        Normalization.layerNorm(z.data, rows: n, cols: d, weight: w.normV.weight.data, bias: w.normV.bias.data, eps: eps, out: ws.y.data)
        GEMM.linear(MatrixRef(ws.y), weight: MatrixRef(w.v), bias: w.vBias.data, into: values)
        let pooled = Tensor(zeros: [1, d])
        let heads = c.projectorHeads
        Attention.multiHead(q: MatrixRef(query), k: keys.readOnly, v: values.readOnly, heads: heads,
                            scale: 1 / Float(d / heads).squareRoot(), out: MutableMatrixRef(pooled))
        GEMM.linear(MatrixRef(pooled), weight: MatrixRef(w.proj), bias: w.projBias.data,
                    into: MutableMatrixRef(out, rows: 1, cols: c.projectorOutDim))
    }
}
