/// How many frames, at what size, to decode for a token budget: the frame pool that FluxViT's
/// Token Optimization (MODEL_SPEC §2.4) then cuts down to the budget.
///
/// A clip of T frames at S×S pixels with patch P has T·(S/P)² patch tokens (the pool). When
/// the pool exceeds the budget the vision tower's group-dynamic selection keeps the budget's
/// worth of the most changing tokens. The paper's "+TO" rows gain by sampling *more frames
/// than the budget pays for* and selecting; the unmasked rows (Table 9: 2048 = 8×224²,
/// 1024 = 4×224², 512 = 2×224²) use pool = budget.
///
/// Default table (``tokenOptimized``, patch 14, 224 px = 256 tokens per frame):
///
/// | budget | frames × size | pool | selection keeps |
/// |---|---|---|---|
/// | 256 | 2 × 224 | 512 | 256 (1 group of 2 frames) |
/// | 512 | 6 × 224 | 1536 | 512 (2 groups of 3) |
/// | 1024 | 8 × 224 | 2048 | 1024 (4 groups of 2) |
/// | 2048 | 16 × 224 | 4096 | 2048 (4 groups of 4) |
/// | 3072 | 24 × 224 | 6144 | 3072 (4 groups of 6) |
///
/// Rationale: a pool of twice the budget keeps half the tokens, within the ratios the paper's
/// Token Optimization reports gains for, at a decode cost of 2× the frames. 512 uses 6 frames
/// (3×) because selection needs groups of ≥ 2 frames: T = 4 makes 4 groups of 1, so a
/// selecting T must be 2 or an even number ≥ 6. Frame counts stay even (selection asserts
/// it). These are starting points for the eval tuner, which can write its own table (the type
/// is Codable: `{"patch_size": 14, "entries": [{"budget": 1024, "frames": 8, "size": 224}]}`).
/// ``unmasked`` reproduces the paper's pool = budget rows.
public struct FlexiSamplingTable: Sendable, Equatable, Codable {
    /// One row: what to decode for a budget.
    public struct Entry: Sendable, Equatable, Codable {
        /// Token budget (patch tokens kept per clip, class token excluded).
        public var budget: Int
        /// Frames to sample (T).
        public var frames: Int
        /// Square frame side in pixels (S), a multiple of the patch size.
        public var size: Int

        public init(budget: Int, frames: Int, size: Int) {
            self.budget = budget
            self.frames = frames
            self.size = size
        }
    }

    /// Patch side in pixels.
    public var patchSize: Int
    /// Rows, any order; lookups pick by budget.
    public var entries: [Entry]

    enum CodingKeys: String, CodingKey {
        case patchSize = "patch_size"
        case entries
    }

    public init(patchSize: Int = 14, entries: [Entry]) {
        self.patchSize = patchSize
        self.entries = entries
    }

    /// Pool larger than the budget, for Token Optimization (the default).
    public static let tokenOptimized = FlexiSamplingTable(entries: [
        Entry(budget: 256, frames: 2, size: 224),
        Entry(budget: 512, frames: 6, size: 224),
        Entry(budget: 1024, frames: 8, size: 224),
        Entry(budget: 2048, frames: 16, size: 224),
        Entry(budget: 3072, frames: 24, size: 224),
    ])

    /// Pool equal to the budget: no selection (the paper's unmasked rows, and the parity setting).
    public static let unmasked = FlexiSamplingTable(entries: [
        Entry(budget: 256, frames: 1, size: 224),
        Entry(budget: 512, frames: 2, size: 224),
        Entry(budget: 1024, frames: 4, size: 224),
        Entry(budget: 2048, frames: 8, size: 224),
        Entry(budget: 3072, frames: 12, size: 224),
    ])

    /// The row for `budget`: the exact one, else the largest budget below it, else the
    /// smallest row (whose pool the selector then cuts further).
    public func entry(forBudget budget: Int) throws -> Entry {
        try SamplingPlan.checkBudget(budget)
        guard !entries.isEmpty else { throw SamplingError.emptyTable }
        let sorted = entries.sorted { $0.budget < $1.budget }
        return sorted.last { $0.budget <= budget } ?? sorted[0]
    }

    /// What to sample for `budget`, with optional per-call overrides (`--frames`, `--size`).
    /// Throws ``SamplingError`` when the result cannot be encoded: a size that is not a
    /// multiple of the patch, or a frame count the selector rejects.
    public func plan(budget: Int, frames: Int? = nil, size: Int? = nil) throws -> SamplingPlan {
        let row = try entry(forBudget: budget)
        let plan = SamplingPlan(frames: frames ?? row.frames, size: size ?? row.size, budget: budget, patchSize: patchSize)
        try plan.validate()
        return plan
    }

    /// Checks every row (see ``plan(budget:frames:size:)``).
    public func validate() throws {
        guard !entries.isEmpty else { throw SamplingError.emptyTable }
        for e in entries { _ = try plan(budget: e.budget, frames: e.frames, size: e.size) }
    }
}

/// Frames and size to decode, and the budget the encoder will enforce.
public struct SamplingPlan: Sendable, Equatable, Codable {
    /// Frames per clip (T).
    public var frames: Int
    /// Square side in pixels (S).
    public var size: Int
    /// Token budget handed to the encoder, or nil for all tokens.
    public var budget: Int?
    /// Patch side in pixels.
    public var patchSize: Int

    public init(frames: Int, size: Int, budget: Int? = nil, patchSize: Int = 14) {
        self.frames = frames
        self.size = size
        self.budget = budget
        self.patchSize = patchSize
    }

    /// Patch tokens in the sampled clip: T · (S / P)².
    public var pool: Int { frames * (size / patchSize) * (size / patchSize) }
    /// True when the encoder will select tokens (pool > budget).
    public var selects: Bool { budget.map { pool > $0 } ?? false }

    /// Throws ``SamplingError`` unless the vision tower can encode this plan. This is the one
    /// place a budget is judged: the tower and the commands ask the same rules
    /// (``TokenSelection/check(frames:perFrame:budget:)``).
    public func validate() throws {
        guard frames >= 1 else { throw SamplingError.invalidFrames(frames, reason: "sample at least 1 frame") }
        guard size >= patchSize, size % patchSize == 0 else {
            throw SamplingError.invalidSize(size, reason: "use a multiple of the \(patchSize)-pixel patch, e.g. \(max(1, (size + patchSize / 2) / patchSize) * patchSize)")
        }
        guard let budget else { return }
        let side = size / patchSize
        try TokenSelection.check(frames: frames, perFrame: side * side, budget: budget)
    }

    /// Throws ``SamplingError/invalidBudget(_:reason:)`` unless `budget` is a positive token count.
    public static func checkBudget(_ budget: Int) throws {
        guard budget > 0 else { throw SamplingError.invalidBudget(budget) }
    }
}
