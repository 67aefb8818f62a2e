import Foundation
import FluxCore
import FluxIngest
import FluxModels
import FluxStore

/// Adds video files to an index: scan → fingerprint → plan → decode and preprocess on a
/// producer thread → encode on the calling thread → one store transaction per video.
///
/// A file that cannot be decoded or encoded is recorded as a failure and the run goes on.
/// Because each video is committed in a single transaction, an interrupted run loses at most
/// the file in flight; the next run skips every committed file by its fingerprint.
public final class Indexer {
    /// What to cut from each video and how to sample it.
    public struct Options: Sendable {
        /// Token budgets to store one vector per clip for.
        public var budgets: [Int]
        /// Budget → (frames, size); `frames`/`size` override it for every budget.
        public var samplingTable: FlexiSamplingTable = .tokenOptimized
        public var frames: Int?
        public var size: Int?
        /// Segment clips (length and stride in seconds) for every video; nil = only videos
        /// longer than `autoSegmentAfter` get segments, of `autoSegment`.
        public var segments: SegmentWindows?
        /// Videos longer than this (seconds) are segmented even without `segments`.
        public var autoSegmentAfter: Double = 60
        public var autoSegment = SegmentWindows(length: 10, stride: 10)
        public var recursive = true
        /// Clips waiting between decoder and encoder.
        public var queueCapacity = 2

        public init(budgets: [Int]) { self.budgets = budgets }

        /// The sampling descriptor recorded in the index: two runs may share an index only if
        /// their descriptors are equal.
        public var samplingDescriptor: String {
            struct D: Encodable {
                let table: [FlexiSamplingTable.Entry]; let frames: Int?; let size: Int?
                let segments: SegmentWindows?; let autoSegmentAfter: Double; let autoSegment: SegmentWindows
            }
            let d = D(table: samplingTable.entries, frames: frames, size: size, segments: segments,
                      autoSegmentAfter: autoSegmentAfter, autoSegment: autoSegment)
            let e = JSONEncoder()
            e.outputFormatting = [.sortedKeys]
            return String(decoding: (try? e.encode(d)) ?? Data(), as: UTF8.self)
        }
    }

    /// Progress after each file.
    public struct Progress: Sendable {
        public var filesDone: Int
        public var filesTotal: Int
        public var clipsEncoded: Int
        public var elapsed: Double
        public var currentFile: String
    }

    /// What a run did.
    public struct Summary: Codable, Sendable {
        public var indexed: [String] = []
        public var skipped: [String] = []
        public var failed: [Failed] = []
        public var missing: [String] = []
        public var pruned: [String] = []
        public var clips = 0
        public var seconds = 0.0
        public struct Failed: Codable, Sendable { public var path: String; public var reason: String }
    }

    public let store: IndexStore
    public let tower: VisionTower
    public let options: Options
    /// Preprocessing descriptor recorded in the index.
    public static let preprocessingDescriptor =
        #"{"mean":[0.485,0.456,0.406],"resize":"squash-bicubic-uint8-round-half-even","std":[0.229,0.224,0.225]}"#

    private let lock = NSLock()
    private var cancelled = false
    private var pipeline: IngestPipeline<Job, Item>?

    public init(store: IndexStore, tower: VisionTower, options: Options) {
        self.store = store
        self.tower = tower
        self.options = options
    }

    /// Stops after the clip being encoded; committed files stay, the file in flight is dropped.
    public func cancel() {
        lock.lock(); cancelled = true; let p = pipeline; lock.unlock()
        p?.cancel()
    }

    struct Job {
        let url: URL
        let fingerprint: FileFingerprint
        let budgets: [Int]
        /// Set when only new budgets are added to an already indexed video.
        let existing: Video?
    }

    /// What the producer hands over.
    enum Item {
        case clip(budget: Int, kind: Clip.Kind, window: TimeWindow, tensor: Tensor)
        case end(FluxIngest.VideoMetadata)
    }

    /// What the consumer makes of it.
    enum Encoded {
        case clip(ClipDraft)
        case end(FluxIngest.VideoMetadata)
    }

    /// Indexes `paths`; with `prune`, drops indexed files that no longer exist.
    public func run(paths: [String], prune: Bool = false, progress: (Progress) -> Void = { _ in }) throws -> Summary {
        let t0 = Timing.now()
        var summary = Summary()
        let (files, missing) = FileScanner.scan(paths, recursive: options.recursive)
        summary.missing = missing
        // Decide per file; unreadable files fail here, before any decoding.
        var jobs: [Job] = []
        for url in files {
            do {
                let fp = try FileFingerprint.compute(url: url)
                switch try store.plan(path: url.path, fingerprint: fp) {
                case .skip: summary.skipped.append(url.path)
                case .encode(let budgets, _): jobs.append(Job(url: url, fingerprint: fp, budgets: budgets, existing: nil))
                case .addBudgets(let video, let budgets): jobs.append(Job(url: url, fingerprint: fp, budgets: budgets, existing: video))
                }
            } catch {
                summary.failed.append(.init(path: url.path, reason: "\(error)"))
                try? store.recordFailure(path: url.path, stage: "read", reason: "\(error)")
            }
        }
        let total = files.count
        var done = summary.skipped.count + summary.failed.count
        progress(Progress(filesDone: done, filesTotal: total, clipsEncoded: 0, elapsed: Timing.now() - t0, currentFile: ""))

        let pipeline = IngestPipeline<Job, Item>(capacity: options.queueCapacity) { [options] job, emit in
            try Self.produce(job, options: options, emit: emit)
        }
        lock.lock(); self.pipeline = pipeline; let stop = cancelled; lock.unlock()
        if stop { return summary }

        var drafts: [Int: [ClipDraft]] = [:]
        var failedJobs = Set<Int>()
        pipeline.run(jobs, consume: { item -> Encoded in
            switch item {
            case .clip(let budget, let kind, let window, let tensor):
                let out = try tower.encode(tensor, budget: budget)
                guard let e = out.embeddings else { throw VisionError.unsupportedInput(reason: "the model has no vision_align head") }
                return .clip(ClipDraft(start: window.start, end: window.end, budget: budget, kind: kind, vector: e.scalars))
            case .end(let metadata):
                return .end(metadata)
            }
        }, onResult: { result in
            let i = result.jobIndex, job = result.job
            switch result.result {
            case .failure(let error):
                if failedJobs.insert(i).inserted {
                    drafts[i] = nil
                    summary.failed.append(.init(path: job.url.path, reason: "\(error)"))
                    try? store.recordFailure(path: job.url.path, stage: error is VisionError ? "encode" : "decode", reason: "\(error)")
                    done += 1
                    progress(Progress(filesDone: done, filesTotal: total, clipsEncoded: summary.clips,
                                      elapsed: Timing.now() - t0, currentFile: job.url.lastPathComponent))
                }
            case .success(let item):
                guard !failedJobs.contains(i) else { return }
                switch item {
                case .clip(let draft):
                    drafts[i, default: []].append(draft)
                    summary.clips += 1
                case .end(let metadata):
                    do {
                        try commit(job, drafts: drafts[i] ?? [], metadata: metadata)
                        summary.indexed.append(job.url.path)
                    } catch {
                        summary.failed.append(.init(path: job.url.path, reason: "\(error)"))
                        try? store.recordFailure(path: job.url.path, stage: "store", reason: "\(error)")
                    }
                    drafts[i] = nil
                    done += 1
                    progress(Progress(filesDone: done, filesTotal: total, clipsEncoded: summary.clips,
                                      elapsed: Timing.now() - t0, currentFile: job.url.lastPathComponent))
                }
            }
        })
        if prune {
            summary.pruned = try store.prune { FileManager.default.fileExists(atPath: $0) }
        }
        try VectorMirror(store: store).persistAll()
        summary.seconds = Timing.now() - t0
        return summary
    }

    /// Decodes every clip of a job (all budgets; whole video and segments) and ends with `.end`.
    static func produce(_ job: Job, options: Options, emit: (Item) throws -> Void) throws {
        let decoder = try VideoDecoder(url: job.url)
        let duration = decoder.metadata.duration
        let windows = options.segments ?? (duration > options.autoSegmentAfter ? options.autoSegment : nil)
        for budget in job.budgets {
            let plan = try options.samplingTable.plan(budget: budget, frames: options.frames, size: options.size)
            let pre = Preprocessor(size: plan.size)
            let whole = try VideoClipLoader.clip(from: decoder, sampling: .middle(frames: plan.frames), preprocessor: pre)
            try emit(.clip(budget: budget, kind: .video, window: whole.window, tensor: whole.tensor))
            if let windows {
                for w in windows.windows(duration: duration) {
                    let c = try VideoClipLoader.clip(from: decoder, window: w, frames: plan.frames, preprocessor: pre)
                    try emit(.clip(budget: budget, kind: .segment, window: w, tensor: c.tensor))
                }
            }
        }
        try emit(.end(decoder.metadata))
    }

    func commit(_ job: Job, drafts: [ClipDraft], metadata m: FluxIngest.VideoMetadata) throws {
        let meta = FluxStore.VideoMetadata(duration: m.duration, fps: m.fps, frameCount: m.frameCount, width: m.displayWidth,
                                           height: m.displayHeight, codec: m.codec, rotation: m.rotation)
        if let existing = job.existing, let id = existing.id {
            _ = try store.upsertClips(drafts, videoId: id)
        } else {
            _ = try store.replaceVideo(Video(path: job.url.path, fingerprint: job.fingerprint, metadata: meta), clips: drafts)
        }
    }
}
