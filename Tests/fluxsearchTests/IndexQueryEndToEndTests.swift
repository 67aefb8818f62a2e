import XCTest
import FluxCore

/// The product path through the CLI on generated clips and a tiny random-weight model:
/// index, query (table and JSON), re-run, change, prune, remove, export, info. The clips differ
/// only by a coloured box, which the tiny model scores as near-identical, so queries here do
/// not fold near-duplicates (--no-collapse).
final class IndexQueryEndToEndTests: XCTestCase {
    var dir: URL!
    var clips: URL { dir.appendingPathComponent("clips") }
    var model: String { dir.appendingPathComponent("model").path }
    var index: String { dir.appendingPathComponent("index").path }

    override func setUpWithError() throws {
        dir = try temporaryDirectory(self)
        try FileManager.default.createDirectory(at: clips, withIntermediateDirectories: true)
        for colour in ["red", "green", "blue"] { try makeClip(clips.appendingPathComponent("\(colour).mp4"), colour: colour) }
        try makeClip(clips.appendingPathComponent("plain.webm"), colour: nil, codec: "libvpx-vp9")
        let r = try CLI.run(["dev", "random-model", "--output", model])
        XCTAssertEqual(r.status, 0, r.stderr)
    }

    func makeClip(_ url: URL, colour: String?, codec: String = "libx264", seconds: Int = 2) throws {
        var filter = "testsrc2=size=160x120:rate=10:duration=\(seconds)"
        if let colour { filter += ",drawbox=x=40:y=30:w=60:h=50:color=\(colour):t=fill" }
        try ffmpeg(["-f", "lavfi", "-i", filter, "-c:v", codec, "-pix_fmt", "yuv420p", url.path])
    }

    func ffmpeg(_ args: [String]) throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/ffmpeg")
        p.arguments = ["-y", "-loglevel", "error"] + args
        try p.run(); p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0, "ffmpeg \(args)")
    }

    func fluxsearch(_ args: [String], file: StaticString = #filePath, line: UInt = #line) throws -> CLI.Result {
        let r = try CLI.run(args + ["--index-dir", index])
        return r
    }

    struct Summary: Decodable { let indexed: [String]; let skipped: [String]; let failed: [Failed]; let pruned: [String]; let clips: Int
        let not_video: [Failed]
        struct Failed: Decodable { let path: String; let reason: String } }
    struct Info: Decodable { let videos: Int; let clips: Int; let failures: Int; let failure_list: [Failed]?
        struct Failed: Decodable { let path: String; let reason: String } }
    struct QueryReport: Decodable { let model: String; let result: Result
        struct Result: Decodable { let budget: Int; let rerank: String; let hits: [Hit] }
        struct Hit: Decodable { let rank: Int; let path: String; let start: Double; let end: Double; let score: Float; let cosine: Float; let budget: Int } }

    func index(_ extra: [String] = []) throws -> Summary {
        let r = try fluxsearch(["index", clips.path, "--model", model, "--tokens", "256", "--json"] + extra)
        XCTAssertEqual(r.status, 0, r.stderr)
        struct Report: Decodable { let model: String; let model_hash: String; let summary: Summary }
        let report = try JSONDecoder().decode(Report.self, from: Data(r.stdout.utf8))
        XCTAssertEqual(report.model, "tiny-random")
        XCTAssertTrue(report.model_hash.hasPrefix("h64:"), report.model_hash)
        return report.summary
    }

    func info() throws -> Info {
        let r = try fluxsearch(["info", "--json", "--errors"])
        XCTAssertEqual(r.status, 0, r.stderr)
        return try JSONDecoder().decode(Info.self, from: Data(r.stdout.utf8))
    }

    func testIndexQueryRerunChangePruneRemoveExportInfo() throws {
        var s = try index()
        XCTAssertEqual(s.indexed.count, 4); XCTAssertEqual(s.clips, 4); XCTAssertTrue(s.failed.isEmpty)

        let table = try fluxsearch(["query", "--no-collapse", "a red box", "--model", model])
        XCTAssertEqual(table.status, 0, table.stderr)
        XCTAssertTrue(table.stdout.contains("ffplay -ss 0.00"), table.stdout)
        let json = try fluxsearch(["query", "--no-collapse", "a red box", "--model", model, "--json", "-k", "3"])
        XCTAssertEqual(json.status, 0, json.stderr)
        let report = try JSONDecoder().decode(QueryReport.self, from: Data(json.stdout.utf8))
        XCTAssertEqual(report.model, "tiny-random")
        XCTAssertEqual(report.result.hits.map(\.rank), [1, 2, 3])
        XCTAssertEqual(report.result.budget, 256)
        XCTAssertTrue(report.result.hits.allSatisfy { $0.end > 1.9 && $0.start == 0 })
        XCTAssertEqual(report.result.hits.map(\.score), report.result.hits.map(\.score).sorted(by: >))

        s = try index()
        XCTAssertEqual(s.indexed.count, 0); XCTAssertEqual(s.skipped.count, 4)

        try makeClip(clips.appendingPathComponent("red.mp4"), colour: "yellow", seconds: 3)
        s = try index()
        XCTAssertEqual(s.indexed.map { URL(fileURLWithPath: $0).lastPathComponent }, ["red.mp4"])
        XCTAssertEqual(s.skipped.count, 3)

        try FileManager.default.removeItem(at: clips.appendingPathComponent("green.mp4"))
        s = try index(["--prune"])
        XCTAssertEqual(s.pruned.map { URL(fileURLWithPath: $0).lastPathComponent }, ["green.mp4"])

        let removed = try fluxsearch(["remove", clips.appendingPathComponent("plain.webm").path])
        XCTAssertEqual(removed.status, 0, removed.stderr)
        XCTAssertTrue(removed.stdout.contains("removed 1 video"), removed.stdout)

        let vectors = dir.appendingPathComponent("v.npy")
        let export = try fluxsearch(["export", "--format", "jsonl", "--vectors", vectors.path])
        XCTAssertEqual(export.status, 0, export.stderr)
        let lines = export.stdout.split(separator: "\n")
        XCTAssertEqual(lines.count, 2)
        XCTAssertTrue(lines.contains { $0.contains("red.mp4") } && lines.contains { $0.contains("blue.mp4") })
        XCTAssertEqual(try NPY.read(vectors).shape, [2, 32])
        let csv = try fluxsearch(["export", "--format", "csv"])
        XCTAssertTrue(csv.stdout.hasPrefix("clip_id,path,start,end,budget,kind"), csv.stdout)

        let i = try info()
        XCTAssertEqual(i.videos, 2); XCTAssertEqual(i.clips, 2); XCTAssertEqual(i.failures, 0)
    }

    /// Good files with corrupt, empty, audio-only and non-video files (and an unreadable one
    /// when not running as root): the run finishes, good files are searchable, bad ones are
    /// listed with reasons; exit 0 with a warning; exit 1 when nothing could be indexed.
    func testBadFilesAreRecordedAndNeverStopTheRun() throws {
        try Data((0..<5000).map { UInt8(truncatingIfNeeded: $0 &* 7919) }).write(to: clips.appendingPathComponent("random.mp4"))
        try Data().write(to: clips.appendingPathComponent("empty.mp4"))
        try ffmpeg(["-f", "lavfi", "-i", "sine=frequency=440:duration=1", clips.appendingPathComponent("audio.m4a").path])
        try Data("not a video\n".utf8).write(to: clips.appendingPathComponent("notes.txt"))
        let truncated = clips.appendingPathComponent("truncated.mp4")
        try makeClip(truncated, colour: "white")
        let bytes = try Data(contentsOf: truncated)
        try bytes.prefix(bytes.count / 3).write(to: truncated)
        // Files that are no video are reported apart from videos that cannot be read.
        let notVideo = ["random.mp4", "empty.mp4", "audio.m4a", "notes.txt"]
        var bad = ["truncated.mp4"]
        if getuid() != 0 {
            let locked = clips.appendingPathComponent("locked.mp4")
            try makeClip(locked, colour: "black")
            chmod(locked.path, 0)
            bad.append("locked.mp4")
        } else {
            print("note: running as root, so the unreadable-file case is skipped (root reads every file)")
        }
        let r = try fluxsearch(["index", clips.path, "--model", model, "--tokens", "256", "--json"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("warning:") && r.stderr.contains("could not be indexed"), r.stderr)
        struct Report: Decodable { let summary: Summary }
        let s = try JSONDecoder().decode(Report.self, from: Data(r.stdout.utf8)).summary
        let failedNames = Set(s.failed.map { URL(fileURLWithPath: $0.path).lastPathComponent })
        for name in bad { XCTAssertTrue(failedNames.contains(name), "\(name) should have failed: \(s.failed)") }
        let notVideoNames = Set(s.not_video.map { URL(fileURLWithPath: $0.path).lastPathComponent })
        for name in notVideo { XCTAssertTrue(notVideoNames.contains(name), "\(name) should be 'not video': \(s.not_video)") }
        XCTAssertTrue(s.failed.allSatisfy { !$0.reason.isEmpty })
        XCTAssertTrue(Set(s.indexed.map { URL(fileURLWithPath: $0).lastPathComponent }).isSuperset(of: ["red.mp4", "green.mp4", "blue.mp4", "plain.webm"]))
        let i = try info()
        XCTAssertEqual(i.failures, s.failed.count)
        XCTAssertEqual(Set((i.failure_list ?? []).map { URL(fileURLWithPath: $0.path).lastPathComponent }), failedNames.union(notVideoNames))
        let q = try fluxsearch(["query", "--no-collapse", "a green box", "--model", model, "--json"])
        XCTAssertEqual(q.status, 0, q.stderr)

        // Nothing indexable at all: exit status 1.
        let onlyBad = dir.appendingPathComponent("bad")
        try FileManager.default.createDirectory(at: onlyBad, withIntermediateDirectories: true)
        try Data("x".utf8).write(to: onlyBad.appendingPathComponent("a.mp4"))
        let none = try CLI.run(["index", onlyBad.path, "--model", model, "--tokens", "256", "--index-dir", dir.appendingPathComponent("other").path])
        XCTAssertEqual(none.status, 1, none.stderr)
    }

    struct RefineReport: Decodable { let result: Result
        struct Result: Decodable { let rerank: String; let hits: [QueryReport.Hit]; let refine: Refine?; let bank_size: Int }
        struct Refine: Decodable { let tokens: Int; let top: Int; let encoded: Int; let cached: Int } }

    func testBankDualSoftmaxRefineAndQueryByExample() throws {
        _ = try index()
        let bankFile = dir.appendingPathComponent("bank.txt")
        try Data("a red square\na green square\na blue square\na white screen\n".utf8).write(to: bankFile)
        let added = try fluxsearch(["bank", "add", "--from", bankFile.path, "--model", model])
        XCTAssertEqual(added.status, 0, added.stderr)
        XCTAssertTrue(added.stdout.contains("the bank holds 4"), added.stdout)
        let list = try fluxsearch(["bank", "list"])
        XCTAssertEqual(list.stdout.split(separator: "\n").count, 4)

        let args = ["query", "--no-collapse", "a red box", "--model", model, "--json", "--refine-tokens", "512", "--refine-top", "2"]
        let first = try JSONDecoder().decode(RefineReport.self, from: Data(try fluxsearch(args).stdout.utf8))
        XCTAssertEqual(first.result.rerank, "dsl")
        XCTAssertEqual(first.result.bank_size, 4)
        XCTAssertEqual(first.result.refine?.encoded, 2)
        XCTAssertEqual(first.result.hits.prefix(2).map(\.budget), [512, 512])
        XCTAssertEqual(first.result.hits.dropFirst(2).map(\.budget), [256, 256])
        // Scores are cosine × dual-softmax weight: below the cosine, and ordered.
        XCTAssertTrue(first.result.hits.allSatisfy { $0.score < $0.cosine || $0.cosine <= 0 })
        let second = try JSONDecoder().decode(RefineReport.self, from: Data(try fluxsearch(args).stdout.utf8))
        XCTAssertEqual(second.result.refine?.encoded, 0)
        XCTAssertEqual(second.result.refine?.cached, 2, "refined vectors are cached in the index")

        let example = try fluxsearch(["query", "--no-collapse", "--video", clips.appendingPathComponent("blue.mp4").path, "--model", model,
                                      "--json", "--rerank", "none"])
        XCTAssertEqual(example.status, 0, example.stderr)
        let hits = try JSONDecoder().decode(QueryReport.self, from: Data(example.stdout.utf8)).result.hits
        XCTAssertTrue(hits.first?.path.hasSuffix("blue.mp4") ?? false, "\(hits)")
        XCTAssertEqual(Double(hits.first?.cosine ?? 0), 1, accuracy: 1e-4)

        XCTAssertEqual(try fluxsearch(["bank", "clear"]).status, 0)
        let plain = try JSONDecoder().decode(RefineReport.self, from: Data(try fluxsearch(["query", "--no-collapse", "a red box", "--model", model, "--json"]).stdout.utf8))
        XCTAssertEqual(plain.result.rerank, "none")
    }

    /// A model's sampling.json (from `tune`, or shipped with the model) decides the frames and
    /// size per budget for embed, index and query.
    func testModelSamplingTableIsUsed() throws {
        let table = #"{"patch_size": 14, "entries": [{"budget": 256, "frames": 2, "size": 56}]}"#
        try Data(table.utf8).write(to: URL(fileURLWithPath: model).appendingPathComponent("sampling.json"))
        let r = try CLI.run(["embed", "--model", model, "--video", clips.appendingPathComponent("red.mp4").path, "--tokens", "256", "--json"])
        XCTAssertEqual(r.status, 0, r.stderr)
        struct Out: Decodable { let shape: [Int]; let tokens_per_clip: Int }
        let out = try JSONDecoder().decode(Out.self, from: Data(r.stdout.utf8))
        XCTAssertEqual(out.shape, [1, 3, 2, 56, 56])
        XCTAssertEqual(out.tokens_per_clip, 32)
        // 256 tokens of a 32-token clip would be the 32-token vector at a 256-token price: refused.
        let refused = try fluxsearch(["index", clips.path, "--model", model, "--tokens", "256"])
        XCTAssertEqual(refused.status, 1, refused.stderr)
        XCTAssertTrue(refused.stderr.contains("2 frames × 56 px = 32 tokens"), refused.stderr)
        let indexed = try fluxsearch(["index", clips.path, "--model", model, "--tokens", "32", "--json"])
        XCTAssertEqual(indexed.status, 0, indexed.stderr)
        XCTAssertTrue(indexed.stdout.contains("\"indexed\" : ["), indexed.stdout)
    }

    func testAnotherModelIsRefusedWithAHint() throws {
        _ = try index()
        let other = dir.appendingPathComponent("model2").path
        XCTAssertEqual(try CLI.run(["dev", "random-model", "--output", other, "--seed", "2"]).status, 0)
        let r = try fluxsearch(["index", clips.path, "--model", other, "--tokens", "256"])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains("--index"), r.stderr)
        let q = try fluxsearch(["query", "--no-collapse", "anything", "--model", other])
        XCTAssertNotEqual(q.status, 0)
        XCTAssertTrue(q.stderr.contains("the index was built with model"), q.stderr)
        let empty = try fluxsearch(["query", "--no-collapse", "   ", "--model", model])
        XCTAssertNotEqual(empty.status, 0)
        XCTAssertTrue(empty.stderr.contains("The query is empty"), empty.stderr)
    }
}
