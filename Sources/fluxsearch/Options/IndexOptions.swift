import ArgumentParser
import Foundation
import FluxIndex

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

    @Option(help: ArgumentHelp("Model directory (config.json + model.safetensors). Default: $FLUXSEARCH_MODEL, else the model the index was built with, else Corpus/models/demo.", valueName: "dir"),
            completion: .directory)
    var model: String?

    /// --model, else $FLUXSEARCH_MODEL; nil when neither is given.
    var explicitURL: URL? {
        (model ?? ProcessInfo.processInfo.environment[Self.environmentVariable]).map { URL(fileURLWithPath: $0).standardizedFileURL }
    }

    /// The model for a command without an index: --model, $FLUXSEARCH_MODEL, else the default.
    /// - Throws: a ``CommandFailure`` when none is given and there is no default model.
    func resolved() throws -> URL {
        if let explicitURL { return explicitURL }
        guard Self.hasModel(Self.defaultURL) else { throw CommandFailure(Self.noModelMessage) }
        return Self.defaultURL
    }

    /// The model for a command on the index at `index`: --model, $FLUXSEARCH_MODEL, else the
    /// model the index records (when it is still there), else the default.
    /// - Throws: a ``CommandFailure`` when none of them is a model directory.
    func url(forIndex index: URL) throws -> URL {
        if let explicitURL { return explicitURL }
        if let recorded = Indexer.recordedModel(index: index) { return recorded }
        guard Self.hasModel(Self.defaultURL) else { throw CommandFailure(Self.noModelMessage) }
        return Self.defaultURL
    }

    static let noModelMessage = "No model given and no default model at \(defaultPath) (here or in the checkout of this executable; pass --model DIR / set \(environmentVariable)). Convert official weights with Tools/convert_checkpoint.py; `fluxsearch dev random-model --output DIR` writes a random one for smoke tests."

    /// Corpus/models/demo under the current directory, else under the checkout the executable
    /// sits in (found by walking up from it), so the default works from any directory.
    static var defaultURL: URL {
        let local = URL(fileURLWithPath: defaultPath).standardizedFileURL
        if hasModel(local) { return local }
        var dir = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
        while dir.pathComponents.count > 1 {
            let candidate = dir.appendingPathComponent(defaultPath)
            if hasModel(candidate) { return candidate }
            dir = dir.deletingLastPathComponent()
        }
        return local
    }

    private static func hasModel(_ url: URL) -> Bool {
        FileManager.default.fileExists(atPath: url.appendingPathComponent("config.json").path)
    }

}
