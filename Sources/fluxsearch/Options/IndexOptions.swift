import ArgumentParser
import Foundation
import FluxIndex
import FluxModelHub

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

    @Option(help: ArgumentHelp("An installed model's name (see `fluxsearch models list`) or a model directory. Default: $FLUXSEARCH_MODEL, else the model the index was built with, else the default installed model (`models default`), else the demo model Corpus/models/demo.", valueName: "name|dir"),
            completion: .directory)
    var model: String?

    /// --model, else $FLUXSEARCH_MODEL, resolved as a name in the models folder or a path;
    /// nil when neither is given.
    /// - Throws: the library's error for an unknown name or a missing folder (it lists the
    ///   installed models and says how to get one).
    func explicitURL() throws -> URL? {
        guard let value = model ?? ProcessInfo.processInfo.environment[Self.environmentVariable], !value.isEmpty else { return nil }
        return try ModelLibrary().resolve(value)
    }

    /// The model for a command without an index: --model, $FLUXSEARCH_MODEL, the default
    /// installed model, else the demo model.
    /// - Throws: when a given name is unknown, or there is no model at all.
    func resolved() throws -> URL {
        if let explicit = try explicitURL() { return explicit }
        return try Self.fallbackURL()
    }

    /// The model for a command on the index at `index`: --model, $FLUXSEARCH_MODEL, else the
    /// model the index records (when it is still there), else the default installed model,
    /// else the demo model.
    func url(forIndex index: URL) throws -> URL {
        if let explicit = try explicitURL() { return explicit }
        if let recorded = Indexer.recordedModel(index: index) { return recorded }
        return try Self.fallbackURL()
    }

    /// The default installed model (`models default`), else the demo model.
    static func fallbackURL() throws -> URL {
        let library = ModelLibrary()
        if let name = library.defaultModelName, let url = try? library.resolve(name) { return url }
        guard Self.hasModel(Self.defaultURL) else { throw CommandFailure(Self.noModelMessage) }
        return Self.defaultURL
    }

    static let noModelMessage = "No model given, no default installed model, and no demo model at \(defaultPath) (here or in the checkout of this executable). Install one with `fluxsearch models pull iv2-clip-s14` or `fluxsearch models import FILE...`, or pass --model NAME|DIR; `fluxsearch dev random-model --output DIR` writes a random one for smoke tests."

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
