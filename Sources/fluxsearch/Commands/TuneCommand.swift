import ArgumentParser
import Foundation
import FluxEval
import FluxModels

/// `fluxsearch tune --budget N --annotations FILE --videos DIR`: Token Optimization search.
struct TuneCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tune",
        abstract: "Find the frames × size pool that retrieves best at a token budget, and write it into the model's sampling table.",
        discussion: """
        FluxViT's linear Token Optimization search on a labelled subset (the first --subset \
        videos found): start at 4 frames × 224 px; add 2 frames while text→video R@1 (dual \
        softmax) strictly improves; then step the size down (196, 168, 140, 112) with more \
        frames for about the same pool while it still improves. Every step is printed. The \
        chosen (frames, size) becomes the budget's row of <model>/sampling.json, which \
        `index`, `query --refine-tokens`, `embed --video` and `eval --sampling \
        token-optimized` then use.

        Video embeddings of every candidate are cached in eval indexes under --cache-dir, so \
        a repeated search encodes nothing.

        Examples:
          fluxsearch tune --budget 1024 --annotations MSRVTT_JSFUSION_test.csv --videos MSRVTT/videos/all
          fluxsearch tune --budget 512 --annotations test_data.json --dataset didemo --split-list test_list.txt --videos DiDeMo --subset 300
        """)

    @Option(help: ArgumentHelp("Token budget to tune.", valueName: "n"))
    var budget: Int

    @Option(help: ArgumentHelp("Annotation file (as `eval msrvtt` or `eval didemo` reads it).", valueName: "file"), completion: .file())
    var annotations: String

    @Option(help: ArgumentHelp("Folder holding the video files.", valueName: "dir"), completion: .directory)
    var videos: String

    @Option(help: "How --annotations is read: msrvtt (captions) or didemo (paragraphs, first 30 s of video).")
    var dataset: AnnotationKind = .msrvtt

    @Option(help: ArgumentHelp("With --dataset didemo: only the videos named in this file.", valueName: "file"), completion: .file())
    var splitList: String?

    @Option(help: ArgumentHelp("Labelled videos to tune on: the first K found, in annotation order.", valueName: "k"))
    var subset = 200

    @Option(help: ArgumentHelp("Candidate frame sides in pixels, comma-separated (multiples of 14; the largest is the start).", valueName: "px,..."))
    var sizes = "224,196,168,140,112"

    @Option(help: ArgumentHelp("Frames to start from.", valueName: "t"))
    var startFrames = 4

    @Option(help: ArgumentHelp("Never sample more frames than this.", valueName: "t"))
    var maxFrames = 32

    @Option(help: ArgumentHelp("Dual-softmax scale of the R@1 the search follows.", valueName: "s"))
    var dslScale: Double = 1

    @Option(help: ArgumentHelp("Root of the eval indexes caching video embeddings.", valueName: "dir"), completion: .directory)
    var cacheDir: String = "Indexes/eval"

    @Flag(help: "Print the result without writing sampling.json.")
    var dryRun = false

    @Option(help: ArgumentHelp("Also write the steps and the choice as JSON to this file ('-' prints it instead).", valueName: "out"))
    var json: String?

    @OptionGroup var modelOptions: ModelOptions
    @OptionGroup var runtime: RuntimeOptions

    var sizeList: [Int] { sizes.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) } }

    func validate() throws {
        if splitList != nil && dataset != .didemo { throw ValidationError("--split-list applies to --dataset didemo only.") }
        guard budget > 0 else { throw ValidationError("--budget must be a positive number of tokens.") }
        guard subset >= 1 else { throw ValidationError("--subset must be at least 1.") }
        let parts = sizes.split(separator: ",")
        guard !parts.isEmpty, sizeList.count == parts.count, sizeList.allSatisfy({ $0 > 0 && $0 % 14 == 0 }) else {
            throw ValidationError("--sizes takes multiples of 14 separated by commas, e.g. 224,196,168 (got '\(sizes)').")
        }
        guard startFrames >= 1, maxFrames >= startFrames else { throw ValidationError("--start-frames must be ≥ 1 and ≤ --max-frames.") }
        guard dslScale > 0, dslScale.isFinite else { throw ValidationError("--dsl-scale must be a positive number.") }
    }

    func run() throws {
        try OutputFile.precheck(json, option: "--json")
        runtime.apply(.throughput)
        let data = try dataset.load(URL(fileURLWithPath: annotations), splitList: splitList.map { URL(fileURLWithPath: $0) })
        var options = EvalRunner.Options()
        options.cacheRoot = URL(fileURLWithPath: cacheDir).standardizedFileURL
        options.maxVideos = subset
        options.dslScale = dslScale
        options.command = "tune"
        let runner = try EvalRunner(modelURL: try modelOptions.resolved(), dataset: data, videos: URL(fileURLWithPath: videos), options: options)
        guard !runner.evaluated.videos.isEmpty else {
            throw EvalError.nothingToEvaluate(reason: "none of the \(data.videos.count) annotated videos was found under \(videos)")
        }
        if !runner.missing.isEmpty { warn("\(runner.missing.count) annotated videos have no file under \(videos); tuning on the first \(runner.evaluated.videos.count) found") }

        var tunerOptions = TokenOptimizationTuner.Options(budget: budget)
        tunerOptions.sizes = sizeList
        tunerOptions.startFrames = startFrames
        tunerOptions.maxFrames = maxFrames
        tunerOptions.firstSeconds = dataset == .didemo ? 30 : nil
        let tuner = TokenOptimizationTuner(runner: runner, options: tunerOptions)
        let quiet = json == "-"
        if !quiet {
            out("fluxsearch tune — \(budget) tokens, model \(runner.modelInfo.name) \(runner.modelInfo.hash)")
            out("subset: \(runner.evaluated.videos.count) videos, \(runner.evaluated.texts.count) texts of \(URL(fileURLWithPath: annotations).lastPathComponent); metric: \(tuner.metric)")
            out(pad("step", 6) + pad("phase", 12) + pad("frames × size", 15) + lpad("pool", 6) + "  " + pad("selection", 10)
                  + lpad("R@1", 8) + lpad("raw R@1", 9) + "  " + pad("encoded", 9) + "result")
        }
        let result = try tuner.run { step in
            guard !quiet else { return }
            let verdict = step.phase == "start" ? "start" : (step.improved ? "better → keep going" : "no better → stop this phase")
            out(pad("\(step.index)", 6) + pad(step.phase, 12) + pad("\(step.frames) × \(step.size)", 15) + lpad("\(step.pool)", 6) + "  "
                  + pad(step.tokenSelection ? "keeps \(budget)" : "none", 10)
                  + lpad(String(format: "%.2f", step.r1), 8) + lpad(step.r1Raw.map { String(format: "%.2f", $0) } ?? "-", 9) + "  "
                  + pad("\(step.encoded)/\(step.encoded + step.reused)", 9) + verdict)
        }
        var written: String?
        if !dryRun {
            try tuner.write(result, modelDirectory: runner.model.url)
            written = FlexiSamplingTable.modelFileURL(modelDirectory: runner.model.url).path
        }
        if quiet {
            try printJSON(result)
        } else {
            out("chosen for \(budget) tokens: \(result.chosen.frames) frames × \(result.chosen.size) px (R@1 \(String(format: "%.2f", result.r1)))"
                  + (written.map { " → written to \($0)" } ?? " (dry run: sampling.json not written)"))
            if let json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
                try OutputFile.write(encoder.encode(result), to: json, option: "--json")
                note("wrote \(json)")
            }
        }
    }
}
