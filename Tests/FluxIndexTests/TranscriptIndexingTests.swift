import XCTest
import FluxIngest
import FluxModels
import FluxStore
import FluxTestSupport
@testable import FluxIndex

/// Transcripts through the indexer, on clips made with the ffmpeg CLI: sidecars (.srt, .vtt,
/// whisper-style JSON, a Windows-1252 .srt, a malformed .srt) and subtitle streams of every
/// text codec (SubRip, ASS, WebVTT, mov_text). Cues are stored exactly as written; a bad
/// sidecar is a recorded failure and the video is indexed anyway; a changed sidecar re-reads
/// that video's text only.
final class TranscriptIndexingTests: XCTestCase {
    var fixtures: TestFixtures!
    var model: ModelDirectory!
    var clips: URL { fixtures.url("clips") }
    var index: URL { fixtures.url("index") }

    static let srt = """
        1
        00:00:00,500 --> 00:00:01,250
        Hello there

        2
        00:00:01,500 --> 00:00:02,750
        <i>Two</i> lines
        of text

        """
    static let expected = [CueDraft(start: 0.5, end: 1.25, text: "Hello there"), CueDraft(start: 1.5, end: 2.75, text: "Two lines\nof text")]

    override func setUpWithError() throws {
        fixtures = try TestFixtures()
        model = try fixtures.tinyModel()
        let subs = fixtures.url("subs.srt")
        try Self.srt.write(to: subs, atomically: true, encoding: .utf8)
        let pattern = "testsrc2=size=160x120:rate=10:duration=3"
        try FileManager.default.createDirectory(at: clips, withIntermediateDirectories: true)
        // Subtitle streams, one per text codec.
        for (name, codec, extra) in [("b.mkv", "srt", ["-metadata:s:s:0", "language=fra"]), ("c.mkv", "ass", []),
                                     ("d.mkv", "webvtt", []), ("e.mp4", "mov_text", [])] {
            try TestFixtures.ffmpeg(["-f", "lavfi", "-i", pattern, "-i", subs.path, "-map", "0:v", "-map", "1:s",
                                     "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:s", codec] + extra + [clips.appendingPathComponent(name).path])
        }
        for name in ["a", "f", "g", "h", "i"] { try fixtures.clip("clips/\(name).mp4", seconds: 3) }
        try Self.srt.write(to: clips.appendingPathComponent("a.srt"), atomically: true, encoding: .utf8)
        try #"{"text": " Hello there", "segments": [{"id": 0, "start": 0.0, "end": 1.2, "text": " Whisk the eggs."}, {"id": 1, "start": 1.2, "end": 2.96, "text": " Then fold in the flour."}]}"#
            .write(to: clips.appendingPathComponent("f.json"), atomically: true, encoding: .utf8)
        try "1\n00:00:00,500 --> 00:00:01,000\nfine\n\n2\n00:00:0x,000 --> 00:00:02,000\nbroken timing\n"
            .write(to: clips.appendingPathComponent("g.srt"), atomically: true, encoding: .utf8)
        // "Café naïve — Ñandú" in Windows-1252.
        let latin = Data("1\n00:00:00,000 --> 00:00:01,500\n".utf8) + Data([0x43, 0x61, 0x66, 0xE9, 0x20, 0x6E, 0x61, 0xEF, 0x76, 0x65, 0x20, 0x97, 0x20, 0xD1, 0x61, 0x6E, 0x64, 0xFA, 0x0A])
        try latin.write(to: clips.appendingPathComponent("h.srt"))
    }

    override func tearDown() { fixtures.remove() }

    func indexClips() throws -> Indexer.Summary {
        try Indexer.open(index: index, modelURL: model.url, request: Indexer.Request(budgets: [256])).run(paths: [clips.path])
    }

    func name(_ path: String) -> String { URL(fileURLWithPath: path).lastPathComponent }

    func cues(_ store: IndexStore, _ video: String) throws -> [CueDraft] {
        let v = try XCTUnwrap(try store.allClips().first { name($0.path) == video })
        return try store.cues(videoId: v.videoId)
    }

    func assertCues(_ actual: [CueDraft], _ expected: [CueDraft], _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(actual.map(\.text), expected.map(\.text), what, file: file, line: line)
        XCTAssertEqual(actual.count, expected.count, what, file: file, line: line)
        for (a, e) in zip(actual, expected) {
            XCTAssertEqual(a.start, e.start, accuracy: 0.001, what, file: file, line: line)
            XCTAssertEqual(a.end, e.end, accuracy: 0.001, what, file: file, line: line)
        }
    }

    func testCuesAreStoredAsWrittenAndBadSidecarsAreRecorded() throws {
        let summary = try indexClips()
        XCTAssertEqual(summary.indexed.map(name).sorted(), ["a.mp4", "b.mkv", "c.mkv", "d.mkv", "e.mp4", "f.mp4", "g.mp4", "h.mp4", "i.mp4"])
        // The sidecars are read with their videos, never probed as videos.
        XCTAssertEqual(summary.notVideo.map { name($0.path) }.sorted(), ["a.srt", "f.json", "g.srt", "h.srt"])
        XCTAssertTrue(summary.notVideo.allSatisfy { $0.reason.contains("transcript") }, "\(summary.notVideo)")
        XCTAssertEqual(summary.failed.map { name($0.path) }, ["g.srt"])
        XCTAssertTrue(summary.failed.first?.reason.contains("line 6") ?? false, summary.failed.first?.reason ?? "")
        XCTAssertEqual(summary.transcripts, 7, "a, f, h sidecars and b, c, d, e streams")

        let store = try IndexStore.open(at: index)
        XCTAssertEqual(try store.failures().map { "\(name($0.path)) \($0.stage)" }, ["g.srt transcript"])
        assertCues(try cues(store, "a.mp4"), Self.expected, "sidecar .srt")
        for video in ["b.mkv", "c.mkv", "d.mkv", "e.mp4"] { assertCues(try cues(store, video), Self.expected, "stream of \(video)") }
        assertCues(try cues(store, "f.mp4"), [CueDraft(start: 0, end: 1.2, text: "Whisk the eggs."),
                                              CueDraft(start: 1.2, end: 2.96, text: "Then fold in the flour.")], "JSON")
        assertCues(try cues(store, "h.mp4"), [CueDraft(start: 0, end: 1.5, text: "Café naïve — Ñandú")], "Windows-1252")
        XCTAssertEqual(try cues(store, "g.mp4"), [], "a malformed file gives no cues")
        XCTAssertEqual(try cues(store, "i.mp4"), [])

        func transcripts(_ video: String) throws -> (read: Bool, transcripts: [StoredTranscript]) {
            let v = try XCTUnwrap(try store.allClips().first { name($0.path) == video })
            return try store.transcripts(videoId: v.videoId)
        }
        XCTAssertEqual(try transcripts("b.mkv").transcripts.map { "\($0.source) \($0.format) \($0.language ?? "-")" }, ["stream:1 subrip fra"])
        XCTAssertEqual(try transcripts("c.mkv").transcripts.first?.format, "ass")
        XCTAssertEqual(try transcripts("h.mp4").transcripts.first?.encoding, "windows-1252")
        XCTAssertEqual(try transcripts("g.mp4").transcripts.first.map { $0.error != nil }, true)
        let none = try transcripts("i.mp4")
        XCTAssertTrue(none.read)
        XCTAssertEqual(none.transcripts, [])

        // Found by the full-text search, with stems and folded accents.
        XCTAssertEqual(try store.searchCues(#""whisking""#, limit: 5).map(\.text), ["Whisk the eggs."])
        XCTAssertEqual(try store.searchCues(#""nandu""#, limit: 5).count, 1)
    }

    func testAChangedSidecarReReadsOnlyThatVideosText() throws {
        _ = try indexClips()
        let unchanged = try indexClips()
        XCTAssertEqual(unchanged.indexed, [])
        XCTAssertEqual(unchanged.transcripts, 0, "nothing changed, nothing re-read")
        XCTAssertEqual(unchanged.failed.count, 0, "an unchanged bad sidecar is not reported again")

        try "1\n00:00:02,000 --> 00:00:02,500\nA new line\n".write(to: clips.appendingPathComponent("a.srt"), atomically: true, encoding: .utf8)
        try "1\n00:00:00,250 --> 00:00:01,000\nmended\n".write(to: clips.appendingPathComponent("g.srt"), atomically: true, encoding: .utf8)
        try "WEBVTT\n\n00:00.000 --> 00:01.000\nbonjour\n".write(to: clips.appendingPathComponent("i.fr.vtt"), atomically: true, encoding: .utf8)
        let changed = try indexClips()
        XCTAssertEqual(changed.indexed, [], "no video is re-encoded")
        XCTAssertEqual(changed.clips, 0)
        XCTAssertEqual(changed.transcripts, 3)
        XCTAssertEqual(changed.failed.count, 0)

        let store = try IndexStore.open(at: index)
        assertCues(try cues(store, "a.mp4"), [CueDraft(start: 2, end: 2.5, text: "A new line")], "changed sidecar")
        assertCues(try cues(store, "g.mp4"), [CueDraft(start: 0.25, end: 1, text: "mended")], "mended sidecar")
        assertCues(try cues(store, "i.mp4"), [CueDraft(start: 0, end: 1, text: "bonjour")], "new sidecar")
        XCTAssertEqual(try store.failures().count, 0, "the mended sidecar's failure is cleared")
        XCTAssertFalse(try store.searchCues(#""hello""#, limit: 10).contains { name($0.source) == "a.srt" }, "the old text is gone")
        // The streams of b.mkv were not touched by any of this.
        assertCues(try cues(store, "b.mkv"), Self.expected, "stream kept")

        try FileManager.default.removeItem(at: clips.appendingPathComponent("a.srt"))
        let removed = try indexClips()
        XCTAssertEqual(removed.indexed, [])
        XCTAssertEqual(try cues(store, "a.mp4"), [], "a removed sidecar's cues go")
    }

    func testNoTranscriptsSkipsText() throws {
        var request = Indexer.Request(budgets: [256])
        request.transcripts = false
        let summary = try Indexer.open(index: index, modelURL: model.url, request: request).run(paths: [clips.path])
        XCTAssertEqual(summary.transcripts, 0)
        XCTAssertFalse(try IndexStore.open(at: index).hasTranscripts())
        // Turned on later, the text of the stored (unchanged) videos is read without re-encoding.
        let later = try indexClips()
        XCTAssertEqual(later.indexed, [])
        XCTAssertEqual(later.transcripts, 7)
    }
}
