import FluxCore

/// Reads a vision tower's configuration off its tensor shapes, as `infer_vision` in
/// `Tools/convert_checkpoint.py` does, and resamples a `pos_embed` stored on another grid to
/// the registered one (time linear, then space bicubic; MODEL_SPEC §2.3, Appendix A).
///
/// Attention heads cannot be read from shapes: they come from `--num-heads`, from the size
/// (S 6, B 12; assumed from width 384 / 768), or width / 64 (the head width of every
/// official model).
struct VisionInference {
    /// The inferred configuration.
    let configuration: VisionConfiguration
    /// (from (T, H), to (T0, H0)) when `pos_embed` was resampled.
    let resampled: (from: [Int], to: [Int])?
    /// Notes and warnings for the user (each one line).
    let notes: [String]

    /// Registered position grids (T0, H0) of the official constructors.
    static func preset(_ arch: VisionConfiguration.Architecture, _ size: CheckpointImportOptions.Size) -> (heads: Int, frames: Int, grid: Int) {
        switch (arch, size) {
        case (.fluxvit, .s): return (6, 24, 18)        // fluxvit_small_patch14
        case (.fluxvit, .b): return (12, 32, 20)       // fluxvit_base_patch14
        case (.internvideo2, .s): return (6, 8, 16)    // InternVideo2-CLIP S14
        case (.internvideo2, .b): return (12, 8, 16)   // InternVideo2-CLIP B14
        }
    }

    /// Widths of the official models, for when no size is given.
    static let officialWidths: [Int: CheckpointImportOptions.Size] = [384: .s, 768: .b]

    /// Grid row counts (without the class row) of the registered tables.
    static func knownGrid(_ arch: VisionConfiguration.Architecture, rows: Int) -> (Int, Int)? {
        switch arch {
        case .fluxvit:
            if rows == 24 * 18 * 18 { return (24, 18) }
            if rows == 32 * 20 * 20 { return (32, 20) }
            return nil
        case .internvideo2:
            return rows == 8 * 16 * 16 ? (8, 16) : nil
        }
    }

    /// Infers the configuration of `vision` (tower-relative keys) and replaces its
    /// `pos_embed` with the resampled table when the grids differ.
    init(vision: inout OrderedTensors, kind: CheckpointImportOptions.Kind, options o: CheckpointImportOptions) throws {
        var notes: [String] = []
        let arch: VisionConfiguration.Architecture = vision.contains("gpe_proj.depthwise_conv.weight") ? .fluxvit : .internvideo2
        if kind == .fluxvit || kind == .internvideo2, kind.rawValue != arch.rawValue {
            throw CheckpointImportError.kindMismatch(path: "the checkpoint", reason: "--kind \(kind.rawValue), but the checkpoint is a\(arch == .internvideo2 ? "n" : "") \(arch.rawValue) tower (it \(arch == .fluxvit ? "has" : "has no") gpe_proj)")
        }
        func need(_ key: String) throws -> [Int] {
            guard let t = vision[key] else { throw CheckpointImportError.missingTensor(name: "vision_encoder." + key) }
            return t.shape
        }
        guard let d = try need("cls_token").last else {
            throw CheckpointImportError.badShape(name: "vision_encoder.cls_token", shape: [], expected: "[1, 1, D]")
        }
        let depth = try Self.count(vision.keys, prefix: "blocks.", suffix: ".norm1.weight")
        guard depth > 0 else {
            throw CheckpointImportError.needsOption(reason: "no transformer blocks (blocks.{i}.norm1.weight) in the vision tower; is this a vision checkpoint?")
        }
        let mlp = try need("blocks.0.mlp.fc1.weight")[0]
        let pw = try need("patch_embed.proj.weight")
        guard pw.count == 5, pw[1] == 3, pw[2] == 1, pw[3] == pw[4] else {
            throw CheckpointImportError.badShape(name: "vision_encoder.patch_embed.proj.weight", shape: pw, expected: "[D, 3, 1, p, p]")
        }
        let patch = pw[4]
        let projectors: Int, outDim: Int
        if arch == .fluxvit {
            projectors = try Self.count(vision.keys, prefix: "clip_projector.", suffix: ".norm1_q.weight")
            outDim = try need("clip_projector.0.cross_attn.proj.weight")[0]
        } else {
            projectors = 1
            outDim = try need("clip_projector.cross_attn.proj.weight")[0]
        }

        var size = o.size
        if size == nil, let official = Self.officialWidths[d] {
            size = official
            notes.append("embed_dim \(d): assuming the official \(arch.rawValue) \(official.rawValue.uppercased())/14 layout (--size \(official.rawValue)) for heads and registered grid unless given explicitly")
        }
        let preset = size.map { Self.preset(arch, $0) }
        let heads: Int
        if let h = o.numHeads {
            heads = h
        } else if let preset {
            heads = preset.heads
        } else {
            heads = d / 64
            notes.append("warning: attention heads cannot be read from the weights; assuming \(heads) (embed_dim \(d) / 64). Pass --size s|b or --num-heads to be explicit")
        }

        // Position grid: the registered (T0, H0) and the checkpoint's own grid.
        let pos = try need("pos_embed")
        guard pos.count == 3, pos[0] == 1, pos[2] == d else {
            throw CheckpointImportError.badShape(name: "vision_encoder.pos_embed", shape: pos, expected: "[1, 1 + T·H², \(d)]")
        }
        let rows = pos[1] - 1
        let t0: Int, h0: Int
        if let f = o.posFrames, let g = o.posGrid {
            (t0, h0) = (f, g)
        } else if let f = o.posFrames {
            guard f > 0, rows % f == 0, let g = Self.squareRoot(rows / f) else {
                throw CheckpointImportError.needsOption(reason: "pos_embed has \(rows) grid rows, not \(f)·H² for an integer H; pass --pos-grid (and --orig-t-size for the checkpoint's own frame count)")
            }
            (t0, h0) = (f, g)
        } else if let preset {
            (t0, h0) = (preset.frames, preset.grid)
        } else if let known = Self.knownGrid(arch, rows: rows) {
            (t0, h0) = known
        } else {
            let candidates = rows > 0 ? (1...rows).compactMap { t in rows % t == 0 ? Self.squareRoot(rows / t).map { "(\(t), \($0))" } : nil } : []
            throw CheckpointImportError.needsOption(reason: "cannot tell the registered position grid from \(rows) rows (candidates (T, H): \(candidates.prefix(12).joined(separator: ", "))); pass --size s|b or --pos-frames T0 [--pos-grid H0]")
        }
        let srcT: Int
        if let t = o.origTSize {
            srcT = t
        } else if rows == t0 * h0 * h0 {
            srcT = t0
        } else if t0 > 0, rows % t0 == 0, Self.squareRoot(rows / t0) != nil {
            srcT = t0
        } else {
            throw CheckpointImportError.needsOption(reason: "pos_embed has \(rows) grid rows but the model registers \(t0)x\(h0)x\(h0); pass --orig-t-size (the checkpoint's frame count) so it can be resampled")
        }
        guard srcT > 0, rows % srcT == 0, let srcH = Self.squareRoot(rows / srcT) else {
            throw CheckpointImportError.needsOption(reason: "pos_embed has \(rows) grid rows, not \(srcT)·H² (--orig-t-size \(srcT))")
        }
        var resampled: (from: [Int], to: [Int])?
        if (srcT, srcH) != (t0, h0), let original = vision["pos_embed"] {
            let precision = original.precision
            vision["pos_embed"] = TensorReference(shape: [1, 1 + t0 * h0 * h0, d]) {
                let table = try original.produce()
                return Self.roundTo(precision, PositionResampler.resample(table, from: (srcT, srcH), to: (t0, h0)))
            }
            resampled = ([srcT, srcH], [t0, h0])
            notes.append("resampled pos_embed from \(srcT)x\(srcH)x\(srcH) to \(t0)x\(h0)x\(h0) (time linear, then space bicubic)")
        }

        let budgets: [Int]
        if let b = o.projectorBudgets {
            budgets = b
        } else if arch == .fluxvit, projectors == 3 {
            budgets = [3072, 2048, 1024]
        } else if arch == .fluxvit {
            throw CheckpointImportError.needsOption(reason: "\(projectors) projectors: pass --projector-budgets with \(projectors) comma-separated token counts")
        } else {
            budgets = [t0 * h0 * h0]
        }
        configuration = VisionConfiguration(arch: arch, embedDim: d, depth: depth, numHeads: heads, mlpHiddenDim: mlp,
                                            patchSize: patch, posNumFrames: t0, posGridSize: h0, numProjectors: projectors,
                                            projectorBudgets: budgets, projectorHeads: o.projectorHeads, projectorOutDim: outDim,
                                            normEps: 1e-6, projectorNormEps: 1e-5, mlpActivation: o.mlpActivation)
        self.resampled = resampled
        self.notes = notes
    }

    /// How many blocks `prefix{i}suffix` there are; indices must run 0, 1, 2, … without gaps.
    static func count(_ keys: [String], prefix: String, suffix: String) throws -> Int {
        var indices = Set<Int>()
        for k in keys where k.hasPrefix(prefix) && k.hasSuffix(suffix) && k.count > prefix.count + suffix.count {
            let middle = k.dropFirst(prefix.count).dropLast(suffix.count)
            if middle.allSatisfy(\.isASCIIDigitCharacter), let i = Int(middle) { indices.insert(i) }
        }
        guard indices == Set(0..<indices.count) else {
            throw CheckpointImportError.nonContiguous(pattern: "\(prefix){i}\(suffix)", indices: indices.sorted())
        }
        return indices.count
    }

    static func squareRoot(_ n: Int) -> Int? {
        guard n >= 0 else { return nil }
        var r = Int(Double(n).squareRoot())
        while r * r > n { r -= 1 }
        while (r + 1) * (r + 1) <= n { r += 1 }
        return r * r == n ? r : nil
    }

    /// Rounds every value to `precision` (round to nearest even), as `.to(dtype)` does.
    static func roundTo(_ precision: CheckpointSource.Precision, _ t: Tensor) -> Tensor {
        switch precision {
        case .float16:
            for i in 0..<t.count { t.data[i] = HalfConversion.float(fromHalf: HalfConversion.half(from: t.data[i])) }
        case .bfloat16:
            for i in 0..<t.count { t.data[i] = HalfConversion.float(fromBFloat16: HalfConversion.bfloat16(from: t.data[i])) }
        case .float32, .other:
            break
        }
        return t
    }
}

private extension Character {
    var isASCIIDigitCharacter: Bool { isASCII && isNumber }
}
