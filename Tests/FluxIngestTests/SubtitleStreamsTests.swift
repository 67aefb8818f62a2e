import Foundation
import XCTest
@testable import FluxIngest

/// Subtitle streams inside containers, muxed at test time by the ffmpeg CLI from one known
/// .srt: every text codec gives back exactly the cues written.
final class SubtitleStreamsTests: XCTestCase {
    /// Two-line cue, an italic one (tags removed) and commas (the ASS event's field separator).
    static let srt = """
        1
        00:00:00,500 --> 00:00:01,250
        Well, hello there

        2
        00:00:01,500 --> 00:00:02,750
        Two lines,
        of text

        3
        00:00:03,000 --> 00:00:03,900
        <i>Slanted</i> words

        """

    static let expected = [
        TranscriptCue(start: 0.5, end: 1.25, text: "Well, hello there"),
        TranscriptCue(start: 1.5, end: 2.75, text: "Two lines,\nof text"),
        TranscriptCue(start: 3.0, end: 3.9, text: "Slanted words"),
    ]

    private static let lock = NSLock()

    /// A 4-second test-pattern video with the cues above as subtitle codec `codec` (extra
    /// ffmpeg arguments in `extra`), made once per run.
    static func clip(_ name: String, codec: String, extra: [String] = []) throws -> URL {
        lock.lock(); defer { lock.unlock() }
        let url = TestClips.directory.appendingPathComponent(name)
        if FileManager.default.fileExists(atPath: url.path) { return url }
        let srtURL = TestClips.directory.appendingPathComponent("subtitles-source.srt")
        try Data(srt.utf8).write(to: srtURL)
        try TestClips.ffmpeg(["-f", "lavfi", "-i", "testsrc=s=64x48:r=10:d=4", "-i", srtURL.path, "-map", "0:v", "-map", "1:s",
                              "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:s", codec] + extra + [url.path])
        return url
    }

    private func assertCues(_ actual: [TranscriptCue], file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(actual.map(\.text), Self.expected.map(\.text), file: file, line: line)
        guard actual.count == Self.expected.count else { return }
        for (a, e) in zip(actual, Self.expected) {
            XCTAssertEqual(a.start, e.start, accuracy: 0.001, "start of '\(e.text)'", file: file, line: line)
            XCTAssertEqual(a.end, e.end, accuracy: 0.001, "end of '\(e.text)'", file: file, line: line)
        }
    }

    private func readOne(_ url: URL, file: StaticString = #filePath, line: UInt = #line) throws -> Transcript {
        let transcripts = try SubtitleStreams.read(url)
        XCTAssertEqual(transcripts.count, 1, file: file, line: line)
        return try XCTUnwrap(transcripts.first, file: file, line: line)
    }

    func testSubRipInMatroska() throws {
        let t = try readOne(try Self.clip("subs_subrip.mkv", codec: "srt"))
        XCTAssertEqual([t.source, t.format], ["stream:1", "subrip"])
        XCTAssertNil(t.language)
        XCTAssertNil(t.encoding)
        assertCues(t.cues)
    }

    func testASSInMatroskaWithLanguage() throws {
        let t = try readOne(try Self.clip("subs_ass.mkv", codec: "ass", extra: ["-metadata:s:s:0", "language=fra"]))
        XCTAssertEqual([t.source, t.format], ["stream:1", "ass"])
        XCTAssertEqual(t.language, "fra")
        assertCues(t.cues)
    }

    func testWebVTTInMatroska() throws {
        let t = try readOne(try Self.clip("subs_webvtt.mkv", codec: "webvtt"))
        XCTAssertEqual([t.source, t.format], ["stream:1", "webvtt"])
        assertCues(t.cues)
    }

    /// MP4 fills the gaps between cues with empty samples; they give no cue. Its language tag
    /// is "und" unless set, which reads as nil.
    func testMovTextInMP4() throws {
        let t = try readOne(try Self.clip("subs_mov_text.mp4", codec: "mov_text"))
        XCTAssertEqual([t.source, t.format], ["stream:1", "mov_text"])
        XCTAssertNil(t.language)
        assertCues(t.cues)
    }

    /// Two subtitle streams (and the video) in one file: one transcript each, in stream order.
    func testTwoStreams() throws {
        let url = TestClips.directory.appendingPathComponent("subs_two.mkv")
        try TestClips.ffmpeg(["-i", try Self.clip("subs_subrip.mkv", codec: "srt").path, "-map", "0:v", "-map", "0:s", "-map", "0:s",
                              "-c:v", "copy", "-c:s:0", "srt", "-c:s:1", "ass", "-metadata:s:s:1", "language=deu", url.path])
        let transcripts = try SubtitleStreams.read(url)
        XCTAssertEqual(transcripts.map(\.source), ["stream:1", "stream:2"])
        XCTAssertEqual(transcripts.map(\.format), ["subrip", "ass"])
        XCTAssertEqual(transcripts.map(\.language), [nil, "deu"])
        for t in transcripts { assertCues(t.cues) }
    }

    func testVideoWithoutSubtitlesGivesNothing() throws {
        XCTAssertEqual(try SubtitleStreams.read(try TestClips.url("counter.mp4")), [])
        XCTAssertEqual(try SubtitleStreams.read(try TestClips.url("audio_only.mp4")), [])
    }

    func testGarbageAndMissingFilesThrow() throws {
        for name in ["random.mp4", "notes.txt"] {
            let url = try TestClips.url(name)
            XCTAssertThrowsError(try SubtitleStreams.read(url)) {
                XCTAssertEqual($0 as? TranscriptError, .media(.notMediaFile(path: url.path)))
            }
        }
        let missing = TestClips.directory.appendingPathComponent("no-such-video.mkv")
        XCTAssertThrowsError(try SubtitleStreams.read(missing)) {
            XCTAssertEqual($0 as? TranscriptError, .media(.fileNotFound(path: missing.path)))
            XCTAssertTrue("\($0)".hasPrefix("cannot read subtitle streams: file not found: \(missing.path)"), "\($0)")
        }
    }

    /// Cut-off files: cues or a TranscriptError, never a crash.
    func testTruncatedFilesNeverCrash() throws {
        let data = try Data(contentsOf: try Self.clip("subs_subrip.mkv", codec: "srt"))
        for fraction in [0.1, 0.3, 0.5, 0.7, 0.9] {
            let url = TestClips.directory.appendingPathComponent("subs_cut_\(Int(fraction * 100)).mkv")
            try data.prefix(Int(Double(data.count) * fraction)).write(to: url)
            do {
                _ = try SubtitleStreams.read(url)
            } catch is TranscriptError {
                // acceptable
            }
        }
    }
}
