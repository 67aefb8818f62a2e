import ArgumentParser
import Foundation
import FluxCore
import FluxModels
import FluxQuery

/// `fluxsearch embed`: one embedding from a video, a preprocessed tensor or a text.
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
        runtime.apply(text == nil ? .throughput : .latency)
        let embeddings = try ModelEmbeddings(modelURL: try model.resolved())
        let (name, hash) = try embeddings.identity()
        if let text {
            let (tokens, v) = try embeddings.text(text, normalization: rawText ? .none : .preText)
            if output.json {
                return try printJSON(TextReport(model: name, modelHash: hash, text: text, tokens: tokens, embedding: v))
            }
            out("model \(name), \(tokens.count) tokens")
            out("[\(head(v))] (\(v.count) dims, unit length)")
            return
        }
        let shape: [Int], encoded: VisionTower.Output, path: String
        if let video {
            let plan = try embeddings.plan(budget: tokens, frames: frames, size: size)
            (shape, encoded) = try embeddings.video(URL(fileURLWithPath: video), plan: plan, projector: projector)
            path = video
        } else if let tensor {
            let array = try NPY.read(URL(fileURLWithPath: tensor))
            guard case .float32 = array else {
                throw CommandFailure("\(tensor): expected a float32 array, got int64; save the clips as float32")
            }
            let input = array.tensor
            (shape, encoded) = (input.shape, try embeddings.clips(input, budget: tokens, projector: projector))
            path = tensor
        } else { return }
        let clips = (0..<shape[0]).map { i -> ClipResult in
            let f = encoded.features.slice(i..<(i + 1)).scalars
            let e = encoded.embeddings?.slice(i..<(i + 1)).scalars
            return ClipResult(embedding: e, feature: f, kept: debugSelection ? encoded.kept?[i] : nil)
        }
        if output.json {
            return try printJSON(Report(model: name, modelHash: hash, input: path, shape: shape, budget: tokens,
                                        projector: encoded.projector, tokensPerClip: encoded.tokensPerClip, clips: clips))
        }
        out("model \(name), input \(shape), budget \(tokens.map(String.init) ?? "all"), projector \(encoded.projector), \(encoded.tokensPerClip) tokens per clip")
        for (i, c) in clips.enumerated() {
            let v = c.embedding ?? c.feature
            out("clip \(i): [\(head(v))] (\(v.count) dims\(c.embedding == nil ? ", projector feature" : ""))")
            if let kept = c.kept { out("  kept \(kept.count): \(kept.map(String.init).joined(separator: " "))") }
        }
    }

    /// The first 8 values, signed, 4 decimals.
    private func head(_ v: [Float]) -> String {
        v.prefix(8).map { String(format: "%+.4f", $0) }.joined(separator: " ") + (v.count > 8 ? " …" : "")
    }
}
