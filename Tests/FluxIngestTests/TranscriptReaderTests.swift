import Foundation
import XCTest
@testable import FluxIngest

/// Sidecar transcripts: SRT, WebVTT and whisper-style JSON, from text and from files, with
/// their text encodings, and the errors for files that break the rules.
final class TranscriptReaderTests: XCTestCase {
    private var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("transcripts-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: folder)
    }

    private func write(_ name: String, _ bytes: [UInt8]) throws -> URL {
        let url = folder.appendingPathComponent(name)
        try Data(bytes).write(to: url)
        return url
    }

    private func write(_ name: String, _ text: String) throws -> URL { try write(name, Array(text.utf8)) }

    private func assertTranscriptError(_ body: @autoclosure () throws -> Any, file: StaticString = #filePath, line: UInt = #line,
                                       _ expected: TranscriptError) {
        do {
            _ = try body()
            XCTFail("expected \(expected), got a value", file: file, line: line)
        } catch let error as TranscriptError {
            XCTAssertEqual(error, expected, file: file, line: line)
        } catch {
            XCTFail("expected a TranscriptError, got \(error)", file: file, line: line)
        }
    }

    // MARK: SRT

    static let srt = """
        1
        00:00:00,500 --> 00:00:01,250
        Well, hello there

        2
        00:00:01,500 --> 00:00:02,750 X1:100 X2:200 Y1:10 Y2:20
        Two lines
        of text

        3
        00:00:03.000 --> 00:00:03.900
          <i>Slanted</i> <b>and</b> <font color="#ff0000">red</font>  

        4
        1:02:03,004 --> 1:02:04,5
        {\\an8}<u>On top</u>, a < b

        """

    func testSRTFromString() throws {
        XCTAssertEqual(try TranscriptReader.parseSRT(Self.srt, path: "subs.srt"), [
            TranscriptCue(start: 0.5, end: 1.25, text: "Well, hello there"),
            TranscriptCue(start: 1.5, end: 2.75, text: "Two lines\nof text"),
            TranscriptCue(start: 3.0, end: 3.9, text: "Slanted and red"),
            TranscriptCue(start: 3723.004, end: 3724.5, text: "On top, a < b"),
        ])
    }

    /// No index lines, extra blank lines, a cue that is only markup (dropped), file order kept.
    func testSRTWithoutIndexLinesKeepsFileOrder() throws {
        let text = "\n\n00:00:05,000 --> 00:00:06,000\nlater\n\n\n\n00:00:01,000 --> 00:00:02,000\n<i></i>\n\n00:00:02,000 --> 00:00:02,000\nearlier\n"
        XCTAssertEqual(try TranscriptReader.parseSRT(text, path: "x.srt"), [
            TranscriptCue(start: 5, end: 6, text: "later"),
            TranscriptCue(start: 2, end: 2, text: "earlier"),
        ])
    }

    func testSRTBadTimingNamesItsLine() throws {
        let text = "1\n00:00:00,000 --> 00:00:01,000\nfine\n\n2\n00:00:01,000 --> 00:00:02,000\nfine too\n\n3\n00:00:0x,000 --> 00:00:04,000\nbroken\n"
        do {
            _ = try TranscriptReader.parseSRT(text, path: "subtitles.srt")
            XCTFail("expected an error")
        } catch let error as TranscriptError {
            guard case .malformed("subtitles.srt", 10, _) = error else { return XCTFail("unexpected \(error)") }
            XCTAssertEqual(error.description, "subtitles.srt line 10: cannot read the timing '00:00:0x,000 --> 00:00:04,000'; "
                           + "expected HH:MM:SS,mmm --> HH:MM:SS,mmm; fix or remove the file")
        }
    }

    func testSRTBlockWithoutTimingLine() {
        assertTranscriptError(try TranscriptReader.parseSRT("1\n00:00:00,000 --> 00:00:01,000\nok\n\n2\n", path: "a.srt"),
                              .malformed(path: "a.srt", line: 5, reason: "'2' is not followed by a timing line; expected an optional cue number, then HH:MM:SS,mmm --> HH:MM:SS,mmm, then the text"))
    }

    func testSRTEndBeforeStart() {
        assertTranscriptError(try TranscriptReader.parseSRT("1\n00:00:02,000 --> 00:00:01,000\nbackwards\n", path: "b.srt"),
                              .malformed(path: "b.srt", line: 2, reason: "the cue ends (1.0 s) before it starts (2.0 s) in '00:00:02,000 --> 00:00:01,000'"))
    }

    func testSRTMinutesOutOfRange() {
        assertTranscriptError(try TranscriptReader.parseSRT("00:61:00,000 --> 00:62:00,000\nx\n", path: "c.srt"),
                              .malformed(path: "c.srt", line: 1, reason: "cannot read the timing '00:61:00,000 --> 00:62:00,000'; expected HH:MM:SS,mmm --> HH:MM:SS,mmm"))
    }

    func testSRTWithoutCuesIsAnError() {
        assertTranscriptError(try TranscriptReader.parseSRT("", path: "e.srt"), .noCues(path: "e.srt"))
        assertTranscriptError(try TranscriptReader.parseSRT("\n  \n\n", path: "e.srt"), .noCues(path: "e.srt"))
        assertTranscriptError(try TranscriptReader.parseSRT("1\n00:00:00,000 --> 00:00:01,000\n<i> </i>\n", path: "e.srt"), .noCues(path: "e.srt"))
        XCTAssertEqual(TranscriptError.noCues(path: "e.srt").description, "e.srt: no cues (no timed text at all); fix or remove the file")
    }

    // MARK: WebVTT

    static let vtt = """
        WEBVTT - a title
        Kind: captions

        NOTE a comment
        that spans two lines

        STYLE
        ::cue { color: yellow }

        intro
        00:00.500 --> 00:01.250 align:start position:10%
        <v Roger>Well, hello there</v>

        00:00:01.500 --> 00:00:02.750
        <c.loud>Two</c> lines
        of <00:00:02.000>text

        00:03.000 --> 00:03.900
        <i>Tom</i> &amp; Jerry &lt;3&gt; &lrm;x&rlm;&nbsp;y &unknown;

        """

    func testWebVTTFromString() throws {
        XCTAssertEqual(try TranscriptReader.parseWebVTT(Self.vtt, path: "subs.vtt"), [
            TranscriptCue(start: 0.5, end: 1.25, text: "Well, hello there"),
            TranscriptCue(start: 1.5, end: 2.75, text: "Two lines\nof text"),
            TranscriptCue(start: 3.0, end: 3.9, text: "Tom & Jerry <3> \u{200E}x\u{200F}\u{00A0}y &unknown;"),
        ])
    }

    func testWebVTTWithoutHeaderIsMalformed() {
        let text = "00:00.000 --> 00:01.000\nhello\n"
        assertTranscriptError(try TranscriptReader.parseWebVTT(text, path: "n.vtt"),
                              .malformed(path: "n.vtt", line: 1, reason: "the file does not start with 'WEBVTT'; a WebVTT file must begin with that line"))
        assertTranscriptError(try TranscriptReader.parseWebVTT("WEBVTTX\n\n" + text, path: "n.vtt"),
                              .malformed(path: "n.vtt", line: 1, reason: "the file does not start with 'WEBVTT'; a WebVTT file must begin with that line"))
    }

    func testWebVTTBadTimingNamesItsLine() {
        assertTranscriptError(try TranscriptReader.parseWebVTT("WEBVTT\n\n1\n00:00.000 -> 00:01.000\nhello\n", path: "t.vtt"),
                              .malformed(path: "t.vtt", line: 4, reason: "cannot read the timing '00:00.000 -> 00:01.000'; expected [HH:]MM:SS.mmm --> [HH:]MM:SS.mmm [settings]"))
    }

    func testWebVTTHeaderOnlyHasNoCues() {
        assertTranscriptError(try TranscriptReader.parseWebVTT("WEBVTT\n\nNOTE nothing here\n", path: "h.vtt"), .noCues(path: "h.vtt"))
    }

    // MARK: JSON

    func testWhisperJSONSegments() throws {
        let text = """
            {"text": " Hello there. Two lines", "language": "en", "segments": [
              {"id": 0, "start": 0.0, "end": 2.5, "text": " Hello there.", "tokens": [1, 2]},
              {"id": 1, "start": 2.5, "end": 4.24, "text": "  "},
              {"id": 2, "start": 4.24, "end": 7, "text": " Two\\nlines "}
            ]}
            """
        XCTAssertEqual(try TranscriptReader.parseJSON(text, path: "w.json"), [
            TranscriptCue(start: 0, end: 2.5, text: "Hello there."),
            TranscriptCue(start: 4.24, end: 7, text: "Two\nlines"),
        ])
    }

    func testJSONTopLevelArray() throws {
        XCTAssertEqual(try TranscriptReader.parseJSON(#"[{"start": 1, "end": 2, "text": "one"}]"#, path: "a.json"),
                       [TranscriptCue(start: 1, end: 2, text: "one")])
    }

    func testJSONErrorsNameTheSegment() {
        assertTranscriptError(try TranscriptReader.parseJSON(#"{"segments": [{"start": 0, "end": 1, "text": "a"}, {"start": 1, "text": "b"}]}"#, path: "m.json"),
                              .invalidSegment(path: "m.json", index: 1, reason: "'end' is missing; expected a number of seconds"))
        assertTranscriptError(try TranscriptReader.parseJSON(#"[{"start": true, "end": 1, "text": "a"}]"#, path: "m.json"),
                              .invalidSegment(path: "m.json", index: 0, reason: "'start' is 1, not a number of seconds ≥ 0"))
        assertTranscriptError(try TranscriptReader.parseJSON(#"[{"start": 0, "end": 1, "text": 5}]"#, path: "m.json"),
                              .invalidSegment(path: "m.json", index: 0, reason: "'text' is missing or not a string"))
        assertTranscriptError(try TranscriptReader.parseJSON(#"[{"start": 2, "end": 1, "text": "x"}]"#, path: "m.json"),
                              .invalidSegment(path: "m.json", index: 0, reason: "it ends (1.0 s) before it starts (2.0 s)"))
        assertTranscriptError(try TranscriptReader.parseJSON(#"[3]"#, path: "m.json"),
                              .invalidSegment(path: "m.json", index: 0, reason: #"not an object; expected {"segments": [{"start": seconds, "end": seconds, "text": "…"}, …]}"#))
        assertTranscriptError(try TranscriptReader.parseJSON(#"{"text": "no segments"}"#, path: "m.json"),
                              .malformed(path: "m.json", line: nil, reason: #"a JSON object without a 'segments' array; expected {"segments": [{"start": seconds, "end": seconds, "text": "…"}, …]}"#))
        assertTranscriptError(try TranscriptReader.parseJSON(#"{"segments": []}"#, path: "m.json"), .noCues(path: "m.json"))
        do {
            _ = try TranscriptReader.parseJSON("{not json", path: "m.json")
            XCTFail("expected an error")
        } catch let error as TranscriptError {
            guard case .malformed("m.json", nil, let reason) = error else { return XCTFail("unexpected \(error)") }
            XCTAssertTrue(reason.hasPrefix("not valid JSON"), reason)
            XCTAssertTrue(error.description.hasPrefix("m.json: not valid JSON"), error.description)
        } catch {
            XCTFail("unexpected \(error)")
        }
    }

    // MARK: Files

    func testReadsSRTFileWithLanguageAndCRLF() throws {
        let url = try write("clip.en.srt", Self.srt.replacingOccurrences(of: "\n", with: "\r\n"))
        let transcript = try TranscriptReader.read(sidecar: url)
        XCTAssertEqual(transcript, Transcript(source: url.path, format: "srt", language: "en", encoding: "utf-8",
                                              cues: try TranscriptReader.parseSRT(Self.srt, path: "")))
        XCTAssertEqual(transcript.cues[1].text, "Two lines\nof text")
    }

    func testReadsVTTAndJSONFiles() throws {
        let vtt = try write("clip.pt-BR.VTT", Self.vtt.replacingOccurrences(of: "\n", with: "\r"))  // old Mac line ends
        XCTAssertEqual(try TranscriptReader.read(sidecar: vtt),
                       Transcript(source: vtt.path, format: "vtt", language: "pt-BR", encoding: "utf-8",
                                  cues: try TranscriptReader.parseWebVTT(Self.vtt, path: "")))
        let json = try write("clip.json", #"{"segments": [{"start": 0.5, "end": 1.25, "text": " Hi"}]}"#)
        XCTAssertEqual(try TranscriptReader.read(sidecar: json),
                       Transcript(source: json.path, format: "json", language: nil, encoding: "utf-8",
                                  cues: [TranscriptCue(start: 0.5, end: 1.25, text: "Hi")]))
        let plain = try write("clip.vtt", Self.vtt)
        XCTAssertNil(try TranscriptReader.read(sidecar: plain).language)
    }

    /// Latin-1 / Windows-1252 bytes (not valid UTF-8): é = E9, ï = EF, Ñ = D1, ú = FA, “ ” = 93 94.
    func testWindows1252File() throws {
        let text: [UInt8] = Array("1\n00:00:01,000 --> 00:00:02,000\ncaf".utf8) + [0xE9] + Array(" na".utf8) + [0xEF]
            + Array("ve ".utf8) + [0xD1] + Array("and".utf8) + [0xFA] + Array(" ".utf8) + [0x93] + Array("ok".utf8) + [0x94, 0x0A]
        let transcript = try TranscriptReader.read(sidecar: try write("latin.srt", text))
        XCTAssertEqual(transcript.encoding, "windows-1252")
        XCTAssertEqual(transcript.cues, [TranscriptCue(start: 1, end: 2, text: "café naïve Ñandú “ok”")])
    }

    func testUTF16FilesWithBOM() throws {
        let text = "1\r\n00:00:01,000 --> 00:00:02,000\r\ncafé naïve Ñandú 日本\r\n"
        let units = Array(text.utf16)
        let le: [UInt8] = [0xFF, 0xFE] + units.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
        let be: [UInt8] = [0xFE, 0xFF] + units.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] }
        let expected = [TranscriptCue(start: 1, end: 2, text: "café naïve Ñandú 日本")]
        let a = try TranscriptReader.read(sidecar: try write("le.srt", le))
        XCTAssertEqual(a.encoding, "utf-16le")
        XCTAssertEqual(a.cues, expected)
        let b = try TranscriptReader.read(sidecar: try write("be.srt", be))
        XCTAssertEqual(b.encoding, "utf-16be")
        XCTAssertEqual(b.cues, expected)
        let c = try TranscriptReader.read(sidecar: try write("bom8.srt", [0xEF, 0xBB, 0xBF] + Array(text.utf8)))
        XCTAssertEqual(c.encoding, "utf-8")
        XCTAssertEqual(c.cues, expected)
        // A UTF-8 BOM before the WebVTT header does not hide it.
        let vtt = try TranscriptReader.read(sidecar: try write("bom.vtt", [0xEF, 0xBB, 0xBF] + Array("WEBVTT\n\n00:01.000 --> 00:02.000\nx\n".utf8)))
        XCTAssertEqual(vtt.cues, [TranscriptCue(start: 1, end: 2, text: "x")])
    }

    func testFileErrors() throws {
        let missing = folder.appendingPathComponent("missing.srt")
        assertTranscriptError(try TranscriptReader.read(sidecar: missing), .fileNotFound(path: missing.path))
        let txt = try write("clip.txt", "hello")
        assertTranscriptError(try TranscriptReader.read(sidecar: txt), .unsupportedFormat(path: txt.path))
        let empty = try write("empty.srt", "")
        assertTranscriptError(try TranscriptReader.read(sidecar: empty), .noCues(path: empty.path))
        let noHeader = try write("noheader.vtt", "00:00.000 --> 00:01.000\nhello\n")
        assertTranscriptError(try TranscriptReader.read(sidecar: noHeader),
                              .malformed(path: noHeader.path, line: 1, reason: "the file does not start with 'WEBVTT'; a WebVTT file must begin with that line"))
        let dir = folder.appendingPathComponent("dir.srt")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        assertTranscriptError(try TranscriptReader.read(sidecar: dir), .unreadable(path: dir.path, reason: "it is a directory, not a regular file"))
        let fifo = folder.appendingPathComponent("fifo.srt")
        XCTAssertEqual(mkfifo(fifo.path, 0o644), 0)
        assertTranscriptError(try TranscriptReader.read(sidecar: fifo), .unreadable(path: fifo.path, reason: "it is a FIFO (named pipe), not a regular file"))
    }
}
