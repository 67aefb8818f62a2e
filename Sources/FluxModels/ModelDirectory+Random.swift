import Foundation
import FluxCore

extension ModelDirectory {
    /// Writes a model directory with random weights for `configuration` (both towers as
    /// configured): config.json and model.safetensors in the official key layout.
    ///
    /// Such a model ranks nothing meaningfully; it exercises every code path (tests, smoke
    /// runs, benchmarks) where no trained weights are at hand.
    @discardableResult
    public static func writeRandom(to url: URL, configuration: ModelConfiguration, seed: UInt64 = 1) throws -> ModelDirectory {
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        var writer = SafetensorsWriter(metadata: ["note": "random weights (seed \(seed))"])
        if let v = configuration.vision {
            let w = VisionTower.randomWeights(configuration: v, embedDim: configuration.embedDim, seed: seed)
            for name in w.tensorNames { writer.add(name, try w.tensor(named: name)) }
        }
        if let t = configuration.text {
            let w = TextTower.randomWeights(configuration: t, seed: seed &+ 1)
            for name in w.tensorNames {
                writer.add(name.hasPrefix("text_encoder.") ? name : "text_encoder." + name, try w.tensor(named: name))
            }
        }
        try writer.write(to: url.appendingPathComponent(weightsName))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(configuration).write(to: url.appendingPathComponent(configName))
        return try ModelDirectory(url)
    }

    /// A tiny FluxViT + text configuration for tests and smoke runs: real tokenizer vocabulary
    /// (49408), width 32 text tower, a 2-block 64-wide video tower with the official pos grid
    /// shape (T0 = 8, 16×16 patches) and the official projector budgets.
    public static let tinyConfiguration = ModelConfiguration(
        name: "tiny-random",
        vision: VisionConfiguration(arch: .fluxvit, embedDim: 64, depth: 2, numHeads: 4, mlpHiddenDim: 128,
                                    posNumFrames: 8, posGridSize: 16, numProjectors: 3,
                                    projectorBudgets: [3072, 2048, 1024], projectorHeads: 16, projectorOutDim: 64),
        text: TextConfiguration(width: 32, layers: 2, heads: 4, ffnDim: 64, projectionDim: 32),
        embedDim: 32)
}
