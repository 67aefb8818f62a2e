import Foundation
import FluxCore
import FluxIngest
import FluxModels
import FluxIndex
import FluxStore

/// Runs a zero-shot retrieval evaluation: find the videos, encode every text once, and for
/// each ``EvalSampling`` encode (or take from the cache) every video, build `S[v, t]`, and
/// score it raw and with the dual softmax.
///
/// **Video-embedding cache.** Video vectors are kept in eval indexes (ordinary
/// ``FluxStore/IndexStore`` folders), one per dataset, model and sampling:
/// ```
/// <cacheRoot>/<dataset>-<first 12 hex digits of the model's weight hash>/<sampling folder>/index.sqlite
///   e.g. Indexes/eval/msrvtt-0123456789ab/b2048-f8x224/
///        Indexes/eval/didemo-0123456789ab/b1024-f12x196-first30s/
/// ```
/// The index settings record the model name, the full weight hash, the preprocessing
/// descriptor and the sampling descriptor (``EvalSampling/descriptor``: rule, budget, frames,
/// size, patch, trim), so a folder is only ever reused for identical vectors
/// (``FluxStore/StoreError/settingsMismatch(path:field:stored:requested:hint:)`` otherwise).
/// Each video is stored under its path with its file fingerprint: an unchanged file is never
/// re-encoded, a changed one is. Re-running with another `--dsl`/`--dsl-scale`, other
/// annotations over the same videos, or a text-side change costs no video encoding. Without
/// a cache root a temporary index is used and deleted.
///
/// **Missing videos** (no file under the videos folder) are listed in the report and
/// counted; the evaluation runs on the videos found, with their texts ("N videos missing:
/// evaluated on M of K"). Videos that fail to decode are listed per run and left out likewise.
///
/// For example:
/// ```swift
/// let runner = try EvalRunner(model: try ModelDirectory(modelURL), dataset: msrvtt,
///                             videos: URL(fileURLWithPath: "MSRVTT/videos/all"), options: .init())
/// let outcome = try runner.run(samplings: try EvalSampling.resolve(budgets: [2048], table: .unmasked, source: "unmasked"))
/// print(outcome.report.table)
/// ```
public final class EvalRunner {
    public struct Options: Sendable {
        /// Root of the eval indexes (e.g. `Indexes/eval`); nil = a temporary index, deleted after.
        public var cacheRoot: URL?
        public var dsl: DSLMode = .both
        /// Softmax scale of the dual softmax (EVAL_PROTOCOL §4.2; 1 = IV2/FluxViT).
        public var dslScale: Double = 1
        /// Texts per text-tower forward pass.
        public var textBatchSize = 32
        /// Clips waiting between decoder and encoder.
        public var queueCapacity = 2
        /// Evaluate only the first this-many found videos (in annotation order) and their texts.
        public var maxVideos: Int?
        /// The command name recorded in the report.
        public var command = "eval"

        public init() {}
    }

    /// Progress while encoding.
    public struct Progress: Sendable {
        public enum Stage: String, Sendable { case texts, videos }
        public var stage: Stage
        public var done: Int
        public var total: Int
        /// Videos encoded so far in this stage (cached ones are counted in `done` only).
        public var encoded: Int
        public var elapsed: Double
        public var label: String
    }

    /// The result of one sampling.
    public struct RunOutcome: Sendable {
        public var run: EvalReport.Run
        /// The dataset actually scored (found, encoded videos and their texts).
        public var dataset: EvalDataset
        public var scoring: ScoringResult
    }

    /// Everything ``run(samplings:progress:)`` produced.
    public struct Outcome: Sendable {
        public var report: EvalReport
        public var runs: [RunOutcome]
    }

    public let model: ModelDirectory
    /// The dataset as annotated.
    public let dataset: EvalDataset
    public let videosDirectory: URL
    public let options: Options
    /// The dataset restricted to the videos found (and ``Options/maxVideos``).
    public let evaluated: EvalDataset
    /// The file of each video of ``evaluated``.
    public let videoFiles: [URL]
    /// Annotated names with no file, in annotation order.
    public let missing: [String]
    /// Model name, weight hash and path.
    public let modelInfo: EvalReport.ModelInfo

    private let t0 = Timing.now()
    private var setupSeconds = 0.0
    private var textSeconds = 0.0
    private var embedder: VideoEmbedder?
    private var textEncoder: TextEncoder?
    private var textVectors: [Float]?
    private var temporaryRoot: URL?

    /// Resolves the videos and hashes the model; loads nothing heavy yet.
    /// - Throws: ``AnnotationError`` when the videos folder cannot be read,
    ///   ``FluxModels/ModelLoadingError`` for the model.
    public init(model: ModelDirectory, dataset: EvalDataset, videos: URL, options: Options,
                textEncoder: TextEncoder? = nil) throws {
        self.model = model
        self.dataset = dataset
        self.videosDirectory = videos.standardizedFileURL
        self.options = options
        self.textEncoder = textEncoder
        let locator = try VideoLocator(directory: videos)
        let (found, missing) = locator.resolve(dataset.videos)
        self.missing = missing
        var keep = found.indices.filter { found[$0] != nil }
        if let k = options.maxVideos { keep = Array(keep.prefix(max(0, k))) }
        self.evaluated = dataset.restricted(toVideos: keep)
        self.videoFiles = keep.map { found[$0]! }
        self.modelInfo = EvalReport.ModelInfo(name: model.configuration.name, hash: try model.weightHash(), path: model.url.path)
        setupSeconds = Timing.now() - t0
    }

    /// Opens the model directory at `modelURL`, then as ``init(model:dataset:videos:options:textEncoder:)``.
    public convenience init(modelURL: URL, dataset: EvalDataset, videos: URL, options: Options) throws {
        try self.init(model: try ModelDirectory(modelURL), dataset: dataset, videos: videos, options: options)
    }

    /// One sampling per budget for this runner's model (``EvalSampling/resolve(budgets:rule:model:frames:size:firstSeconds:)``).
    public func samplings(budgets: [Int], rule: EvalSamplingRule, frames: Int? = nil, size: Int? = nil,
                          firstSeconds: Double? = nil) throws -> [EvalSampling] {
        try EvalSampling.resolve(budgets: budgets, rule: rule, model: model, frames: frames, size: size, firstSeconds: firstSeconds)
    }

    deinit {
        if let temporaryRoot { try? FileManager.default.removeItem(at: temporaryRoot) }
    }

    /// The cache folder of `sampling` (under the cache root or the temporary one).
    public func cacheFolder(for sampling: EvalSampling) throws -> URL {
        let root: URL
        if let r = options.cacheRoot { root = r } else {
            if temporaryRoot == nil {
                temporaryRoot = FileManager.default.temporaryDirectory.appendingPathComponent("fluxsearch-eval-\(UUID().uuidString)")
            }
            root = temporaryRoot!
        }
        let hash = modelInfo.hash.split(separator: ":").last.map(String.init) ?? modelInfo.hash
        let safeName = dataset.name.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" ? $0 : "_" }
        return root.appendingPathComponent("\(String(safeName))-\(hash.prefix(12))").appendingPathComponent(sampling.folderName)
    }

    // MARK: - Texts

    /// Unit text vectors of ``evaluated``'s texts, `[Nt, E]` row-major (encoded once).
    public func textEmbeddings(progress: (Progress) -> Void = { _ in }) throws -> [Float] {
        if let textVectors { return textVectors }
        let start = Timing.now()
        if textEncoder == nil {
            textEncoder = TextEncoder(tokenizer: try BPETokenizer(), tower: try model.textTower(), normalization: .preText)
        }
        let encoder = textEncoder!
        let texts = evaluated.texts
        var out: [Float] = []
        out.reserveCapacity(texts.count * model.configuration.embedDim)
        var i = 0
        while i < texts.count {
            let batch = Array(texts[i..<min(texts.count, i + max(1, options.textBatchSize))])
            for v in try encoder.encode(batch: batch) { out += v }
            i += batch.count
            progress(Progress(stage: .texts, done: i, total: texts.count, encoded: i, elapsed: Timing.now() - start, label: ""))
        }
        textVectors = out
        textSeconds += Timing.now() - start
        return out
    }

    // MARK: - Videos

    /// Video vectors of one sampling.
    public struct VideoEmbeddings: Sendable {
        /// Indices into ``EvalRunner/evaluated``'s videos that have a vector, in order.
        public var videoIndices: [Int]
        /// `[videoIndices.count, E]` row-major.
        public var vectors: [Float]
        public var failed: [EvalReport.FailedVideo]
        public var encoded: Int
        public var reused: Int
        public var seconds: Double
        public var cacheFolder: URL
    }

    /// Encodes the videos of ``evaluated`` that the sampling's eval index lacks (or whose file
    /// changed), stores them, and returns every video's vector.
    public func videoEmbeddings(_ sampling: EvalSampling, progress: (Progress) -> Void = { _ in }) throws -> VideoEmbeddings {
        let start = Timing.now()
        try sampling.validate()
        let folder = try cacheFolder(for: sampling)
        let settings = try IndexSettings(model: model, sampling: sampling.descriptor)
        let store = try IndexStore.openOrCreate(at: folder, settings: settings, budgets: [sampling.budget])

        var failed: [Int: String] = [:]
        var jobs: [VideoEmbedder.Job<(index: Int, fingerprint: FileFingerprint)>] = []
        var reused = 0
        var scheduled = Set<String>()
        let recipe = ClipRecipe.whole(sampling.plan, firstSeconds: sampling.firstSeconds)
        for (i, url) in videoFiles.enumerated() {
            // Two gallery videos may name one file (VINDLU's renamed DiDeMo twins): encode it once.
            guard scheduled.insert(IndexStore.canonicalPath(url.path)).inserted else { reused += 1; continue }
            do {
                let fp = try FileFingerprint.compute(url: url)
                if case .skip = try store.plan(path: url.path, fingerprint: fp) { reused += 1; continue }
                jobs.append(.init(url: url, recipe: recipe, tag: (i, fp)))
            } catch {
                failed[i] = "\(error)"
            }
        }
        let total = videoFiles.count
        var done = reused + failed.count
        var encoded = 0
        progress(Progress(stage: .videos, done: done, total: total, encoded: 0, elapsed: Timing.now() - start, label: ""))

        if !jobs.isEmpty {
            if embedder == nil { embedder = VideoEmbedder(tower: try model.visionTower(), queueCapacity: options.queueCapacity) }
            var vectors: [Int: VideoEmbedder.EmbeddedClip] = [:]
            embedder!.run(jobs) { _, job, event in
                let index = job.tag.index
                switch event {
                case .started:
                    return
                case .failed(_, let error):
                    failed[index] = "\(error)"
                    try? store.recordFailure(path: job.url.path, stage: "eval", reason: "\(error)")
                    done += 1
                case .clip(let clip):
                    vectors[index] = clip
                case .finished(let m, _):
                    guard let clip = vectors.removeValue(forKey: index) else { return }
                    let meta = FluxStore.VideoMetadata(decoded: m)
                    do {
                        try store.replaceVideo(Video(path: job.url.path, fingerprint: job.tag.fingerprint, metadata: meta),
                                               clips: [ClipDraft(start: clip.window.start, end: clip.window.end, budget: clip.budget,
                                                                 kind: .video, vector: clip.vector)])
                        encoded += 1
                    } catch {
                        failed[index] = "\(error)"
                    }
                    done += 1
                }
                progress(Progress(stage: .videos, done: done, total: total, encoded: encoded, elapsed: Timing.now() - start,
                                  label: job.url.lastPathComponent))
            }
        }

        // Read every vector back from the store: cached and new alike.
        let clips = try store.allClips(budget: sampling.budget).filter { $0.kind == .video }
        let idByPath = Dictionary(clips.map { ($0.path, $0.id) }, uniquingKeysWith: { a, _ in a })
        var wanted: [(index: Int, id: Int64)] = []
        for (i, url) in videoFiles.enumerated() where failed[i] == nil {
            if let id = idByPath[IndexStore.canonicalPath(url.path)] { wanted.append((i, id)) } else {
                failed[i] = "no vector was stored"
            }
        }
        let stored = try store.vectors(clipIds: wanted.map(\.id))
        var indices: [Int] = [], flat: [Float] = []
        for (i, id) in wanted {
            guard let v = stored[id] else { failed[i] = "its vector vanished from the eval index"; continue }
            indices.append(i)
            flat += v
        }
        let failures = failed.keys.sorted().map { EvalReport.FailedVideo(video: evaluated.videos[$0], reason: failed[$0]!) }
        return VideoEmbeddings(videoIndices: indices, vectors: flat, failed: failures, encoded: encoded, reused: reused,
                               seconds: Timing.now() - start, cacheFolder: folder)
    }

    // MARK: - Scoring

    /// Encodes (or reads) the videos of one sampling and scores them against the texts.
    public func evaluate(_ sampling: EvalSampling, progress: (Progress) -> Void = { _ in }) throws -> RunOutcome {
        let texts = try textEmbeddings(progress: progress)
        let videos = try videoEmbeddings(sampling, progress: progress)
        let t1 = Timing.now()
        let e = model.configuration.embedDim
        let scored = evaluated.restricted(toVideos: videos.videoIndices)
        // Text rows of the kept videos, in text order (as `restricted` keeps them).
        let keptVideos = Set(videos.videoIndices)
        var textRows: [Float] = []
        textRows.reserveCapacity(scored.texts.count * e)
        for (t, v) in evaluated.textVideo.enumerated() where keptVideos.contains(v) {
            textRows += texts[(t * e)..<((t + 1) * e)]
        }
        let s = ScoreMatrix.cosine(videos: videos.vectors, texts: textRows, dimension: e)
        let scoring = ScoringResult.score(s, textVideo: scored.textVideo, mode: options.dsl, dslScale: options.dslScale)
        let run = EvalReport.Run(
            sampling: sampling, pool: sampling.pool, tokenSelection: sampling.selects,
            videos: scored.videos.count, texts: scored.texts.count, failedVideos: videos.failed,
            raw: scoring.raw?.metrics, dsl: scoring.dsl?.metrics,
            cache: EvalReport.CacheInfo(path: options.cacheRoot == nil ? nil : videos.cacheFolder.path,
                                        encoded: videos.encoded, reused: videos.reused),
            timings: EvalReport.RunTimings(videosSeconds: videos.seconds, scoringSeconds: Timing.now() - t1))
        return RunOutcome(run: run, dataset: scored, scoring: scoring)
    }

    /// Evaluates every sampling and assembles the report.
    /// - Throws: ``EvalError/nothingToEvaluate(reason:)`` when no video is found.
    public func run(samplings: [EvalSampling], annotations: String? = nil, splitList: String? = nil,
                    progress: (Progress) -> Void = { _ in }) throws -> Outcome {
        guard !evaluated.videos.isEmpty else {
            throw EvalError.nothingToEvaluate(reason: "none of the \(dataset.videos.count) annotated videos was found under \(videosDirectory.path) (e.g. \(dataset.videos.first ?? "?")); check --videos")
        }
        var outcomes: [RunOutcome] = []
        for s in samplings { outcomes.append(try evaluate(s, progress: progress)) }
        if let first = outcomes.first, first.dataset.videos.isEmpty {
            throw EvalError.nothingToEvaluate(reason: "every found video failed to decode or encode (first: \(first.run.failedVideos.first.map { "\($0.video): \($0.reason)" } ?? "?"))")
        }
        var notes = dataset.notes
        let found = dataset.videos.count - missing.count
        if let k = options.maxVideos, k < found {
            notes.append("evaluated only the first \(evaluated.videos.count) of the \(found) videos found (limit \(k))")
        }
        let trim = samplings.first?.firstSeconds
        let report = EvalReport(
            command: options.command, dataset: dataset.name, format: dataset.format.rawValue, annotations: annotations,
            splitList: splitList, videosDirectory: videosDirectory.path, similarity: nil, model: modelInfo,
            settings: EvalReport.Settings(
                dsl: options.dsl, dslScale: options.dslScale, rankRule: EvalReport.rankRule, multiCaption: EvalReport.multiCaption,
                textNormalization: "pre_text", frameSampling: trim.map { "middle over the first \(EvalReport.number($0)) s" } ?? "middle",
                resize: "squash bicubic, ImageNet mean/std", cache: options.cacheRoot?.path),
            counts: counts(), missingVideos: missing, notes: notes, runs: outcomes.map(\.run),
            timings: EvalReport.Timings(setupSeconds: setupSeconds, textSeconds: textSeconds,
                                        videosSeconds: outcomes.map(\.run.timings.videosSeconds).reduce(0, +),
                                        scoringSeconds: outcomes.map(\.run.timings.scoringSeconds).reduce(0, +),
                                        totalSeconds: Timing.now() - t0))
        return Outcome(report: report, runs: outcomes)
    }

    /// Annotation and coverage counts.
    public func counts() -> EvalReport.Counts {
        let foundAll = dataset.videos.count - missing.count
        return EvalReport.Counts(annotatedVideos: dataset.videos.count, annotatedTexts: dataset.texts.count,
                                 sentences: dataset.sentenceCount, foundVideos: foundAll, missingVideos: missing.count,
                                 droppedTexts: dataset.texts.count - (missing.isEmpty ? dataset.texts.count : textsOfFoundVideos()))
    }

    private func textsOfFoundVideos() -> Int {
        let missingSet = Set(missing)
        return dataset.textVideo.filter { !missingSet.contains(dataset.videos[$0]) }.count
    }
}

/// Why an evaluation cannot run.
public enum EvalError: Error, Equatable, Sendable, CustomStringConvertible, LocalizedError {
    case nothingToEvaluate(reason: String)
    /// A similarity matrix and its ground truth disagree.
    case shapeMismatch(reason: String)

    public var description: String {
        switch self {
        case .nothingToEvaluate(let reason): return "nothing to evaluate: \(reason)"
        case .shapeMismatch(let reason): return "the similarity matrix does not fit the ground truth: \(reason)"
        }
    }

    public var errorDescription: String? { description }
}
