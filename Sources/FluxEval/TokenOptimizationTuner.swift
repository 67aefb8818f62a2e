import Foundation
import FluxModels

/// FluxViT's linear-complexity Token Optimization search for one token budget, on a labelled
/// subset: which frames × size pool, cut down to the budget by the encoder's token selection,
/// retrieves best.
///
/// The search (every step is one evaluation of the subset, reported to `onStep`):
/// 1. **start** at ``Options/startFrames`` frames (4) at the largest size (224), or the next
///    frame count the selector accepts;
/// 2. **frames**: add ``Options/frameStep`` frames (2) at that size while R@1 strictly
///    improves (frame counts the selector rejects are skipped: with selection active it needs
///    2 or an even count ≥ 6), up to ``Options/maxFrames``;
/// 3. **resolution**: from the best so far, step to the next smaller size and raise the frame
///    count so the pool stays about the same (nearest even count, at least `frameStep` more
///    frames), while R@1 strictly improves.
///
/// The score is text→video R@1 with the dual softmax (the paper's headline metric) when the
/// runner computes DSL, raw R@1 otherwise. Each (frames, size) is a separate eval index, so a
/// repeated search costs no video encoding. Linear: at most (maxFrames − start)/step + sizes
/// evaluations.
///
/// For example:
/// ```swift
/// let tuner = TokenOptimizationTuner(runner: runner, options: .init(budget: 1024))
/// let result = try tuner.run { step in print(step.frames, step.size, step.r1) }
/// try tuner.write(result, modelDirectory: model.url)   // <model>/sampling.json
/// ```
public struct TokenOptimizationTuner {
    public struct Options: Sendable {
        public var budget: Int
        public var startFrames = 4
        public var frameStep = 2
        public var maxFrames = 32
        /// Candidate frame sides, largest first (multiples of the patch).
        public var sizes = [224, 196, 168, 140, 112]
        public var patchSize = 14
        /// DiDeMo: sample the first 30 s.
        public var firstSeconds: Double?

        public init(budget: Int) { self.budget = budget }
    }

    /// One evaluated candidate.
    public struct Step: Codable, Sendable, Equatable {
        public var index: Int
        /// "start", "frames" or "resolution".
        public var phase: String
        public var frames: Int
        public var size: Int
        public var pool: Int
        public var tokenSelection: Bool
        /// The score the search follows (T2V R@1, DSL when available).
        public var r1: Double
        public var r1Raw: Double?
        public var r1DSL: Double?
        /// Strictly better than the best before it (always true for the start).
        public var improved: Bool
        public var encoded: Int
        public var reused: Int
        public var seconds: Double

        enum CodingKeys: String, CodingKey {
            case index, phase, frames, size, pool, r1, improved, encoded, reused, seconds
            case tokenSelection = "token_selection", r1Raw = "r1_raw", r1DSL = "r1_dsl"
        }
    }

    public struct Result: Codable, Sendable, Equatable {
        public var budget: Int
        public var metric: String
        public var videos: Int
        public var texts: Int
        public var steps: [Step]
        public var chosen: FlexiSamplingTable.Entry
        public var r1: Double
    }

    public let runner: EvalRunner
    public let options: Options

    public init(runner: EvalRunner, options: Options) {
        self.runner = runner
        self.options = options
    }

    /// The metric name the search follows.
    public var metric: String {
        runner.options.dsl.includesDSL ? "text→video R@1, dual softmax (scale \(EvalReport.number(runner.options.dslScale)))" : "text→video R@1, raw"
    }

    /// Whether the encoder accepts `frames` × `size` at the budget.
    func isValid(frames: Int, size: Int) -> Bool {
        (try? SamplingPlan(frames: frames, size: size, budget: options.budget, patchSize: options.patchSize).validate()) != nil
    }

    /// The first frame count ≥ `frames` (stepping by the frame step) that the encoder accepts
    /// at `size`, within the maximum.
    func validFrames(from frames: Int, size: Int) -> Int? {
        var f = max(1, frames)
        while f <= options.maxFrames {
            if isValid(frames: f, size: size) { return f }
            f += f % 2 == 1 ? 1 : options.frameStep
        }
        return nil
    }

    /// Runs the search; `onStep` sees each step as soon as it is measured.
    /// - Throws: ``EvalError/nothingToEvaluate(reason:)`` when no start is valid, or what the
    ///   runner throws.
    public func run(onStep: (Step) -> Void = { _ in }) throws -> Result {
        let sizes = options.sizes.sorted(by: >)
        guard let s0 = sizes.first, let f0 = validFrames(from: options.startFrames, size: s0) else {
            throw EvalError.nothingToEvaluate(reason: "no frame count from \(options.startFrames) to \(options.maxFrames) at \(options.sizes.first ?? 0) px fits a budget of \(options.budget) tokens")
        }
        var steps: [Step] = []
        var videos = 0, texts = 0
        func measure(_ frames: Int, _ size: Int, _ phase: String) throws -> Step {
            let sampling = EvalSampling(budget: options.budget, frames: frames, size: size, firstSeconds: options.firstSeconds,
                                        patchSize: options.patchSize, source: "tuner")
            let outcome = try runner.evaluate(sampling)
            let raw = outcome.scoring.raw?.metrics.textToVideo.r1, dsl = outcome.scoring.dsl?.metrics.textToVideo.r1
            let r1 = dsl ?? raw ?? 0
            let improved = steps.isEmpty || r1 > steps.filter(\.improved).last!.r1
            videos = outcome.run.videos
            texts = outcome.run.texts
            let step = Step(index: steps.count + 1, phase: phase, frames: frames, size: size, pool: sampling.pool,
                            tokenSelection: sampling.selects, r1: r1, r1Raw: raw, r1DSL: dsl, improved: improved,
                            encoded: outcome.run.cache?.encoded ?? 0, reused: outcome.run.cache?.reused ?? 0,
                            seconds: outcome.run.timings.videosSeconds + outcome.run.timings.scoringSeconds)
            steps.append(step)
            onStep(step)
            return step
        }

        var best = try measure(f0, s0, "start")
        // Phase 1: more frames at the largest size.
        while let f = validFrames(from: best.frames + options.frameStep, size: s0) {
            let step = try measure(f, s0, "frames")
            guard step.improved else { break }
            best = step
        }
        // Phase 2: trade resolution for frames, keeping the pool about the same.
        for size in sizes.dropFirst() where size < best.size {
            let perFrame = Double((size / options.patchSize) * (size / options.patchSize))
            let target = Int((Double(best.pool) / perFrame / 2).rounded()) * 2
            guard let f = validFrames(from: max(best.frames + options.frameStep, target), size: size) else { break }
            let step = try measure(f, size, "resolution")
            guard step.improved else { break }
            best = step
        }
        return Result(budget: options.budget, metric: metric, videos: videos, texts: texts, steps: steps,
                      chosen: FlexiSamplingTable.Entry(budget: options.budget, frames: best.frames, size: best.size), r1: best.r1)
    }

    /// Writes the chosen entry into `<modelDirectory>/sampling.json` (starting from the
    /// model's table, or ``FluxModels/FlexiSamplingTable/tokenOptimized`` when it has none).
    /// Returns the table written.
    @discardableResult
    public func write(_ result: Result, modelDirectory: URL) throws -> FlexiSamplingTable {
        let base = try FlexiSamplingTable.load(modelDirectory: modelDirectory) ?? .tokenOptimized
        let table = base.replacing(result.chosen)
        try table.write(modelDirectory: modelDirectory)
        return table
    }
}
