import ArgumentParser
import Foundation

/// Which index a command works on.
struct IndexOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Index name: the folder Indexes/NAME under the current directory.", valueName: "name"))
    var index: String = "default"

    @Option(help: ArgumentHelp("Index folder, instead of Indexes/NAME.", valueName: "dir"), completion: .directory)
    var indexDir: String?

    func validate() throws {
        if indexDir == nil, index.isEmpty || index.contains("/") {
            throw ValidationError("--index takes a plain name such as 'holiday'; use --index-dir for a path.")
        }
    }

    /// The index folder.
    var url: URL {
        if let indexDir { return URL(fileURLWithPath: indexDir).standardizedFileURL }
        return URL(fileURLWithPath: "Indexes").appendingPathComponent(index).standardizedFileURL
    }
}

/// Which model a command encodes with.
struct ModelOptions: ParsableArguments {
    static let environmentVariable = "FLUXSEARCH_MODEL"
    static let defaultPath = "Corpus/models/demo"

    @Option(help: ArgumentHelp("Model directory (config.json + model.safetensors). Default: $FLUXSEARCH_MODEL, else Corpus/models/demo.", valueName: "dir"),
            completion: .directory)
    var model: String?

    var url: URL {
        let path = model ?? ProcessInfo.processInfo.environment[Self.environmentVariable] ?? Self.defaultPath
        return URL(fileURLWithPath: path).standardizedFileURL
    }

    func validate() throws {
        let usesDefault = model == nil && ProcessInfo.processInfo.environment[Self.environmentVariable] == nil
        if usesDefault && !FileManager.default.fileExists(atPath: url.appendingPathComponent("config.json").path) {
            throw ValidationError("No model given and no default model at \(Self.defaultPath) (run from the repository root, or pass --model DIR / set \(Self.environmentVariable)). Convert official weights with Tools/convert_checkpoint.py; `fluxsearch dev random-model --output DIR` writes a random one for smoke tests.")
        }
    }
}
