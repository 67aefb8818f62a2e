import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// A folder of odd inputs a hostile or unlucky user has (over 25 kinds): `index` must finish
/// without a crash or a hang, and every entry must appear once in the summary — indexed,
/// skipped unchanged, not a video, or failed — and in `info --errors` in the same category.
final class BadInputFolderTests: XCTestCase {
    var dir: URL!
    var folder: URL { dir.appendingPathComponent("odd") }

    func ffmpeg(_ args: [String]) throws {
        let r = try runProcess(URL(fileURLWithPath: "/usr/bin/ffmpeg"), ["-y", "-loglevel", "error"] + args)
        XCTAssertEqual(r.status, 0, "ffmpeg \(args): \(r.stderr)")
    }

    func video(_ name: String, seconds: Int = 2, codec: String = "libx264", extra: [String] = []) throws {
        try ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=96x64:rate=10:duration=\(seconds)", "-c:v", codec, "-pix_fmt", "yuv420p"]
                   + extra + [folder.appendingPathComponent(name).path])
    }

    /// Runs the CLI, killing it after `limit` seconds (a hang fails the test instead of the suite).
    func run(_ args: [String], limit: Double = 180) throws -> CLI.Result {
        let p = Process()
        p.executableURL = CLI.executable
        p.arguments = args
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let timer = DispatchWorkItem { if p.isRunning { kill(p.processIdentifier, SIGKILL) } }
        DispatchQueue.global().asyncAfter(deadline: .now() + limit, execute: timer)
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        timer.cancel()
        XCTAssertNotEqual(p.terminationReason, .uncaughtSignal, "fluxsearch \(args.first ?? "") was killed (hang or crash)")
        return CLI.Result(status: p.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                          stderr: String(decoding: stderr, as: UTF8.self))
    }

    func testAFolderOfOddInputsIsFullyAccountedFor() throws {
        dir = try temporaryDirectory(self)
        let fm = FileManager.default
        try fm.createDirectory(at: folder.appendingPathComponent("sub/deeper"), withIntermediateDirectories: true)
        let model = dir.appendingPathComponent("model").path
        XCTAssertEqual(try CLI.run(["dev", "random-model", "--output", model]).status, 0)

        // Videos that must index.
        try video("good.mp4")
        try video("good.webm", codec: "libvpx-vp9")
        try video("sub/deeper/nested.mp4")
        try video("spaces and café ☕.mp4")
        try video("two\nlines.mp4")
        try video("rotated.mp4", extra: ["-metadata:s:v", "rotate=90"])
        try video("one-frame.mp4", seconds: 1, extra: ["-frames:v", "1"])
        try video("actually-webm.mp4", codec: "libvpx-vp9", extra: ["-f", "webm"])
        try fm.createDirectory(at: folder.appendingPathComponent("folder.mp4"), withIntermediateDirectories: true)
        try video("folder.mp4/inside.mp4")
        try fm.createSymbolicLink(atPath: folder.appendingPathComponent("link-to-good.mp4").path, withDestinationPath: "good.mp4")
        // Damaged videos: truncated, garbage in the middle.
        try video("long.mp4", seconds: 4)
        let long = try Data(contentsOf: folder.appendingPathComponent("long.mp4"))
        try long.prefix(long.count * 6 / 10).write(to: folder.appendingPathComponent("truncated.mp4"))
        var corrupt = long
        let start = corrupt.count * 6 / 10
        for i in start..<min(start + 4096, corrupt.count) { corrupt[i] = UInt8(truncatingIfNeeded: i &* 131 &+ 7) }
        try corrupt.write(to: folder.appendingPathComponent("corrupt-middle.mp4"))
        // No videos at all.
        try Data().write(to: folder.appendingPathComponent("empty.mp4"))
        try Data((0..<4096).map { UInt8(truncatingIfNeeded: $0 &* 2_654_435_761 >> 13) }).write(to: folder.appendingPathComponent("random.mp4"))
        try Data("not a video\n".utf8).write(to: folder.appendingPathComponent("notes.txt"))
        try ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=64x48", "-frames:v", "1", folder.appendingPathComponent("still.png").path])
        try ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=64x48", "-frames:v", "1", folder.appendingPathComponent("still.jpg").path])
        try ffmpeg(["-f", "lavfi", "-i", "sine=frequency=440:duration=1", "-c:a", "aac", folder.appendingPathComponent("sound.m4a").path])
        try ffmpeg(["-f", "lavfi", "-i", "sine=frequency=440:duration=1", "-i", folder.appendingPathComponent("still.jpg").path,
                    "-map", "0", "-map", "1", "-c:a", "aac", "-c:v", "copy", "-disposition:v", "attached_pic",
                    folder.appendingPathComponent("cover-art.m4a").path])
        try Data("hidden".utf8).write(to: folder.appendingPathComponent(".hidden.mp4"))
        try Data("thumbs".utf8).write(to: folder.appendingPathComponent("Thumbs.db"))
        // Entries that are no regular file, and links that lead nowhere.
        XCTAssertEqual(mkfifo(folder.appendingPathComponent("fifo.mp4").path, 0o644), 0)
        let sock = try runProcess(URL(fileURLWithPath: "/usr/bin/env"),
                                  ["python3", "-c", "import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])",
                                   folder.appendingPathComponent("socket.mp4").path])
        XCTAssertEqual(sock.status, 0, sock.stderr)
        let device = mknod(folder.appendingPathComponent("device.mp4").path, S_IFCHR | 0o644, dev_t((1 << 8) | 3)) == 0  // makedev(1, 3): like /dev/null
        try fm.createSymbolicLink(atPath: folder.appendingPathComponent("dangling.mp4").path, withDestinationPath: "nowhere.mp4")
        try fm.createSymbolicLink(atPath: folder.appendingPathComponent("loop.mp4").path, withDestinationPath: "loop.mp4")
        try fm.createSymbolicLink(atPath: folder.appendingPathComponent("sub/up").path, withDestinationPath: "..")
        // A name that is not UTF-8 (0xE9: Latin-1 é).
        let badName = Array(folder.appendingPathComponent("caf").path.utf8CString.dropLast()) + [CChar(bitPattern: 0xE9), 0x2E, 0x6D, 0x70, 0x34, 0]
        let fd = open(badName, O_CREAT | O_WRONLY, 0o644)
        XCTAssertGreaterThanOrEqual(fd, 0)
        let goodBytes = try Data(contentsOf: folder.appendingPathComponent("good.mp4"))
        XCTAssertEqual(goodBytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }, goodBytes.count)
        close(fd)

        let index = dir.appendingPathComponent("index").path
        let r = try run(["index", folder.path, "--tokens", "256", "--model", model, "--index-dir", index, "--json"])
        XCTAssertEqual(r.status, 0, r.stderr)
        struct Entry: Decodable { let path: String; let reason: String }
        struct Summary: Decodable { let indexed: [String]; let skipped: [String]; let not_video: [Entry]; let failed: [Entry]; let warnings: [Entry]
            let pruned: [String] }
        struct Report: Decodable { let summary: Summary }
        let s = try JSONDecoder().decode(Report.self, from: Data(r.stdout.utf8)).summary
        func names(_ paths: [String]) -> Set<String> {
            Set(paths.map { $0.hasPrefix(folder.path + "/") ? String($0.dropFirst(folder.path.count + 1)) : $0 })
        }
        let indexed = names(s.indexed), notVideo = names(s.not_video.map(\.path)), failed = names(s.failed.map(\.path))
        let warned = names(s.warnings.map(\.path))
        print("bad-input folder: indexed \(indexed.sorted()), not video \(notVideo.sorted()), failed \(failed.sorted()), warnings \(warned.sorted())")

        for name in ["good.mp4", "good.webm", "sub/deeper/nested.mp4", "spaces and café ☕.mp4", "two\nlines.mp4", "rotated.mp4",
                     "actually-webm.mp4", "folder.mp4/inside.mp4", "link-to-good.mp4", "corrupt-middle.mp4", "caf\\xE9.mp4"] {
            XCTAssertTrue(indexed.contains(name), "\(name) should be indexed")
        }
        for name in ["empty.mp4", "random.mp4", "notes.txt", "still.png", "still.jpg", "sound.m4a", "cover-art.m4a", ".hidden.mp4",
                     "Thumbs.db", "fifo.mp4", "socket.mp4"] + (device ? ["device.mp4"] : []) {
            XCTAssertTrue(notVideo.contains(name), "\(name) should be 'not video'")
        }
        for name in ["dangling.mp4", "loop.mp4"] {
            XCTAssertTrue(failed.contains(name), "\(name) should have failed with a reason")
        }
        XCTAssertTrue(failed.contains { $0.hasPrefix("sub/up") } || notVideo.contains { $0.hasPrefix("sub/up") }, "the .. link is reported")
        // Damage is never silent: a damaged file is indexed with a warning, or fails.
        XCTAssertTrue(warned.contains("corrupt-middle.mp4") || failed.contains("corrupt-middle.mp4"), "corrupt-middle.mp4")
        XCTAssertTrue(warned.contains("truncated.mp4") || failed.contains("truncated.mp4"), "truncated.mp4")
        // Every entry once.
        let all = [indexed, notVideo, failed]
        XCTAssertEqual(all.map(\.count).reduce(0, +), all.reduce(Set<String>()) { $0.union($1) }.count, "an entry in two categories")
        XCTAssertGreaterThanOrEqual(all.map(\.count).reduce(0, +), 25)

        // info --errors lists the same entries in the same categories.
        struct Info: Decodable { let failure_list: [F]; struct F: Decodable { let path: String; let stage: String } }
        let info = try run(["info", "--errors", "--json", "--index-dir", index])
        XCTAssertEqual(info.status, 0, info.stderr)
        let records = try JSONDecoder().decode(Info.self, from: Data(info.stdout.utf8)).failure_list
        XCTAssertEqual(names(records.filter { $0.stage == "not-video" }.map(\.path)), notVideo)
        XCTAssertEqual(names(records.filter { $0.stage != "not-video" && $0.stage != "warning" }.map(\.path)), failed)
        XCTAssertEqual(names(records.filter { $0.stage == "warning" }.map(\.path)), warned)

        // The file whose name is not UTF-8 is found again from its stored name: refining
        // re-encodes every hit from its file, and none fails.
        struct Q: Decodable { let result: R; struct R: Decodable { let refine: F }; struct F: Decodable { let failed: [String]; let encoded: Int } }
        let q = try run(["query", "a test pattern", "-k", "20", "--no-collapse", "--refine-tokens", "512", "--refine-top", "20", "--model", model,
                         "--index-dir", index, "--json"])
        XCTAssertEqual(q.status, 0, q.stderr)
        let refine = try JSONDecoder().decode(Q.self, from: Data(q.stdout.utf8)).result.refine
        XCTAssertEqual(refine.failed, [])
        XCTAssertGreaterThan(refine.encoded, 10)

        // A second run: everything that indexed is skipped unchanged; the rest is reported again.
        let again = try run(["index", folder.path, "--prune", "--model", model, "--index-dir", index, "--json"])
        XCTAssertEqual(again.status, 0, again.stderr)
        let s2 = try JSONDecoder().decode(Report.self, from: Data(again.stdout.utf8)).summary
        XCTAssertEqual(names(s2.skipped), indexed)
        XCTAssertEqual(s2.pruned, [], "--prune keeps every file that still exists, whatever its name")
        XCTAssertEqual(names(s2.not_video.map(\.path)), notVideo)
    }
}
