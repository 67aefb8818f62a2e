import FluxCore

extension VisionTower {
    /// Random weights in the official key layout (`vision_encoder.*`, `vision_align.*`), for
    /// benchmarks: every declared tensor at its default shape. Norm weights and LayerScale
    /// gammas are drawn around 1, everything else small and centred on 0.
    public static func randomWeights(configuration c: VisionConfiguration, embedDim: Int?, seed: UInt64 = 1) -> InMemoryWeights {
        var rng = seed &* 0x9E37_79B9_7F4A_7C15 | 1
        func fill(_ shape: [Int], around centre: Float, spread: Float) -> Tensor {
            let t = Tensor(zeros: shape)
            for i in 0..<t.count {
                rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17
                t.data[i] = centre + spread * (Float(rng >> 40) / Float(1 << 24) * 2 - 1)
            }
            return t
        }
        func make(_ key: String, _ shape: [Int]) -> Tensor {
            let unitScale = key.hasSuffix("norm.weight") || key.hasSuffix("norm1.weight") || key.hasSuffix("norm2.weight")
                || key.hasSuffix("_norm.weight") || key.hasSuffix("norm_before.weight") || key.contains("norm1_")
                && key.hasSuffix(".weight") || key.hasSuffix("gamma") || key.contains("depthwise_conv.weight")
            return unitScale ? fill(shape, around: 1, spread: 0.1) : fill(shape, around: 0, spread: 0.05)
        }
        var tensors: [String: Tensor] = [:]
        for (key, shape) in c.parameterTable.defaultShapes { tensors["vision_encoder." + key] = make(key, shape) }
        if let e = embedDim {
            for (key, shape) in c.alignTable(embedDim: e).defaultShapes {
                tensors["vision_align." + key] = make(key.hasPrefix("0.weight") ? "norm.weight" : key, shape)
            }
        }
        return InMemoryWeights(tensors, path: "<random \(c.arch.rawValue) D=\(c.embedDim)>")
    }
}
