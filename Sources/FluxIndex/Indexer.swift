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
    public let embedder: VideoEmbedder
    public let options: Options
    /// The plan of each budget, from the options' table (validated once, at init).
    public let plans: [Int: SamplingPlan]

    /// - Throws: ``FluxModels/SamplingError`` when a budget cannot be sampled as the options say.
    public init(store: IndexStore, tower: VisionTower, options: Options) throws {
        self.store = store
        self.options = options
        self.embedder = VideoEmbedder(tower: tower, queueCapacity: options.queueCapacity)
        self.plans = try Self.plans(options)
    }

    /// The sampling plan of each budget of `options`.
    /// - Throws: ``FluxModels/SamplingError`` for a budget that cannot be sampled so.
    public static func plans(_ options: Options) throws -> [Int: SamplingPlan] {
        var plans: [Int: SamplingPlan] = [:]
        for b in options.budgets { plans[b] = try options.samplingTable.plan(budget: b, frames: options.frames, size: options.size) }
        return plans
    }

    /// Stops after the clip being encoded; committed files stay, the file in flight is dropped.
    public func cancel() { embedder.cancel() }

    struct Job {
        let fingerprint: FileFingerprint
        /// Set when only new budgets are added to an already indexed video.
        let existing: Video?
    }

    /// What every file is cut into: the whole video and its segments, at `budgets`.
    func recipe(budgets: [Int]) -> ClipRecipe {
        ClipRecipe(plans: budgets.compactMap { plans[$0] },
                   span: .whole(firstSeconds: nil, segments: SegmentPolicy(always: options.segments,
                                                                           autoAfter: options.autoSegmentAfter,
                                                                           auto: options.autoSegment)))
    }

    /// Indexes `paths`; with `prune`, drops indexed files that no longer exist.
    public func run(paths: [String], prune: Bool = false, progress: (Progress) -> Void = { _ in }) throws -> Summary {
        let t0 = Timing.now()
        var summary = Summary()
        let (files, missing) = FileScanner.scan(paths, recursive: options.recursive)
        summary.missing = missing
        // Decide per file; unreadable files fail here, before any decoding.
        var jobs: [VideoEmbedder.Job<Job>] = []
        for url in files {
            do {
                let fp = try FileFingerprint.compute(url: url)
                switch try store.plan(path: url.path, fingerprint: fp) {
                case .skip: summary.skipped.append(url.path)
                case .encode(let budgets, _):
                    jobs.append(.init(url: url, recipe: recipe(budgets: budgets), tag: Job(fingerprint: fp, existing: nil)))
                case .addBudgets(let video, let budgets):
                    jobs.append(.init(url: url, recipe: recipe(budgets: budgets), tag: Job(fingerprint: fp, existing: video)))
                }
            } catch {
                summary.failed.append(.init(path: url.path, reason: "\(error)"))
                try? store.recordFailure(path: url.path, stage: "read", reason: "\(error)")
            }
        }
        let total = files.count
        var done = summary.skipped.count + summary.failed.count
        func report(_ file: String) {
            progress(Progress(filesDone: done, filesTotal: total, clipsEncoded: summary.clips, elapsed: Timing.now() - t0,
                              currentFile: file))
        }
        report("")

        var drafts: [Int: [ClipDraft]] = [:]
        embedder.run(jobs) { i, job, event in
            switch event {
            case .clip(let c):
                drafts[i, default: []].append(ClipDraft(start: c.window.start, end: c.window.end, budget: c.budget,
                                                        kind: c.kind, vector: c.vector))
                summary.clips += 1
            case .failed(let stage, let error):
                drafts[i] = nil
                summary.failed.append(.init(path: job.url.path, reason: "\(error)"))
                try? store.recordFailure(path: job.url.path, stage: stage.rawValue, reason: "\(error)")
                done += 1
                report(job.url.lastPathComponent)
            case .finished(let metadata):
                do {
                    try commit(job.url, job.tag, drafts: drafts[i] ?? [], metadata: metadata)
                    summary.indexed.append(job.url.path)
                } catch {
                    summary.failed.append(.init(path: job.url.path, reason: "\(error)"))
                    try? store.recordFailure(path: job.url.path, stage: "store", reason: "\(error)")
                }
                drafts[i] = nil
                done += 1
                report(job.url.lastPathComponent)
            }
        }
        if prune {
            summary.pruned = try store.prune { FileManager.default.fileExists(atPath: $0) }
        }
        try VectorMirror(store: store).persistAll()
        summary.seconds = Timing.now() - t0
        return summary
    }

    func commit(_ url: URL, _ job: Job, drafts: [ClipDraft], metadata m: FluxIngest.VideoMetadata) throws {
        let meta = FluxStore.VideoMetadata(decoded: m)
        if let existing = job.existing, let id = existing.id {
            _ = try store.upsertClips(drafts, videoId: id)
        } else {
            _ = try store.replaceVideo(Video(path: url.path, fingerprint: job.fingerprint, metadata: meta), clips: drafts)
        }
    }
}
