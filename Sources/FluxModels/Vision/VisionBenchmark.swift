import FluxCore

/// The `bench encoder` suite: ms per clip and GFLOP/s of a vision tower with random weights at
/// several token budgets, as a fraction of one large square sgemm.
///
/// A budget of N tokens is run as an unmasked clip of N / 256 frames at 224 px (2048 = 8×224²),
/// the paper's unmasked rows; FLOPs are 2 × the multiply-accumulates of ``macs(tokens:frames:)``.
public struct VisionBenchmark {
    public struct Result: Codable, Sendable {
        public let tokens: Int
        public let frames: Int
        public let size: Int
        public let gmacs: Double
        public let timing: TimingSummary
        /// Peak resident set of the process after this run, bytes.
        public let peakResidentBytes: Int
        public var msPerClip: Double { timing.best * 1e3 }
        public var gflops: Double { 2 * gmacs / timing.best }
    }

    public let tower: VisionTower
    public var repetitions = 3

    public init(tower: VisionTower) { self.tower = tower }

    /// Multiply-accumulates of one clip with `tokens` patch tokens entering the blocks, out of
    /// `frames` frames of 224 px (the patch embedding sees every patch). Counts every matrix
    /// product: patch projection, qkv, attention (QKᵀ and PV), proj, MLP, projector, align.
    public func macs(tokens: Int, inputPatches: Int) -> Double {
        let c = tower.configuration
        let n = Double(tokens + 1), d = Double(c.embedDim), hidden = Double(c.mlpHiddenDim)
        let patch = Double(inputPatches) * Double(3 * c.patchSize * c.patchSize) * d
        let block = n * d * 3 * d + 2 * n * n * d + n * d * d + 2 * n * d * hidden
        let projector = 2 * n * d * d + d * d + n * d + d * Double(c.projectorOutDim)
        let align = Double((tower.embedDim ?? 0) * c.projectorOutDim)
        return patch + Double(c.depth) * block + projector + align
    }

    /// Runs one budget: `tokens / 256` frames at 224 px, no selection.
    public func run(tokens: Int) throws -> Result {
        let side = 224 / tower.configuration.patchSize
        let frames = max(1, tokens / (side * side))
        let clip = KernelBenchmark.random([1, 3, frames, 224, 224], seed: 7)
        let samples = try Timing.measureThrowing(repetitions: repetitions) {
            _ = try tower.encode(clip)
        }
        let patches = frames * side * side
        return Result(tokens: patches, frames: frames, size: 224, gmacs: macs(tokens: patches, inputPatches: patches) / 1e9,
                      timing: TimingSummary(samples), peakResidentBytes: Timing.peakResidentBytes)
    }
}
