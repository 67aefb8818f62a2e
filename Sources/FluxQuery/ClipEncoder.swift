import Foundation
import FluxCore
import FluxIngest
import FluxModels

/// Encodes one clip of a video file at a token budget, sampled by a flexi-sampling table —
/// for query by example and for refining a shortlist at a larger budget.
public struct ClipEncoder: @unchecked Sendable {
    public let tower: VisionTower
    public var samplingTable: FlexiSamplingTable

    public init(tower: VisionTower, samplingTable: FlexiSamplingTable = .tokenOptimized) {
        self.tower = tower
        self.samplingTable = samplingTable
    }

    /// The unit joint-space vector of `url` (its whole length, or `window` in seconds) at
    /// `budget` tokens. Throws ``DecodeError``, ``SamplingError`` or ``VisionError``.
    public func encode(_ url: URL, window: TimeWindow? = nil, budget: Int, frames: Int? = nil, size: Int? = nil) throws -> [Float] {
        let plan = try samplingTable.plan(budget: budget, frames: frames, size: size)
        let decoder = try VideoDecoder(url: url)
        let pre = Preprocessor(size: plan.size)
        let clip = try window.map { try VideoClipLoader.clip(from: decoder, window: $0, frames: plan.frames, preprocessor: pre) }
            ?? VideoClipLoader.clip(from: decoder, sampling: .middle(frames: plan.frames), preprocessor: pre)
        guard let e = try tower.encode(clip.tensor, budget: budget).embeddings else {
            throw VisionError.unsupportedInput(reason: "the model has no vision_align head")
        }
        return e.scalars
    }
}
