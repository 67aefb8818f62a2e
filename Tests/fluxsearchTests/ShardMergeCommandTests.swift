import XCTest
import FluxCore

/// `index --files LIST --shard I/N` and `merge` through the CLI: the merged shards equal one
/// index of the same list (clips, vectors bit for bit, failures, transcripts); mismatched shards
/// are refused; a merge killed with SIGKILL and run again ends equal.
final class ShardMergeCommandTests: XCTestCase {
    var dir: URL!
    var videos: URL { dir.appendingPathComponent("videos") }
    var model: String { dir.appendingPathComponent("model").path }
    var list: URL { dir.appendingPathComponent("files.txt") }

    override func setUpWithError() throws {
        dir = try temporaryDirectory(self)
        try FileManager.default.createDirectory(at: videos, withIntermediateDirectories: true)
        for (i, colour) in ["red", "green", "blue", "yellow", "white", "orange"].enumerated() {
            try makeTestPatternClip(videos.appendingPathComponent("clip-\(i)-\(colour).mp4"), colour: colour, seconds: 1 + i % 2)
        }
        try Data((0..<4096).map { UInt8(truncatingIfNeeded: $0 &* 7919) }).write(to: videos.appendingPathComponent("broken.mp4"))
        try "shopping list\n".write(to: videos.appendingPathComponent("notes.txt"), atomically: true, encoding: .utf8)
        try "1\n00:00:00,000 --> 00:00:01,000\na parrot says hello\n".write(
            to: videos.appendingPathComponent("clip-0-red.srt"), atomically: true, encoding: .utf8)
        // Relative lines: they resolve against the list's folder, not the working directory.
        let names = try FileManager.default.contentsOfDirectory(atPath: videos.path).sorted().map { "videos/\($0)" }
        try (names.joined(separator: "\n") + "\n").write(to: list, atomically: true, encoding: .utf8)
        XCTAssertEqual(try CLI.run(["dev", "random-model", "--output", model]).status, 0)
    }

    func index(_ extra: [String], into index: URL, tokens: String = "256") throws -> CLI.Result {
        try CLI.run(["index", "--files", list.path, "--model", model, "--tokens", tokens, "--segment", "1", "--index-dir", index.path] + extra)
    }

    /// Clip rows (without ids) with their vectors, failures and transcript cues of an index.
    func content(_ index: URL) throws -> (rows: [String], vectors: [Float], failures: [String], cues: Int) {
        let v = dir.appendingPathComponent(UUID().uuidString + ".npy")
        let export = try CLI.run(["export", "--format", "jsonl", "--vectors", v.path, "--index-dir", index.path])
        XCTAssertEqual(export.status, 0, export.stderr)
        let rows = try export.stdout.split(separator: "\n").map { line -> String in
            var object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            object["clip_id"] = nil
            return String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
        }
        let info = try CLI.run(["info", "--errors", "--json", "--index-dir", index.path])
        XCTAssertEqual(info.status, 0, info.stderr)
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(info.stdout.utf8)) as? [String: Any])
        let failures = (object["failure_list"] as? [[String: Any]] ?? []).map { "\($0["path"] ?? "") \($0["stage"] ?? "") \($0["reason"] ?? "")" }.sorted()
        let cues = (object["transcripts"] as? [String: Any])?["cues"] as? Int ?? -1
        return (rows, try NPY.read(v).tensor.scalars, failures, cues)
    }

    func merge(_ shards: [URL], into: URL, json: Bool = true) throws -> CLI.Result {
        try CLI.run(["merge"] + shards.map(\.path) + ["--into", into.path] + (json ? ["--json"] : []))
    }

    func testMergedShardsEqualASingleProcessIndexOfTheList() throws {
        let single = dir.appendingPathComponent("single")
        let r = try index([], into: single)
        XCTAssertEqual(r.status, 0, r.stderr)
        let expected = try content(single)
        XCTAssertEqual(Set(expected.rows.compactMap { $0.range(of: "clip-") != nil ? $0 : nil }).count, expected.rows.count)
        XCTAssertGreaterThanOrEqual(expected.rows.count, 6 * 2, "whole-video clips and 1-s segments")
        XCTAssertEqual(expected.failures.filter { $0.contains("broken.mp4") }.count, 1, "\(expected.failures)")
        XCTAssertEqual(expected.failures.filter { $0.contains("notes.txt") }.count, 1, "\(expected.failures)")
        XCTAssertEqual(expected.cues, 1)

        let shards = (0..<4).map { dir.appendingPathComponent("shards/shard-\($0)-of-4") }
        var sizes: [Int] = []
        for (i, shard) in shards.enumerated() {
            let s = try index(["--shard", "\(i)/4", "--json"], into: shard)
            XCTAssertEqual(s.status, 0, "a shard run exits 0 whatever its files did: \(s.stderr)")
            let summary = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(s.stdout.utf8)) as? [String: Any])["summary"] as? [String: Any]
            sizes.append(((summary?["indexed"] as? [Any])?.count ?? 0))
        }
        XCTAssertEqual(sizes.reduce(0, +), 6, "each video is indexed by exactly one shard: \(sizes)")
        // Re-running a finished shard indexes nothing again.
        let again = try index(["--shard", "0/4", "--json"], into: shards[0])
        XCTAssertEqual(again.status, 0, again.stderr)

        let merged = dir.appendingPathComponent("merged")
        let m = try merge(shards, into: merged)
        XCTAssertEqual(m.status, 0, m.stderr)
        let report = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(m.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(report["missing_shards"] as? [Int], [])
        let got = try content(merged)
        XCTAssertEqual(got.rows.sorted(), expected.rows.sorted())
        XCTAssertEqual(got.failures, expected.failures)
        XCTAssertEqual(got.cues, expected.cues)
        // Vectors bit for bit, row by row in the export's order.
        XCTAssertEqual(got.rows, expected.rows, "export orders rows the same way in both")
        XCTAssertEqual(got.vectors.map(\.bitPattern), expected.vectors.map(\.bitPattern))

        // `info` tells a shard from the index its shards were merged into.
        let shardInfo = try CLI.run(["info", "--json", "--index-dir", shards[2].path])
        XCTAssertEqual((try JSONSerialization.jsonObject(with: Data(shardInfo.stdout.utf8)) as? [String: Any])?["shard"] as? String, "2/4")
        let mergedInfo = try CLI.run(["info", "--index-dir", merged.path])
        XCTAssert(mergedInfo.stdout.contains("merged   4 shard(s)"), mergedInfo.stdout)

        // The merged index answers queries (its FAISS files are built) and text search finds the cue.
        let q = try CLI.run(["query", "a parrot says hello", "--source", "both", "--model", model, "--index-dir", merged.path, "--json"])
        XCTAssertEqual(q.status, 0, q.stderr)
        XCTAssert(q.stdout.contains("clip-0-red.mp4"), q.stdout)

        // A shard of another job (other budgets) is refused, and nothing is created.
        let odd = dir.appendingPathComponent("odd")
        XCTAssertEqual(try index(["--shard", "1/4"], into: odd, tokens: "512").status, 0)
        let refused = try merge([shards[0], odd], into: dir.appendingPathComponent("refused"), json: false)
        XCTAssertEqual(refused.status, 1)
        XCTAssert(refused.stderr.contains("token budgets") && refused.stderr.contains(odd.path), refused.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("refused/index.sqlite").path))
        // The same shard twice (two runs of 0/4 into two folders) is refused too.
        let twin = dir.appendingPathComponent("twin")
        XCTAssertEqual(try index(["--shard", "0/4"], into: twin).status, 0)
        let dup = try merge([shards[0], twin], into: dir.appendingPathComponent("dup"), json: false)
        XCTAssertEqual(dup.status, 1)
        XCTAssert(dup.stderr.contains("both hold shard 0/4"), dup.stderr)

        // SIGKILL merges at random moments, then run it to the end: equal again.
        let killed = dir.appendingPathComponent("killed")
        let kills = try CLI.killAtRandomMoments(["merge"] + shards.map(\.path) + ["--into", killed.path], times: 4,
                                                microseconds: 20_000...300_000)
        print("merge crash test: \(kills) SIGKILLs landed mid-merge")
        let finished = try merge(shards, into: killed)
        XCTAssertEqual(finished.status, 0, finished.stderr)
        let after = try content(killed)
        XCTAssertEqual(after.rows, expected.rows)
        XCTAssertEqual(after.vectors.map(\.bitPattern), expected.vectors.map(\.bitPattern))
        XCTAssertEqual(after.failures, expected.failures)
    }

    func testShardArgumentsAreChecked() throws {
        let target = dir.appendingPathComponent("x")
        for (args, message) in [(["index", videos.path, "--shard", "0/2"], "--shard needs --files"),
                                (["index", "--files", list.path, "--shard", "2/2"], "--shard takes I/N"),
                                (["index", "--files", list.path, videos.path], "not both"),
                                (["index", "--files", dir.appendingPathComponent("nope.txt").path], "cannot read the file list")] {
            let r = try CLI.run(args + ["--model", model, "--index-dir", target.path])
            XCTAssertNotEqual(r.status, 0)
            XCTAssert(r.stderr.contains(message), "\(args): \(r.stderr)")
        }
        // An ordinary run into a shard's folder is refused with what to do.
        let shard = dir.appendingPathComponent("shard")
        XCTAssertEqual(try index(["--shard", "0/2"], into: shard).status, 0)
        let r = try CLI.run(["index", videos.path, "--model", model, "--tokens", "256", "--segment", "1", "--index-dir", shard.path])
        XCTAssertEqual(r.status, 1)
        XCTAssert(r.stderr.contains("holds shard 0/2"), r.stderr)
    }
}
