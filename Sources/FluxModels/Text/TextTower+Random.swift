import FluxCore

extension TextTower {
    /// Random weights in the official key layout (`text_encoder.*`) for benchmarks and tests:
    /// every tensor of ``parameterTable(_:)``. LayerNorm weights are drawn around 1, biases
    /// and embeddings small around 0, matrices with a spread of about 1/√fan-in so that the
    /// activations stay in a realistic range through the blocks. Seeded and deterministic.
    public static func randomWeights(configuration c: TextConfiguration, seed: UInt64 = 1) -> InMemoryWeights {
        var state = seed &* 0x9E37_79B9_7F4A_7C15 | 1
        func fill(_ shape: [Int], around centre: Float, spread: Float) -> Tensor {
            let t = Tensor(zeros: shape)
            let p = t.data
            for i in 0..<t.count {
                state ^= state << 13; state ^= state >> 7; state ^= state << 17
                p[i] = centre + spread * (Float(state >> 40) * 0x1p-23 - 1)   // uniform in ±spread
            }
            return t
        }
        var tensors: [String: Tensor] = [:]
        for (key, shape) in parameterTable(c).defaultShapes {
            let t: Tensor
            if key.hasSuffix("norm_mha.0.weight") || key.hasSuffix("norm_ffn.0.weight") || key == Keys.finalNormWeight {
                t = fill(shape, around: 1, spread: 0.1)
            } else if key.hasSuffix(".bias") {
                t = fill(shape, around: 0, spread: 0.02)
            } else if key == Keys.tokenEmbedding || key == Keys.positionEmbedding {
                t = fill(shape, around: 0, spread: 0.05)
            } else {
                // [out, in] linears, and projection_layer [in, out].
                let fanIn = key == Keys.projection ? shape[0] : shape[shape.count - 1]
                t = fill(shape, around: 0, spread: (3 / Float(fanIn)).squareRoot())
            }
            tensors["text_encoder." + key] = t
        }
        return InMemoryWeights(tensors, path: "<random text tower C=\(c.width) L=\(c.layers)>")
    }

    /// A tower with ``randomWeights(configuration:seed:)``.
    public static func random(configuration: TextConfiguration, seed: UInt64 = 1) throws -> TextTower {
        try TextTower(configuration: configuration, weights: randomWeights(configuration: configuration, seed: seed))
    }
}
