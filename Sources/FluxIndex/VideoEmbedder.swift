import Foundation
import FluxCore
import FluxIngest
import FluxModels
import FluxStore

/// The one road from a video file to joint-space vectors: open → sample each clip of a
/// ``ClipRecipe`` → preprocess → encode with the vision tower → unit vector.
///
/// Indexing, evaluation, query by example, refining a shortlist and `embed --video` all go
/// through it, so a clip gets the same vector whichever of them encodes it. Many files run on
/// the bounded decode→encode pipeline (``run(_:onResult:)``: decoding and preprocessing on a
/// producer thread, encoding on the caller's); a single clip runs inline (``embed(_:plan:window:)``).
///
/// For example, the vector of seconds 12–18 of a file at 1024 tokens:
/// ```swift
/// let embedder = VideoEmbedder(tower: try model.visionTower())
/// let v = try embedder.embed(url, plan: try model.samplingTable.plan(budget: 1024),
///                            window: TimeWindow(start: 12, end: 18))   // [E], unit length
/// ```
public final class VideoEmbedder {
    /// One clip ready for the encoder: `[1, 3, T, S, S]` float32 and what it covers.
    public struct PreparedClip {
        public var plan: SamplingPlan
        public var kind: Clip.Kind
        /// Seconds of the video the clip was sampled from.
        public var window: TimeWindow
        public var tensor: Tensor
    }

    /// One encoded clip.
    public struct EmbeddedClip: Sendable {
        /// Token budget the clip was encoded at.
        public var budget: Int
        public var kind: Clip.Kind
        /// Seconds of the video the clip covers.
        public var window: TimeWindow
        /// The unit joint-space vector, `[E]`.
        public var vector: [Float]
    }

    /// A file and what to cut from it; `tag` is the caller's (an index, a fingerprint…).
    public struct Job<Tag> {
        /// The file, as shown and stored (a name that is not UTF-8 in its `\xHH` display form).
        public var url: URL
        /// The file as the system names it, when `url` cannot (a name that is not UTF-8).
        public var fileSystemPath: FileSystemPath?
        public var recipe: ClipRecipe
        public var tag: Tag

        public init(url: URL, fileSystemPath: FileSystemPath? = nil, recipe: ClipRecipe, tag: Tag) {
            self.url = url
            self.fileSystemPath = fileSystemPath
            self.recipe = recipe
            self.tag = tag
        }

        /// Opens the file.
        func open() throws -> VideoDecoder {
            try fileSystemPath.map { try VideoDecoder(path: $0) } ?? VideoDecoder(url: url)
        }
    }

    /// What ``run(_:onResult:)`` reports for a job, in order: `started`, its clips, then
    /// `finished`; or `failed` (after any events already reported; the run goes on with the
    /// next job). After ``cancel()`` nothing more is reported.
    public enum Event {
        /// The file opened; the decoder's metadata (known before any clip is cut).
        case started(FluxIngest.VideoMetadata)
        case clip(EmbeddedClip)
        /// Every clip of the job was reported; the decoder's metadata of the file, and what it
        /// found damaged while reading it (``FluxIngest/VideoDecoder/warnings``; empty for a
        /// sound file).
        case finished(FluxIngest.VideoMetadata, warnings: [String])
        case failed(Stage, Error)
    }

    /// Where a job failed.
    public enum Stage: String, Sendable {
        /// Opening, decoding, sampling or preprocessing the file.
        case decode
        /// The vision tower.
        case encode
    }

    public let tower: VisionTower
    /// Clips that may wait between decoder and encoder.
    public let queueCapacity: Int

    private let lock = NSLock()
    private var cancelled = false
    private var pipeline: IngestPipeline<Int, Item>?

    public init(tower: VisionTower, queueCapacity: Int = 2) {
        self.tower = tower
        self.queueCapacity = max(1, queueCapacity)
    }

    // MARK: - One clip

    /// The vision tower's full output for one clip of `url` (the whole video, or `window` in
    /// seconds) sampled by `plan`; `plan.budget` nil keeps every token; `projector` overrides the
    /// tower's choice. Throws ``FluxIngest/DecodeError``, ``FluxModels/SamplingError`` or
    /// ``FluxModels/VisionError``.
    public func encode(_ url: URL, plan: SamplingPlan, window: TimeWindow? = nil, projector: Int? = nil) throws -> VisionTower.Output {
        try encode(try VideoDecoder(url: url), plan: plan, window: window, projector: projector)
    }

    /// ``encode(_:plan:window:projector:)`` of an open decoder.
    func encode(_ decoder: VideoDecoder, plan: SamplingPlan, window: TimeWindow?, projector: Int? = nil) throws -> VisionTower.Output {
        try plan.validate()
        let url = decoder.url
        var output: VisionTower.Output?
        try Self.forEachClip(of: decoder, recipe: .clip(plan, window: window)) { clip in
            output = try tower.encode(clip.tensor, budget: plan.budget, projector: projector)
        }
        guard let output else { throw VisionError.unsupportedInput(reason: "\(url.path) gave no clip") }
        return output
    }

    /// The unit joint-space vector `[E]` of one clip of `url` (the whole video, or `window`)
    /// at `plan`'s budget: what indexing stores for the same clip.
    public func embed(_ url: URL, plan: SamplingPlan, window: TimeWindow? = nil) throws -> [Float] {
        try Self.vector(of: encode(url, plan: plan, window: window))
    }

    /// ``embed(_:plan:window:)`` of the file an index stored as `storedPath` (resolving a
    /// name that is not UTF-8 from its `\xHH` form: ``FluxIngest/FileSystemPath/resolving(stored:)``).
    public func embed(storedPath: String, plan: SamplingPlan, window: TimeWindow? = nil) throws -> [Float] {
        let decoder = try VideoDecoder(path: FileSystemPath.resolving(stored: storedPath))
        return try Self.vector(of: encode(decoder, plan: plan, window: window))
    }

    // MARK: - Many files

    /// Stops after the clip being encoded; ``run(_:onResult:)`` then returns.
    public func cancel() {
        lock.lock(); cancelled = true; let p = pipeline; lock.unlock()
        p?.cancel()
    }

    /// Whether ``cancel()`` was called.
    public var isCancelled: Bool {
        lock.lock(); defer { lock.unlock() }
        return cancelled
    }

    /// Embeds every clip of every job on the bounded pipeline and reports each on the calling
    /// thread, in job order: `onResult(jobIndex, job, event)`. Every recipe's plans must be
    /// valid (``SamplingPlan/validate()``); a file that fails is reported and skipped.
    public func run<Tag>(_ jobs: [Job<Tag>], onResult: (Int, Job<Tag>, Event) -> Void) {
        let recipes = jobs.map { (open: $0.open, recipe: $0.recipe) }
        let pipeline = IngestPipeline<Int, Item>(capacity: queueCapacity) { index, emit in
            let decoder = try recipes[index].open()
            try emit(.start(decoder.metadata))
            try Self.forEachClip(of: decoder, recipe: recipes[index].recipe) { try emit(.clip($0)) }
            try emit(.end(decoder.metadata, warnings: decoder.warnings))
        }
        lock.lock(); self.pipeline = pipeline; let stop = cancelled; lock.unlock()
        if stop { return }
        var failed = Set<Int>()
        pipeline.run(Array(jobs.indices), consume: { item -> Event in
            switch item {
            case .start(let metadata):
                return .started(metadata)
            case .clip(let clip):
                // After cancel() the queued clips are dropped unencoded, so the run ends within
                // the clip being encoded.
                if isCancelled { throw CancellationError() }
                do {
                    guard let budget = clip.plan.budget else {
                        throw SamplingError.invalidBudget(0, reason: "a stored vector needs a token budget; give every plan one")
                    }
                    let v = try Self.vector(of: tower.encode(clip.tensor, budget: budget))
                    return .clip(EmbeddedClip(budget: budget, kind: clip.kind, window: clip.window, vector: v))
                } catch {
                    return .failed(.encode, error)
                }
            case .end(let metadata, let warnings):
                return .finished(metadata, warnings: warnings)
            }
        }, onResult: { result in
            let i = result.jobIndex
            guard !failed.contains(i), !isCancelled else { return }
            switch result.result {
            case .success(let event):
                if case .failed = event { failed.insert(i) }
                onResult(i, jobs[i], event)
            case .failure(let error):
                failed.insert(i)
                onResult(i, jobs[i], .failed(.decode, error))
            }
        })
    }

    // MARK: - The shared steps

    /// What the producer hands to the encoder.
    enum Item {
        case start(FluxIngest.VideoMetadata)
        case clip(PreparedClip)
        case end(FluxIngest.VideoMetadata, warnings: [String])
    }

    /// Samples and preprocesses each clip of `recipe` from an open decoder, in order: for
    /// each plan, the whole-video clip then its segments (or the one window). Segments in
    /// ``ClipRecipe/skip``, and a segment with the whole clip's span, are left out.
    public static func forEachClip(of decoder: VideoDecoder, recipe: ClipRecipe,
                                   body: (PreparedClip) throws -> Void) throws {
        let duration = decoder.metadata.duration
        for plan in recipe.plans {
            let pre = Preprocessor(size: plan.size)
            switch recipe.span {
            case .whole(let firstSeconds, let segments):
                let whole = try VideoClipLoader.clip(from: decoder, sampling: FrameSampler(frames: plan.frames, firstSeconds: firstSeconds),
                                                     preprocessor: pre)
                try body(PreparedClip(plan: plan, kind: .video, window: whole.window, tensor: whole.tensor))
                for w in segments?.windows(duration: duration) ?? [] where w != whole.window {
                    if recipe.skip.contains(ClipSpan(budget: plan.budget ?? 0, start: w.start, end: w.end)) { continue }
                    let c = try VideoClipLoader.clip(from: decoder, window: w, frames: plan.frames, preprocessor: pre)
                    try body(PreparedClip(plan: plan, kind: .segment, window: w, tensor: c.tensor))
                }
            case .window(let asked):
                guard asked.start < duration else {
                    throw WindowError(path: decoder.url.path, window: asked, duration: duration)
                }
                let w = TimeWindow(start: asked.start, end: min(asked.end, duration))
                let c = try VideoClipLoader.clip(from: decoder, window: w, frames: plan.frames, preprocessor: pre)
                try body(PreparedClip(plan: plan, kind: .segment, window: w, tensor: c.tensor))
            }
        }
    }

    /// The one clip's unit vector; throws when the model has no embedding head.
    static func vector(of output: VisionTower.Output) throws -> [Float] {
        guard let e = output.embeddings else { throw VisionError.noEmbeddingHead }
        return e.scalars
    }
}

/// A window that starts at or after the end of its video: there is nothing to encode.
public struct WindowError: Error, CustomStringConvertible, LocalizedError, Equatable {
    public var path: String
    public var window: TimeWindow
    /// The video's length, seconds.
    public var duration: Double

    public var description: String {
        String(format: "%@: the clip %.1f–%.1f s starts after the video ends (it is %.1f s long); choose --start below %.1f",
               path, window.start, window.end == .greatestFiniteMagnitude ? window.start : window.end, duration, duration)
    }

    public var errorDescription: String? { description }
}

extension FluxStore.VideoMetadata {
    /// What the store keeps of a decoder's metadata (display size: after rotation).
    public init(decoded m: FluxIngest.VideoMetadata) {
        self.init(duration: m.duration, fps: m.fps, frameCount: m.frameCount, width: m.displayWidth,
                  height: m.displayHeight, codec: m.codec, rotation: m.rotation,
                  creationTime: m.creationTime?.timeIntervalSince1970)
    }
}
