import Foundation
import FluxCore

/// Runtime position tables: the stored `pos_embed` grid, through `gpe_proj`, resampled to the
/// input's (T, h) — time linear first, then space bicubic, both align_corners=False
/// (MODEL_SPEC §2.3). Tables are cached per (T, h).
final class PositionTable: @unchecked Sendable {
    private let config: VisionConfiguration
    private let stored: Tensor          // [1, 1 + T0·H0², D]
    private let gpeScale: Tensor?, gpeBias: Tensor?
    private var cache: [Key: Tensor] = [:]
    private let lock = NSLock()

    private struct Key: Hashable { let frames: Int, side: Int }

    init(stored: Tensor, gpeScale: Tensor?, gpeBias: Tensor?, config: VisionConfiguration) {
        self.config = config
        self.stored = stored
        self.gpeScale = gpeScale
        self.gpeBias = gpeBias
    }

    /// The table for `frames` frames of `side`×`side` patches: [1 + frames·side², D], row 0
    /// for the class token, then (t, r, c) order.
    func table(frames: Int, side: Int) throws -> Tensor {
        let key = Key(frames: frames, side: side)
        lock.lock(); defer { lock.unlock() }
        if let t = cache[key] { return t }
        let t = try build(frames: frames, side: side)
        cache[key] = t
        return t
    }

    private func build(frames t: Int, side h: Int) throws -> Tensor {
        let d = config.embedDim, t0 = config.posNumFrames, h0 = config.posGridSize
        var grid = Tensor(shape: [t0, h0, h0, d], storage: stored.storage, offset: stored.offset + d)
        switch config.arch {
        case .internvideo2:
            // Fixed table, no interpolation; a single frame uses the time-averaged grid.
            guard h == h0, t == t0 || t == 1 else {
                throw VisionError.unsupportedInput(reason: "an InternVideo2 tower takes exactly \(t0) frames (or 1) at \(h0 * config.patchSize)×\(h0 * config.patchSize) pixels; got \(t) frames at \(h * config.patchSize) pixels")
            }
            if t == 1 {
                let mean = Tensor(zeros: [1, h0, h0, d])
                for f in 0..<t0 { VectorMath.add(grid.data + f * h0 * h0 * d, to: mean.data, count: h0 * h0 * d) }
                VectorMath.scale(mean.data, count: mean.count, by: 1 / Float(t0))
                grid = mean
            }
        case .fluxvit:
            if let a = gpeScale, let b = gpeBias {
                // gpe_proj is a 1×1×1 depthwise conv: a per-channel affine of the grid rows only.
                let g = grid.copy()
                for row in 0..<(t0 * h0 * h0) {
                    VectorMath.affine(g.data + row * d, shift: 0, scale: 1, weight: a.data, bias: b.data,
                                      out: g.data + row * d, count: d)
                }
                grid = g
            }
            if t != t0 { grid = Interpolation.linear(grid, axis: 0, size: t) }
            if h != h0 { grid = Interpolation.bicubic(grid, axis: 1, height: h, width: h) }
        }
        let rows = grid.shape[0] * h * h
        let table = Tensor(zeros: [1 + rows, d])
        table.data.update(from: stored.data, count: d)       // class row: raw pos_embed[0, 0]
        (table.data + d).update(from: grid.data, count: rows * d)
        return table
    }

    /// A checkpoint `pos_embed` stored on another spatial grid is resampled to the configured
    /// (T0, H0) with bicubic interpolation, taking its temporal size as T0 (the official
    /// loader's `--orig_t_size`). Tables already of the configured size are returned as is.
    static func adaptStoredTable(_ pos: Tensor, config c: VisionConfiguration) throws -> Tensor {
        let d = c.embedDim, t0 = c.posNumFrames, h0 = c.posGridSize
        let rows = pos.shape[1] - 1
        if rows == t0 * h0 * h0 { return pos }
        guard let hc = VisionConfiguration.squareGrid(rows: rows, frames: t0) else {
            throw VisionError.unsupportedInput(reason: "pos_embed has \(rows) grid rows, not \(t0)·H² for any H; convert the checkpoint with Tools/convert_checkpoint.py --orig-t-size")
        }
        let grid = Tensor(shape: [t0, hc, hc, d], storage: pos.storage, offset: pos.offset + d)
        let resampled = Interpolation.bicubic(grid, axis: 1, height: h0, width: h0)
        let out = Tensor(zeros: [1, 1 + t0 * h0 * h0, d])
        out.data.update(from: pos.data, count: d)
        (out.data + d).update(from: resampled.data, count: t0 * h0 * h0 * d)
        return out
    }
}

/// Why a clip could not be encoded. (An unusable token budget is a ``SamplingError``.)
public enum VisionError: Error, CustomStringConvertible, LocalizedError, Equatable {
    /// The input tensor's shape or values cannot be encoded by this tower.
    case unsupportedInput(reason: String)
    /// The model has no vision_align head, so its clips have no joint-space embedding.
    case noEmbeddingHead
    /// The projector index does not exist.
    case invalidProjector(Int, available: Int)

    public var description: String {
        switch self {
        case .unsupportedInput(let reason): return "cannot encode this input: \(reason)"
        case .noEmbeddingHead: return "the model has no vision_align head, so it has no video–text embedding; use a model converted with its vision_align weights"
        case .invalidProjector(let j, let n): return "projector \(j) does not exist (the model has \(n): 0…\(n - 1))"
        }
    }

    public var errorDescription: String? { description }
}
