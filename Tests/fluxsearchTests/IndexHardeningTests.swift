import XCTest
import FluxCore

/// Defects a new user met in the first hour (issue "Hardening from a release test"), each
/// reproduced through the CLI: segmenting short videos, interruption, two writers, settings an
/// index remembers, budgets the model cannot honour, query by example, and the small ones.
final class IndexHardeningTests: XCTestCase {
    var dir: URL!
    var clips: URL { dir.appendingPathComponent("clips") }
    var model: String { dir.appendingPathComponent("model").path }
    var index: String { dir.appendingPathComponent("index").path }

    override func setUpWithError() throws {
        dir = try temporaryDirectory(self)
        try FileManager.default.createDirectory(at: clips, withIntermediateDirectories: true)
        XCTAssertEqual(try CLI.run(["dev", "random-model", "--output", model]).status, 0)
    }

    func clip(_ name: String, seconds: Int, colour: String = "red", in folder: URL? = nil) throws {
        let url = (folder ?? clips).appendingPathComponent(name)
        let r = try runProcess(URL(fileURLWithPath: "/usr/bin/ffmpeg"),
                               ["-y", "-loglevel", "error", "-f", "lavfi",
                                "-i", "testsrc2=size=160x120:rate=10:duration=\(seconds),drawbox=x=20:y=20:w=50:h=40:color=\(colour):t=fill",
                                "-c:v", "libx264", "-pix_fmt", "yuv420p", url.path])
        XCTAssertEqual(r.status, 0, r.stderr)
    }

    struct Summary: Decodable { let indexed: [String]; let failed: [Failed]; let clips: Int
        struct Failed: Decodable { let path: String; let reason: String } }
    struct Report: Decodable { let budgets: [Int]; let summary: Summary }

    func index(_ args: [String], status: Int32 = 0, file: StaticString = #filePath, line: UInt = #line) throws -> Report? {
        let r = try CLI.run(["index"] + args + ["--model", model, "--index-dir", index, "--json"])
        XCTAssertEqual(r.status, status, r.stderr, file: file, line: line)
        return r.status == 0 ? try JSONDecoder().decode(Report.self, from: Data(r.stdout.utf8)) : nil
    }

    func infoClips() throws -> Int {
        struct Info: Decodable { let clips: Int }
        let r = try CLI.run(["info", "--json", "--index-dir", index])
        XCTAssertEqual(r.status, 0, r.stderr)
        return try JSONDecoder().decode(Info.self, from: Data(r.stdout.utf8)).clips
    }

    // 1. `--segment S` dropped every video of S seconds or less.
    func testSegmentingNeverDropsAShortVideo() throws {
        try clip("two.mp4", seconds: 2)
        try clip("six.mp4", seconds: 6)
        let ten = try XCTUnwrap(try index([clips.path, "--tokens", "256", "--segment", "10"]))
        XCTAssertEqual(ten.summary.failed.map(\.reason), [])
        XCTAssertEqual(ten.summary.indexed.count, 2)
        XCTAssertEqual(ten.summary.clips, 2, "shorter than a segment: the whole-video clip only")
        try FileManager.default.removeItem(atPath: index)
        let overlap = try XCTUnwrap(try index([clips.path, "--tokens", "256", "--segment", "5:2.5"]))
        XCTAssertEqual(overlap.summary.indexed.count, 2)
        XCTAssertEqual(overlap.summary.clips, 2 + 2, "6 s: whole + [0, 5) + [1, 6); 2 s: whole")
        XCTAssertEqual(try infoClips(), overlap.summary.clips, "the summary counts what was stored")
    }

    // 7. An index remembers budgets and segmenting, and a conflicting flag says what to pass.
    func testAnIndexRemembersHowItWasBuilt() throws {
        try clip("a.mp4", seconds: 3)
        _ = try index([clips.path, "--tokens", "256", "--segment", "1"])
        try clip("b.mp4", seconds: 2, colour: "blue")
        let again = try XCTUnwrap(try index([clips.path]))
        XCTAssertEqual(again.budgets, [256], "no --tokens: the index's budgets")
        XCTAssertEqual(again.summary.indexed.map { URL(fileURLWithPath: $0).lastPathComponent }, ["b.mp4"])
        XCTAssertEqual(again.summary.clips, 1 + 2, "whole + two 1 s segments: --segment 1 is remembered")

        let conflict = try CLI.run(["index", clips.path, "--segment", "2", "--model", model, "--index-dir", index])
        XCTAssertEqual(conflict.status, 1)
        XCTAssertTrue(conflict.stderr.contains("was built with --segment 1, not 2; leave --segment out (or pass --segment 1)"), conflict.stderr)
        let none = try CLI.run(["index", clips.path, "--frames", "4", "--model", model, "--index-dir", index])
        XCTAssertTrue(none.stderr.contains("was built without --frames (the model's table decides), not with --frames 4"), none.stderr)
        XCTAssertEqual(conflict.stderr.split(separator: "\n").count, 1, "one line: \(conflict.stderr)")

        // The model's location is remembered too: no --model, no $FLUXSEARCH_MODEL, another directory.
        let q = try CLI.run(["query", "a red box", "--index-dir", index, "--json"], unsetting: ["FLUXSEARCH_MODEL"], in: dir)
        XCTAssertEqual(q.status, 0, q.stderr)
    }

    // 8. Budgets the model cannot honour were accepted and silently became smaller ones.
    func testABudgetAboveThePoolIsRefused() throws {
        try clip("a.mp4", seconds: 2)
        let r = try CLI.run(["index", clips.path, "--tokens", "999999999", "--model", model, "--index-dir", index])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("24 frames × 224 px = 6144 tokens"), r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: index + "/index.sqlite"), "refused before the index exists")
        _ = try index([clips.path, "--tokens", "256"])
        let refine = try CLI.run(["query", "a red box", "--refine-tokens", "999999", "--model", model, "--index-dir", index])
        XCTAssertEqual(refine.status, 1)
        XCTAssertTrue(refine.stderr.contains("invalid token budget: 999999"), refine.stderr)
        let info = try CLI.run(["info", "--index-dir", index])
        XCTAssertTrue(info.stdout.contains("256 tokens (2 × 224 px, pool 512): 1 clips"), info.stdout)
    }

    // 9. Query by example scored an indexed clip's own vector at 0.95 when the index overrode
    // frames and size.
    func testQueryByExampleSamplesAsTheIndexDid() throws {
        try clip("a.mp4", seconds: 3)
        try clip("b.mp4", seconds: 2, colour: "green")
        _ = try index([clips.path, "--tokens", "64", "--frames", "4", "--size", "56"])
        struct Q: Decodable { let result: R; struct R: Decodable { let hits: [H] }; struct H: Decodable { let path: String; let cosine: Float } }
        let r = try CLI.run(["query", "--video", clips.appendingPathComponent("a.mp4").path, "--model", model, "--index-dir", index, "--json"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let top = try XCTUnwrap(try JSONDecoder().decode(Q.self, from: Data(r.stdout.utf8)).result.hits.first)
        XCTAssertTrue(top.path.hasSuffix("/a.mp4"))
        XCTAssertEqual(top.cosine, 1, accuracy: 1e-5)
        let late = try CLI.run(["query", "--video", clips.appendingPathComponent("a.mp4").path, "--start", "100", "--end", "200",
                                "--model", model, "--index-dir", index])
        XCTAssertEqual(late.status, 1)
        XCTAssertTrue(late.stderr.contains("starts after the video ends"), late.stderr)
    }

    // 6. Two indexers on one index both ran, each encoding every file.
    func testASecondWriterIsRefusedWithThePidOfTheFirst() throws {
        for i in 0..<6 { try clip("\(i).mp4", seconds: 3, colour: ["red", "green", "blue", "white", "yellow", "cyan"][i]) }
        let first = Process()
        first.executableURL = CLI.executable
        first.arguments = ["index", clips.path, "--tokens", "512", "--segment", "0.5", "--model", model, "--index-dir", index]
        first.standardOutput = FileHandle.nullDevice
        first.standardError = FileHandle.nullDevice
        try first.run()
        defer { if first.isRunning { kill(first.processIdentifier, SIGKILL) }; first.waitUntilExit() }
        let lockFile = index + "/index.lock"
        let deadline = Date().addingTimeInterval(20)
        while (try? String(contentsOfFile: lockFile, encoding: .utf8))?.isEmpty ?? true, Date() < deadline { usleep(10_000) }
        let second = try CLI.run(["index", clips.path, "--model", model, "--index-dir", index])
        XCTAssertTrue(first.isRunning, "the first run ended too soon for this test")
        XCTAssertEqual(second.status, 1, second.stderr)
        XCTAssertTrue(second.stderr.contains("another fluxsearch is indexing \(index) (pid \(first.processIdentifier))"), second.stderr)
    }

    // 5. SIGINT exited 0 and the summary overstated what was stored.
    func testCtrlCExits130WithinASecondReportingWhatIsStored() throws {
        for i in 0..<4 { try clip("\(i).mp4", seconds: 4, colour: ["red", "green", "blue", "white"][i]) }
        let p = Process()
        p.executableURL = CLI.executable
        p.arguments = ["index", clips.path, "--tokens", "512", "--segment", "0.5", "--model", model, "--index-dir", index]
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        usleep(1_500_000)
        XCTAssertTrue(p.isRunning, "the run ended before the interrupt")
        let sent = Date()
        kill(p.processIdentifier, SIGINT)
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        XCTAssertLessThan(Date().timeIntervalSince(sent), 1.5, "SIGINT must end the run within about a second")
        XCTAssertEqual(p.terminationStatus, 130)
        let line = String(decoding: stdout, as: UTF8.self)
        let stored = try infoClips()
        XCTAssertTrue(line.contains(" — \(stored) clip vector(s)"), "summary: \(line), stored: \(stored)")
    }

    // 10. Smaller findings.
    func testSmallFindings() throws {
        let empty = dir.appendingPathComponent("empty")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        let none = try CLI.run(["index", empty.path, "--model", model, "--index-dir", dir.appendingPathComponent("empty-index").path])
        XCTAssertEqual(none.status, 1)
        XCTAssertTrue(none.stderr.contains("no files found in \(empty.path)"), none.stderr)

        // A newline in a file name stays inside its row.
        try clip("two\nlines.mp4", seconds: 2)
        for i in 0..<11 { try clip("\(i).mp4", seconds: 2, colour: ["red", "green", "blue"][i % 3]) }
        _ = try index([clips.path, "--tokens", "256", "--segment", "0.5"])
        let table = try CLI.run(["query", "a red box", "-k", "12", "--model", model, "--index-dir", index])
        XCTAssertEqual(table.status, 0, table.stderr)
        XCTAssertTrue(table.stdout.contains("two\\nlines.mp4"), table.stdout)
        XCTAssertFalse(table.stdout.contains("-0.0000"), table.stdout)
        // -k 12 on 12 videos of 5 clips each: 12 results, though 60 clips crowd the pool (the
        // clips of one colour are identical, so near-duplicate folding is off here).
        struct Q: Decodable { let result: R; struct R: Decodable { let hits: [H] }; struct H: Decodable { let path: String } }
        let json = try CLI.run(["query", "a red box", "-k", "12", "--no-collapse", "--model", model, "--index-dir", index, "--json"])
        XCTAssertEqual(try JSONDecoder().decode(Q.self, from: Data(json.stdout.utf8)).result.hits.count, 12)

        let dash = try CLI.run(["query", "-red", "--model", model, "--index-dir", index])
        XCTAssertEqual(dash.status, 64)
        XCTAssertTrue(dash.stderr.contains("put -- before it"), dash.stderr)
        let dashed = try CLI.run(["query", "--model", model, "--index-dir", index, "--", "-red"])
        XCTAssertEqual(dashed.status, 0, dashed.stderr)

        let long = try CLI.run(["query", String(repeating: "a red box ", count: 2000), "--model", model, "--index-dir", index])
        XCTAssertEqual(long.status, 64)
        XCTAssertTrue(long.stderr.contains("the limit is 10000"), long.stderr)
        let longish = try CLI.run(["query", String(repeating: "red ", count: 500), "--model", model, "--index-dir", index])
        XCTAssertEqual(longish.status, 0, longish.stderr)
        XCTAssertLessThan(longish.stdout.split(separator: "\n")[0].count, 300, "the echo is cut")
    }

    /// Every clip of the index (path, span, budget, kind) with its vector, sorted, so that runs
    /// whose clip ids or insertion order differ compare equal when their content does.
    func content(_ index: String) throws -> [String] {
        let v = dir.appendingPathComponent(UUID().uuidString + ".npy")
        let r = try CLI.run(["export", "--format", "jsonl", "--vectors", v.path, "--index-dir", index])
        XCTAssertEqual(r.status, 0, r.stderr)
        let vectors = try NPY.read(v).tensor.scalars
        let rows = r.stdout.split(separator: "\n")
        let e = rows.isEmpty ? 0 : vectors.count / rows.count
        return try rows.enumerated().map { i, line in
            var obj = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            obj["clip_id"] = nil
            let bits = vectors[(i * e)..<((i + 1) * e)].map { String($0.bitPattern, radix: 16) }.joined(separator: ",")
            return String(decoding: try JSONSerialization.data(withJSONObject: obj, options: [.sortedKeys]), as: UTF8.self) + " " + bits
        }.sorted()
    }

    // 5. Each video was one transaction: a long video interrupted more often than it takes to
    // encode never finished. Now 20 SIGKILLs, each sooner than one video takes, keep the
    // work done so far, and one resume then equals an uninterrupted run bit for bit.
    func testTwentySIGKILLsShorterThanAVideoStillConvergeToTheSameIndex() throws {
        try clip("long-a.mp4", seconds: 24)
        try clip("long-b.mp4", seconds: 24, colour: "blue")
        try clip("long-c.mp4", seconds: 24, colour: "white")
        let args = ["index", clips.path, "--tokens", "512", "--segment", "0.5", "--model", model]
        let reference = dir.appendingPathComponent("reference").path
        let t0 = Date()
        XCTAssertEqual(try CLI.run(args + ["--index-dir", reference]).status, 0)
        let perVideo = Date().timeIntervalSince(t0) / 3
        let expected = try content(reference)
        XCTAssertEqual(expected.count, 3 * 49, "whole + 48 half-second segments, three times")

        var rng = SystemRandomNumberGenerator()
        var stored: [Int] = []
        var kills = 0
        var runs = 0
        while kills < 20, runs < 60 {
            runs += 1
            let p = Process()
            p.executableURL = CLI.executable
            p.arguments = args + ["--index-dir", index]
            p.standardOutput = FileHandle.nullDevice
            p.standardError = FileHandle.nullDevice
            try p.run()
            // Sooner than one video takes (the startup is part of the run).
            usleep(UInt32(Double.random(in: 0.4...max(0.5, min(1.0, perVideo * 0.5)), using: &rng) * 1e6))
            if p.isRunning { kill(p.processIdentifier, SIGKILL); kills += 1 }
            p.waitUntilExit()
            if FileManager.default.fileExists(atPath: index + "/index.sqlite") { stored.append(try infoClips()) }
        }
        XCTAssertEqual(kills, 20, "the job ended before 20 kills landed: make the videos longer")
        print("SIGKILL convergence: \(kills) kills in \(runs) runs, one video takes \(String(format: "%.1f", perVideo)) s, clips stored after each: \(stored)")
        XCTAssertEqual(stored, stored.sorted(), "nothing committed is ever lost")
        XCTAssertGreaterThan(stored.last ?? 0, 0, "runs shorter than a video still make progress")
        let resumed = try XCTUnwrap(try index([clips.path]))
        XCTAssertLessThan(resumed.summary.clips, expected.count, "the resume encodes only what is missing")
        XCTAssertEqual(try content(index), expected, "same clips, bit-identical vectors")
    }
}
