import Foundation
import FluxCore
import FluxIndex
import FluxModels

/// Embeddings straight from a model, with no index: what `embed` prints. Texts go through
/// the same ``FluxModels/TextEncoder`` a ``SearchSession`` queries with, videos through the
/// same ``FluxIndex/VideoEmbedder`` indexing uses.
public final class ModelEmbeddings {
    public let model: ModelDirectory

    /// Opens the model directory at `modelURL`.
    /// - Throws: ``FluxModels/ModelLoadingError``.
    public init(modelURL: URL) throws {
        model = try ModelDirectory(modelURL)
    }

    /// The model's name and weight hash, as indexes record them.
    public func identity() throws -> (name: String, hash: String) {
        (model.configuration.name, try model.weightHash())
    }

    /// The token ids and unit vector `[E]` of `text` after `normalization`.
    public func text(_ text: String, normalization: CaptionNormalization = .preText) throws -> (tokens: [Int32], vector: [Float]) {
        let encoder = TextEncoder(tokenizer: try BPETokenizer(), tower: try model.textTower(), normalization: normalization)
        return (encoder.tokens(for: text), try encoder.encode(text))
    }

    /// The plan `embed --video` samples by: the budget's row of the model's table (8 frames
    /// and every token without a budget), with `frames`/`size` overriding it.
    public func plan(budget: Int?, frames: Int?, size: Int?) throws -> SamplingPlan {
        var plan = try model.samplingTable.plan(budget: budget ?? 2048, frames: frames ?? (budget == nil ? 8 : nil), size: size)
        plan.budget = budget
        return plan
    }

    /// The vision tower's output for the whole of the video at `url` sampled by `plan`, and
    /// the input's shape `[1, 3, T, S, S]`.
    public func video(_ url: URL, plan: SamplingPlan, projector: Int? = nil) throws -> (shape: [Int], output: VisionTower.Output) {
        let output = try VideoEmbedder(tower: try model.visionTower()).encode(url, plan: plan, projector: projector)
        return ([1, 3, plan.frames, plan.size, plan.size], output)
    }

    /// The vision tower's output for preprocessed clips `[B, 3, T, H, W]`.
    public func clips(_ tensor: Tensor, budget: Int?, projector: Int? = nil) throws -> VisionTower.Output {
        try model.visionTower().encode(tensor, budget: budget, projector: projector)
    }
}
