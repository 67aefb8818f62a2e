import Foundation
import FluxCore

// Port of the MobileCLIP `base` text encoder (apple/ml-mobileclip `mobileclip/text_encoder.py`
// `TextTransformer` with `modules/common/transformer.py` `TransformerEncoder`); MODEL_SPEC §5.
//
// Legend: N tokens (positions computed), C width, H heads, D = C/H, F ffn_dim, P projection
// dim, V vocab. All buffers are row-major [rows, cols].

/// The MobileCLIP-B text tower: token ids → one vector in the joint space (not normalised).
///
/// Forward, for ids t[0 ..< N]:
/// 1. x = E[t] + pos[0 ..< N] — `embedding_layer`, `positional_embedding` (no embedding scale).
/// 2. `layers` pre-norm blocks: x += out_proj(MHA(LN(x))), with a causal mask when
///    `configuration.causal`, softmax in fp32, q scaled by D^−½; then
///    x += W₂·GELU_erf(W₁·LN(x) + b₁) + b₂.
/// 3. LN(x) (`final_layer_norm`), taken at the position of the largest id (the first
///    `<end_of_text>`, argmax as upstream).
/// 4. out = x_eot · `projection_layer` ([C, P], used as stored).
///
/// **Computing only up to the end token.** With a causal mask, position i sees positions ≤ i
/// only, so nothing after the end token can change the pooled row. ``encode(_:extent:)``
/// therefore runs the blocks on the 16-row tiles up to the end token only
/// (``Extent/throughEndToken``): a 6-word query (8 tokens) costs one tile, not 77 positions.
/// ``Extent/full`` runs the whole context (the ids right-padded with 0) as upstream does; the
/// pooled outputs of the two are bitwise identical (tested by `TextTowerTruncationTests`;
/// see ``encode(_:extent:)`` for why tiles make that hold). Non-causal configurations attend
/// to the padding, so they always run the whole context.
///
/// The weights are used as loaded: F32 tensors stay memory-mapped (zero-copy).
///
/// Thread safety: immutable; `encode` may be called from several threads at once.
///
/// ## Topics
/// ### Loading
/// - ``load(modelDirectory:)``
/// - ``init(configuration:weights:)``
/// - ``parameterTable(_:)``
/// ### Encoding
/// - ``encode(_:extent:)``
/// - ``encode(batch:extent:)``
public final class TextTower: @unchecked Sendable {
    /// Which positions a forward pass computes.
    public enum Extent: Sendable {
        /// Positions 0 … argmax(ids) only (causal towers; the fast path).
        case throughEndToken
        /// All `context_length` positions, the ids right-padded with 0, as upstream.
        case full
    }

    /// One pre-norm transformer block (`transformer.{i}`).
    struct Block {
        /// `pre_norm_mha.0`: LayerNorm [C].
        let attentionNormWeight, attentionNormBias: Tensor
        /// `pre_norm_mha.1.qkv_proj`: [3C, C] (rows q | k | v, head h = rows h·D ..< (h+1)·D of each), [3C].
        let qkvWeight, qkvBias: Tensor
        /// `pre_norm_mha.1.out_proj`: [C, C], [C].
        let outWeight, outBias: Tensor
        /// `pre_norm_ffn.0`: LayerNorm [C].
        let ffnNormWeight, ffnNormBias: Tensor
        /// `pre_norm_ffn.1`: [F, C], [F].
        let ffnInWeight, ffnInBias: Tensor
        /// `pre_norm_ffn.4`: [C, F], [C].
        let ffnOutWeight, ffnOutBias: Tensor
    }

    public let configuration: TextConfiguration
    /// `embedding_layer.weight`: [V, C].
    let tokenEmbedding: Tensor
    /// `positional_embedding.pos_embed.pos_embed`: [1, 1, N, C].
    let positionEmbedding: Tensor
    let blocks: [Block]
    /// `final_layer_norm`: [C], [C].
    let finalNormWeight, finalNormBias: Tensor
    /// `projection_layer`: [C, P] (in, out).
    let projection: Tensor

    /// Builds the tower from tensors named as in ``parameterTable(_:)``, under the prefix
    /// `text_encoder.` (joint checkpoints) or none (a text-only file).
    ///
    /// - Throws: ``ModelLoadingError/tensorMismatch(path:tower:missing:unexpected:wrongShape:)``
    ///   listing every missing, unexpected and mis-shaped tensor.
    public init(configuration: TextConfiguration, weights: WeightSource) throws {
        let p = try ParameterLoader.load(Self.parameterTable(configuration), from: weights, tower: "text",
                                         prefixes: Self.keyPrefixes, foreign: Self.foreignPrefixes)
        self.configuration = configuration
        tokenEmbedding = p[Keys.tokenEmbedding]
        positionEmbedding = p[Keys.positionEmbedding]
        blocks = (0..<configuration.layers).map { i in
            let k = Keys.Block(i)
            return Block(attentionNormWeight: p[k.attentionNormWeight], attentionNormBias: p[k.attentionNormBias],
                         qkvWeight: p[k.qkvWeight], qkvBias: p[k.qkvBias],
                         outWeight: p[k.outWeight], outBias: p[k.outBias],
                         ffnNormWeight: p[k.ffnNormWeight], ffnNormBias: p[k.ffnNormBias],
                         ffnInWeight: p[k.ffnInWeight], ffnInBias: p[k.ffnInBias],
                         ffnOutWeight: p[k.ffnOutWeight], ffnOutBias: p[k.ffnOutBias])
        }
        finalNormWeight = p[Keys.finalNormWeight]
        finalNormBias = p[Keys.finalNormBias]
        projection = p[Keys.projection]
    }

    /// Loads the text tower of a model directory (`config.json` + `model.safetensors`).
    ///
    /// - Throws: ``ModelLoadingError`` — `missingFile`, `invalidConfiguration`,
    ///   `towerNotConfigured` (no `text` section) or `tensorMismatch` — or a ``WeightFileError``
    ///   for a malformed safetensors file.
    public static func load(modelDirectory: URL) throws -> TextTower {
        try ModelDirectory(modelDirectory).textTower()
    }

    /// Number of scalar parameters (MobileCLIP-B: 63 428 096).
    public var parameterCount: Int {
        var n = tokenEmbedding.count + positionEmbedding.count + finalNormWeight.count + finalNormBias.count + projection.count
        for b in blocks {
            n += b.attentionNormWeight.count + b.attentionNormBias.count + b.qkvWeight.count + b.qkvBias.count
            n += b.outWeight.count + b.outBias.count + b.ffnNormWeight.count + b.ffnNormBias.count
            n += b.ffnInWeight.count + b.ffnInBias.count + b.ffnOutWeight.count + b.ffnOutBias.count
        }
        return n
    }

    // MARK: - Encoding

    /// Rows per tile of the single-sequence path (see ``encode(_:extent:)``).
    public static let rowTile = 16

    /// The projected feature of one token sequence: [P], **not** L2-normalised (upstream
    /// `encode_text`). ``TextEncoder`` normalises.
    ///
    /// Positions are computed in tiles of ``rowTile`` (16) rows: every matrix product runs on
    /// one tile at a time, and tile t attends to the keys of tiles 0 … t. A tile's arithmetic
    /// therefore depends only on the tiles before it, never on how many tiles follow, so
    /// stopping after the end token's tile (``Extent/throughEndToken``) reproduces the
    /// full-context run bit for bit, whatever the BLAS library's kernels or thread count do
    /// with other shapes. Queries of up to 16 tokens are one tile. Rows past the end token
    /// inside the last tile hold the ids given there (or padding 0); rows past the context are
    /// zero, and the causal mask keeps all of them out of the pooled row.
    ///
    /// - Parameter tokens: ids as ``BPETokenizer/tokenize(_:contextLength:)`` or
    ///   ``BPETokenizer/tokenizeUnpadded(_:contextLength:)`` return them: 1 …
    ///   `context_length` ids, each in 0 ..< `vocab_size`; padding after the end token is
    ///   optional.
    /// - Throws: ``TextError`` for an empty, too long or out-of-vocabulary sequence.
    public func encode(_ tokens: [Int32], extent: Extent = .throughEndToken) throws -> [Float] {
        forward([try plan(tokens, extent: extent)], tiled: configuration.causal)[0]
    }

    /// ``encode(_:extent:)`` for several sequences in one pass: the positions of all
    /// sequences are stacked into one [ΣN, C] matrix, so each weight matrix is read once per
    /// batch rather than once per sequence (faster for evaluation). The results agree with
    /// single-sequence encodes to about 1e-6, not bit for bit (other GEMM shapes).
    public func encode(batch: [[Int32]], extent: Extent = .throughEndToken) throws -> [[Float]] {
        let sequences = try batch.map { try plan($0, extent: extent) }
        return forward(sequences, tiled: false)
    }

    /// One sequence as the forward pass runs it.
    struct Sequence {
        /// The ids as given (at most `context_length`).
        let tokens: [Int32]
        /// Positions that must be computed: through the pooled one (causal, truncated) or the
        /// whole context.
        let positions: Int
        /// The pooled position: the first occurrence of the largest id.
        let pool: Int
    }

    func plan(_ tokens: [Int32], extent: Extent) throws -> Sequence {
        let c = configuration
        guard !tokens.isEmpty else { throw TextError.emptyTokenSequence }
        guard tokens.count <= c.contextLength else {
            throw TextError.tokenSequenceTooLong(count: tokens.count, contextLength: c.contextLength)
        }
        var pool = 0
        for (i, t) in tokens.enumerated() {
            guard t >= 0, Int(t) < c.vocabSize else {
                throw TextError.tokenOutOfRange(id: t, position: i, vocabularySize: c.vocabSize)
            }
            if t > tokens[pool] { pool = i }   // argmax, first occurrence
        }
        // Upstream feeds the whole padded context; padding id 0 cannot move the argmax.
        let truncate = c.causal && extent == .throughEndToken
        return Sequence(tokens: tokens, positions: truncate ? pool + 1 : c.contextLength, pool: pool)
    }

    /// Rows the forward pass computes for `sequence`.
    func rows(_ sequence: Sequence, tiled: Bool) -> Int {
        tiled ? (sequence.positions + Self.rowTile - 1) / Self.rowTile * Self.rowTile : sequence.positions
    }

    /// The forward pass over stacked sequences. With `tiled` (causal towers only) every
    /// sequence is padded to whole tiles and each matrix product and attention call covers
    /// one tile; otherwise each product covers all rows. `observe` (tests) sees the
    /// [rows, C] residual stream after the embedding ("embed") and after each block ("block.{i}").
    func forward(_ sequences: [Sequence], tiled: Bool, observe: ((String, Tensor) -> Void)? = nil) -> [[Float]] {
        let c = configuration
        let C = c.width, F = c.ffnDim, H = c.heads, D = C / H, P = c.projectionDim, R = Self.rowTile
        precondition(!tiled || c.causal, "tiles need the causal mask")
        var starts: [Int] = [], total = 0
        for s in sequences { starts.append(total); total += rows(s, tiled: tiled) }

        // Row blocks for the matrix products, and (query rows, key rows) for attention.
        var rowBlocks: [Range<Int>] = []
        var attention: [(queries: Range<Int>, keys: Range<Int>)] = []
        for (s, seq) in sequences.enumerated() {
            let start = starts[s], n = rows(seq, tiled: tiled)
            if tiled {
                for t in stride(from: 0, to: n, by: R) {
                    rowBlocks.append((start + t)..<(start + t + R))
                    attention.append(((start + t)..<(start + t + R), start..<(start + t + R)))
                }
            } else {
                attention.append((start..<(start + n), start..<(start + n)))
            }
        }
        if !tiled { rowBlocks = [0..<total] }

        // Activations (≈ 6C + F floats per row).
        let x = Tensor(zeros: [total, C])          // residual stream
        let h = Tensor(zeros: [total, C])          // normalised input / sub-layer output
        let qkv = Tensor(zeros: [total, 3 * C])    // q | k | v
        let attended = Tensor(zeros: [total, C])   // heads concatenated
        let hidden = Tensor(zeros: [total, F])     // FFN hidden

        // 1. Token + position embedding; rows past the given ids hold padding id 0, rows past
        //    the context stay zero.
        let E = tokenEmbedding.data, pos = positionEmbedding.data
        for (s, seq) in sequences.enumerated() {
            for i in 0..<min(rows(seq, tiled: tiled), c.contextLength) {
                let t = i < seq.tokens.count ? Int(seq.tokens[i]) : 0
                let row = x.data + (starts[s] + i) * C
                row.update(from: E + t * C, count: C)
                VectorMath.add(pos + i * C, to: row, count: C)
            }
        }
        observe?("embed", x)

        func linear(_ input: Tensor, _ weight: Tensor, _ bias: Tensor, _ output: Tensor) {
            let k = input.shape[1], n = output.shape[1]
            for b in rowBlocks {
                GEMM.linear(MatrixRef(input.data + b.lowerBound * k, rows: b.count, cols: k), weight: MatrixRef(weight),
                            bias: bias.data, into: MutableMatrixRef(output.data + b.lowerBound * n, rows: b.count, cols: n))
            }
        }

        // 2. Pre-norm blocks.
        let scale = 1 / Float(D).squareRoot()
        for (l, b) in blocks.enumerated() {
            // Self-attention: x += out_proj(MHA(LN(x))).
            Normalization.layerNorm(x.data, rows: total, cols: C, weight: b.attentionNormWeight.data,
                                    bias: b.attentionNormBias.data, eps: c.normEps, out: h.data)
            linear(h, b.qkvWeight, b.qkvBias, qkv)
            for a in attention {
                let base = qkv.data + a.keys.lowerBound * 3 * C, nk = a.keys.count
                let q = qkv.data + a.queries.lowerBound * 3 * C
                Attention.multiHead(q: MatrixRef(q, rows: a.queries.count, cols: C, rowStride: 3 * C),
                                    k: MatrixRef(base + C, rows: nk, cols: C, rowStride: 3 * C),
                                    v: MatrixRef(base + 2 * C, rows: nk, cols: C, rowStride: 3 * C),
                                    heads: H, scale: scale, mask: c.causal ? .causal : .none,
                                    out: MutableMatrixRef(attended.data + a.queries.lowerBound * C, rows: a.queries.count, cols: C))
            }
            linear(attended, b.outWeight, b.outBias, h)
            VectorMath.add(h.data, to: x.data, count: total * C)

            // Feed-forward: x += W₂·GELU(W₁·LN(x) + b₁) + b₂.
            Normalization.layerNorm(x.data, rows: total, cols: C, weight: b.ffnNormWeight.data,
                                    bias: b.ffnNormBias.data, eps: c.normEps, out: h.data)
            linear(h, b.ffnInWeight, b.ffnInBias, hidden)
            Activations.gelu(hidden.data, count: total * F)
            linear(hidden, b.ffnOutWeight, b.ffnOutBias, h)
            VectorMath.add(h.data, to: x.data, count: total * C)
            observe?("block.\(l)", x)
        }

        // 3. Final LayerNorm of the pooled rows only (LayerNorm is row-wise).
        let B = sequences.count
        let pooled = Tensor(zeros: [B, C])
        for (s, seq) in sequences.enumerated() {
            Normalization.layerNorm(x.data + (starts[s] + seq.pool) * C, rows: 1, cols: C,
                                    weight: finalNormWeight.data, bias: finalNormBias.data, eps: c.normEps,
                                    out: pooled.data + s * C)
        }

        // 4. Projection, one pooled row at a time: out = pooled · projection_layer ([1, C] · [C, P]).
        var out: [[Float]] = []
        let row = Tensor(zeros: [1, P])
        for s in 0..<B {
            GEMM.multiply(MatrixRef(pooled.data + s * C, rows: 1, cols: C), MatrixRef(projection), into: MutableMatrixRef(row))
            out.append(row.scalars)
        }
        return out
    }
}

extension ModelDirectory {
    /// The text tower (``TextTower``) of this model.
    public func textTower() throws -> TextTower {
        guard let text = configuration.text else {
            throw ModelLoadingError.towerNotConfigured(path: url.appendingPathComponent(Self.configName).path, tower: "text")
        }
        return try TextTower(configuration: text, weights: weights)
    }
}
