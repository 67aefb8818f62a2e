import XCTest

/// Searching what is said, through the CLI, with the demo model on sixteen synthetic test clips
/// (the demo queries' four videos and the next twelve of the split, in file order), each with a
/// sidecar transcript: the last of them by name says a sentence found nowhere else; every other
/// one says weather-report sentences that share no word with any caption of the split (checked
/// below, by rule, before any search).
final class TranscriptSearchCommandTests: XCTestCase {
    static var dir: URL!
    static var index: String { dir.appendingPathComponent("index").path }
    static var clips: URL { dir.appendingPathComponent("clips") }
    static var target = ""
    static var setupError: String?
    var model: String { DemoModelTests.model.path }

    static let unrelated = [
        "Tomorrow brings drizzle over the northern hills.",
        "Winds ease overnight; expect fog by morning.",
        "Farmers report a fine harvest despite hail.",
        "The ferry timetable changes next weekend.",
    ]
    static let spoken = [(0.0, 0.8, "Good evening."), (1.0, 2.0, "The quartermaster counted seventeen brass lanterns."),
                         (2.2, 3.0, "Goodnight.")]

    struct Report: Decodable {
        let result: Result
        struct Result: Decodable {
            let hits: [Hit]
            let source: String?
            let fusion: Fusion?
        }
        struct Fusion: Decodable { let method: String; let k: Double; let terms: [String]; let cues: Int }
        struct Hit: Decodable {
            let rank: Int; let path: String; let score: Float
            let visual_rank: Int?; let text_rank: Int?; let visual_score: Float?
            let moments: [Moment]?; let cues: [Cue]?
        }
        struct Moment: Decodable { let start: Double; let end: Double; let cues: [Cue]? }
        struct Cue: Decodable { let start: Double; let end: Double; let text: String; let fragments: [Fragment] }
        struct Fragment: Decodable { let text: String; let match: Bool }
    }

    override class func setUp() {
        super.setUp()
        do { try prepare() } catch { setupError = "\(error)" }
    }

    override class func tearDown() {
        if let dir { try? FileManager.default.removeItem(at: dir) }
        super.tearDown()
    }

    override func setUpWithError() throws {
        if let e = Self.setupError { XCTFail("setting up: \(e)"); throw XCTSkip(e) }
    }

    static func srt(_ cues: [(Double, Double, String)]) -> String {
        func t(_ s: Double) -> String {
            let ms = Int((s * 1000).rounded())
            return String(format: "%02d:%02d:%02d,%03d", ms / 3_600_000, ms / 60_000 % 60, ms / 1000 % 60, ms % 1000)
        }
        return cues.enumerated().map { "\($0.offset + 1)\n\(t($0.element.0)) --> \(t($0.element.1))\n\($0.element.2)\n" }
            .joined(separator: "\n")
    }

    static func prepare() throws {
        let synth = try syntheticTestSplit()
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("fluxtest-transcripts-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: clips, withIntermediateDirectories: true)
        var names = try DemoQueries.load().map(\.video)
        let all = try FileManager.default.contentsOfDirectory(atPath: synth.path).filter { $0.hasPrefix("synth-test-") }.sorted()
        for name in all where names.count < 16 && !names.contains(name) { names.append(name) }
        target = names.sorted().last ?? ""
        for (i, name) in names.enumerated() {
            try FileManager.default.copyItem(at: synth.appendingPathComponent(name), to: clips.appendingPathComponent(name))
            let stem = (name as NSString).deletingPathExtension
            if name == target {
                try srt(spoken).write(to: clips.appendingPathComponent(stem + ".en.srt"), atomically: true, encoding: .utf8)
            } else {
                let text = [unrelated[i % unrelated.count], unrelated[(i + 1) % unrelated.count]]
                try srt([(0.2, 1.4, text[0]), (1.6, 2.9, text[1])]).write(to: clips.appendingPathComponent(stem + ".srt"),
                                                                            atomically: true, encoding: .utf8)
            }
        }
        let built = try CLI.run(["index", clips.path, "--model", DemoModelTests.model.path, "--tokens", "\(DemoQueries.tokens)",
                                 "--segment", "1.5:0.75", "--index-dir", index, "--json"])
        guard built.status == 0 else { throw CocoaError(.fileWriteUnknown, userInfo: [NSLocalizedDescriptionKey: built.stderr]) }
    }

    func query(_ args: [String]) throws -> Report {
        try CLI.queryJSON(args, model: model, index: Self.index)
    }

    func name(_ path: String) -> String { URL(fileURLWithPath: path).lastPathComponent }

    /// The rule that makes the other transcripts unrelated: none of their words (less the
    /// function words a text search drops) occurs in any caption of the test split.
    func testTheUnrelatedTranscriptsShareNoWordWithAnyCaption() throws {
        let manifest = DemoModelTests.repository.appendingPathComponent("Corpus/synth/test.json")
        let items = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: manifest)) as? [[String: Any]])
        func words(_ s: String) -> Set<String> {
            Set(s.lowercased().split { !$0.isLetter }.map(String.init))
        }
        let captionWords = items.compactMap { $0["caption"] as? String }.reduce(into: Set<String>()) { $0.formUnion(words($1)) }
        let stop: Set<String> = ["the", "a", "by", "over", "next"]
        for sentence in Self.unrelated {
            XCTAssertEqual(words(sentence).subtracting(stop).intersection(captionWords), [], sentence)
        }
    }

    func testWordsOnlyInOneClipsSubtitlesRankItsSpanFirst() throws {
        for source in [["--source", "both"], []] {
            let r = try query(["quartermaster lanterns"] + source)
            XCTAssertEqual(r.result.source, "both")
            XCTAssertEqual(r.result.fusion?.k, 60)
            XCTAssertEqual(r.result.fusion?.terms, ["quartermaster", "lanterns"])
            let top = try XCTUnwrap(r.result.hits.first)
            XCTAssertEqual(name(top.path), Self.target)
            XCTAssertEqual(top.text_rank, 1)
            XCTAssertNotNil(top.visual_rank, "the picture ranks every video of the pool")
            XCTAssertEqual(r.result.hits.filter { $0.text_rank != nil }.count, 1, "no other clip says these words")
            let moment = try XCTUnwrap(top.moments?.first)
            XCTAssertLessThan(moment.start, 2.0)
            XCTAssertGreaterThan(moment.end, 1.0, "the best moment is the span where the words are said")
            let cue = try XCTUnwrap(moment.cues?.first)
            XCTAssertEqual(cue.text, "The quartermaster counted seventeen brass lanterns.")
            XCTAssertEqual(cue.start, 1.0, accuracy: 1e-6)
            XCTAssertEqual(cue.end, 2.0, accuracy: 1e-6)
            XCTAssertEqual(cue.fragments.filter(\.match).map(\.text), ["quartermaster", "lanterns"])
            XCTAssertEqual(cue.fragments.map(\.text).joined(), cue.text)
        }
        // The table says why: picture and transcript ranks, and the cue with the words marked.
        let table = try CLI.run(["query", "quartermaster lanterns", "--model", model, "--index-dir", Self.index])
        XCTAssertEqual(table.status, 0, table.stderr)
        XCTAssertTrue(table.stdout.contains("transcript #1"), table.stdout)
        XCTAssertTrue(table.stdout.contains("The [quartermaster] counted seventeen brass [lanterns]."), table.stdout)
        XCTAssertTrue(table.stdout.contains("picture + transcripts"), table.stdout)
    }

    func testPictureQueriesAreUnaffectedByUnrelatedTranscripts() throws {
        for (text, _) in try DemoQueries.load() {
            let visual = try query([text, "--source", "visual"])
            let both = try query([text, "--source", "both"])
            XCTAssertNil(visual.result.source)
            XCTAssertEqual(both.result.fusion?.cues, 0, "no cue shares a word with \(text)")
            XCTAssertEqual(both.result.hits.map(\.path), visual.result.hits.map(\.path), text)
            XCTAssertEqual(both.result.hits.map(\.visual_rank), visual.result.hits.map(\.rank), text)
            XCTAssertTrue(both.result.hits.allSatisfy { $0.text_rank == nil && $0.cues == nil }, text)
        }
    }

    func testTextSourceAndMistakes() throws {
        let text = try query(["brass", "--source", "text"])
        XCTAssertEqual(text.result.source, "text")
        XCTAssertEqual(text.result.hits.map { name($0.path) }, [Self.target])

        let video = try CLI.run(["query", "--video", Self.clips.appendingPathComponent(Self.target).path, "--source", "text",
                                 "--model", model, "--index-dir", Self.index])
        XCTAssertEqual(video.status, 64)
        XCTAssertTrue(video.stderr.contains("needs a text query"), video.stderr)
        let bogus = try CLI.run(["query", "x", "--source", "audio", "--model", model, "--index-dir", Self.index])
        XCTAssertEqual(bogus.status, 64)
        XCTAssertTrue(bogus.stderr.contains("visual") && bogus.stderr.contains("both"), bogus.stderr)

        // An index without transcripts: text alone is an error that says what to do.
        let bare = Self.dir.appendingPathComponent("bare").path
        let one = Self.dir.appendingPathComponent("one")
        try FileManager.default.createDirectory(at: one, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: Self.clips.appendingPathComponent(Self.target), to: one.appendingPathComponent(Self.target))
        let built = try CLI.run(["index", one.path, "--model", model, "--tokens", "\(DemoQueries.tokens)", "--index-dir", bare, "--no-transcripts"])
        XCTAssertEqual(built.status, 0, built.stderr)
        let none = try CLI.run(["query", "brass", "--source", "text", "--model", model, "--index-dir", bare])
        XCTAssertEqual(none.status, 1, none.stderr)
        XCTAssertTrue(none.stderr.contains("no transcripts"), none.stderr)
        let both = try CLI.run(["query", "brass", "--source", "both", "--model", model, "--index-dir", bare])
        XCTAssertEqual(both.status, 0, both.stderr)
        XCTAssertTrue(both.stderr.contains("only the picture was searched"), both.stderr)
    }

    /// `--export` writes the hits' moments; OpenTimelineIO reads the same clips back.
    func testExportIsReadBackByOpenTimelineIO() throws {
        let readers = try runProcess(URL(fileURLWithPath: "/usr/bin/env"),
                                     ["python3", "-c", "import opentimelineio, otio_cmx3600_adapter, otio_fcpx_xml_adapter"])
        let xmllint = FileManager.default.isExecutableFile(atPath: "/usr/bin/xmllint")
        guard readers.status == 0, xmllint else {
            if ProcessInfo.processInfo.environment["CI"] != nil {
                XCTFail("the export test needs OpenTimelineIO and xmllint; `make test` installs them (Tools/setup --tests)")
            }
            throw XCTSkip("OpenTimelineIO or xmllint is missing: run Tools/setup --tests")
        }
        let base = try query(["quartermaster lanterns", "-k", "3"])
        let spans = base.result.hits.flatMap { hit in (hit.moments ?? []).map { (path: hit.path, start: $0.start, end: $0.end) } }
        XCTAssertFalse(spans.isEmpty)
        // Each source's frame rate as ffprobe reads it (the synthetic clips differ: 10, 15, 30 fps).
        var rates: [String: Double] = [:]
        for path in Set(spans.map(\.path)) {
            let probe = try runProcess(URL(fileURLWithPath: "/usr/bin/ffprobe"),
                                       ["-v", "error", "-select_streams", "v", "-show_entries", "stream=avg_frame_rate", "-of", "csv=p=0", path])
            let parts = probe.stdout.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: "/").compactMap { Double($0) }
            rates[path] = parts.count == 2 ? parts[0] / parts[1] : parts.first
        }
        // An EDL counts in the first clip's rate when SMPTE timecode has it, else in 30 fps.
        let firstRate = try XCTUnwrap(rates[spans[0].path])
        let edlRate = [24.0, 25, 30, 48, 50, 60].contains(firstRate) ? firstRate : 30
        for ext in ["otio", "edl", "fcpxml", "csv"] {
            let file = Self.dir.appendingPathComponent("hits.\(ext)")
            let r = try CLI.run(["query", "quartermaster lanterns", "-k", "3", "--export", file.path, "--model", model, "--index-dir", Self.index])
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertTrue(r.stderr.contains("wrote \(spans.count) clip(s) as \(ext)"), r.stderr)
            if ext == "csv" {
                let rows = try String(contentsOf: file, encoding: .utf8).split(separator: "\r\n")
                XCTAssertEqual(rows.count, spans.count + 1)
                XCTAssertTrue(rows[1].contains(Self.target), String(rows[1]))
                continue
            }
            if ext == "fcpxml" {
                let lint = try runProcess(URL(fileURLWithPath: "/usr/bin/xmllint"), ["--noout", file.path])
                XCTAssertEqual(lint.status, 0, lint.stderr)
            }
            let read = try runProcess(URL(fileURLWithPath: "/usr/bin/env"),
                                      ["python3", "Tools/export/read_edit_list.py", file.path, "--rate", "\(Int(edlRate))"],
                                      in: DemoModelTests.repository)
            XCTAssertEqual(read.status, 0, read.stderr)
            struct Read: Decodable {
                let clips: [Clip]
                let markers: [String]
                struct Clip: Decodable { let name: String; let target_url: String?; let start_frame: Double; let duration_frames: Double }
            }
            let back = try JSONDecoder().decode(Read.self, from: Data(read.stdout.utf8))
            XCTAssertEqual(back.clips.map(\.name), spans.map { name($0.path) }, ext)
            XCTAssertEqual(back.clips.map { $0.target_url.flatMap { URL(string: $0)?.path } }, spans.map(\.path), ext)
            // In and out at each source's rate; an EDL has one rate.
            let fps = spans.map { ext == "edl" ? edlRate : (rates[$0.path] ?? 0) }
            XCTAssertEqual(back.clips.map(\.start_frame), zip(spans, fps).map { ($0.start * $1).rounded(.down) }, ext)
            XCTAssertEqual(back.clips.map { $0.start_frame + $0.duration_frames }, zip(spans, fps).map { ($0.end * $1 - 1e-9).rounded(.up) }, ext)
            XCTAssertTrue(back.markers.contains { $0.contains("quartermaster lanterns") }, "\(ext): \(back.markers)")
        }
    }
}
