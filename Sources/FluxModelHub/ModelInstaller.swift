import Foundation
import FluxModels

/// Imports official checkpoint files as an installed model: the one entry point of
/// `models import`, and of `models pull` after its downloads.
///
/// The model is written by ``CheckpointImporter`` into a hidden staging folder of the
/// ``ModelLibrary`` and installed by one rename only when complete, so an interrupted or failed
/// import never leaves a half-written model under its name.
public enum ModelInstaller {
    /// Imports `main` (with `options.text` / `options.visionBase`) as model `name` into
    /// `library`, or into `output` when given. Replaces an installed model of that name only
    /// when `replace`.
    @discardableResult
    public static func importFiles(main: URL, options: CheckpointImportOptions, name: String, library: ModelLibrary,
                                   output: URL? = nil, replace: Bool = false,
                                   log: (String) -> Void = { _ in }) throws -> CheckpointImportReport {
        if let output {
            return try CheckpointImporter.importCheckpoint(main, into: output, options: options, log: log)
        }
        try ModelName.validate(name)
        if library.contains(name), !replace {  // before the work, not after it
            throw ModelLibraryError.alreadyInstalled(name, url: try library.url(forName: name))
        }
        _ = try? library.removeLeftovers()  // staging folders of killed imports, a day old
        let staging = try library.makeStagingURL(for: name)
        do {
            // The importer makes its output folder whole (hidden sibling, then rename).
            try FileManager.default.removeItem(at: staging)
            let report = try CheckpointImporter.importCheckpoint(main, into: staging, options: options, log: log)
            let installed = try library.install(stagedDirectory: staging, as: name, replace: replace)
            return report.moved(to: installed)
        } catch {
            try? library.discardStaging(staging)
            throw error
        }
    }

    /// Downloads a registry model's files (resuming, verified) and imports them as `name`
    /// (default: the registry name). `progress` receives download figures per file.
    /// `baseOptions` are importer flags the entry does not set (tests pass tiny-model flags).
    @discardableResult
    public static func pull(_ entry: ModelRegistryEntry, as name: String? = nil, pull: ModelPull, replace: Bool = false,
                            baseOptions: CheckpointImportOptions = .init(),
                            progress: DownloadProgressHandler? = nil,
                            log: (String) -> Void = { _ in }) throws -> (report: CheckpointImportReport, files: PulledModel) {
        let name = name ?? entry.name
        try ModelName.validate(name)
        if pull.library.contains(name), !replace {
            throw ModelLibraryError.alreadyInstalled(name, url: try pull.library.url(forName: name))
        }
        let files = try pull.pullBlocking(entry, progress: progress)
        guard let main = files.urls[.main] else {
            throw ModelLibraryError.stagedModelInvalid(path: entry.name, reason: "the registry entry has no main checkpoint")
        }
        var options = baseOptions
        options.text = files.urls[.text]
        options.visionBase = files.urls[.visionBase]
        options.size = CheckpointImportOptions.Size(rawValue: entry.size.rawValue)
        options.name = name
        for (role, url) in files.urls { options.knownSHA256[url.path] = files.sha256[role] }
        let report = try importFiles(main: main, options: options, name: name, library: pull.library, replace: replace, log: log)
        return (report, files)
    }
}
