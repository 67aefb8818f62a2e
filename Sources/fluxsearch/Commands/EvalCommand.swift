import ArgumentParser
import Foundation
import FluxEval

/// `fluxsearch eval msrvtt|didemo|scores`: zero-shot text↔video retrieval benchmarks.
struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Zero-shot text↔video retrieval benchmarks (MSRVTT-1kA, DiDeMo) and scoring of similarity matrices.",
        discussion: """
        Follows shared/spec/EVAL_PROTOCOL.md: S[v, t] = cosine of L2-normalised embeddings; \
        text goes through pre_text; video frames are sampled by the `middle` rule and \
        squash-resized. Results are printed raw and with the dual softmax (DSL) side by side: \
        T2V[t, v] = S[v, t] · softmax over texts of S[v, :], V2T[v, t] = S[v, t] · softmax over \
        videos of S[:, t], softmax of scale · S (--dsl-scale, default 1 as in InternVideo2/FluxViT; \
        100 for CAMoE/InternVideo1 style).

        Rank = the number of candidates scored strictly higher than the ground truth. R@K = \
        100 · mean(rank < K), MdR = median(rank) + 1, MnR = mean(rank) + 1. With several \
        captions per video, text→video ranks every caption, video→text ranks a video's best \
        caption against all captions (UMT).

        Video embeddings are cached in eval indexes under --cache-dir (per dataset, model and \
        sampling), so re-running with other DSL settings costs no video encoding.
        """,
        subcommands: [MSRVTT.self, DiDeMo.self, Scores.self])
}

extension EvalSamplingRule: ExpressibleByArgument {}
extension AnnotationKind: ExpressibleByArgument {}
extension MatrixScoring.Rows: ExpressibleByArgument {}
extension DSLMode: ExpressibleByArgument {}

/// Videos, budgets and sampling of `eval msrvtt|didemo`.
struct EvalVideoOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Annotation file.", valueName: "file"), completion: .file())
    var annotations: String

    @Option(help: ArgumentHelp("Folder holding the dataset's video files (searched recursively; names are matched across extensions).", valueName: "dir"),
            completion: .directory)
    var videos: String

    @Option(help: ArgumentHelp("Comma-separated token budgets, one run each (default: 2048 = 8 frames × 224 px unmasked).", valueName: "n[,m...]"),
            transform: BudgetList.parse)
    var tokens = BudgetList([2048])

    @Option(help: ArgumentHelp("Frames per video, overriding the sampling table for every budget.", valueName: "t"))
    var frames: Int?

    @Option(help: ArgumentHelp("Frame side in pixels (multiple of 14), overriding the sampling table.", valueName: "px"))
    var size: Int?

    @Option(help: "Frames × size per budget: unmasked (pool = budget, the parity setting) or token-optimized (the model's sampling.json, else the built-in table).")
    var sampling: EvalSamplingRule = .unmasked

    @Option(help: ArgumentHelp("Root of the eval indexes caching video embeddings.", valueName: "dir"), completion: .directory)
    var cacheDir: String = "Indexes/eval"

    @Flag(help: "Encode into a temporary eval index that is deleted afterwards.")
    var noCache = false

    @Option(help: ArgumentHelp("Evaluate only the first K videos found (and their texts), for smoke runs.", valueName: "k"))
    var limit: Int?

    func validate() throws {
        if let size, size <= 0 || size % 14 != 0 { throw ValidationError("--size must be a positive multiple of 14 (got \(size)).") }
        if let frames, frames < 1 { throw ValidationError("--frames must be at least 1.") }
        if let limit, limit < 1 { throw ValidationError("--limit must be at least 1.") }
    }
}

/// Scoring and output options shared by every eval subcommand.
struct EvalOutputOptions: ParsableArguments {
    @Option(help: "Scores to report: both (raw and dual softmax side by side), on (DSL only) or off (raw only).")
    var dsl: DSLMode = .both

    @Option(help: ArgumentHelp("Dual-softmax scale: the softmax is taken of scale · S (1 = InternVideo2/FluxViT, 100 = CAMoE style).", valueName: "s"))
    var dslScale: Double = 1

    @Option(help: ArgumentHelp("Write the report (settings, counts, missing videos, metrics, model hash, timings) as JSON to this file; '-' prints it instead of the table.", valueName: "out"))
    var json: String?

    @Option(help: ArgumentHelp("Write one JSON line per query and direction (ranks, top candidates) to this file.", valueName: "out"))
    var perQuery: String?

    func validate() throws {
        guard dslScale > 0, dslScale.isFinite else { throw ValidationError("--dsl-scale must be a positive number (got \(dslScale)).") }
    }

    /// Refuses unwritable --json / --per-query targets before the evaluation runs.
    func precheckFiles() throws {
        try OutputFile.precheck(json, option: "--json")
        try OutputFile.precheck(perQuery, option: "--per-query")
    }

    /// Prints the table (or the JSON on stdout) and writes the files asked for.
    func emit(_ report: EvalReport, perQueryLines: () throws -> [String]) throws {
        if json == "-" {
            out(String(decoding: try report.jsonData(), as: UTF8.self))
        } else {
            out(report.table)
            if let json {
                try OutputFile.write(report.jsonData(), to: json, option: "--json")
                note("wrote \(json)")
            }
        }
        if let perQuery {
            let lines = try perQueryLines()
            try OutputFile.write(lines.joined(separator: "\n") + (lines.isEmpty ? "" : "\n"), to: perQuery, option: "--per-query")
            note("wrote \(lines.count) per-query lines to \(perQuery)")
        }
    }
}

/// The common body of `eval msrvtt` and `eval didemo`.
func runVideoEval(command: String, dataset: EvalDataset, videoOptions: EvalVideoOptions, output: EvalOutputOptions,
                  modelOptions: ModelOptions, runtime: RuntimeOptions, firstSeconds: Double?, splitList: String?,
                  plot: String?) throws {
    try output.precheckFiles()
    try OutputFile.precheck(plot, option: "--plot")
    runtime.apply(.throughput)
    var options = EvalRunner.Options()
    options.cacheRoot = videoOptions.noCache ? nil : URL(fileURLWithPath: videoOptions.cacheDir).standardizedFileURL
    options.dsl = output.dsl
    options.dslScale = output.dslScale
    options.maxVideos = videoOptions.limit
    options.command = command
    let runner = try EvalRunner(modelURL: try modelOptions.resolved(), dataset: dataset, videos: URL(fileURLWithPath: videoOptions.videos),
                                options: options)
    let samplings = try runner.samplings(budgets: videoOptions.tokens.values, rule: videoOptions.sampling, frames: videoOptions.frames,
                                         size: videoOptions.size, firstSeconds: firstSeconds)
    if !runner.missing.isEmpty {
        warn("\(runner.missing.count) of \(dataset.videos.count) annotated videos have no file under \(videoOptions.videos): "
             + runner.missing.prefix(10).joined(separator: ", ") + (runner.missing.count > 10 ? ", … (all are listed in the JSON report)" : ""))
    }
    note("\(command): \(runner.evaluated.texts.count) texts, \(runner.evaluated.videos.count) videos; "
         + samplings.map { "\($0.budget) tokens = \($0.frames) × \($0.size) px" }.joined(separator: ", "))

    let bar = ProgressLine()
    let outcome = try runner.run(samplings: samplings, annotations: URL(fileURLWithPath: videoOptions.annotations).standardizedFileURL.path,
                                 splitList: splitList.map { URL(fileURLWithPath: $0).standardizedFileURL.path }) { p in
        if p.stage == .texts {
            if p.done == p.total { note("encoded \(p.total) texts in \(String(format: "%.1f", p.elapsed)) s") }
            return
        }
        let rate = p.elapsed > 0 ? Double(p.encoded) / p.elapsed : 0
        let eta: Double? = p.encoded > 0 ? p.elapsed / Double(p.encoded) * Double(p.total - p.done) : nil
        bar.update(done: p.done, total: p.total, unitsPerSecond: rate, unit: "videos", eta: eta, label: p.label)
    }
    bar.finish()
    for run in outcome.report.runs where !run.failedVideos.isEmpty {
        warn("\(run.failedVideos.count) video(s) could not be decoded or encoded at \(run.sampling?.budget ?? 0) tokens and were left out: "
             + run.failedVideos.prefix(5).map { "\($0.video): \($0.reason)" }.joined(separator: "; "))
    }
    try output.emit(outcome.report) {
        try outcome.runs.flatMap { try PerQueryWriter.lines(dataset: $0.dataset, scoring: $0.scoring, budget: $0.run.sampling?.budget) }
    }
    if let plot {
        if outcome.report.runs.count < 2 {
            warn("--plot draws R@1 against the token budget and needs several budgets (e.g. --tokens 512,1024,2048); not written")
        } else {
            try OutputFile.write(BudgetPlot.svg(report: outcome.report), to: plot, option: "--plot")
            note("wrote \(plot)")
        }
    }
}

extension EvalCommand {
    struct MSRVTT: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "msrvtt",
            abstract: "MSRVTT 1k-A: 1000 videos, one caption each (JSFusion split).",
            discussion: """
            --annotations takes CLIP4Clip's MSRVTT_JSFUSION_test.csv (key,vid_key,video_id,sentence) \
            or the VINDLU JSON list ([{"video": "video9770.mp4", "caption": "…" or [...]}]); a \
            caption list gives several ground-truth captions for the video.

            Examples:
              fluxsearch eval msrvtt --annotations MSRVTT_JSFUSION_test.csv --videos MSRVTT/videos/all
              fluxsearch eval msrvtt --annotations msrvtt_test1k.json --videos videos --tokens 512,1024,2048 --plot r1.svg
              fluxsearch eval msrvtt --annotations a.csv --videos v --sampling token-optimized --dsl-scale 100 --json report.json
            """)

        @OptionGroup var videoOptions: EvalVideoOptions
        @OptionGroup var output: EvalOutputOptions
        @OptionGroup var modelOptions: ModelOptions
        @OptionGroup var runtime: RuntimeOptions

        @Option(help: ArgumentHelp("Draw R@1 against the token budget (when several budgets are evaluated) to this SVG file.", valueName: "out.svg"))
        var plot: String?

        func run() throws {
            let dataset = try MSRVTTAnnotations.load(URL(fileURLWithPath: videoOptions.annotations))
            try runVideoEval(command: "eval msrvtt", dataset: dataset, videoOptions: videoOptions, output: output,
                             modelOptions: modelOptions, runtime: runtime, firstSeconds: nil, splitList: nil, plot: plot)
        }
    }

    struct DiDeMo: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "didemo",
            abstract: "DiDeMo paragraph-to-video retrieval (first 30 s of each video).",
            discussion: """
            --annotations takes LocalizingMoments test_data.json (filtered by --split-list, e.g. \
            the 1004-video test_list.txt) or the VINDLU JSON list. Each video's sentences are \
            joined with a space in annotation order into one paragraph, which goes through \
            pre_text. Frames come from the first 30 s. Video names are matched by stem across \
            extensions (.mov, .avi, .mp4, .m4v, .mpg, .wmv, .3gp, …, and a bare trailing dot).

            Examples:
              fluxsearch eval didemo --annotations test_data.json --split-list test_list.txt --videos DiDeMo/videos
              fluxsearch eval didemo --annotations didemo_ret_test.json --videos videos --tokens 1024 --sampling token-optimized
            """)

        @OptionGroup var videoOptions: EvalVideoOptions
        @OptionGroup var output: EvalOutputOptions
        @OptionGroup var modelOptions: ModelOptions
        @OptionGroup var runtime: RuntimeOptions

        @Option(help: ArgumentHelp("Only these videos: a file with one video name per line (e.g. collaborative-experts test_list.txt).", valueName: "file"),
                completion: .file())
        var splitList: String?

        @Option(help: ArgumentHelp("Draw R@1 against the token budget (when several budgets are evaluated) to this SVG file.", valueName: "out.svg"))
        var plot: String?

        func run() throws {
            let dataset = try DiDeMoAnnotations.load(URL(fileURLWithPath: videoOptions.annotations),
                                                     splitList: splitList.map { URL(fileURLWithPath: $0) })
            note("didemo: \(dataset.videos.count) paragraphs from \(dataset.sentenceCount) sentences")
            try runVideoEval(command: "eval didemo", dataset: dataset, videoOptions: videoOptions, output: output,
                             modelOptions: modelOptions, runtime: runtime, firstSeconds: 30, splitList: splitList, plot: plot)
        }
    }

    struct Scores: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "scores",
            abstract: "Score a precomputed similarity matrix (.npy, rows = videos) with this evaluator's metrics.",
            discussion: """
            Compares systems on identical scores: the matrix S[v, t] is ranked exactly as \
            `eval msrvtt|didemo` ranks its own (raw and dual softmax, same tie rule). The ground \
            truth is the diagonal (text i describes video i) unless --annotations (videos in \
            order of first appearance, texts in file order; with --dataset didemo one paragraph \
            per video) or --gt (one video index per text: whitespace-separated integers or an \
            int64 .npy) says otherwise. float16/32/64 matrices are read as stored.

            Examples:
              fluxsearch eval scores --sim sim.npy
              fluxsearch eval scores --sim sim.npy --annotations MSRVTT_JSFUSION_test.csv --json report.json
              fluxsearch eval scores --sim sim_t2v.npy --rows texts --dsl-scale 100
            """)

        @Option(help: ArgumentHelp("Similarity matrix (.npy, 2-D).", valueName: "file"), completion: .file())
        var sim: String

        @Option(help: "Whether the matrix rows are videos (default) or texts.")
        var rows: MatrixScoring.Rows = .videos

        @Option(help: ArgumentHelp("Annotation file giving the ground-truth pairs.", valueName: "file"), completion: .file())
        var annotations: String?

        @Option(help: "How --annotations is read: msrvtt (every caption is a text) or didemo (one paragraph per video).")
        var dataset: AnnotationKind = .msrvtt

        @Option(help: ArgumentHelp("With --dataset didemo: only the videos named in this file.", valueName: "file"), completion: .file())
        var splitList: String?

        @Option(help: ArgumentHelp("Ground truth as one video index per text (0-based; text file or int64 .npy).", valueName: "file"),
                completion: .file())
        var gt: String?

        @OptionGroup var output: EvalOutputOptions

        func validate() throws {
            if annotations != nil && gt != nil { throw ValidationError("Give the ground truth once: --annotations or --gt, not both.") }
            if splitList != nil && annotations == nil { throw ValidationError("--split-list filters --annotations; pass that too.") }
            if splitList != nil && dataset != .didemo { throw ValidationError("--split-list applies to --dataset didemo only.") }
        }

        func run() throws {
            try output.precheckFiles()
            let truth: MatrixScoring.Truth
            if let annotations {
                truth = .annotations(URL(fileURLWithPath: annotations), kind: dataset, splitList: splitList.map { URL(fileURLWithPath: $0) })
            } else {
                truth = gt.map { .indices(URL(fileURLWithPath: $0)) } ?? .diagonal
            }
            let scored = try MatrixScoring(sim: URL(fileURLWithPath: sim), rows: rows, truth: truth)
                .run(dsl: output.dsl, dslScale: output.dslScale)
            try output.emit(scored.report) { try PerQueryWriter.lines(dataset: scored.dataset, scoring: scored.scoring, budget: nil) }
        }
    }
}
