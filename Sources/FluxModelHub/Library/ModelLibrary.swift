import Foundation
import FluxModels

/// The models folder: `$FLUXSEARCH_CACHE/models`, else `~/.cache/fluxsearch/models`.
///
/// Layout:
/// - `NAME/` — an installed model (`config.json`, `model.safetensors`, `manifest.json`);
/// - `default` — a text file holding the default model's name;
/// - `.downloads/` — downloaded checkpoint files and their `.part` files (resumable);
/// - `.staging-NAME-…/` — a model being written by the importer (in `..staging-NAME-….importing-…/`
///   until its files are complete); renamed to `NAME/` when done.
///
/// Hidden folders are never listed, so a half-written model is never shown as installed.
public struct ModelLibrary: Sendable {
    /// The models folder itself (it may not exist yet).
    public let folder: URL

    /// The library in `folder`.
    public init(folder: URL) {
        self.folder = folder.standardizedFileURL
    }

    /// The library in the default models folder for `environment` (see ``defaultFolder(environment:)``).
    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.init(folder: Self.defaultFolder(environment: environment))
    }

    /// `$FLUXSEARCH_CACHE/models`, else `$HOME/.cache/fluxsearch/models` — the cache-folder
    /// rule of `BPETokenizer.defaultVocabularyURL`.
    public static func defaultFolder(environment: [String: String] = ProcessInfo.processInfo.environment) -> URL {
        // The vocabulary lives directly in the cache folder; take the folder from it so the
        // rule exists in one place.
        BPETokenizer.defaultVocabularyURL(environment: environment)
            .deletingLastPathComponent()
            .appendingPathComponent("models", isDirectory: true)
    }

    /// Where downloaded checkpoint files and their `.part` files live (`models/.downloads/`).
    /// Kept after a pull so an interrupted or repeated pull never fetches bytes twice.
    public var downloadsFolder: URL { folder.appendingPathComponent(".downloads", isDirectory: true) }

    private var defaultFile: URL { folder.appendingPathComponent(ModelName.defaultFileName) }

    /// The folder a model of this name has (or would have). Throws for an invalid name.
    public func url(forName name: String) throws -> URL {
        try ModelName.validate(name)
        return folder.appendingPathComponent(name, isDirectory: true)
    }

    /// Whether a model folder of this name exists (broken or not).
    public func contains(_ name: String) -> Bool {
        guard ModelName.problem(with: name) == nil else { return false }
        var isDir: ObjCBool = false
        return FileManager.default.fileExists(atPath: folder.appendingPathComponent(name).path, isDirectory: &isDir) && isDir.boolValue
    }

    // MARK: Listing

    /// The installed models, sorted by name. Hidden folders (staging, downloads) are skipped;
    /// a folder that cannot be opened as a model is listed as ``InstalledModel/State/broken(reason:)``.
    /// A missing models folder is an empty library.
    public func installed() throws -> [InstalledModel] {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isDir) else { return [] }
        guard isDir.boolValue else {
            throw ModelLibraryError.fileSystem(operation: "list the models folder", path: folder.path, reason: "it is a file, not a folder")
        }
        let names: [String]
        do { names = try FileManager.default.contentsOfDirectory(atPath: folder.path) } catch {
            throw ModelLibraryError.fileSystem(operation: "list the models folder", path: folder.path, reason: error.localizedDescription)
        }
        let defaultName = recordedDefaultName()
        return names.sorted().compactMap { name -> InstalledModel? in
            guard !name.hasPrefix(".") else { return nil }
            let url = folder.appendingPathComponent(name, isDirectory: true)
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDir), isDir.boolValue else { return nil }
            return InstalledModel(name: name, url: url, state: Self.state(of: url),
                                  sizeBytes: FileSystemOps.treeSize(url), isDefault: name == defaultName,
                                  sourceFiles: ManifestSourceFiles.read(modelFolder: url))
        }
    }

    /// Names of the installed models (broken ones included), sorted.
    public func installedNames() -> [String] {
        ((try? installed()) ?? []).map(\.name)
    }

    /// Whether `url` can be opened as a model, without reading the weights.
    static func state(of url: URL) -> InstalledModel.State {
        let configURL = url.appendingPathComponent(ModelDirectory.configName)
        guard FileManager.default.fileExists(atPath: configURL.path) else {
            return .broken(reason: "no \(ModelDirectory.configName)")
        }
        let configuration: ModelConfiguration
        do { configuration = try ModelConfiguration.load(from: configURL) } catch {
            return .broken(reason: "\(error)")
        }
        guard FileManager.default.fileExists(atPath: url.appendingPathComponent(ModelDirectory.weightsName).path) else {
            return .broken(reason: "no \(ModelDirectory.weightsName)")
        }
        return .ready(configuration)
    }

    // MARK: Default model

    /// The default model's name, or nil when none is recorded or the recorded model is gone.
    public var defaultModelName: String? {
        guard let name = recordedDefaultName(), contains(name) else { return nil }
        return name
    }

    private func recordedDefaultName() -> String? {
        guard let data = try? Data(contentsOf: defaultFile),
              let text = String(data: data, encoding: .utf8) else { return nil }
        let name = text.trimmingCharacters(in: .whitespacesAndNewlines)
        return ModelName.problem(with: name) == nil ? name : nil
    }

    /// Records `name` as the default model (written atomically: a temporary file renamed over
    /// `default`). The model must be installed.
    public func setDefault(_ name: String) throws {
        try ModelName.validate(name)
        guard contains(name) else { throw ModelLibraryError.notInstalled(name, installed: installedNames()) }
        do { try Data((name + "\n").utf8).write(to: defaultFile, options: .atomic) } catch {
            throw ModelLibraryError.fileSystem(operation: "write the default model file", path: defaultFile.path, reason: error.localizedDescription)
        }
    }

    /// Forgets the default model (no error when none is set).
    public func clearDefault() throws {
        try FileSystemOps.remove(defaultFile)
    }

    // MARK: Remove

    /// Deletes an installed model; clears the default when it was the default.
    ///
    /// The folder is first renamed to a hidden name, so an interrupted delete never leaves a
    /// partly deleted model listed as installed.
    public func remove(_ name: String) throws {
        let url = try url(forName: name)
        guard contains(name) else { throw ModelLibraryError.notInstalled(name, installed: installedNames()) }
        let wasDefault = recordedDefaultName() == name
        let trash = folder.appendingPathComponent(".removing-\(name)-\(UUID().uuidString)", isDirectory: true)
        try FileSystemOps.move(url, to: trash)
        if wasDefault { try clearDefault() }
        try FileSystemOps.remove(trash)
    }

    // MARK: Resolve --model

    /// Resolves a `--model` value to a model folder.
    ///
    /// A value containing `/`, starting with `.` or `~`, or naming an existing directory is a
    /// path (it must exist); anything else is a model name in the library.
    /// - Throws: ``ModelLibraryError/noSuchModelDirectory(path:)`` for a missing path,
    ///   ``ModelLibraryError/notInstalled(_:installed:)`` (listing the installed names and the
    ///   `pull` / `import` commands) for an unknown name.
    public func resolve(_ nameOrPath: String) throws -> URL {
        let expanded = (nameOrPath as NSString).expandingTildeInPath
        var isDir: ObjCBool = false
        let existsAsDirectory = FileManager.default.fileExists(atPath: expanded, isDirectory: &isDir) && isDir.boolValue
        if nameOrPath.contains("/") || nameOrPath.hasPrefix(".") || nameOrPath.hasPrefix("~") || existsAsDirectory {
            guard existsAsDirectory else { throw ModelLibraryError.noSuchModelDirectory(path: expanded) }
            return URL(fileURLWithPath: expanded, isDirectory: true).standardizedFileURL
        }
        try ModelName.validate(nameOrPath)
        guard contains(nameOrPath) else {
            throw ModelLibraryError.notInstalled(nameOrPath, installed: installedNames())
        }
        return folder.appendingPathComponent(nameOrPath, isDirectory: true)
    }

    /// Resolves an optional `--model` value: the value as in ``resolve(_:)``, else the default
    /// model.
    /// - Throws: ``ModelLibraryError/noDefaultModel(installed:)`` when no value is given and no
    ///   default is recorded.
    public func resolveOrDefault(_ nameOrPath: String?) throws -> URL {
        if let nameOrPath { return try resolve(nameOrPath) }
        guard let name = defaultModelName else { throw ModelLibraryError.noDefaultModel(installed: installedNames()) }
        return folder.appendingPathComponent(name, isDirectory: true)
    }

    // MARK: Install

    /// A new, empty, hidden staging folder inside the models folder for a model to be named
    /// `name` (same file system, so ``install(stagedDirectory:as:replace:)`` is one rename).
    /// Creates the models folder when needed.
    public func makeStagingURL(for name: String) throws -> URL {
        try ModelName.validate(name)
        try FileSystemOps.makeFolder(folder)
        let url = folder.appendingPathComponent(".staging-\(name)-\(UUID().uuidString)", isDirectory: true)
        try FileSystemOps.makeFolder(url)
        return url
    }

    /// Deletes a staging folder (after a failed import). Only hidden folders inside the models
    /// folder are touched.
    public func discardStaging(_ url: URL) throws {
        try checkStaging(url)
        try FileSystemOps.remove(url)
    }

    /// Moves a finished model folder into place as `name` with one atomic rename.
    ///
    /// - Parameters:
    ///   - stagedDirectory: a folder from ``makeStagingURL(for:)``; it must hold a readable
    ///     `config.json` and `model.safetensors`.
    ///   - replace: replace an installed model of the same name (the old folder is moved
    ///     aside first and deleted only after the new one is in place).
    /// - Returns: the installed model's folder. When no default model is recorded, the new
    ///   model becomes the default, so that a first `pull` is enough to search.
    @discardableResult
    public func install(stagedDirectory: URL, as name: String, replace: Bool = false) throws -> URL {
        try ModelName.validate(name)
        try checkStaging(stagedDirectory)
        if case .broken(let reason) = Self.state(of: stagedDirectory) {
            throw ModelLibraryError.stagedModelInvalid(path: stagedDirectory.path, reason: reason)
        }
        let destination = folder.appendingPathComponent(name, isDirectory: true)
        if contains(name) {
            guard replace else { throw ModelLibraryError.alreadyInstalled(name, url: destination) }
            let old = folder.appendingPathComponent(".replaced-\(name)-\(UUID().uuidString)", isDirectory: true)
            try FileSystemOps.move(destination, to: old)
            do { try FileSystemOps.move(stagedDirectory, to: destination) } catch {
                // Put the old model back; the failure is reported either way.
                try? FileSystemOps.move(old, to: destination)
                throw error
            }
            try? FileSystemOps.remove(old)
        } else {
            try FileSystemOps.move(stagedDirectory, to: destination)
        }
        if defaultModelName == nil { try setDefault(name) }
        return destination
    }

    // MARK: Housekeeping

    /// Size in bytes of the downloads folder (checkpoint files kept for re-imports and resumes).
    public func downloadsSizeBytes() -> Int64 {
        FileSystemOps.treeSize(downloadsFolder)
    }

    /// Deletes the downloads folder: complete checkpoint files and part files alike. Installed
    /// models do not need them; a later pull fetches them again.
    public func clearDownloads() throws {
        try FileSystemOps.remove(downloadsFolder)
    }

    /// Deletes staging, removal and replacement folders left by killed processes, when last
    /// modified more than `age` seconds ago (younger ones may belong to a running import).
    /// - Returns: the folders deleted.
    @discardableResult
    public func removeLeftovers(olderThan age: TimeInterval = 24 * 3600) throws -> [URL] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder.path) else { return [] }
        let cutoff = Date().addingTimeInterval(-age)
        var removed: [URL] = []
        for name in names where [".staging-", "..staging-", ".removing-", ".replaced-"].contains(where: { name.hasPrefix($0) }) {
            let url = folder.appendingPathComponent(name, isDirectory: true)
            let modified = (try? FileManager.default.attributesOfItem(atPath: url.path))?[.modificationDate] as? Date
            guard let modified, modified < cutoff else { continue }
            try FileSystemOps.remove(url)
            removed.append(url)
        }
        return removed.sorted { $0.path < $1.path }
    }

    private func checkStaging(_ url: URL) throws {
        let staged = url.standardizedFileURL
        let parent = staged.deletingLastPathComponent().standardizedFileURL
        guard parent.path == folder.path, staged.lastPathComponent.hasPrefix("."),
              staged.lastPathComponent != ".downloads" else {
            throw ModelLibraryError.stagingOutsideLibrary(path: url.path, modelsFolder: folder.path)
        }
    }
}
