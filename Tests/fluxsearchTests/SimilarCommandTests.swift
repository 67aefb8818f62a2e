import XCTest

/// `fluxsearch similar` through the CLI on generated clips and the demo model
/// (Corpus/models/demo, as the acceptance asks): a re-encoded copy (another codec, size
/// and frame rate, made with ffmpeg here) of an indexed video is found at rank 1 from the
/// original's clip id and from its path; the original never comes back; bad input exits 1 or
/// 64 with a message that names it.
///
/// The same box of another colour on the same test pattern is the hard negative: with the demo
/// model the copy scores 0.99917 and the green box 0.99761 (1 − cosine 0.0008 against 0.0024);
/// the tiny random model separates them by less (0.9985 against 0.9955 at -q:v 4).
final class SimilarCommandTests: XCTestCase {
    var dir: URL!
    var clips: URL { dir.appendingPathComponent("clips") }
    var original: URL { clips.appendingPathComponent("red.mp4") }
    var copy: URL { clips.appendingPathComponent("red-copy.avi") }
    var model: String { DemoModelTests.model.path }
    var index: String { dir.appendingPathComponent("index").path }

    struct Report: Decodable {
        let query: String
        let result: Result
        struct Result: Decodable { let budget: Int; let rerank: String; let hits: [Hit] }
        struct Hit: Decodable {
            let rank: Int; let clip_id: Int64; let video_id: Int64; let path: String; let kind: String
            let score: Float; let cosine: Float
        }
    }

    override func setUpWithError() throws {
        dir = try temporaryDirectory(self)
        try FileManager.default.createDirectory(at: clips, withIntermediateDirectories: true)
        // Distinct videos: three test sources, two with a box of another colour.
        for colour in ["red", "green", "blue"] {
            try ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=160x120:rate=10:duration=2,drawbox=x=40:y=30:w=60:h=50:color=\(colour):t=fill",
                        "-c:v", "libx264", "-pix_fmt", "yuv420p", clips.appendingPathComponent("\(colour).mp4").path])
        }
        try ffmpeg(["-f", "lavfi", "-i", "smptebars=size=160x120:rate=10:duration=2",
                    "-c:v", "libx264", "-pix_fmt", "yuv420p", clips.appendingPathComponent("bars.mp4").path])
        try ffmpeg(["-f", "lavfi", "-i", "mandelbrot=size=160x120:rate=10,trim=duration=2",
                    "-c:v", "libx264", "-pix_fmt", "yuv420p", clips.appendingPathComponent("mandelbrot.mp4").path])
        // The re-encode: MPEG-4 Part 2 in AVI instead of H.264 in MP4, 320×240 instead of
        // 160×120, 25 fps instead of 10.
        try ffmpeg(["-i", original.path, "-c:v", "mpeg4", "-q:v", "2", "-vf", "scale=320:240", "-r", "25", copy.path])
        let built = try CLI.run(["index", clips.path, "--model", model, "--tokens", "256", "--index-dir", index, "--json"])
        XCTAssertEqual(built.status, 0, built.stderr)
    }

    func ffmpeg(_ args: [String]) throws {
        let r = try runProcess(URL(fileURLWithPath: "/usr/bin/ffmpeg"), ["-y", "-loglevel", "error"] + args)
        XCTAssertEqual(r.status, 0, "ffmpeg \(args): \(r.stderr)")
    }

    func fluxsearch(_ args: [String]) throws -> CLI.Result {
        try CLI.run(args + ["--model", model, "--index-dir", index])
    }

    /// The whole-video clip id of `url`, read from `query --json` as a user would.
    func clipId(of url: URL) throws -> Int64 {
        let r = try fluxsearch(["query", "--no-collapse", "a red box", "--json", "--no-per-video", "-k", "100"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let hits = try JSONDecoder().decode(Report.self, from: Data(r.stdout.utf8)).result.hits
        return try XCTUnwrap(hits.first { $0.path == url.path && $0.kind == "video" }?.clip_id, "\(hits.map(\.path))")
    }

    func testClipIdAndPathFindTheReencodedCopyFirst() throws {
        let id = try clipId(of: original)
        let r = try fluxsearch(["similar", "\(id)", "--json", "-k", "5"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let report = try JSONDecoder().decode(Report.self, from: Data(r.stdout.utf8))
        let names = report.result.hits.map { URL(fileURLWithPath: $0.path).lastPathComponent }
        print("similar \(id): \(zip(names, report.result.hits.map(\.cosine)).map { "\($0) \($1)" })")
        XCTAssertEqual(report.query, "similar:clip \(id)")
        XCTAssertEqual(report.result.rerank, "none")
        XCTAssertEqual(names.first, "red-copy.avi")
        XCTAssertEqual(report.result.hits.map(\.rank), [1, 2, 3, 4, 5])
        XCTAssertEqual(Set(names), ["red-copy.avi", "green.mp4", "blue.mp4", "bars.mp4", "mandelbrot.mp4"], "every other video, not the original")
        XCTAssertEqual(report.result.hits.map(\.score), report.result.hits.map(\.score).sorted(by: >))

        // The path form uses the same stored vector: the same hits, the same scores.
        let byPath = try fluxsearch(["similar", original.path, "--json", "-k", "5"])
        XCTAssertEqual(byPath.status, 0, byPath.stderr)
        let pathReport = try JSONDecoder().decode(Report.self, from: Data(byPath.stdout.utf8))
        XCTAssertEqual(pathReport.query, "similar:video:\(original.path)")
        XCTAssertEqual(pathReport.result.hits.map(\.clip_id), report.result.hits.map(\.clip_id))
        XCTAssertEqual(pathReport.result.hits.map(\.cosine), report.result.hits.map(\.cosine))

        // The table names the copy first and says how to play it.
        let table = try fluxsearch(["similar", "\(id)", "-k", "2"])
        XCTAssertEqual(table.status, 0, table.stderr)
        let lines = table.stdout.split(separator: "\n")
        XCTAssertTrue(lines[0].hasPrefix("\"similar:clip \(id)\" — 2 result(s)"), table.stdout)
        XCTAssertTrue(lines[2].hasSuffix(copy.path) && lines[2].hasPrefix("1 "), table.stdout)
        XCTAssertEqual(lines.last.map(String.init), "play the top result: ffplay -ss 0.00 \(copy.path)")
    }

    func testIncludeSameVideoAndASpanOfTheCopy() throws {
        // A span of the copy is encoded (query by example); the original is its nearest video.
        let r = try fluxsearch(["similar", copy.path + "@0-2", "--json", "-k", "1"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let hits = try JSONDecoder().decode(Report.self, from: Data(r.stdout.utf8)).result.hits
        XCTAssertEqual(hits.map(\.path), [original.path])

        // The index holds one clip per 2 s video, so the only other clip of the original's
        // video is none: --include-same-video changes nothing but still leaves the clip out.
        let id = try clipId(of: original)
        let same = try fluxsearch(["similar", "\(id)", "--include-same-video", "--json", "--no-per-video", "-k", "100"])
        XCTAssertEqual(same.status, 0, same.stderr)
        let all = try JSONDecoder().decode(Report.self, from: Data(same.stdout.utf8)).result.hits
        XCTAssertEqual(all.count, 5)
        XCTAssertFalse(all.contains { $0.clip_id == id })
    }

    func testBadInputExitsWithAMessageThatNamesIt() throws {
        let unknown = try fluxsearch(["similar", "999999"])
        XCTAssertEqual(unknown.status, 1, unknown.stderr)
        XCTAssertTrue(unknown.stderr.contains("no clip with id 999999 in the index at \(index)"), unknown.stderr)
        XCTAssertTrue(unknown.stderr.contains("clip_id of each hit of `fluxsearch query TEXT --json`"), unknown.stderr)

        let missing = clips.appendingPathComponent("nope.mp4").path
        let gone = try fluxsearch(["similar", missing])
        XCTAssertEqual(gone.status, 1, gone.stderr)
        XCTAssertTrue(gone.stderr.contains("no file at \(missing)"), gone.stderr)

        for bad in ["@5-2", "@x-3", "@12", "@-1-3", "@1-2-3"] {
            let r = try fluxsearch(["similar", original.path + bad])
            XCTAssertEqual(r.status, 64, "\(bad): \(r.stderr)")
            XCTAssertTrue(r.stderr.contains("'\(bad)' in '\(original.path + bad)' is not a span: write PATH@START-END in seconds"), r.stderr)
        }
    }
}
