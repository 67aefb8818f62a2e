import Foundation
import FluxModels

/// Imports official checkpoint files as an installed model: the one entry point of
/// `models import` and of `models pull` after its downloads.
///
/// The model is written by ``CheckpointImporter`` into a hidden staging folder inside the
/// models folder and renamed into place only when complete, so an interrupted or failed import
/// never leaves a half-written model under its name.
public enum ModelInstaller {
    /// Imports `main` (with `options.text` / `options.visionBase`) as model `name` into
    /// `modelsFolder`, or into `output` when given. Replaces an installed model of that name
    /// only when `replace`.
    @discardableResult
    public static func importFiles(main: URL, options: CheckpointImportOptions, name: String, modelsFolder: URL,
                                   output: URL? = nil, replace: Bool = false,
                                   log: (String) -> Void = { _ in }) throws -> CheckpointImportReport {
        if let output {
            return try CheckpointImporter.importCheckpoint(main, into: output, options: options, log: log)
        }
        try ModelName.validate(name)
        let fm = FileManager.default
        let final = modelsFolder.appendingPathComponent(name, isDirectory: true)
        if fm.fileExists(atPath: final.path), !replace {
            throw ModelInstallError.exists(name: name, path: final.path)
        }
        do {
            try fm.createDirectory(at: modelsFolder, withIntermediateDirectories: true)
        } catch {
            throw ModelInstallError.folder(path: modelsFolder.path, reason: error.localizedDescription)
        }
        let staging = modelsFolder.appendingPathComponent(".import-\(UUID().uuidString.prefix(8))", isDirectory: true)
        defer { try? fm.removeItem(at: staging) }
        let staged = staging.appendingPathComponent(name, isDirectory: true)
        let report = try CheckpointImporter.importCheckpoint(main, into: staged, options: options, log: log)
        if fm.fileExists(atPath: final.path) {
            // replace: move the old model aside first, so that a failure keeps one of the two.
            let old = staging.appendingPathComponent(".replaced", isDirectory: true)
            guard rename(final.path, old.path) == 0 else {
                throw ModelInstallError.folder(path: final.path, reason: "cannot move the installed model aside: \(String(cString: strerror(errno)))")
            }
        }
        guard rename(staged.path, final.path) == 0 else {
            throw ModelInstallError.folder(path: final.path, reason: "cannot move the imported model into place: \(String(cString: strerror(errno)))")
        }
        return report.moved(to: final)
    }
}

/// Why a model could not be installed.
public enum ModelInstallError: Error, CustomStringConvertible, Equatable {
    case exists(name: String, path: String)
    case folder(path: String, reason: String)

    public var description: String {
        switch self {
        case .exists(let name, let path):
            return "a model named '\(name)' is installed already (\(path)); pass --replace to overwrite it, or choose another --name"
        case .folder(let path, let reason):
            return "cannot install into \(path): \(reason); check free space and permissions, or set FLUXSEARCH_CACHE to another folder"
        }
    }
}

/// Rules for installed model names: they are folder names in the models folder.
public enum ModelName {
    /// Refuses empty names, path separators, leading dots, control characters and names over 100 bytes.
    public static func validate(_ name: String) throws {
        let ok = !name.isEmpty && name.utf8.count <= 100 && !name.hasPrefix(".") && !name.contains("/")
            && !name.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F }
        guard ok else { throw ModelNameError(name: name) }
    }
}

/// A model name that cannot be a folder name in the models folder.
public struct ModelNameError: Error, CustomStringConvertible, Equatable {
    public let name: String
    public var description: String {
        "'\(name)' cannot be a model name: use letters, digits, '-', '_' or '.', not starting with '.', without '/' (at most 100 bytes)"
    }
}
