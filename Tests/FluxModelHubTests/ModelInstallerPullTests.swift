import XCTest
import FluxCore
import FluxModels
@testable import FluxModelHub

/// `ModelInstaller.pull` end to end — download (from ``FakeModelHost``), import (the Swift
/// checkpoint importer), install (one rename into the models folder) — on the importer's
/// `clip-partial` fixture: an InternVideo2-CLIP file holding only the trained parts, its
/// vision backbone, and a MobileCLIP-layout text tower. The result must equal what the Python
/// reference converter made (`Fixtures/import/clip-partial/expected`).
///
/// The test methods are synchronous: `ModelInstaller.pull` blocks its thread, which must not
/// be a Swift-concurrency one.
final class ModelInstallerPullTests: XCTestCase {
    static let repo = "test-org/test-models"
    static let revision = "0d1c2b3a4f5e6d7c8b9a0f1e2d3c4b5a6f7e8d9c"
    static let mainPath = "clip/T2/clip-partial.bin"
    static let basePath = "stage1/T2/iv2-backbone.bin"
    static let forbiddenPath = "clip/T2/forbidden.pth"
    static let textURL = URL(string: "https://assets.example.com/ml-research/mobileclip-like.pt")!
    static let terms = URL(string: "https://huggingface.co/test-org/test-models")!
    static let modelName = "clip-partial"

    /// Names in the downloads folder (`RegistryFile.downloadName`), which are also the `file`
    /// names the manifest records.
    static let mainDownload = "hf--test-org--test-models--0d1c2b3a4f5e--clip--T2--clip-partial.bin"
    static let baseDownload = "hf--test-org--test-models--0d1c2b3a4f5e--stage1--T2--iv2-backbone.bin"
    static let textDownload = "url--assets.example.com--ml-research--mobileclip-like.pt"
    static let forbiddenDownload = "hf--test-org--test-models--0d1c2b3a4f5e--clip--T2--forbidden.pth"

    /// `Tests/FluxModelsTests/Fixtures`.
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("FluxModelsTests/Fixtures", isDirectory: true)
    static let importFixtures = fixtures.appendingPathComponent("import", isDirectory: true)
    static let expected = importFixtures.appendingPathComponent("clip-partial/expected", isDirectory: true)

    /// The reference converter's flags for this case (`--num-heads 2 --pos-frames 4
    /// --text-heads 4`); without them the entry's size `.s` would set 6 heads.
    static var baseOptions: CheckpointImportOptions {
        var o = CheckpointImportOptions()
        o.numHeads = 2
        o.posFrames = 4
        o.textHeads = 4
        return o
    }

    private var temp: TemporaryFolder!
    private var host: FakeModelHost!
    private var mainBytes = Data()
    private var baseBytes = Data()
    private var textBytes = Data()
    private var forbiddenBytes = Data()

    private var totalBytes: Int { mainBytes.count + baseBytes.count + textBytes.count }

    override func setUpWithError() throws {
        mainBytes = try Data(contentsOf: Self.importFixtures.appendingPathComponent("inputs/clip-partial.bin"))
        baseBytes = try Data(contentsOf: Self.importFixtures.appendingPathComponent("inputs/iv2-backbone.bin"))
        textBytes = try Data(contentsOf: Self.importFixtures.appendingPathComponent("inputs/mobileclip-like.pt"))
        forbiddenBytes = try Data(contentsOf: Self.fixtures.appendingPathComponent("pth/forbidden.pth"))
        // The fixture sizes the byte counts below rely on.
        XCTAssertEqual([mainBytes.count, baseBytes.count, textBytes.count], [178_849, 178_397, 156_782])

        temp = try TemporaryFolder("installer")
        host = try FakeModelHost()
        host.addHuggingFace(repo: Self.repo, revision: Self.revision, path: Self.mainPath, data: mainBytes)
        host.addHuggingFace(repo: Self.repo, revision: Self.revision, path: Self.basePath, data: baseBytes)
        host.addHuggingFace(repo: Self.repo, revision: Self.revision, path: Self.forbiddenPath, data: forbiddenBytes)
        host.addPlain(path: Self.textURL.path, data: textBytes)
    }

    override func tearDown() {
        host?.stop()
        temp?.remove()
    }

    // MARK: Helpers

    /// The test registry entry: main and vision base from the Hugging Face-style endpoint,
    /// the text tower as a plain URL (through `FLUXSEARCH_DOWNLOAD_MIRROR`). No pinned hashes:
    /// the HF files are checked against the host's `X-Linked-Etag`.
    func entry(mainPath: String = ModelInstallerPullTests.mainPath) -> ModelRegistryEntry {
        ModelRegistryEntry(
            name: "test-clip-t2", summary: "test", textAligned: true, termsURL: Self.terms, size: .s,
            files: [
                RegistryFile(role: .main, source: .huggingFace(repo: Self.repo, revision: Self.revision, path: mainPath), provenance: "test"),
                RegistryFile(role: .visionBase, source: .huggingFace(repo: Self.repo, revision: Self.revision, path: Self.basePath), provenance: "test"),
                RegistryFile(role: .text, source: .url(Self.textURL), provenance: "test"),
            ])
    }

    func puller() throws -> ModelPull {
        var pull = try ModelPull(environment: ["FLUXSEARCH_CACHE": temp.url.path,
                                               "HF_ENDPOINT": host.baseURL,
                                               "FLUXSEARCH_DOWNLOAD_MIRROR": host.baseURL])
        pull.options.connectTimeoutSeconds = 5
        pull.options.readTimeoutSeconds = 10
        return pull
    }

    @discardableResult
    func install(_ pull: ModelPull, entry: ModelRegistryEntry? = nil, replace: Bool = false,
                 progress: DownloadProgressHandler? = nil) throws -> (report: CheckpointImportReport, files: PulledModel) {
        try ModelInstaller.pull(entry ?? self.entry(), as: Self.modelName, pull: pull, replace: replace,
                                baseOptions: Self.baseOptions, progress: progress)
    }

    /// The error `body` throws (a failure when it throws none).
    func thrownError(_ body: () throws -> Void, file: StaticString = #filePath, line: UInt = #line) -> Error? {
        do {
            try body()
            XCTFail("no error was thrown", file: file, line: line)
            return nil
        } catch {
            return error
        }
    }

    func downloadsListing(_ pull: ModelPull) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: pull.library.downloadsFolder.path)) ?? []).sorted()
    }

    /// Hidden entries of the models folder other than the downloads folder: staging folders,
    /// the importer's own `.NAME.importing-…` folders, `.replaced-…` / `.removing-…`.
    func hiddenLeftovers(_ library: ModelLibrary) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: library.folder.path)) ?? [])
            .filter { $0.hasPrefix(".") && $0 != ".downloads" }.sorted()
    }

    func assertNothingInstalled(_ pull: ModelPull, file: StaticString = #filePath, line: UInt = #line) throws {
        XCTAssertEqual(try pull.library.installed().map(\.name), [], file: file, line: line)
        XCTAssertFalse(pull.library.contains(Self.modelName), file: file, line: line)
        XCTAssertNil(pull.library.defaultModelName, file: file, line: line)
        XCTAssertEqual(hiddenLeftovers(pull.library), [], "no staging folder may be left", file: file, line: line)
    }

    /// The installed `clip-partial` equals the reference converter's output (tensors bit for
    /// bit, config.json), lists the three downloaded files with their verified SHA-256 in its
    /// manifest, is the default model, and no hidden folder is left beside it.
    func assertInstalledReferenceModel(_ pull: ModelPull, file: StaticString = #filePath, line: UInt = #line) throws {
        let library = pull.library
        let folder = library.folder.appendingPathComponent(Self.modelName, isDirectory: true)
        let installed = try library.installed()
        XCTAssertEqual(installed.map(\.name), [Self.modelName], file: file, line: line)
        XCTAssertEqual(installed.first?.isDefault, true, file: file, line: line)
        XCTAssertEqual(library.defaultModelName, Self.modelName, file: file, line: line)
        XCTAssertEqual(installed.first?.sourceFiles, [Self.mainDownload, Self.baseDownload, Self.textDownload], file: file, line: line)
        XCTAssertEqual(hiddenLeftovers(library), [], file: file, line: line)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted(),
                       ["config.json", "manifest.json", "model.safetensors"], file: file, line: line)

        // model.safetensors: the same tensors, dtypes, shapes and bytes.
        let got = try SafetensorsFile(contentsOf: folder.appendingPathComponent("model.safetensors"))
        let want = try SafetensorsFile(contentsOf: Self.expected.appendingPathComponent("model.safetensors"))
        XCTAssertEqual(want.names.count, 77, file: file, line: line)
        XCTAssertEqual(got.names.sorted(), want.names.sorted(), file: file, line: line)
        var differing: [String] = []
        for name in want.names where got.contains(name) {
            let a = try got.info(named: name), b = try want.info(named: name)
            let sameBytes = try got.rawBytes(named: name) == want.rawBytes(named: name)
            if a.dtype != b.dtype || a.shape != b.shape || !sameBytes {
                differing.append("\(name): \(a.dtype) \(a.shape) vs \(b.dtype) \(b.shape)")
            }
        }
        XCTAssertEqual(differing, [], file: file, line: line)

        // config.json.
        let configuration = try ModelConfiguration.load(from: folder.appendingPathComponent("config.json"))
        XCTAssertEqual(configuration, try ModelConfiguration.load(from: Self.expected.appendingPathComponent("config.json")), file: file, line: line)
        XCTAssertEqual(configuration.name, Self.modelName, file: file, line: line)
        XCTAssertEqual(configuration.vision?.numHeads, 2, "baseOptions, not the size preset's 6", file: file, line: line)

        // manifest.json: the three files with the SHA-256 the download verified.
        let manifestData = try Data(contentsOf: folder.appendingPathComponent("manifest.json"))
        let manifest = try XCTUnwrap(JSONSerialization.jsonObject(with: manifestData) as? [String: Any], file: file, line: line)
        let sources = try XCTUnwrap(manifest["sources"] as? [[String: String]], file: file, line: line)
        XCTAssertEqual(sources, [
            ["file": Self.mainDownload, "sha256": "6391ae328ba532c2cc55210c45ff4c371b3d285040e1049cb24deaa322970bd7"],
            ["file": Self.baseDownload, "sha256": "23d97ae402c55a7fede72edc587427e0a3b2fdda1bba41d9d407bd25e3e93a00"],
            ["file": Self.textDownload, "sha256": "49e20f26f61654887a2b07d2c22a2e4f2da85bc13eb39e843495e2159c7f63ab"],
        ], file: file, line: line)
        XCTAssertEqual(sources.map { $0["sha256"] }, [FakeModelHost.sha256Hex(mainBytes), FakeModelHost.sha256Hex(baseBytes),
                                                      FakeModelHost.sha256Hex(textBytes)], file: file, line: line)
        XCTAssertEqual(manifest["converter"] as? String, "fluxsearch models import", file: file, line: line)
        XCTAssertEqual(manifest["kind"] as? String, "clip", file: file, line: line)
        XCTAssertEqual(manifest["dtype"] as? String, "f32", file: file, line: line)
        XCTAssertEqual(manifest["tensors"] as? Int, 77, file: file, line: line)
        XCTAssertEqual(manifest["vision_align"] as? String, "checkpoint", file: file, line: line)
        XCTAssertEqual(manifest["dropped"] as? [String], [
            "temp",
            "\(Self.baseDownload):clip_decoder.0.norm.weight",
            "\(Self.baseDownload):mae_decoder.0.norm.weight",
            "\(Self.textDownload):image_encoder.stem.weight",
            "\(Self.textDownload):logit_scale",
        ], file: file, line: line)

        // The downloads stay (a re-import needs no download); no part file is left.
        XCTAssertEqual(downloadsListing(pull), [Self.baseDownload, Self.baseDownload + ".json", Self.mainDownload,
                                                Self.mainDownload + ".json", Self.textDownload, Self.textDownload + ".json"].sorted(),
                       file: file, line: line)
    }

    // MARK: 1. Full pull

    func testFullPullInstallsTheReferenceModel() throws {
        let pull = try puller()
        let (report, files) = try install(pull)

        XCTAssertEqual(report.directory.standardizedFileURL.path,
                       pull.library.folder.appendingPathComponent(Self.modelName).standardizedFileURL.path)
        XCTAssertEqual(report.kind, .clip)
        XCTAssertEqual(report.tensorCount, 77)
        XCTAssertEqual(report.visionAlign, "checkpoint")
        XCTAssertNil(report.resampledFrom)
        XCTAssertTrue(report.notes.contains("\(Self.baseDownload): filled 30 vision tensor(s) missing from \(Self.mainDownload)"),
                      "\(report.notes)")
        XCTAssertTrue(report.notes.contains("warning: replacing the 29 text_encoder tensors of \(Self.mainDownload) with those of \(Self.textDownload)"),
                      "\(report.notes)")

        XCTAssertEqual(files.urls[.main]?.lastPathComponent, Self.mainDownload)
        XCTAssertEqual(files.sha256[.main], FakeModelHost.sha256Hex(mainBytes))
        XCTAssertEqual(files.sha256[.visionBase], FakeModelHost.sha256Hex(baseBytes))
        XCTAssertEqual(files.sha256[.text], FakeModelHost.sha256Hex(textBytes))
        XCTAssertEqual(files.files[.main]?.verification, .hostETag)
        XCTAssertEqual(files.files[.text]?.verification, .computedOnly)
        XCTAssertEqual(files.fetchedBytes, Int64(totalBytes))
        XCTAssertEqual(host.bodyBytesSent, totalBytes)
        // Hugging Face files: resolve (302 to the CDN), then the CDN; the text file from the mirror.
        XCTAssertEqual(host.requests.filter { $0.method == "GET" }.map(\.uri).sorted(), [
            "/\(Self.repo)/resolve/\(Self.revision)/\(Self.mainPath)",
            "/cdn/\(Self.repo)/\(Self.revision)/\(Self.mainPath)",
            "/\(Self.repo)/resolve/\(Self.revision)/\(Self.basePath)",
            "/cdn/\(Self.repo)/\(Self.revision)/\(Self.basePath)",
            Self.textURL.path,
        ].sorted())

        try assertInstalledReferenceModel(pull)
    }

    // MARK: 2. Killed half-way, then resumed

    func testPullCutHalfWayInstallsNothingAndTheRerunResumes() throws {
        let pull = try puller()
        let mainDisplay = "\(Self.repo)/\(Self.mainPath)"
        let baseDisplay = "\(Self.repo)/\(Self.basePath)"
        let cut = 90_000
        // Once the main file is complete, the next transfer (the backbone's) is cut after
        // `cut` body bytes: the connection drops mid-file.
        let host = self.host!
        let error = thrownError {
            try install(pull, progress: { report in
                if report.isFinal, report.file == mainDisplay { host.configure { $0.cutAfterBytes = cut } }
            })
        }
        guard case .interrupted(let file, let done, let total, _)? = error as? ModelDownloadError else {
            return XCTFail("\(String(describing: error))")
        }
        XCTAssertEqual(file, baseDisplay)
        XCTAssertEqual(done, Int64(cut))
        XCTAssertEqual(total, Int64(baseBytes.count))
        XCTAssertEqual(host.bodyBytesSent, mainBytes.count + cut)
        try assertNothingInstalled(pull)
        XCTAssertEqual(downloadsListing(pull), [Self.baseDownload + ".part", Self.mainDownload, Self.mainDownload + ".json"].sorted())
        XCTAssertEqual(HubFixtures.fileSize(pull.library.downloadsFolder.appendingPathComponent(Self.baseDownload + ".part")), cut)

        let (report, files) = try install(pull)
        XCTAssertEqual(report.tensorCount, 77)
        XCTAssertEqual(files.files[.main]?.reused, true)
        XCTAssertEqual(files.files[.visionBase]?.reused, false)
        XCTAssertEqual(files.files[.text]?.reused, false)
        // Every byte crossed the wire once: the main file was reused, the backbone resumed.
        XCTAssertEqual(host.bodyBytesSent, totalBytes)
        XCTAssertEqual(host.bodyBytesSent, 178_849 + 178_397 + 156_782)
        let baseGets = host.requests.filter { $0.method == "GET" && $0.uri == "/cdn/\(Self.repo)/\(Self.revision)/\(Self.basePath)" }
        XCTAssertEqual(baseGets.map { $0.headers["range"] }, [nil, "bytes=\(cut)-"])
        XCTAssertEqual(host.requests.filter { $0.method == "GET" && $0.uri == "/cdn/\(Self.repo)/\(Self.revision)/\(Self.mainPath)" }.count, 1,
                       "the complete main file was not fetched again")

        try assertInstalledReferenceModel(pull)
    }

    // MARK: 3. A corrupted file

    func testCorruptedBackboneIsRefusedAndNothingIsInstalled() throws {
        let pull = try puller()
        host.configure { $0.corruptPathsContaining = Self.basePath }
        let error = thrownError { try install(pull) }
        var corrupted = baseBytes
        corrupted[corrupted.count / 2] ^= 0xFF
        XCTAssertEqual(error as? ModelDownloadError,
                       .hashMismatch(file: "\(Self.repo)/\(Self.basePath)", expected: FakeModelHost.sha256Hex(baseBytes),
                                     actual: FakeModelHost.sha256Hex(corrupted)))
        try assertNothingInstalled(pull)
        // The main file (fine) stays for the next run; of the backbone, neither a final file,
        // nor a part, nor a record; the text file was never asked for.
        XCTAssertEqual(downloadsListing(pull), [Self.mainDownload, Self.mainDownload + ".json"])
        XCTAssertEqual(host.requests.filter { $0.uri.contains(Self.textURL.path) }.count, 0)

        // Once the host serves the right bytes, a re-run fetches only what is missing.
        host.configure { $0.corruptPathsContaining = nil }
        let sentBefore = host.bodyBytesSent
        XCTAssertEqual(sentBefore, mainBytes.count + baseBytes.count)
        let (_, files) = try install(pull)
        XCTAssertEqual(files.files[.main]?.reused, true)
        XCTAssertEqual(host.bodyBytesSent - sentBefore, baseBytes.count + textBytes.count)
        try assertInstalledReferenceModel(pull)
    }

    // MARK: 4. Downloads fine, does not import

    func testFileThatDownloadsButDoesNotImportInstallsNothingAndKeepsTheDownloads() throws {
        let marker = "/tmp/fluxsearch-pth-fixture-was-executed"
        try? FileManager.default.removeItem(atPath: marker)
        let pull = try puller()
        let forbiddenEntry = entry(mainPath: Self.forbiddenPath)
        let error = thrownError { try install(pull, entry: forbiddenEntry) }
        let mainFile = pull.library.downloadsFolder.appendingPathComponent(Self.forbiddenDownload)
        guard case .refusedGlobal(let path, _, let global)? = error as? PyTorchCheckpointError else {
            return XCTFail("\(String(describing: error))")
        }
        XCTAssertEqual(global, "os.system")
        XCTAssertEqual(path, mainFile.path)
        let message = "\(error!)"
        XCTAssertTrue(message.contains("\(mainFile.path): refused: the checkpoint calls os.system"), message)
        XCTAssertFalse(FileManager.default.fileExists(atPath: marker), "the pickle's command ran")
        try assertNothingInstalled(pull)

        // The downloads were verified and stay: a re-run downloads nothing.
        let listing = [Self.baseDownload, Self.baseDownload + ".json", Self.forbiddenDownload, Self.forbiddenDownload + ".json",
                       Self.textDownload, Self.textDownload + ".json"].sorted()
        XCTAssertEqual(downloadsListing(pull), listing)
        XCTAssertEqual(try Data(contentsOf: mainFile), forbiddenBytes)
        XCTAssertEqual(host.bodyBytesSent, forbiddenBytes.count + baseBytes.count + textBytes.count)
        let sentBefore = host.bodyBytesSent
        let again = thrownError { try install(pull, entry: forbiddenEntry) }
        guard case .refusedGlobal(_, _, "os.system")? = again as? PyTorchCheckpointError else {
            return XCTFail("\(String(describing: again))")
        }
        XCTAssertEqual(host.bodyBytesSent, sentBefore)
        XCTAssertEqual(downloadsListing(pull), listing)
        try assertNothingInstalled(pull)
    }

    // MARK: 5. Name already installed

    func testInstalledNameIsRefusedBeforeDownloadingUnlessReplace() throws {
        let pull = try puller()
        try install(pull)
        let folder = pull.library.folder.appendingPathComponent(Self.modelName, isDirectory: true)
        let marker = folder.appendingPathComponent("from-the-first-install")
        try Data("old".utf8).write(to: marker)
        let sentBefore = host.bodyBytesSent
        let requestsBefore = host.requests.count
        XCTAssertEqual(sentBefore, totalBytes)

        let error = thrownError { try install(pull) }
        XCTAssertEqual(error as? ModelLibraryError, .alreadyInstalled(Self.modelName, url: folder))
        XCTAssertTrue("\(error!)".contains("pass --replace"), "\(error!)")
        XCTAssertEqual(host.bodyBytesSent, sentBefore, "nothing was downloaded")
        XCTAssertEqual(host.requests.count, requestsBefore, "not even a HEAD request")
        XCTAssertTrue(FileManager.default.fileExists(atPath: marker.path), "the installed model is untouched")
        XCTAssertEqual(hiddenLeftovers(pull.library), [])

        let (report, files) = try install(pull, replace: true)
        XCTAssertEqual(report.directory.standardizedFileURL.path, folder.standardizedFileURL.path)
        XCTAssertEqual(files.files.values.map(\.reused), [true, true, true], "the downloads were reused")
        XCTAssertEqual(host.bodyBytesSent, sentBefore)
        XCTAssertFalse(FileManager.default.fileExists(atPath: marker.path), "the old model was replaced")
        try assertInstalledReferenceModel(pull)
    }
}
