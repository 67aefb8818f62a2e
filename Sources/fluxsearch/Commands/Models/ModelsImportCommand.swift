import ArgumentParser
import Foundation
import FluxModels
import FluxModelHub

extension ModelsCommand {
    /// `fluxsearch models import FILE…`: official checkpoints → an installed model, no Python.
    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "import",
            abstract: "Convert official checkpoint files you already have into an installed model.",
            discussion: """
            Reads PyTorch checkpoints (.pth, .pt, .bin, as torch.save writes them) and .safetensors \
            files without Python. The pickle inside a PyTorch file is read by a restricted reader \
            that only accepts what a state dict needs and never runs code from the file.

            Give the files in any order: a MobileCLIP file (mobileclip_blt.pt) becomes the text \
            tower, an InternVideo2-CLIP container the main model, and a bare backbone beside it \
            (S14_dist_1B_stage2) fills what the container lacks. --text and --vision-base name \
            them explicitly.

            Examples:
              fluxsearch models import clip/S14/pytorch_model.bin S14_dist_1B_stage2.bin mobileclip_blt.pt --name iv2-clip-s14
              fluxsearch models import fluxvit_s14_k400.pth --name fluxvit-s14 --size s
            """)

        @Argument(help: ArgumentHelp("Checkpoint files (.pth, .pt, .bin, .safetensors).", valueName: "file"),
                  completion: .file())
        var files: [String]

        @Option(help: ArgumentHelp("Name of the installed model (default: the first file's name without extension).", valueName: "name"))
        var name: String?

        @Option(help: ArgumentHelp("Write the model directory here instead of the models folder.", valueName: "dir"),
                completion: .directory)
        var output: String?

        @Option(help: ArgumentHelp("MobileCLIP checkpoint whose text tower is merged in.", valueName: "file"), completion: .file())
        var text: String?

        @Option(help: ArgumentHelp("Vision backbone that fills vision tensors the main checkpoint lacks.", valueName: "file"), completion: .file())
        var visionBase: String?

        @Option(help: "What the main file holds: auto, fluxvit, internvideo2, clip or mobileclip (default: detected).")
        var kind: String = "auto"

        @Option(help: "Official size, s or b: sets the heads (6 / 12) and the registered position grid (default: from the width, 384 → s, 768 → b).")
        var size: String?

        @Option(help: ArgumentHelp("Attention heads of the vision blocks (default: from --size, else width / 64).", valueName: "n"))
        var numHeads: Int?

        @Option(help: ArgumentHelp("Attention-pooling heads of the projectors.", valueName: "n"))
        var projectorHeads = 16

        @Option(help: ArgumentHelp("Token budget of each projector, comma-separated (default: FluxViT 3072,2048,1024; InternVideo2 T0·H0²).", valueName: "list"))
        var projectorBudgets: String?

        @Option(help: ArgumentHelp("T0: frames of the registered position grid.", valueName: "frames"))
        var posFrames: Int?

        @Option(help: ArgumentHelp("H0: patches per side of the registered position grid.", valueName: "patches"))
        var posGrid: Int?

        @Option(help: ArgumentHelp("Frames of the checkpoint's own pos_embed grid when it differs from the registered one (the official eval scripts use 24 for S, 32 for B).", valueName: "frames"))
        var origTSize: Int?

        @Option(help: ArgumentHelp("Text attention heads (default: width / 64, 8 for MobileCLIP-B).", valueName: "n"))
        var textHeads: Int?

        @Flag(help: "Text tower without the causal mask (MobileCLIP-S1/S2; MobileCLIP-B is causal).")
        var textNonCausal = false

        @Option(help: "Stored element type: f32, f16 or bf16.")
        var dtype: String = "f32"

        @Flag(help: "Drop tensors that belong to no known part instead of failing.")
        var dropUnknown = false

        @Flag(help: "Replace an installed model of the same name.")
        var replace = false

        @OptionGroup var outputOptions: OutputOptions

        func validate() throws {
            guard CheckpointImportOptions.Kind(rawValue: kind) != nil else {
                throw ValidationError("--kind takes auto, fluxvit, internvideo2, clip or mobileclip (got '\(kind)').")
            }
            if let size, CheckpointImportOptions.Size(rawValue: size) == nil {
                throw ValidationError("--size takes s or b (got '\(size)').")
            }
            guard CheckpointImportOptions.StoredType(rawValue: dtype) != nil else {
                throw ValidationError("--dtype takes f32, f16 or bf16 (got '\(dtype)').")
            }
            for (flag, value) in [("--num-heads", numHeads), ("--pos-frames", posFrames), ("--pos-grid", posGrid),
                                  ("--orig-t-size", origTSize), ("--text-heads", textHeads), ("--projector-heads", Optional(projectorHeads))] {
                if let value, value < 1 || value > 100_000 {
                    throw ValidationError("\(flag) must be between 1 and 100000 (got \(value)).")
                }
            }
            if let projectorBudgets, parsedBudgets(projectorBudgets) == nil {
                throw ValidationError("--projector-budgets takes positive token counts separated by commas, such as 3072,2048,1024 (got '\(projectorBudgets)').")
            }
            if files.count > 3 {
                throw ValidationError("give at most three files: a vision checkpoint, its backbone and a MobileCLIP text file (got \(files.count)).")
            }
            if let name, let problem = ModelName.problem(with: name) {
                throw ValidationError("--name '\(name)' cannot name a model: \(problem).")
            }
        }

        private func parsedBudgets(_ s: String) -> [Int]? {
            let parts = s.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard !parts.isEmpty, parts.allSatisfy({ ($0 ?? 0) > 0 }) else { return nil }
            return parts.compactMap { $0 }
        }

        func run() throws {
            let urls = files.map { URL(fileURLWithPath: $0).standardizedFileURL }
            let roles = try CheckpointImporter.assignRoles(urls)
            var o = CheckpointImportOptions()
            o.kind = CheckpointImportOptions.Kind(rawValue: kind) ?? .auto
            o.text = text.map { URL(fileURLWithPath: $0).standardizedFileURL } ?? roles.text
            o.visionBase = visionBase.map { URL(fileURLWithPath: $0).standardizedFileURL } ?? roles.visionBase
            o.size = size.flatMap(CheckpointImportOptions.Size.init(rawValue:))
            o.numHeads = numHeads
            o.projectorHeads = projectorHeads
            o.projectorBudgets = projectorBudgets.flatMap(parsedBudgets)
            o.posFrames = posFrames
            o.posGrid = posGrid
            o.origTSize = origTSize
            o.textHeads = textHeads
            o.textNonCausal = textNonCausal
            o.dtype = CheckpointImportOptions.StoredType(rawValue: dtype) ?? .f32
            o.dropUnknown = dropUnknown
            let modelName = name ?? roles.main.deletingPathExtension().lastPathComponent
            o.name = modelName
            let report = try ModelInstaller.importFiles(main: roles.main, options: o, name: modelName,
                                                        library: ModelLibrary(),
                                                        output: output.map { URL(fileURLWithPath: $0) }, replace: replace,
                                                        log: { note($0) })
            try printImport(report, name: modelName)
        }

        private func printImport(_ r: CheckpointImportReport, name: String) throws {
            if outputOptions.json {
                try printJSON(ImportedModelJSON(r, name: name))
                return
            }
            out("imported \(name) → \(r.directory.path)")
            out("  " + ModelSummary.describe(r.configuration))
            if r.visionAlign == "identity" {
                out("  no text tower and no vision_align: video-to-video search only (fluxsearch query --video FILE)")
            }
        }
    }
}
