import Foundation

/// The files of one registry entry, downloaded and verified, ready for the importer.
public struct PulledModel: Sendable {
    public let entry: ModelRegistryEntry
    /// Each file by role, with its verified SHA-256 (for the manifest).
    public let files: [ModelFileRole: DownloadedFile]

    /// The local file of each role, as the importer takes them.
    public var urls: [ModelFileRole: URL] { files.mapValues(\.url) }
    /// The verified SHA-256 of each role's file.
    public var sha256: [ModelFileRole: String] { files.mapValues(\.sha256) }
    /// Total size in bytes of the files that were not already complete on disk.
    public var fetchedBytes: Int64 { files.values.filter { !$0.reused }.reduce(0) { $0 + $1.bytes } }
}

/// `fluxsearch models pull NAME`, up to the importer: downloads every file of a registry
/// entry into the library's downloads folder (files already complete there are re-hashed
/// and reused), and hands them over by role. Installing — import into a staging folder, then
/// ``ModelLibrary/install(stagedDirectory:as:replace:)`` — is the caller's next step.
public struct ModelPull: Sendable {
    public let library: ModelLibrary
    public let environment: HubEnvironment
    public var options: ModelDownloader.Options

    public init(library: ModelLibrary, environment: HubEnvironment, options: ModelDownloader.Options = .init()) {
        self.library = library
        self.environment = environment
        self.options = options
    }

    /// The library and settings of the process environment (`FLUXSEARCH_CACHE`, `HOME`,
    /// `HF_ENDPOINT`, `HF_TOKEN`, `FLUXSEARCH_DOWNLOAD_MIRROR`).
    public init(environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        self.init(library: ModelLibrary(environment: environment), environment: try HubEnvironment(environment: environment))
    }

    /// Downloads all files of `entry`, one after the other.
    ///
    /// - Parameter progress: throttled reports per file (≤ 10 a second, plus one final
    ///   report per file).
    /// - Throws: ``ModelDownloadError`` — `notDownloadable` for an import-only entry (with
    ///   where to get the file and the exact import command), and the download errors. Files
    ///   finished before a failure stay in the downloads folder and are reused next time.
    public func pull(_ entry: ModelRegistryEntry, progress: DownloadProgressHandler? = nil) async throws -> PulledModel {
        if let manual = entry.manualDownload {
            throw ModelDownloadError.notDownloadable(model: entry.name, whereToGet: manual.whereToGet, importCommand: entry.importCommand())
        }
        guard !entry.files.isEmpty else {
            throw ModelDownloadError.notDownloadable(model: entry.name, whereToGet: "the registry lists no files for it", importCommand: entry.importCommand())
        }
        let files = try await ModelDownloader.withDownloader(environment: environment, downloadsFolder: library.downloadsFolder, options: options) { downloader in
            var files: [ModelFileRole: DownloadedFile] = [:]
            for file in entry.files {
                files[file.role] = try await downloader.download(file, termsURL: entry.termsURL, progress: progress)
            }
            return files
        }
        return PulledModel(entry: entry, files: files)
    }

    /// ``pull(_:progress:)`` for synchronous callers (blocks the calling thread, which must
    /// not be a Swift-concurrency thread).
    public func pullBlocking(_ entry: ModelRegistryEntry, progress: DownloadProgressHandler? = nil) throws -> PulledModel {
        let outcome = BlockingOutcome<PulledModel>()
        let done = DispatchSemaphore(value: 0)
        Task.detached {
            do { outcome.set(.success(try await self.pull(entry, progress: progress))) } catch { outcome.set(.failure(error)) }
            done.signal()
        }
        done.wait()
        return try outcome.get()
    }
}

/// A result handed from a task to a waiting thread.
final class BlockingOutcome<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var result: Result<Value, Error>?

    func set(_ value: Result<Value, Error>) {
        lock.lock(); defer { lock.unlock() }
        result = value
    }

    func get() throws -> Value {
        lock.lock(); defer { lock.unlock() }
        guard let result else { throw CancellationError() }
        return try result.get()
    }
}
