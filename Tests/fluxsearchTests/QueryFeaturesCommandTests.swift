import XCTest

/// Query features through the CLI with the demo model (Corpus/models/demo) on synthetic test
/// clips (Tools/synth): query arithmetic moves the right clips, moments land on the matching
/// middle of a video, filters and terms are echoed in JSON, and bad input says what is wrong.
///
/// Every clip and text here is chosen by rule before any ranking is seen: the videos and texts
/// of Corpus/synth/demo_queries.tsv, in file order.
final class QueryFeaturesCommandTests: XCTestCase {
    static var dir: URL!
    static var index: String { dir.appendingPathComponent("index").path }
    static var clips: URL { dir.appendingPathComponent("clips") }
    /// The middle video of the joined one, in seconds: [start, end).
    static var middleSpan: (start: Double, end: Double) = (0, 0)
    var model: String { DemoModelTests.model.path }

    struct Report: Decodable {
        let query: String
        let result: Result
        struct Result: Decodable {
            let hits: [Hit]
            let terms: [Term]?
            let filter: [String: AnyJSON]?
            let filtered: Int?
            let warnings: [String]?
        }
        struct Hit: Decodable {
            let rank: Int; let clip_id: Int64; let path: String; let cosine: Float; let score: Float
            let moments: [Moment]?
        }
        struct Moment: Decodable { let start: Double; let end: Double; let score: Float; let segments: Int }
        struct Term: Decodable { let kind: String; let weight: Float; let text: String?; let path: String?; let clip_id: Int64? }
    }

    /// Any JSON value (the filter echo is checked by key).
    struct AnyJSON: Decodable {
        init(from decoder: Decoder) throws {}
    }

    override class func setUp() {
        super.setUp()
        do { try prepare() } catch { XCTFail("setting up: \(error)") }
    }

    override class func tearDown() {
        if let dir { try? FileManager.default.removeItem(at: dir) }
        super.tearDown()
    }

    /// The demo queries' four videos, and one video that joins the first three (A | B | C, each
    /// scaled to 224×168 at 30 fps), indexed at the demo budget with 1.5 s segments.
    static func prepare() throws {
        let synth = try syntheticTestSplit()
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("fluxtest-features-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: clips, withIntermediateDirectories: true)
        let queries = try DemoQueries.load()
        for (_, video) in queries {
            try FileManager.default.copyItem(at: synth.appendingPathComponent(video), to: clips.appendingPathComponent(video))
        }
        let parts = queries.prefix(3).map { synth.appendingPathComponent($0.video).path }
        var durations: [Double] = []
        for p in parts {
            let probe = try runProcess(URL(fileURLWithPath: "/usr/bin/ffprobe"),
                                       ["-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", p])
            durations.append(Double(probe.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0)
        }
        let filter = (0..<3).map { "[\($0):v]scale=224:168,fps=30,setsar=1,format=yuv420p[v\($0)]" }.joined(separator: ";")
            + ";[v0][v1][v2]concat=n=3:v=1[out]"
        let joined = try runProcess(URL(fileURLWithPath: "/usr/bin/ffmpeg"),
                                    ["-y", "-loglevel", "error"] + parts.flatMap { ["-i", $0] }
                                        + ["-filter_complex", filter, "-map", "[out]", "-c:v", "libx264",
                                           clips.appendingPathComponent("joined.mp4").path])
        guard joined.status == 0 else { throw CocoaError(.fileWriteUnknown, userInfo: [NSLocalizedDescriptionKey: joined.stderr]) }
        middleSpan = (durations[0], durations[0] + durations[1])
        let built = try CLI.run(["index", clips.path, "--model", DemoModelTests.model.path, "--tokens", "\(DemoQueries.tokens)",
                                 "--segment", "1.5:0.75", "--index-dir", index, "--json"])
        guard built.status == 0 else { throw CocoaError(.fileWriteUnknown, userInfo: [NSLocalizedDescriptionKey: built.stderr]) }
    }

    func query(_ args: [String]) throws -> Report {
        try CLI.queryJSON(args, model: model, index: Self.index)
    }

    func name(_ path: String) -> String { URL(fileURLWithPath: path).lastPathComponent }

    func testMomentsOfTheJoinedVideoPointAtItsMatchingMiddle() throws {
        let (text, video) = try DemoQueries.load()[1]
        let report = try query([text, "-k", "10"])
        let joined = try XCTUnwrap(report.result.hits.first { name($0.path) == "joined.mp4" }, "\(report.result.hits.map(\.path))")
        let best = try XCTUnwrap(joined.moments?.first, "the joined video has segments, so it has moments")
        let span = Self.middleSpan
        let middle = (best.start + best.end) / 2
        print("moments of joined.mp4 for \(text.debugDescription) (\(video) at \(span)): \(joined.moments ?? [])")
        XCTAssertTrue(middle >= span.start && middle <= span.end, "best moment \(best) should be inside \(span)")
        let overlap = max(0, min(best.end, span.end) - max(best.start, span.start))
        XCTAssertGreaterThanOrEqual(overlap / (best.end - best.start), 0.5, "\(best) vs \(span)")
        XCTAssertLessThanOrEqual(joined.moments?.count ?? 0, 3)

        let none = try query([text, "-k", "10", "--moments", "0"])
        XCTAssertTrue(none.result.hits.allSatisfy { $0.moments == nil })

        let table = try CLI.run(["query", text, "-k", "10", "--model", model, "--index-dir", Self.index])
        XCTAssertEqual(table.status, 0, table.stderr)
        XCTAssertTrue(table.stdout.contains("moments: "), table.stdout)
    }

    func testMinusMovesTheClipMostLikeItDownAndPlusVideoMovesThatVideoUp() throws {
        let queries = try DemoQueries.load()
        let main = queries[0].query, minus = queries[2].query
        let base = try query([main, "-k", "100", "--rerank", "none", "--kind", "video"])
        // The clip most like the subtracted text: rank 1 when that text is the query.
        let likeMinus = try XCTUnwrap(query([minus, "-k", "1", "--rerank", "none", "--kind", "video"]).result.hits.first)
        let subtracted = try query([main, "--minus", minus, "-k", "100", "--rerank", "none", "--kind", "video"])
        func rank(_ r: Report, _ id: Int64) -> Int? { r.result.hits.first { $0.clip_id == id }?.rank }
        let before = try XCTUnwrap(rank(base, likeMinus.clip_id)), after = try XCTUnwrap(rank(subtracted, likeMinus.clip_id))
        print("--minus: \(name(likeMinus.path)) rank \(before) → \(after)")
        XCTAssertGreaterThan(after, before)
        XCTAssertEqual(subtracted.result.terms?.map(\.kind), ["text", "text"])
        XCTAssertEqual(subtracted.result.terms?.map(\.weight), [1, -1])

        // The video ranked last for the main text, added as an example.
        let last = try XCTUnwrap(base.result.hits.last)
        let added = try query([main, "--plus-video", last.path, "-k", "100", "--rerank", "none", "--kind", "video"])
        let up = try XCTUnwrap(rank(added, last.clip_id))
        print("--plus-video: \(name(last.path)) rank \(last.rank) → \(up)")
        XCTAssertLessThan(up, last.rank)
        XCTAssertEqual(added.result.terms?.last?.kind, "video")

        let byId = try query([main, "--plus-video", "0.5*\(last.clip_id)", "-k", "3", "--rerank", "none"])
        XCTAssertEqual(byId.result.terms?.last?.clip_id, last.clip_id)
        XCTAssertEqual(byId.result.terms?.last?.weight, 0.5)
    }

    func testFiltersAreEchoedAndAGlobThatMatchesNothingWarns() throws {
        // Overlapping segments of one video are near-identical: folding is off to count them all.
        let filtered = try query(["a triangle", "--path", Self.clips.appendingPathComponent("joined.mp4").path, "--kind", "segment",
                                  "--no-per-video", "--no-collapse", "-k", "1000"])
        XCTAssertTrue(filtered.result.hits.allSatisfy { name($0.path) == "joined.mp4" })
        XCTAssertEqual(filtered.result.hits.count, filtered.result.filtered)
        XCTAssertNotNil(filtered.result.filter?["paths"])
        XCTAssertNotNil(filtered.result.filter?["kind"])

        let r = try CLI.run(["query", "a triangle", "--path", "*.nothing", "--model", model, "--index-dir", Self.index])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("--path */*.nothing matches no indexed video"), r.stderr)
        XCTAssertTrue(r.stdout.contains("no results"), r.stdout)
    }

    func testBadInputSaysWhatIsWrong() throws {
        func run(_ args: [String]) throws -> CLI.Result {
            try CLI.run(["query", "a triangle"] + args + ["--model", model, "--index-dir", Self.index])
        }
        let date = try run(["--after", "2024-13-01"])
        XCTAssertEqual(date.status, 64)
        XCTAssertTrue(date.stderr.contains("--after '2024-13-01' is not a date"), date.stderr)

        let contradictory = try run(["--after", "2024-06-01", "--before", "2024-05-01"])
        XCTAssertEqual(contradictory.status, 64)
        XCTAssertTrue(contradictory.stderr.contains("contradict"), contradictory.stderr)

        let durations = try run(["--min-duration", "10", "--max-duration", "5"])
        XCTAssertEqual(durations.status, 64)
        XCTAssertTrue(durations.stderr.contains("--min-duration 10.0 is more than --max-duration 5.0"), durations.stderr)

        let clip = try run(["--plus-video", "987654321"])
        XCTAssertEqual(clip.status, 1)
        XCTAssertTrue(clip.stderr.contains("no clip with id 987654321"), clip.stderr)

        let weight = try run(["--minus", "0*people"])
        XCTAssertEqual(weight.status, 64, weight.stderr)

        let cancel = try run(["--minus", "a triangle"])
        XCTAssertEqual(cancel.status, 1)
        XCTAssertTrue(cancel.stderr.contains("cancel out"), cancel.stderr)

        let excludeAbove = try run(["--exclude-above", "0.3"])
        XCTAssertEqual(excludeAbove.status, 64)
        XCTAssertTrue(excludeAbove.stderr.contains("--exclude-above needs --exclude"), excludeAbove.stderr)
    }
}
