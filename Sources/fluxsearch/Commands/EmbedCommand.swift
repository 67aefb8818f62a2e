import ArgumentParser
import Foundation
import FluxCore
import FluxIngest
import FluxModels

/// `fluxsearch embed`: one embedding from a preprocessed tensor (or, later, a video) or a text.
struct EmbedCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "embed",
        abstract: "Print the joint-space embedding of a clip tensor or a text.",
        discussion: """
        --tensor takes a preprocessed float32 .npy of shape [B, 3, T, H, W] (RGB, mean/std \
        normalised, H = W a multiple of 14) and prints one L2-normalised embedding per clip. \
        Researchers use it to compare implementations on identical inputs.

        --text encodes a sentence with the model's text tower (after the InternVideo2 \
        caption normalisation `pre_text`; --raw-text skips it) and prints its unit vector.

        --video samples a file by the budget's flexi-sampling row (without --tokens: 8 frames at \
        224 px, all tokens), as indexing does.

        Examples:
          fluxsearch embed --video clip.mp4 --tokens 1024
          fluxsearch embed --tensor clip.npy --tokens 1024 --json
          fluxsearch embed --text "a red ball bounces" --json
          fluxsearch embed --model DIR --tensor clip.npy --tokens 1024 --debug-selection
        """)

    @OptionGroup var runtime: RuntimeOptions
    @OptionGroup var output: OutputOptions

    @OptionGroup var model: ModelOptions

    @Option(help: ArgumentHelp("Preprocessed clips: float32 .npy [B, 3, T, H, W].", valueName: "file.npy"),
            completion: .file(extensions: ["npy"]))
    var tensor: String?

    @Option(help: ArgumentHelp("A video file: sampled for the budget (flexi-sampling table), preprocessed, encoded.", valueName: "file"),
            completion: .file())
    var video: String?

    @Option(help: ArgumentHelp("With --video: frames per clip, overriding the sampling table.", valueName: "t"))
    var frames: Int?

    @Option(help: ArgumentHelp("With --video: frame side in pixels (multiple of 14), overriding the sampling table.", valueName: "px"))
    var size: Int?

    @Option(help: ArgumentHelp("A sentence to encode with the text tower.", valueName: "text"))
    var text: String?

    @Flag(help: "With --text: skip the pre_text caption normalisation (lowercasing, punctuation removal).")
    var rawText = false

    @Option(help: ArgumentHelp("Token budget per clip; more patches than this triggers group-dynamic selection (default: keep all).", valueName: "n"))
    var tokens: Int?

    @Option(help: ArgumentHelp("Projector index (default: the one trained nearest the token count).", valueName: "j"))
    var projector: Int?

    @Flag(help: "Also print the kept token indices (t·L + p) of each clip.")
    var debugSelection = false

    func validate() throws {
        guard [tensor != nil, text != nil, video != nil].filter({ $0 }).count == 1 else {
            throw ValidationError("Give exactly one input: --video FILE, --tensor FILE.npy or --text \"…\".")
        }
        if let text, text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            throw ValidationError("--text is empty; type a sentence such as --text \"a dog runs on a beach\".")
        }
        if let tokens, tokens < 1 { throw ValidationError("--tokens must be at least 1 (got \(tokens)).") }
    }

    struct ClipResult: Encodable {
        let embedding: [Float]?
        let feature: [Float]
        let kept: [Int]?
    }

    struct Report: Encodable {
        let model: String
        let modelHash: String
        let input: String
        let shape: [Int]
        let budget: Int?
        let projector: Int
        let tokensPerClip: Int
        let clips: [ClipResult]
    }

    struct TextReport: Encodable {
        let model: String
        let modelHash: String
        let text: String
        let tokens: [Int32]
        let embedding: [Float]
    }

    func run() throws {
        if let text { return try embedText(text) }
        runtime.apply()
        let directory = try ModelDirectory(model.url)
        let tower = try directory.visionTower()
        let input: Tensor, path: String
        if let video {
            // The budget's sampling row (frames × size); without --tokens, the unmasked 8 × 224.
            let table = try FlexiSamplingTable.load(modelDirectory: directory.url) ?? .tokenOptimized
            let plan = try table.plan(budget: tokens ?? 2048, frames: frames ?? (tokens == nil ? 8 : nil), size: size)
            input = try VideoClipLoader.load(URL(fileURLWithPath: video), sampling: .middle(frames: plan.frames), size: plan.size).tensor
            path = video
        } else if let tensor {
            let array = try NPY.read(URL(fileURLWithPath: tensor))
            guard case .float32 = array else { throw ValidationError("\(tensor): expected a float32 array, got int64") }
            input = array.tensor
            path = tensor
        } else { return }
        let shape = input.shape
        let out = try tower.encode(input, budget: tokens, projector: projector)
        let b = shape[0]
        let clips = (0..<b).map { i -> ClipResult in
            let f = out.features.slice(i..<(i + 1)).scalars
            let e = out.embeddings?.slice(i..<(i + 1)).scalars
            return ClipResult(embedding: e, feature: f, kept: debugSelection ? out.kept?[i] : nil)
        }
        if output.json {
            try printJSON(Report(model: directory.configuration.name, modelHash: try directory.weightHash(), input: path, shape: shape, budget: tokens,
                                 projector: out.projector, tokensPerClip: out.tokensPerClip, clips: clips))
            return
        }
        print("model \(directory.configuration.name), input \(shape), budget \(tokens.map(String.init) ?? "all"), projector \(out.projector), \(out.tokensPerClip) tokens per clip")
        for (i, c) in clips.enumerated() {
            let v = c.embedding ?? c.feature
            let head = v.prefix(8).map { String(format: "%+.4f", $0) }.joined(separator: " ")
            print("clip \(i): [\(head)\(v.count > 8 ? " …" : "")] (\(v.count) dims\(c.embedding == nil ? ", projector feature" : ""))")
            if let kept = c.kept { print("  kept \(kept.count): \(kept.map(String.init).joined(separator: " "))") }
        }
    }

    private func embedText(_ text: String) throws {
        runtime.apply(.latency)
        let directory = try ModelDirectory(model.url)
        let encoder = TextEncoder(tokenizer: try BPETokenizer(), tower: try directory.textTower(),
                                  normalization: rawText ? .none : .preText)
        let tokens = encoder.tokens(for: text)
        let v = try encoder.encode(text)
        if output.json {
            try printJSON(TextReport(model: directory.configuration.name, modelHash: try directory.weightHash(), text: text, tokens: tokens, embedding: v))
            return
        }
        let head = v.prefix(8).map { String(format: "%+.4f", $0) }.joined(separator: " ")
        print("model \(directory.configuration.name), \(tokens.count) tokens")
        print("[\(head)\(v.count > 8 ? " …" : "")] (\(v.count) dims, unit length)")
    }
}
