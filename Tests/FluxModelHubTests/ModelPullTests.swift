import XCTest
#if canImport(Glibc)
import Glibc
#endif
@testable import FluxModelHub

/// Pulls against ``FakeModelHost`` on 127.0.0.1 (HF_ENDPOINT and FLUXSEARCH_DOWNLOAD_MIRROR
/// both point at it; no outside network).
final class ModelPullTests: XCTestCase {
    private var temp: TemporaryFolder!
    private var host: FakeModelHost!

    static let repo = "test-org/test-models"
    static let revision = "0d1c2b3a4f5e6d7c8b9a0f1e2d3c4b5a6f7e8d9c"
    static let mainPath = "clip/T14/pytorch_model.bin"
    static let basePath = "stage1/T14/T14_dist/pytorch_model.bin"
    static let textURL = URL(string: "https://assets.example.com/ml-research/text/text_blt.pt")!
    static let terms = URL(string: "https://huggingface.co/test-org/test-models")!

    // A few hundred kB of random bytes each.
    let mainBytes = HubFixtures.randomBytes(300_000, seed: 1)
    let baseBytes = HubFixtures.randomBytes(420_000, seed: 2)
    let textBytes = HubFixtures.randomBytes(250_000, seed: 3)

    override func setUpWithError() throws {
        temp = try TemporaryFolder("pull")
        host = try FakeModelHost()
        host.addHuggingFace(repo: Self.repo, revision: Self.revision, path: Self.mainPath, data: mainBytes)
        host.addHuggingFace(repo: Self.repo, revision: Self.revision, path: Self.basePath, data: baseBytes)
        host.addPlain(path: Self.textURL.path, data: textBytes)
    }

    override func tearDown() {
        host.stop()
        temp.remove()
    }

    // MARK: Helpers

    func entry(textSHA256: String? = nil, textBytes: Int64? = nil, mainSHA256: String? = nil) -> ModelRegistryEntry {
        ModelRegistryEntry(
            name: "test-clip-t14", summary: "test", textAligned: true, termsURL: Self.terms, size: .s,
            files: [
                RegistryFile(role: .main, source: .huggingFace(repo: Self.repo, revision: Self.revision, path: Self.mainPath), sha256: mainSHA256, provenance: "test"),
                RegistryFile(role: .visionBase, source: .huggingFace(repo: Self.repo, revision: Self.revision, path: Self.basePath), provenance: "test"),
                RegistryFile(role: .text, source: .url(Self.textURL), expectedBytes: textBytes, sha256: textSHA256, provenance: "test"),
            ])
    }

    func environment(_ extra: [String: String] = [:], cache: URL? = nil) -> [String: String] {
        var env = ["FLUXSEARCH_CACHE": (cache ?? temp.url).path,
                   "HF_ENDPOINT": host.baseURL,
                   "FLUXSEARCH_DOWNLOAD_MIRROR": host.baseURL]
        env.merge(extra) { $1 }
        return env
    }

    func puller(_ env: [String: String]) throws -> ModelPull {
        var pull = try ModelPull(environment: env)
        pull.options.connectTimeoutSeconds = 5
        pull.options.readTimeoutSeconds = 10
        return pull
    }

    func pullError(_ pull: ModelPull, _ entry: ModelRegistryEntry) async -> ModelDownloadError? {
        do {
            _ = try await pull.pull(entry)
            XCTFail("the pull succeeded")
            return nil
        } catch let error as ModelDownloadError {
            return error
        } catch {
            XCTFail("not a ModelDownloadError: \(error)")
            return nil
        }
    }

    func downloadsListing(_ pull: ModelPull) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: pull.library.downloadsFolder.path)) ?? []).sorted()
    }

    /// Body bytes the host sent for requests whose URI contains `fragment`.
    func requests(containing fragment: String) -> [FakeModelHost.Request] {
        host.requests.filter { $0.uri.contains(fragment) }
    }

    // MARK: Tests

    func testFullPullDownloadsVerifiesAndReusesEveryFile() async throws {
        let pull = try puller(environment())
        let reports = ProgressLog()
        let pulled = try await pull.pull(entry(), progress: { reports.append($0) })

        XCTAssertEqual(Set(pulled.urls.keys), [.main, .visionBase, .text])
        XCTAssertEqual(try Data(contentsOf: XCTUnwrap(pulled.urls[.main])), mainBytes)
        XCTAssertEqual(try Data(contentsOf: XCTUnwrap(pulled.urls[.visionBase])), baseBytes)
        XCTAssertEqual(try Data(contentsOf: XCTUnwrap(pulled.urls[.text])), textBytes)
        XCTAssertEqual(pulled.sha256[.main], FakeModelHost.sha256Hex(mainBytes))
        XCTAssertEqual(pulled.sha256[.visionBase], FakeModelHost.sha256Hex(baseBytes))
        XCTAssertEqual(pulled.sha256[.text], FakeModelHost.sha256Hex(textBytes))
        XCTAssertEqual(pulled.files[.main]?.verification, .hostETag)
        XCTAssertEqual(pulled.files[.text]?.verification, .computedOnly, "no pinned hash: computed and reported")
        XCTAssertEqual(pulled.files[.main]?.resolvedCommit, host.state.with { $0.commit })
        XCTAssertEqual(pulled.files[.text]?.sourceURL, "\(host.baseURL)/ml-research/text/text_blt.pt", "the mirror keeps the path")
        XCTAssertEqual(pulled.fetchedBytes, Int64(mainBytes.count + baseBytes.count + textBytes.count))
        XCTAssertEqual(host.bodyBytesSent, mainBytes.count + baseBytes.count + textBytes.count)
        XCTAssertFalse(downloadsListing(pull).contains { $0.hasSuffix(".part") }, "\(downloadsListing(pull))")
        // Nothing is installed by a pull: that is the importer's step.
        XCTAssertEqual(try pull.library.installed().count, 0)

        let finals = reports.all.filter(\.isFinal)
        XCTAssertEqual(finals.map(\.bytesDone), [Int64(mainBytes.count), Int64(baseBytes.count), Int64(textBytes.count)])
        XCTAssertEqual(finals.map(\.totalBytes), [Int64(mainBytes.count), Int64(baseBytes.count), Int64(textBytes.count)])

        // A second pull fetches nothing: the files are re-hashed and reused.
        let sentBefore = host.bodyBytesSent
        let again = try await pull.pull(entry())
        XCTAssertEqual(host.bodyBytesSent, sentBefore)
        XCTAssertEqual(again.files.values.map(\.reused), [true, true, true])
        XCTAssertEqual(again.sha256, pulled.sha256)
        XCTAssertEqual(again.files[.main]?.verification, .hostETag)
        XCTAssertEqual(again.fetchedBytes, 0)
    }

    func testInterruptedPullResumesWithoutFetchingAnyByteTwice() async throws {
        let pull = try puller(environment())
        // The first body of the run (the main file's) stops half-way: the connection drops.
        host.configure { $0.cutAfterBytes = 150_000 }
        let error = await pullError(pull, entry())
        guard case .interrupted(let file, let done, let total, _)? = error else { return XCTFail("\(String(describing: error))") }
        XCTAssertEqual(file, "\(Self.repo)/\(Self.mainPath)")
        XCTAssertEqual(done, 150_000)
        XCTAssertEqual(total, Int64(mainBytes.count))
        XCTAssertTrue("\(error!)".contains("Run the same command again to resume"))
        let part = try XCTUnwrap(downloadsListing(pull).first { $0.hasSuffix(".part") })
        XCTAssertEqual(HubFixtures.fileSize(pull.library.downloadsFolder.appendingPathComponent(part)), 150_000)

        let pulled = try await pull.pull(entry())
        XCTAssertEqual(try Data(contentsOf: XCTUnwrap(pulled.urls[.main])), mainBytes)
        XCTAssertEqual(pulled.sha256[.main], FakeModelHost.sha256Hex(mainBytes))
        // Every byte of every file crossed the wire exactly once.
        XCTAssertEqual(host.bodyBytesSent, mainBytes.count + baseBytes.count + textBytes.count)
        let cdnGets = requests(containing: "/cdn/\(Self.repo)/\(Self.revision)/\(Self.mainPath)").filter { $0.method == "GET" }
        XCTAssertEqual(cdnGets.map { $0.headers["range"] }, [nil, "bytes=150000-"])
        XCTAssertFalse(downloadsListing(pull).contains { $0.hasSuffix(".part") })
    }

    func testCorruptedFileIsRejectedAndLeavesNothingBehind() async throws {
        let pull = try puller(environment())
        host.configure { $0.corrupt = true }
        let error = await pullError(pull, entry())
        var corrupted = mainBytes
        corrupted[corrupted.count / 2] ^= 0xFF
        XCTAssertEqual(error, .hashMismatch(file: "\(Self.repo)/\(Self.mainPath)",
                                            expected: FakeModelHost.sha256Hex(mainBytes),
                                            actual: FakeModelHost.sha256Hex(corrupted)))
        let message = "\(error.map { "\($0)" } ?? "")"
        XCTAssertTrue(message.contains("partial file was deleted") && message.contains("again"), message)
        XCTAssertEqual(downloadsListing(pull), [], "no final file, no part file, no record")
        XCTAssertEqual(try pull.library.installed().count, 0)
    }

    func testPinnedHashIsCheckedForPlainURLs() async throws {
        let pull = try puller(environment())
        let wrong = String(repeating: "ab", count: 32)
        let error = await pullError(pull, entry(textSHA256: wrong))
        XCTAssertEqual(error, .hashMismatch(file: Self.textURL.absoluteString, expected: wrong, actual: FakeModelHost.sha256Hex(textBytes)))
        // The two files before it are complete and kept for the next run; the text file is gone.
        let listing = downloadsListing(pull)
        XCTAssertEqual(listing.filter { $0.hasSuffix(".part") }, [])
        XCTAssertFalse(listing.contains { $0.contains("text_blt") }, "\(listing)")

        let pinned = try await pull.pull(entry(textSHA256: FakeModelHost.sha256Hex(textBytes)))
        XCTAssertEqual(pinned.files[.text]?.verification, .pinned)
        XCTAssertEqual(pinned.files[.main]?.reused, true)
    }

    func testPinnedHashThatDiffersFromTheHostsIsRefusedBeforeDownloading() async throws {
        let pull = try puller(environment())
        let pinned = String(repeating: "cd", count: 32)
        let error = await pullError(pull, entry(mainSHA256: pinned))
        XCTAssertEqual(error, .hostHashDiffers(file: "\(Self.repo)/\(Self.mainPath)", pinned: pinned, host: FakeModelHost.sha256Hex(mainBytes)))
        XCTAssertEqual(host.bodyBytesSent, 0)
    }

    func testUnauthorizedNamesTheLicenceAndTokenAndTheTokenNeverLeavesTheEndpoint() async throws {
        host.configure { $0.requiredToken = "hf_secret" }
        let error = await pullError(try puller(environment()), entry())
        XCTAssertEqual(error, .accessDenied(file: "\(Self.repo)/\(Self.mainPath)", status: 401, termsURL: Self.terms, tokenWasSent: false))
        let message = error.map { "\($0)" } ?? ""
        XCTAssertTrue(message.contains(Self.terms.absoluteString), message)
        XCTAssertTrue(message.contains("HF_TOKEN"), message)
        XCTAssertEqual(host.bodyBytesSent, 0)

        let wrong = await pullError(try puller(environment(["HF_TOKEN": "hf_wrong"])), entry())
        XCTAssertEqual(wrong, .accessDenied(file: "\(Self.repo)/\(Self.mainPath)", status: 401, termsURL: Self.terms, tokenWasSent: true))

        let pulled = try await puller(environment(["HF_TOKEN": "hf_secret"])).pull(entry())
        XCTAssertEqual(try Data(contentsOf: XCTUnwrap(pulled.urls[.visionBase])), baseBytes)
        let resolves = requests(containing: "/resolve/")
        let cdn = requests(containing: "/cdn/")
        let plain = requests(containing: "/ml-research/")
        XCTAssertFalse(cdn.isEmpty)
        XCTAssertTrue(cdn.allSatisfy { $0.host?.hasPrefix("localhost") ?? false }, "the CDN is another host name")
        XCTAssertEqual(Set(resolves.suffix(4).map { $0.headers["authorization"] }), ["Bearer hf_secret"])
        XCTAssertEqual(cdn.compactMap { $0.headers["authorization"] }, [], "the token must not reach the CDN host")
        XCTAssertEqual(plain.compactMap { $0.headers["authorization"] }, [], "nor plain-URL hosts")
    }

    func testNotFoundSaysTheFileOrRevisionIsMissing() async throws {
        let missing = ModelRegistryEntry(name: "x", summary: "", textAligned: false, termsURL: Self.terms, size: .b, files: [
            RegistryFile(role: .main, source: .huggingFace(repo: Self.repo, revision: "deadbeef", path: Self.mainPath), provenance: "test"),
        ])
        let error = await pullError(try puller(environment()), missing)
        XCTAssertEqual(error, .notFound(file: "\(Self.repo)/\(Self.mainPath)", url: "\(host.baseURL)/\(Self.repo)/resolve/deadbeef/\(Self.mainPath)"))
    }

    func testUnwritableCacheFolderFailsClearlyAndInstallsNothing() async throws {
        // Root ignores permissions; a regular file where a folder must be (ENOTDIR) does not.
        let blocker = temp.url.appendingPathComponent("cache-is-a-file")
        try Data("x".utf8).write(to: blocker)
        let pull = try puller(environment(cache: blocker))
        let error = await pullError(pull, entry())
        XCTAssertEqual(error, .folderNotWritable(folder: blocker.appendingPathComponent("models").path, reason: "Not a directory"))
        XCTAssertTrue((error.map { "\($0)" } ?? "").contains(blocker.appendingPathComponent("models").path))
        XCTAssertEqual(host.bodyBytesSent, 0)
    }

    func testDiskFullDuringTheTransferNamesTheFolder() async throws {
        // ENOSPC for real: the main file's part is a symlink to /dev/full, whose writes fail
        // with "No space left on device".
        guard FileManager.default.fileExists(atPath: "/dev/full") else { throw XCTSkip("no /dev/full") }
        let pull = try puller(environment())
        let downloads = pull.library.downloadsFolder
        try FileManager.default.createDirectory(at: downloads, withIntermediateDirectories: true)
        let mainFile = try XCTUnwrap(entry().file(.main))
        let part = downloads.appendingPathComponent(mainFile.downloadName + ".part")
        try FileManager.default.createSymbolicLink(atPath: part.path, withDestinationPath: "/dev/full")

        let error = await pullError(pull, entry())
        XCTAssertEqual(error, .diskFull(folder: downloads.path, neededBytes: nil, availableBytes: nil))
        let message = error.map { "\($0)" } ?? ""
        XCTAssertTrue(message.contains(downloads.path) && message.contains("FLUXSEARCH_CACHE"), message)
        XCTAssertFalse(FileManager.default.fileExists(atPath: downloads.appendingPathComponent(mainFile.downloadName).path))
        XCTAssertEqual(try pull.library.installed().count, 0)
        try FileManager.default.removeItem(at: part)
    }

    func testTooLittleFreeSpaceIsReportedBeforeDownloading() async throws {
        let pull = try puller(environment())
        let huge: Int64 = 1 << 60
        let onlyText = ModelRegistryEntry(name: "t", summary: "", textAligned: true, termsURL: Self.terms, size: .s,
                                          files: [RegistryFile(role: .text, source: .url(Self.textURL), expectedBytes: huge, provenance: "test")])
        let error = await pullError(pull, onlyText)
        guard case .diskFull(let folder, let needed, let available)? = error else { return XCTFail("\(String(describing: error))") }
        XCTAssertEqual(folder, pull.library.downloadsFolder.path)
        XCTAssertEqual(needed, huge)
        XCTAssertNotNil(available)
        XCTAssertEqual(host.bodyBytesSent, 0)
    }

    func testConnectionRefusedPointsToTheOfflineRoute() async throws {
        // A port that was just bound and released: nothing listens there.
        let closed = try FakeModelHost()
        let port = closed.port
        closed.stop()
        let env = ["FLUXSEARCH_CACHE": temp.url.path, "HF_ENDPOINT": "http://127.0.0.1:\(port)", "FLUXSEARCH_DOWNLOAD_MIRROR": "http://127.0.0.1:\(port)"]
        let started = Date()
        let error = await pullError(try puller(env), entry())
        XCTAssertLessThan(Date().timeIntervalSince(started), 5, "fails at once, without retrying until the timeout")
        guard case .offline(let file, let hostName, _)? = error else { return XCTFail("\(String(describing: error))") }
        XCTAssertEqual(file, "\(Self.repo)/\(Self.mainPath)")
        XCTAssertEqual(hostName, "127.0.0.1:\(port)")
        let message = error.map { "\($0)" } ?? ""
        XCTAssertTrue(message.contains("no network? use `fluxsearch models import FILE"), message)
    }

    func testCompletePartIsVerifiedNotRefetched() async throws {
        // Killed after the last byte but before the rename: the part holds the whole file.
        let pull = try puller(environment())
        let onlyText = ModelRegistryEntry(name: "t", summary: "", textAligned: true, termsURL: Self.terms, size: .s,
                                          files: [RegistryFile(role: .text, source: .url(Self.textURL), provenance: "test")])
        let downloads = pull.library.downloadsFolder
        try FileManager.default.createDirectory(at: downloads, withIntermediateDirectories: true)
        try textBytes.write(to: downloads.appendingPathComponent(onlyText.files[0].downloadName + ".part"))

        let pulled = try await pull.pull(onlyText)
        XCTAssertEqual(pulled.sha256[.text], FakeModelHost.sha256Hex(textBytes))
        XCTAssertEqual(host.bodyBytesSent, 0)
        XCTAssertEqual(requests(containing: "text_blt").map { $0.headers["range"] }, ["bytes=\(textBytes.count)-"], "answered 416")
        XCTAssertEqual(downloadsListing(pull).filter { $0.hasSuffix(".part") }, [])
    }

    func testServerIgnoringTheRangeRestartsFromZero() async throws {
        let pull = try puller(environment())
        let onlyText = ModelRegistryEntry(name: "t", summary: "", textAligned: true, termsURL: Self.terms, size: .s,
                                          files: [RegistryFile(role: .text, source: .url(Self.textURL), provenance: "test")])
        let downloads = pull.library.downloadsFolder
        try FileManager.default.createDirectory(at: downloads, withIntermediateDirectories: true)
        // A stale part with wrong bytes: had they been kept, the file would be corrupt.
        try Data(repeating: 7, count: 1000).write(to: downloads.appendingPathComponent(onlyText.files[0].downloadName + ".part"))
        host.configure { $0.ignoreRange = true }

        let pulled = try await pull.pull(onlyText)
        XCTAssertEqual(try Data(contentsOf: XCTUnwrap(pulled.urls[.text])), textBytes)
        XCTAssertEqual(host.bodyBytesSent, textBytes.count)
    }

    func testImportOnlyModelsSayWhereToGetTheFile() async throws {
        let pull = try puller(environment())
        for (name, size) in [("fluxvit-s14", "s"), ("fluxvit-b14", "b")] {
            let entry = try XCTUnwrap(ModelRegistry.entry(named: name))
            let error = await pullError(pull, entry)
            let message = error.map { "\($0)" } ?? ""
            XCTAssertTrue(message.contains("fluxsearch models import FILE --name \(name) --size \(size)"), message)
            XCTAssertTrue(message.contains("single_modality/MODEL_ZOO.md") && message.contains("github.com/OpenGVLab/FluxViT"), message)
            XCTAssertThrowsError(try ModelRegistry.pullableEntry(named: name))
        }
        XCTAssertEqual(host.requests.count, 0)
    }

    func testASecondPullOfTheSameFileAtTheSameTimeIsRefused() async throws {
        let pull = try puller(environment())
        let mainFile = try XCTUnwrap(entry().file(.main))
        let downloads = pull.library.downloadsFolder
        try FileManager.default.createDirectory(at: downloads, withIntermediateDirectories: true)
        let part = downloads.appendingPathComponent(mainFile.downloadName + ".part")
        // Another process holds the part (flock), as a running pull does.
        let other = open(part.path, O_WRONLY | O_CREAT, 0o644)
        XCTAssertGreaterThanOrEqual(other, 0)
        XCTAssertEqual(flock(other, LOCK_EX), 0)
        let error = await pullError(pull, entry())
        XCTAssertEqual(error, .partInUse(path: part.path))
        XCTAssertEqual(host.bodyBytesSent, 0)
        close(other)
        // Once it is gone, the pull goes ahead.
        let pulled = try await pull.pull(entry())
        XCTAssertEqual(pulled.sha256[.main], FakeModelHost.sha256Hex(mainBytes))
    }

    func testBlockingWrapperReturnsTheSameFiles() throws {
        let pulled = try puller(environment()).pullBlocking(entry())
        XCTAssertEqual(pulled.sha256[.visionBase], FakeModelHost.sha256Hex(baseBytes))
    }
}

/// Collects progress reports from the download task.
final class ProgressLog: @unchecked Sendable {
    private let lock = NSLock()
    private var reports: [DownloadProgress] = []
    func append(_ report: DownloadProgress) { lock.lock(); reports.append(report); lock.unlock() }
    var all: [DownloadProgress] { lock.lock(); defer { lock.unlock() }; return reports }
}
