import ArgumentParser
import Foundation
import FluxIndex
import FluxQuery

extension BenchCommand {
    struct Hybrid: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Latency of a text query over picture and transcripts fused (--source both) against the picture alone, in one run.",
            discussion: "Writes a temporary index with the model's settings: VIDEOS × CLIPS clustered unit vectors (one whole-video vector, the rest 4 s segments) at one budget, and a sidecar transcript of CUES synthetic cues (2.5 s each, Zipf-distributed made-up words and English function words) per video. Then times text queries built by rule from that vocabulary (2 frequent, 2 mid-frequency, 1 rare word) through the real search session, each with --source visual and --source both, interleaved, after a warm-up (k 10, per video, 3 moments, the default collapse and rerank). Reports p50/p99 of both, their ratio, the FTS5 look-up alone, and cues found per query.")

        @OptionGroup var modelOptions: ModelOptions
        @OptionGroup var runtime: RuntimeOptions
        @OptionGroup var output: OutputOptions

        @Option(help: "Videos in the index.")
        var videos = 2000

        @Option(help: "Clips per video (one whole-video vector, the rest segments).")
        var clips = 50

        @Option(help: "Transcript cues per video.")
        var cues = 40

        @Option(help: "Queries (each run visual-only and hybrid).")
        var queries = 100

        func validate() throws {
            guard videos >= 1, videos <= 1_000_000 else { throw ValidationError("--videos must be between 1 and 1000000.") }
            guard clips >= 2, clips <= 1000 else { throw ValidationError("--clips must be between 2 and 1000.") }
            guard cues >= 1, cues <= 10_000 else { throw ValidationError("--cues must be between 1 and 10000.") }
            guard queries >= 1, queries <= 10_000 else { throw ValidationError("--queries must be between 1 and 10000.") }
        }

        func run() throws {
            let policy = runtime.apply(.latency)
            var bench = HybridBenchmark(model: try modelOptions.resolved())
            bench.videos = videos; bench.clipsPerVideo = clips; bench.cuesPerVideo = cues; bench.queries = queries
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("fluxsearch-bench-hybrid-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: dir) }
            let r = try bench.run(in: dir, progress: { if !output.json { note("  \($0)…") } })
            if output.json { return try printJSON(r) }
            func ms(_ x: Double) -> String { String(format: "%.2f", x) }
            out("fluxsearch bench hybrid — \(r.model) (dim \(r.dimension), budget \(r.budget)), \(r.vectors) vectors of \(r.videos) videos, \(r.cues) cues, \(r.queries) queries, \(policy.blasThreads) BLAS thread(s)")
            out(pad("", 14) + lpad("p50 ms", 9) + lpad("p99 ms", 9))
            out(pad("visual", 14) + lpad(ms(r.visualP50), 9) + lpad(ms(r.visualP99), 9))
            out(pad("hybrid", 14) + lpad(ms(r.hybridP50), 9) + lpad(ms(r.hybridP99), 9))
            out(pad("cue search", 14) + lpad(ms(r.cueSearchP50), 9) + lpad(ms(r.cueSearchP99), 9))
            out("hybrid / visual (p50): \(String(format: "%.2f", r.ratio))×; cues per hybrid query: \(String(format: "%.1f", r.meanCues)) (limit \(r.cueLimit), \(r.cappedQueries) capped, \(r.queriesWithoutCues) without); build \(String(format: "%.1f", r.buildSeconds)) s, warm-up \(String(format: "%.1f", r.warmupSeconds)) s")
            out("slowest hybrid query: \(ms(r.slowestMs)) ms \"\(r.slowestQuery)\"")
        }
    }
}

extension BenchCommand {
    struct Transcripts: ParsableCommand {
        static let defaultFolder = "Corpus/generated/synth/test"

        static let configuration = CommandConfiguration(
            abstract: "What reading transcripts adds to indexing: a folder indexed with and without them, a sidecar per video.",
            discussion: "Links every video of FOLDER into a temporary folder and writes a synthetic sidecar NAME.srt (a cue every 2 s over the video's duration) beside each link. Each round indexes that folder into two fresh temporary indexes, one with --no-transcripts and one with transcripts (the order alternates between rounds), with the same model, budget and threads; only the indexing run is timed, not loading the model. Reports each round, the medians, and the overhead (median with / median without − 1).")

        @Argument(help: ArgumentHelp("Folder of videos (not recursed into). Default: the synthetic test split \(defaultFolder).", valueName: "folder"),
                  completion: .directory)
        var folder: String?

        @OptionGroup var modelOptions: ModelOptions
        @OptionGroup var runtime: RuntimeOptions
        @OptionGroup var output: OutputOptions

        @Option(help: "Token budget to index at.")
        var tokens = 256

        @Option(help: "Rounds (each indexes the folder twice).")
        var rounds = 3

        func validate() throws {
            guard tokens >= 1 else { throw ValidationError("--tokens must be a positive token budget, e.g. 256.") }
            guard rounds >= 1, rounds <= 100 else { throw ValidationError("--rounds must be between 1 and 100.") }
        }

        func run() throws {
            let url = URL(fileURLWithPath: folder ?? Self.defaultFolder).standardizedFileURL
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDir), isDir.boolValue else {
                if folder == nil {
                    throw CommandFailure("No folder given and no synthetic test split at \(Self.defaultFolder); generate it with `python3 Tools/synth/generate.py --splits test`, or pass a folder of videos.")
                }
                throw CommandFailure("\(url.path) is not a folder: give a folder of videos.")
            }
            let policy = runtime.apply()
            var bench = TranscriptIndexingBenchmark(folder: url, model: try modelOptions.resolved())
            bench.budget = tokens; bench.rounds = rounds
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("fluxsearch-bench-transcripts-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: dir) }
            let r = try bench.run(in: dir, progress: { if !output.json { note("  \($0)…") } })
            if output.json { return try printJSON(r) }
            func s(_ x: Double) -> String { String(format: "%.2f", x) }
            out("fluxsearch bench transcripts — \(r.videos) videos (\(r.clips) clips) at \(r.budget) tokens, \(r.transcripts) sidecars with \(r.cues) cues, \(policy.blasThreads) BLAS thread(s)")
            out(pad("round", 8) + lpad("without s", 11) + lpad("with s", 9) + "  first")
            for (i, round) in r.rounds.enumerated() {
                out(pad("\(i + 1)", 8) + lpad(s(round.withoutSeconds), 11) + lpad(s(round.withSeconds), 9) + "  " + (round.withFirst ? "with" : "without"))
            }
            out(pad("median", 8) + lpad(s(r.medianWithout), 11) + lpad(s(r.medianWith), 9))
            out("overhead of transcripts: \(String(format: "%+.1f", r.overheadPercent)) %" + (r.failed > 0 ? "; \(r.failed) file(s) failed in each run" : ""))
        }
    }
}
