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
        /// Read each video's transcripts (sidecar files and text subtitle streams) into the
        /// index's full-text search (``TranscriptIngest``).
        public var transcripts = true

        public init(budgets: [Int]) { self.budgets = budgets }

        /// How the index records this sampling (``IndexSampling``).
        public var sampling: IndexSampling {
            IndexSampling(table: samplingTable.entries, frames: frames, size: size, segments: segments,
                          autoSegmentAfter: autoSegmentAfter, autoSegment: autoSegment)
        }

        /// The sampling descriptor recorded in the index: two runs may share an index only if
        /// their descriptors are equal.
        public var samplingDescriptor: String { sampling.descriptor }
    }

    /// Progress after each file.
    public struct Progress: Sendable {
        public var filesDone: Int
        public var filesTotal: Int
        public var clipsEncoded: Int
        public var elapsed: Double
        public var currentFile: String
    }

    /// What a run did. Every entry the scan met is in exactly one of ``indexed``,
    /// ``skipped`` (unchanged since the last run), ``notVideo`` (hidden and system files,
    /// FIFOs, devices, sockets, still images, sound and other files that are no video) and
    /// ``failed`` (videos that cannot be read, and entries the scan could not use: unreadable
    /// folders, link loops, dangling links, names that are not UTF-8). ``warnings`` names
    /// indexed files found damaged (truncated, corrupt packets): indexed from what decodes.
    public struct Summary: Codable, Sendable {
        public var indexed: [String] = []
        public var skipped: [String] = []
        public var notVideo: [Failed] = []
        public var failed: [Failed] = []
        public var warnings: [Failed] = []
        public var missing: [String] = []
        public var pruned: [String] = []
        public var clips = 0
        /// Transcripts read (or read again) in this run, and their cues.
        public var transcripts = 0
        public var cues = 0
        public var seconds = 0.0
        public struct Failed: Codable, Sendable { public var path: String; public var reason: String }
    }

    /// The stage recorded (``FluxStore/IndexingFailure/stage``) for a file that is not a
    /// video, and for a damaged file that was indexed anyway: `info --errors` lists them
    /// apart from failures.
    public static let notVideoStage = "not-video"
    public static let warningStage = "warning"

    /// Whether a decoder error says the file is no video at all (rather than a broken one).
    static func isNotVideo(_ error: Error) -> Bool {
        switch error as? DecodeError {
        case .notAVideo?, .notMediaFile?, .noVideoStream?, .notARegularFile?: return true
        default: return false
        }
    }

    public let store: IndexStore
    public let embedder: VideoEmbedder
    public let options: Options
    /// The plan of each budget, from the options' table (validated once, at init).
    public let plans: [Int: SamplingPlan]
    /// The writer's lock of the index folder, held while this indexer lives (set by ``open``).
    var lock: IndexLock?
    /// Segment clips are committed at least this often (seconds of encoding), so that a long
    /// video interrupted again and again still progresses: the next run resumes after the
    /// last committed group. The whole-video clips are committed last: their presence marks a
    /// video complete.
    public var commitInterval: Double = 0.25

    private let summaryLock = NSLock()
    private var stored = Summary()
    /// The sidecars of the current run's videos.
    private var sidecarFinder = SidecarFinder(scanned: [], explicit: [])

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
        for b in options.budgets { plans[b] = try options.sampling.plan(budget: b, patchSize: options.samplingTable.patchSize) }
        return plans
    }

    /// Stops after the clip being encoded; committed work stays, the rest of the file in
    /// flight is dropped (its committed segments are resumed next time).
    public func cancel() { embedder.cancel() }

    /// What the run has committed so far: safe to read from another thread (a signal handler
    /// that must report before exiting).
    public var committed: Summary {
        summaryLock.lock(); defer { summaryLock.unlock() }
        return stored
    }

    struct Job {
        let fingerprint: FileFingerprint
        /// Set when the video is stored already and only budgets (or the rest of an
        /// interrupted video) are added.
        let existing: Video?
    }

    /// What every file is cut into: the whole video and its segments, at `budgets`, leaving
    /// out segments already stored.
    func recipe(budgets: [Int], stored: Set<ClipSpan> = []) -> ClipRecipe {
        ClipRecipe(plans: budgets.compactMap { plans[$0] }, span: .whole(firstSeconds: nil, segments: options.sampling.segmentPolicy),
                   skip: stored)
    }

    /// The clips of one video in flight, committed in groups.
    struct InFlight {
        var videoId: Int64?
        var metadata: FluxIngest.VideoMetadata?
        var segments: [ClipDraft] = []
        var wholes: [ClipDraft] = []
        var lastCommit = Timing.now()
        /// Whether this run created the video row (so a failure removes it again).
        var created = false
    }

    /// Indexes `paths`; with `prune`, drops indexed files that no longer exist. With `shard`,
    /// only the files of that shard are indexed (or recorded as failed): everything else the
    /// scan meets is left to the other shards, except transcript sidecars, which every shard
    /// sees so that a video finds its sidecars whichever shard it falls in.
    public func run(paths: [String], prune: Bool = false, shard: ShardSelection? = nil,
                    progress: (Progress) -> Void = { _ in }) throws -> Summary {
        let t0 = Timing.now()
        var summary = Summary()
        let scan = FileScanner.scanReport(paths, recursive: options.recursive)
        func ours(_ path: String) -> Bool { shard?.contains(IndexStore.canonicalPath(path)) ?? true }
        var badNames: [ScanSkip] = []
        summary.missing = scan.missing.filter(ours)
        for skip in scan.skipped where ours(skip.path) {
            switch skip.kind {
            case .hidden, .system, .notRegular, .subfolder, .alreadyScanned:
                summary.notVideo.append(.init(path: skip.path, reason: skip.reason))
                try? store.recordFailure(path: skip.path, stage: Self.notVideoStage, reason: skip.reason)
            case .badName:
                // Indexed under its display name (`\xHH` for each byte that is not UTF-8).
                badNames.append(skip)
            case .unreadableFolder, .symlinkLoop, .danglingLink, .unreadable:
                summary.failed.append(.init(path: skip.path, reason: skip.reason))
                try? store.recordFailure(path: skip.path, stage: "scan", reason: skip.reason)
            }
        }
        // Transcript sidecars are read with their videos, not probed as videos themselves.
        let (allCandidates, sidecars) = Self.separateSidecars(scan.candidates)
        let candidates = allCandidates.filter { ours($0.path) }
        for url in sidecars where ours(url.path) {
            summary.notVideo.append(.init(path: url.path, reason: "a transcript sidecar: read with its video, not indexed on its own"))
        }
        sidecarFinder = SidecarFinder(scanned: sidecars, explicit: Set(paths.map { URL(fileURLWithPath: $0).standardizedFileURL.path }))
        // Decide per file; unreadable files fail here, before any decoding.
        let files: [(url: URL, path: FileSystemPath?)] = (candidates.map { ($0, nil) }
            + badNames.map { (URL(fileURLWithPath: $0.path), $0.fileSystemPath) }).sorted { $0.url.path < $1.url.path }
        var jobs: [VideoEmbedder.Job<Job>] = []
        for (url, path) in files {
            do {
                let fp = try (path ?? FileSystemPath(url)).withCString { try FileFingerprint.compute(fileSystemPath: $0, display: url.path) }
                switch try store.plan(path: url.path, fingerprint: fp) {
                case .skip(let video):
                    summary.skipped.append(url.path)
                    updateTranscripts(of: video, url: url, path: path, &summary)
                case .encode(let budgets, _):
                    jobs.append(.init(url: url, fileSystemPath: path, recipe: recipe(budgets: budgets), tag: Job(fingerprint: fp, existing: nil)))
                case .addBudgets(let video, let budgets):
                    updateTranscripts(of: video, url: url, path: path, &summary)
                    // Segments an interrupted run committed at these budgets are not redone.
                    let have = Set(try store.clips(videoId: video.id ?? -1).filter { $0.kind == .segment }
                        .map { ClipSpan(budget: $0.budget, start: $0.start, end: $0.end) })
                    jobs.append(.init(url: url, fileSystemPath: path, recipe: recipe(budgets: budgets, stored: have),
                                      tag: Job(fingerprint: fp, existing: video)))
                }
            } catch {
                summary.failed.append(.init(path: url.path, reason: "\(error)"))
                try? store.recordFailure(path: url.path, stage: "read", reason: "\(error)")
            }
        }
        let total = files.count + summary.failed.count
        var done = summary.skipped.count + summary.failed.count
        publish(summary)
        func report(_ file: String) {
            progress(Progress(filesDone: done, filesTotal: total, clipsEncoded: summary.clips, elapsed: Timing.now() - t0,
                              currentFile: file))
        }
        report("")

        var flight: [Int: InFlight] = [:]
        /// Stores what job `i` has ready; with `final`, its whole-video clips too.
        /// `transcripts`: the video's text, committed with its last clips.
        func commit(_ i: Int, _ job: VideoEmbedder.Job<Job>, final: Bool, transcripts: TranscriptBatch? = nil) throws {
            guard var f = flight[i] else { return }
            let clips = f.segments + (final ? f.wholes : [])
            guard !clips.isEmpty else { return }
            if let id = f.videoId ?? job.tag.existing?.id {
                try store.upsertClips(clips, videoId: id, transcripts: transcripts)
                f.videoId = id
            } else {
                let meta = f.metadata.map(FluxStore.VideoMetadata.init(decoded:)) ?? FluxStore.VideoMetadata()
                let video = try store.replaceVideo(Video(path: job.url.path, fingerprint: job.tag.fingerprint, metadata: meta), clips: clips,
                                                   transcripts: transcripts)
                f.videoId = video.id
                f.created = true
            }
            summary.clips += clips.count
            f.segments = []
            f.lastCommit = Timing.now()
            flight[i] = f
            publish(summary)
        }
        func fail(_ job: VideoEmbedder.Job<Job>, stage: String, _ error: Error) {
            if Self.isNotVideo(error) {
                summary.notVideo.append(.init(path: job.url.path, reason: "\(error)"))
                try? store.recordFailure(path: job.url.path, stage: Self.notVideoStage, reason: "\(error)")
            } else {
                summary.failed.append(.init(path: job.url.path, reason: "\(error)"))
                try? store.recordFailure(path: job.url.path, stage: stage, reason: "\(error)")
            }
            done += 1
            publish(summary)
            report(job.url.lastPathComponent)
        }

        embedder.run(jobs) { i, job, event in
            switch event {
            case .started(let metadata):
                flight[i] = InFlight(metadata: metadata)
            case .clip(let c):
                let draft = ClipDraft(start: c.window.start, end: c.window.end, budget: c.budget, kind: c.kind, vector: c.vector)
                if c.kind == .video { flight[i]?.wholes.append(draft) } else { flight[i]?.segments.append(draft) }
                if let f = flight[i], Timing.now() - f.lastCommit >= commitInterval, !f.segments.isEmpty {
                    do { try commit(i, job, final: false) } catch {
                        fail(job, stage: "store", error)
                        flight[i] = nil
                    }
                }
            case .failed(let stage, let error):
                // A video this run created but could not finish leaves no half in the index.
                if let f = flight[i], f.created { _ = try? store.removeVideos(paths: [job.url.path]) }
                flight[i] = nil
                fail(job, stage: stage.rawValue, error)
            case .finished(_, let warnings):
                guard flight[i] != nil else { return }
                do {
                    // A new or changed video's text is read now and committed with its last clips.
                    var text: (batch: TranscriptBatch, outcome: TranscriptIngest.Outcome)?
                    if options.transcripts, job.tag.existing == nil, job.fileSystemPath == nil {
                        text = TranscriptIngest.read(url: job.url, sidecars: sidecarFinder.sidecars(of: job.url),
                                                     kinds: Set(TranscriptKind.allCases),
                                                     hasStreams: flight[i]?.metadata.map { $0.subtitleStreams > 0 })
                    }
                    try commit(i, job, final: true, transcripts: text?.batch)
                    summary.indexed.append(job.url.path)
                    var warnings = warnings
                    if let outcome = text?.outcome {
                        summary.transcripts += outcome.transcripts
                        summary.cues += outcome.cues
                        summary.failed += outcome.failed
                        warnings += outcome.warnings
                    }
                    if !warnings.isEmpty {
                        let text = warnings.joined(separator: "; ")
                        summary.warnings.append(.init(path: job.url.path, reason: text))
                        try? store.recordFailure(path: job.url.path, stage: Self.warningStage, reason: text)
                    }
                    done += 1
                    publish(summary)
                    report(job.url.lastPathComponent)
                } catch {
                    fail(job, stage: "store", error)
                }
                flight[i] = nil
            }
        }
        if prune {
            summary.pruned = try store.prune { path in
                if case .success = FileKind.of(FileSystemPath.resolving(stored: path), followLinks: true) { return true }
                return false
            }
        }
        try VectorMirror(store: store).persistAll()
        summary.seconds = Timing.now() - t0
        publish(summary)
        return summary
    }

    /// Splits scanned files into candidate videos and transcript sidecars: every .srt and .vtt
    /// file, and a .json file beside a candidate of the same stem (other JSON files are probed
    /// like anything else). Order is kept.
    static func separateSidecars(_ files: [URL]) -> (videos: [URL], sidecars: [URL]) {
        let stems = Set(files.filter { !["srt", "vtt", "json"].contains($0.pathExtension.lowercased()) }
            .map { $0.deletingPathExtension().path })
        var videos: [URL] = [], sidecars: [URL] = []
        for url in files {
            switch url.pathExtension.lowercased() {
            case "srt", "vtt": sidecars.append(url)
            case "json" where stems.contains(url.deletingPathExtension().path): sidecars.append(url)
            default: videos.append(url)
            }
        }
        return (videos, sidecars)
    }

    /// Reads again the text of a stored video whose file is unchanged, when its sidecars changed
    /// or its text was never read (an index made before transcripts, or with them off).
    private func updateTranscripts(of video: Video, url: URL, path: FileSystemPath?, _ summary: inout Summary) {
        guard options.transcripts, let id = video.id else { return }
        let ingest = TranscriptIngest(store: store)
        do {
            let kinds = try ingest.pending(videoId: id, sidecars: sidecarFinder.sidecars(of: url))
            guard !kinds.isEmpty else { return }
            var warnings: [String] = []
            readTranscripts(videoId: id, url: url, path: path, kinds: kinds, hasStreams: nil, &summary, warnings: &warnings)
            if !warnings.isEmpty {
                let text = warnings.joined(separator: "; ")
                summary.warnings.append(.init(path: url.path, reason: text))
            }
        } catch {
            summary.warnings.append(.init(path: url.path, reason: "its transcripts could not be read: \(error)"))
        }
    }

    /// Reads and stores the text of `kinds` of video `videoId`; failures of sidecars go to
    /// `summary.failed`, problems with the container's streams to `warnings`.
    private func readTranscripts(videoId: Int64, url: URL, path: FileSystemPath?, kinds: Set<TranscriptKind>, hasStreams: Bool?,
                                 _ summary: inout Summary, warnings: inout [String]) {
        // A name that is not UTF-8 cannot be handed to the readers by URL; its text is skipped.
        guard path == nil else { return }
        do {
            let outcome = try TranscriptIngest(store: store).ingest(videoId: videoId, url: url, sidecars: sidecarFinder.sidecars(of: url),
                                                                     kinds: kinds, hasStreams: hasStreams)
            summary.transcripts += outcome.transcripts
            summary.cues += outcome.cues
            summary.failed += outcome.failed
            warnings += outcome.warnings
        } catch {
            warnings.append("its transcripts could not be stored: \(error)")
        }
        publish(summary)
    }

    private func publish(_ summary: Summary) {
        summaryLock.lock(); stored = summary; summaryLock.unlock()
    }
}
