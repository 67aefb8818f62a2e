import Foundation
import FluxIngest
import FluxModels

/// Which table picks frames × size for each budget of an evaluation.
public enum EvalSamplingRule: String, Sendable, CaseIterable {
    /// Pool = budget: 2048 = 8 × 224², 1024 = 4 × 224², 512 = 2 × 224² (Table 9's plain rows).
    case unmasked
    /// More frames than the budget, cut by token selection (Table 9's "+TO" rows): the model's
    /// sampling.json when it has one, else the built-in table.
    case tokenOptimized = "token-optimized"
}

/// How the videos of one evaluation run are sampled: a token budget, the frames × size pool
/// decoded for it, and the DiDeMo trim. It is also the key of the run's video-embedding cache.
///
/// For example, the protocol default (EVAL_PROTOCOL §0: unmasked 8 × 224², `middle`):
/// ```swift
/// let s = try EvalSampling.resolve(budgets: [2048], table: .unmasked, source: "unmasked")[0]
/// s.frames, s.size, s.pool   // 8, 224, 2048
/// s.folderName               // "b2048-f8x224"
/// ```
public struct EvalSampling: Sendable, Equatable, Codable {
    /// Patch tokens the encoder keeps per clip.
    public var budget: Int
    /// Frames sampled by the `middle` rule (T).
    public var frames: Int
    /// Square frame side in pixels (S), squash-resized.
    public var size: Int
    /// Only the first this-many seconds are sampled (DiDeMo: 30); nil = whole video.
    public var firstSeconds: Double?
    public var patchSize: Int
    /// Where frames × size came from: "unmasked", "token-optimized", "model sampling.json",
    /// "--frames/--size", "tuner".
    public var source: String

    enum CodingKeys: String, CodingKey {
        case budget, frames, size, source
        case firstSeconds = "first_seconds", patchSize = "patch_size"
    }

    public init(budget: Int, frames: Int, size: Int, firstSeconds: Double? = nil, patchSize: Int = 14, source: String) {
        self.budget = budget
        self.frames = frames
        self.size = size
        self.firstSeconds = firstSeconds
        self.patchSize = patchSize
        self.source = source
    }

    /// The plan the vision tower gets (validated by ``validate()``).
    public var plan: SamplingPlan { SamplingPlan(frames: frames, size: size, budget: budget, patchSize: patchSize) }
    /// Patch tokens sampled: T · (S / P)².
    public var pool: Int { plan.pool }
    /// Whether the encoder selects tokens (pool > budget): a "+TO" run.
    public var selects: Bool { plan.selects }
    /// The frame sampler: `middle`, over the first ``firstSeconds`` when set.
    public var sampler: FrameSampler { FrameSampler(frames: frames, firstSeconds: firstSeconds) }

    /// Throws ``SamplingError`` when the vision tower cannot encode this sampling.
    public func validate() throws { try plan.validate() }

    /// The sampling descriptor recorded in the eval index (only what changes the vectors).
    public var descriptor: String {
        struct D: Encodable {
            let rule = "middle"
            let budget: Int, frames: Int, size: Int, patchSize: Int, firstSeconds: Double?
            enum CodingKeys: String, CodingKey { case rule, budget, frames, size, patchSize = "patch_size", firstSeconds = "first_seconds" }
            func encode(to encoder: Encoder) throws {
                var c = encoder.container(keyedBy: CodingKeys.self)
                try c.encode(rule, forKey: .rule); try c.encode(budget, forKey: .budget); try c.encode(frames, forKey: .frames)
                try c.encode(size, forKey: .size); try c.encode(patchSize, forKey: .patchSize)
                if let firstSeconds { try c.encode(firstSeconds, forKey: .firstSeconds) } else { try c.encodeNil(forKey: .firstSeconds) }
            }
        }
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        let d = D(budget: budget, frames: frames, size: size, patchSize: patchSize, firstSeconds: firstSeconds)
        return String(decoding: (try? e.encode(d)) ?? Data(), as: UTF8.self)
    }

    /// The cache folder of this sampling inside a dataset+model folder, e.g. `b2048-f8x224` or
    /// `b1024-f12x196-first30s`.
    public var folderName: String {
        var name = "b\(budget)-f\(frames)x\(size)"
        if patchSize != 14 { name += "-p\(patchSize)" }
        if let s = firstSeconds { name += "-first\(s == s.rounded() ? String(Int(s)) : String(s))s" }
        return name
    }

    /// One sampling per budget: the row of `table` for each budget, with `frames`/`size`
    /// overriding every row (as `index --frames/--size` does).
    /// - Throws: ``SamplingError`` when a result cannot be encoded.
    public static func resolve(budgets: [Int], table: FlexiSamplingTable, frames: Int? = nil, size: Int? = nil,
                               firstSeconds: Double? = nil, source: String) throws -> [EvalSampling] {
        try budgets.map { budget in
            let plan = try table.plan(budget: budget, frames: frames, size: size)
            let from = frames != nil || size != nil ? (frames != nil && size != nil ? "--frames/--size" : "\(source) with --\(frames != nil ? "frames" : "size")") : source
            return EvalSampling(budget: budget, frames: plan.frames, size: plan.size, firstSeconds: firstSeconds,
                                patchSize: table.patchSize, source: from)
        }
    }

    /// One sampling per budget by `rule`: the unmasked table, or `model`'s own table (else the
    /// built-in token-optimized one), with `frames`/`size` overriding every row.
    /// - Throws: ``FluxModels/SamplingError`` when a result cannot be encoded.
    public static func resolve(budgets: [Int], rule: EvalSamplingRule, model: ModelDirectory, frames: Int? = nil,
                               size: Int? = nil, firstSeconds: Double? = nil) throws -> [EvalSampling] {
        let (table, source): (FlexiSamplingTable, String)
        switch rule {
        case .unmasked: (table, source) = (.unmasked, "unmasked")
        case .tokenOptimized:
            (table, source) = model.ownSamplingTable.map { ($0, "model sampling.json") } ?? (.tokenOptimized, "token-optimized")
        }
        return try resolve(budgets: budgets, table: table, frames: frames, size: size, firstSeconds: firstSeconds, source: source)
    }
}
