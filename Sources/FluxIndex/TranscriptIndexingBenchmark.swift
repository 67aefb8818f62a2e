import Foundation
import FluxCore
import FluxIngest
import FluxStore

/// The `bench transcripts` suite: what reading transcripts adds to indexing. A folder of
/// videos is indexed into fresh temporary indexes with and without
/// ``Indexer/Request/transcripts``, with the same model, budget and thread settings, a sidecar
/// `.srt` beside every video.
///
/// The videos are not touched: a temporary folder holds a symbolic link to each video of
/// ``folder`` (files that do not probe as video are left out) and, beside it, a generated
/// sidecar `NAME.srt` of ``FluxCore/SyntheticSpeech`` cues every ``cueSeconds`` over the
/// video's duration. Each round indexes that folder twice, alternating which goes first
/// (warm caches favour the second run), and only ``Indexer/run(paths:prune:progress:)`` is
/// timed (not opening the model, which both runs share).
public struct TranscriptIndexingBenchmark {
    /// One round: seconds to index the folder without and with transcripts.
    public struct Round: Codable, Sendable {
        public let withoutSeconds: Double
        public let withSeconds: Double
        /// Whether the run with transcripts went first.
        public let withFirst: Bool

        enum CodingKeys: String, CodingKey {
            case withoutSeconds = "without_s", withSeconds = "with_s", withFirst = "with_first"
        }
    }

    public struct Result: Codable, Sendable {
        public let videos: Int
        public let clips: Int
        public let budget: Int
        public let rounds: [Round]
        /// Medians over the rounds, seconds.
        public let medianWithout: Double
        public let medianWith: Double
        /// medianWith / medianWithout − 1, in percent.
        public let overheadPercent: Double
        /// Transcripts and cues the runs with transcripts stored (each run, not summed).
        public let transcripts: Int
        public let cues: Int
        /// Files indexed per run, and files that failed (the same in every run, else the
        /// comparison is off).
        public let failed: Int

        enum CodingKeys: String, CodingKey {
            case videos, clips, budget, rounds, transcripts, cues, failed
            case medianWithout = "median_without_s", medianWith = "median_with_s", overheadPercent = "overhead_percent"
        }
    }

    /// The folder of videos (not recursed into).
    public let folder: URL
    /// The model directory to encode with.
    public let model: URL
    /// Token budget of every run.
    public var budget = 256
    public var rounds = 3
    /// Seconds between cue starts in the generated sidecars.
    public var cueSeconds = 2.0

    public init(folder: URL, model: URL) {
        self.folder = folder
        self.model = model
    }

    /// Why the benchmark cannot run.
    public enum Failure: Error, LocalizedError, Equatable {
        /// No file of the folder probes as a video.
        case noVideos(folder: String)
        /// The runs indexed different numbers of files.
        case unequalRuns(without: Int, with: Int)

        public var errorDescription: String? {
            switch self {
            case .noVideos(let folder):
                return "no video in \(folder) could be opened: give a folder of video files"
            case .unequalRuns(let without, let with):
                return "the run without transcripts indexed \(without) file(s) and the run with them \(with), so their times do not compare; check `fluxsearch index` on the folder for failures"
            }
        }
    }

    /// Prepares the linked folder under `directory` (created; the caller removes it), then runs
    /// the rounds.
    /// - Throws: ``Failure``, ``FluxModels/ModelLoadingError``, ``FluxModels/SamplingError``,
    ///   ``FluxStore/StoreError``, and file-system errors writing `directory`.
    public func run(in directory: URL, progress: (String) -> Void = { _ in }) throws -> Result {
        let fm = FileManager.default
        let videosDir = directory.appendingPathComponent("videos")
        try fm.createDirectory(at: videosDir, withIntermediateDirectories: true)
        let files = try fm.contentsOfDirectory(at: folder, includingPropertiesForKeys: nil)
            .filter { !$0.lastPathComponent.hasPrefix(".") }
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
        progress("linking \(files.count) file(s) and writing sidecars")
        var speech = SyntheticSpeech(seed: 0x51DE)
        var videos = 0
        for file in files {
            guard let metadata = try? VideoDecoder.probe(file) else { continue }
            let link = videosDir.appendingPathComponent(file.lastPathComponent)
            try fm.createSymbolicLink(at: link, withDestinationURL: file.standardizedFileURL)
            let count = max(1, Int((metadata.duration / cueSeconds).rounded(.up)))
            let srt = Self.srt(speech.cues(count: count, every: cueSeconds))
            try Data(srt.utf8).write(to: link.deletingPathExtension().appendingPathExtension("srt"))
            videos += 1
        }
        guard videos > 0 else { throw Failure.noVideos(folder: folder.path) }

        var request = Indexer.Request(budgets: [budget])
        request.recursive = false
        var out: [Round] = []
        var transcripts = 0, cues = 0, clips = 0, failed = 0
        for r in 0..<max(1, rounds) {
            let withFirst = r % 2 == 1
            var seconds: [Bool: Double] = [:]
            var indexed: [Bool: Int] = [:]
            for withText in withFirst ? [true, false] : [false, true] {
                progress("round \(r + 1): indexing \(withText ? "with" : "without") transcripts")
                request.transcripts = withText
                let index = directory.appendingPathComponent("index-\(r)-\(withText ? "with" : "without")")
                let (summary, s) = try Self.index(videosDir, into: index, model: model, request: request)
                try? fm.removeItem(at: index)
                seconds[withText] = s
                indexed[withText] = summary.indexed.count
                clips = summary.clips
                failed = summary.failed.count
                if withText { transcripts = summary.transcripts; cues = summary.cues }
            }
            guard indexed[false] == indexed[true] else {
                throw Failure.unequalRuns(without: indexed[false] ?? 0, with: indexed[true] ?? 0)
            }
            out.append(Round(withoutSeconds: seconds[false] ?? 0, withSeconds: seconds[true] ?? 0, withFirst: withFirst))
        }
        let without = Self.median(out.map(\.withoutSeconds)), with = Self.median(out.map(\.withSeconds))
        return Result(videos: videos, clips: clips, budget: budget, rounds: out, medianWithout: without, medianWith: with,
                      overheadPercent: (with / max(without, 1e-9) - 1) * 100, transcripts: transcripts, cues: cues,
                      failed: failed)
    }

    /// Indexes `folder` into the new index `index`; returns the summary and the seconds of
    /// ``Indexer/run(paths:prune:progress:)``.
    static func index(_ folder: URL, into index: URL, model: URL, request: Indexer.Request) throws -> (Indexer.Summary, Double) {
        let indexer = try Indexer.open(index: index, modelURL: model, request: request)
        let t0 = Timing.now()
        let summary = try indexer.run(paths: [folder.path])
        return (summary, Timing.now() - t0)
    }

    /// `cues` as SubRip text.
    static func srt(_ cues: [(start: Double, end: Double, text: String)]) -> String {
        func time(_ s: Double) -> String {
            let ms = Int((s * 1000).rounded())
            return String(format: "%02d:%02d:%02d,%03d", ms / 3_600_000, ms / 60_000 % 60, ms / 1000 % 60, ms % 1000)
        }
        return cues.enumerated().map { i, c in "\(i + 1)\n\(time(c.start)) --> \(time(c.end))\n\(c.text)\n" }
            .joined(separator: "\n")
    }

    static func median(_ xs: [Double]) -> Double {
        let s = xs.sorted()
        guard !s.isEmpty else { return 0 }
        return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }
}
