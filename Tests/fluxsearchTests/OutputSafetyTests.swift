import XCTest
import FluxCore
#if canImport(Glibc)
import Glibc
#endif

/// Output files and standard output through the built binary: a user-named output file never
/// replaces a link, device, FIFO or directory; a failed write to stdout is never lost
/// (exit 1 with a message on a full disk, exit 141 without one on a closed pipe); JSON does
/// not escape slashes.
final class OutputSafetyTests: XCTestCase {
    /// One tiny model and a one-clip index, shared by the tests of this class (built once).
    nonisolated(unsafe) static var shared: URL?
    var dir: URL!
    var index: String { Self.shared!.appendingPathComponent("index").path }

    override class func setUp() {
        super.setUp()
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("fluxsearch-output-\(UUID().uuidString)")
        let clips = root.appendingPathComponent("clips")
        do {
            try FileManager.default.createDirectory(at: clips, withIntermediateDirectories: true)
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/usr/bin/ffmpeg")
            p.arguments = ["-y", "-loglevel", "error", "-f", "lavfi", "-i", "testsrc2=size=160x120:rate=10:duration=1",
                           "-c:v", "libx264", "-pix_fmt", "yuv420p", clips.appendingPathComponent("clip.mp4").path]
            try p.run(); p.waitUntilExit()
            let model = root.appendingPathComponent("model").path
            let m = try CLI.run(["dev", "random-model", "--output", model])
            let i = try CLI.run(["index", clips.path, "--model", model, "--tokens", "256",
                                 "--index-dir", root.appendingPathComponent("index").path])
            if p.terminationStatus == 0 && m.status == 0 && i.status == 0 { shared = root }
        } catch {}
    }

    override class func tearDown() {
        if let shared { try? FileManager.default.removeItem(at: shared) }
        shared = nil
        super.tearDown()
    }

    override func setUpWithError() throws {
        guard Self.shared != nil else { throw XCTSkip("could not build the test index (ffmpeg, dev random-model or index failed)") }
        dir = try temporaryDirectory(self)
    }

    func export(_ extra: [String]) throws -> CLI.Result {
        try CLI.run(["export", "--index-dir", index] + extra)
    }

    /// The file type bits of `path` itself (not of what a link points to).
    func fileType(_ path: String) -> mode_t? {
        var info = stat()
        return lstat(path, &info) == 0 ? info.st_mode & S_IFMT : nil
    }

    /// The names in `dir` other than `keep` (to find left-over temporary files).
    func strayFiles(_ keep: Set<String>) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { !keep.contains($0) }
    }

    // MARK: - Output files

    func testExportWritesARegularFileAndReplacesOne() throws {
        let target = dir.appendingPathComponent("clips.jsonl")
        try Data("old\n".utf8).write(to: target)
        chmod(target.path, 0o640)
        let r = try export(["--output", target.path, "--vectors", dir.appendingPathComponent("v.npy").path])
        XCTAssertEqual(r.status, 0, r.stderr)
        let text = try String(contentsOf: target, encoding: .utf8)
        XCTAssertTrue(text.contains("\"clip_id\""), text)
        XCTAssertFalse(text.contains("old"))
        var info = stat()
        XCTAssertEqual(stat(target.path, &info), 0)
        XCTAssertEqual(info.st_mode & 0o777, 0o640, "the replaced file keeps its permissions")
        let vectors = try NPY.read(dir.appendingPathComponent("v.npy"))
        XCTAssertEqual(vectors.shape.first, 1)
        XCTAssertEqual(try strayFiles(["clips.jsonl", "v.npy"]), [], "no temporary file is left")
    }

    func testExportRefusesASymbolicLink() throws {
        let real = dir.appendingPathComponent("real.txt"), link = dir.appendingPathComponent("link.txt")
        try Data("keep".utf8).write(to: real)
        try FileManager.default.createSymbolicLink(atPath: link.path, withDestinationPath: real.path)
        let r = try export(["--output", link.path])
        XCTAssertEqual(r.status, 1, r.stderr)
        XCTAssertTrue(r.stderr.contains("Error: cannot write \(link.path): it is a symbolic link, not a regular file; name a regular file for --output"),
                      r.stderr)
        XCTAssertEqual(fileType(link.path), S_IFLNK, "the link is still a link")
        XCTAssertEqual(try FileManager.default.destinationOfSymbolicLink(atPath: link.path), real.path)
        XCTAssertEqual(try String(contentsOf: real, encoding: .utf8), "keep", "the link's target is unchanged")
        XCTAssertEqual(try strayFiles(["real.txt", "link.txt"]), [])

        let v = try export(["--vectors", link.path])
        XCTAssertEqual(v.status, 1, v.stderr)
        XCTAssertTrue(v.stderr.contains("it is a symbolic link, not a regular file; name a regular file for --vectors"), v.stderr)
        XCTAssertEqual(try String(contentsOf: real, encoding: .utf8), "keep")
    }

    func testExportRefusesAFIFOWithoutOpeningIt() throws {
        let fifo = dir.appendingPathComponent("fifo").path
        XCTAssertEqual(mkfifo(fifo, 0o644), 0, "mkfifo")
        // Opening the FIFO for writing would block until a reader comes: the refusal must come first.
        let r = try export(["--output", fifo])
        XCTAssertEqual(r.status, 1, r.stderr)
        XCTAssertTrue(r.stderr.contains("cannot write \(fifo): it is a FIFO (named pipe), not a regular file; name a regular file for --output"), r.stderr)
        XCTAssertEqual(fileType(fifo), S_IFIFO)
        XCTAssertEqual(try strayFiles(["fifo"]), [])
    }

    func testExportRefusesADirectory() throws {
        let folder = dir.appendingPathComponent("folder")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: false)
        let r = try export(["--output", folder.path])
        XCTAssertEqual(r.status, 1, r.stderr)
        XCTAssertTrue(r.stderr.contains("cannot write \(folder.path): it is a directory, not a regular file; name a regular file for --output"), r.stderr)
        XCTAssertEqual(fileType(folder.path), S_IFDIR)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path), [])
    }

    func testExportRefusesACharacterDevice() throws {
        // A device node of our own (the null device's numbers, 1:3) in the test folder; never /dev/null itself.
        let device = dir.appendingPathComponent("null").path
        guard mknod(device, S_IFCHR | 0o666, dev_t((1 << 8) | 3)) == 0 else {
            throw XCTSkip("mknod failed (\(String(cString: strerror(errno)))); creating a device node needs root and CAP_MKNOD")
        }
        let r = try export(["--output", device])
        XCTAssertEqual(r.status, 1, r.stderr)
        XCTAssertTrue(r.stderr.contains("cannot write \(device): it is a character device, not a regular file; name a regular file for --output"), r.stderr)
        XCTAssertEqual(fileType(device), S_IFCHR, "the device node is still a device")
        XCTAssertEqual(try strayFiles(["null"]), [])
    }

    func testExportIntoAMissingFolder() throws {
        let target = dir.appendingPathComponent("nope/clips.jsonl").path
        let r = try export(["--output", target])
        XCTAssertEqual(r.status, 1, r.stderr)
        XCTAssertTrue(r.stderr.contains("cannot write \(target): \(dir.appendingPathComponent("nope").path) does not exist; create the folder"), r.stderr)
        XCTAssertEqual(try strayFiles([]), [])
    }

    func testExportIntoAReadOnlyFolder() throws {
        try XCTSkipIf(getuid() == 0, "root writes into a read-only folder; not testable as root")
        let folder = dir.appendingPathComponent("ro")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: false)
        chmod(folder.path, 0o555)
        defer { chmod(folder.path, 0o755) }
        let r = try export(["--output", folder.appendingPathComponent("x.jsonl").path])
        XCTAssertEqual(r.status, 1, r.stderr)
        XCTAssertTrue(r.stderr.contains("Permission denied"), r.stderr)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path), [])
    }

    func testEvalScoresRefusesALinkBeforeItPrints() throws {
        let sim = dir.appendingPathComponent("sim.npy")
        try NPY.write([0.9, 0.1, 0.2, 0.8], shape: [2, 2], to: sim)
        let real = dir.appendingPathComponent("real.json"), link = dir.appendingPathComponent("link.json")
        try Data("keep".utf8).write(to: real)
        try FileManager.default.createSymbolicLink(atPath: link.path, withDestinationPath: real.path)
        for option in ["--json", "--per-query"] {
            let r = try CLI.run(["eval", "scores", "--sim", sim.path, option, link.path])
            XCTAssertEqual(r.status, 1, r.stderr)
            XCTAssertTrue(r.stderr.contains("cannot write \(link.path): it is a symbolic link, not a regular file; name a regular file for \(option)"), r.stderr)
            XCTAssertEqual(r.stdout, "", "refused before the table is printed")
            XCTAssertEqual(fileType(link.path), S_IFLNK)
            XCTAssertEqual(try String(contentsOf: real, encoding: .utf8), "keep")
        }
    }

    // MARK: - Standard output

    func withDevFull<T>(_ body: (FileHandle) throws -> T) throws -> T {
        guard let full = FileHandle(forWritingAtPath: "/dev/full") else { throw XCTSkip("no /dev/full") }
        defer { try? full.close() }
        return try body(full)
    }

    let fullDisk = "Error: cannot write to standard output: No space left on device"

    func testExportToAFullDisk() throws {
        for format in ["jsonl", "json", "csv"] {
            let (r, reason) = try withDevFull { try CLI.run(["export", "--index-dir", index, "--format", format], standardOutput: $0) }
            XCTAssertEqual(reason, .exit, "not killed by a signal (\(format))")
            XCTAssertEqual(r.status, 1, r.stderr)
            XCTAssertTrue(r.stderr.contains(fullDisk), r.stderr)
        }
    }

    func testInfoToAFullDisk() throws {
        for extra in [[], ["--json"]] {
            let (r, reason) = try withDevFull { try CLI.run(["info", "--index-dir", index] + extra, standardOutput: $0) }
            XCTAssertEqual(reason, .exit)
            XCTAssertEqual(r.status, 1, r.stderr)
            XCTAssertTrue(r.stderr.contains(fullDisk), r.stderr)
        }
    }

    func testEvalScoresAndHelpToAFullDisk() throws {
        let sim = dir.appendingPathComponent("sim.npy")
        try NPY.write([0.9, 0.1, 0.2, 0.8], shape: [2, 2], to: sim)
        for args in [["eval", "scores", "--sim", sim.path], ["eval", "scores", "--sim", sim.path, "--json", "-"], ["--help"]] {
            let (r, reason) = try withDevFull { try CLI.run(args, standardOutput: $0) }
            XCTAssertEqual(reason, .exit, "\(args)")
            XCTAssertEqual(r.status, 1, "\(args): \(r.stderr)")
            XCTAssertTrue(r.stderr.contains(fullDisk), "\(args): \(r.stderr)")
        }
    }

    /// Runs `arguments` with stdout on a pipe that nobody reads (its read end closed before the start).
    func runIntoClosedPipe(_ arguments: [String]) throws -> (result: CLI.Result, reason: Process.TerminationReason) {
        var fds: [Int32] = [0, 0]
        XCTAssertEqual(pipe(&fds), 0)
        close(fds[0])
        let writeEnd = FileHandle(fileDescriptor: fds[1], closeOnDealloc: true)
        defer { try? writeEnd.close() }
        return try CLI.run(arguments, standardOutput: writeEnd)
    }

    func testClosedPipeExits141Quietly() throws {
        for args in [["export", "--index-dir", index], ["info", "--index-dir", index], ["--help"]] {
            let (r, reason) = try runIntoClosedPipe(args)
            XCTAssertEqual(reason, .exit, "\(args): exits, not killed by SIGPIPE")
            XCTAssertEqual(r.status, 141, "\(args): \(r.stderr)")
            XCTAssertEqual(r.stderr, "", "\(args)")
        }
    }

    // MARK: - JSON

    func testJSONDoesNotEscapeSlashes() throws {
        for args in [["export", "--format", "json"], ["export", "--format", "jsonl"], ["info", "--json"]] {
            let r = try CLI.run(args + ["--index-dir", index])
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertTrue(r.stdout.contains("/"), r.stdout)
            XCTAssertFalse(r.stdout.contains("\\/"), "\(args): \(r.stdout)")
        }
    }
}
