import Foundation
import XCTest
@testable import FluxQuery

/// Search results as an editor's edit list: frame and timecode arithmetic, escaping, CSV
/// quoting, and round trips through OpenTimelineIO's readers (Tools/export/read_edit_list.py;
/// `Tools/setup --tests` installs them and xmllint).
final class EditListExportTests: XCTestCase {
    // MARK: Frames, timecode, text

    func testFrameRateSnapsMeasuredRates() {
        func rate(_ fps: Double) -> String { FrameRate(fps: fps).text }
        XCTAssertEqual(rate(23.976), "24000/1001")
        XCTAssertEqual(rate(29.97), "30000/1001")
        XCTAssertEqual(rate(29.970029), "30000/1001")
        XCTAssertEqual(rate(59.94), "60000/1001")
        XCTAssertEqual(rate(25), "25/1")
        XCTAssertEqual(rate(24.995), "25/1")
        XCTAssertEqual(rate(12.5), "25/2")
        XCTAssertEqual(rate(14.9855), "7493/500", "rounded to 1/1000 and reduced")
        for bad in [Double.nan, .infinity, 0, -30, 1e12] { XCTAssertEqual(rate(bad), "25/1", "\(bad)") }
        XCTAssertEqual(FrameRate(numerator: 30000, denominator: 1001).fps, 29.97002997002997, accuracy: 1e-12)
    }

    func testInAndOutAreWholeFramesClampedToTheSource() {
        func frames(_ start: Double, _ end: Double, fps: Int = 25, duration: Double? = nil) -> [Int] {
            let c = clip("/v.mp4", start, end, FrameRate(numerator: fps, denominator: 1), duration: duration)
            return [c.frames.inFrame, c.frames.outFrame]
        }
        XCTAssertEqual(frames(2.0, 4.5), [50, 113], "out = ceil(end × fps)")
        XCTAssertEqual(frames(1.01, 3.0), [25, 75], "in = floor(start × fps)")
        XCTAssertEqual(frames(0.29, 0.58, fps: 100), [29, 58], "seconds made from frames keep their frame")
        XCTAssertEqual(frames(58, 61, duration: 60), [1450, 1500], "clamped to the source")
        XCTAssertEqual(frames(70, 75, duration: 60), [1499, 1500], "past the end: the last frame")
        XCTAssertEqual(frames(3.001, 3.002), [75, 76], "shorter than a frame: one frame")
        XCTAssertEqual(frames(-0.5, 1), [0, 25])
        let ntsc = clip("/v.mp4", 1.01, 3.0, FrameRate(numerator: 30000, denominator: 1001), duration: nil)
        XCTAssertEqual(ntsc.frames, ClipFrames(inFrame: 30, outFrame: 90))
    }

    func testTimecodeIsNonDropAtTheRoundedBase() {
        XCTAssertEqual(Timecode.nonDrop(0, base: 25), "00:00:00:00")
        XCTAssertEqual(Timecode.nonDrop(3600 * 25, base: 25), "01:00:00:00")
        XCTAssertEqual(Timecode.nonDrop(3600 * 30 + 60 * 30 + 29, base: 30), "01:01:00:29")
        XCTAssertEqual(FrameRate(numerator: 30000, denominator: 1001).timecodeBase, 30)
        XCTAssertNil(Timecode.nonDrop(24 * 3600 * 25, base: 25), "timecode wraps at 24 h")
    }

    func testXMLEscapingAndFileURLs() {
        XCTAssertEqual(ExportText.xml("a&b<c>\"d'e\u{1}\nf"), "a&amp;b&lt;c&gt;&quot;d&apos;e&#10;f")
        let path = "/tmp/my clips/café & co #1 100%?.mp4"
        let url = ExportText.fileURL(path)
        XCTAssertEqual(url, "file:///tmp/my%20clips/caf%C3%A9%20%26%20co%20%231%20100%25%3F.mp4")
        XCTAssertEqual(decodedPath(url), path)
        XCTAssertEqual(ExportText.asciiLine("Café\n\t«crème»  brûlée"), "Cafe _creme_ brulee")
        XCTAssertEqual(ExportText.oneLine("  a\r\nb  "), "a b")
    }

    func testCSVQuotesFieldsAndDefusesFormulas() throws {
        var second = clip("/media/a, b.mp4", 1.5, 2, FrameRate(numerator: 30000, denominator: 1001), duration: nil, rank: 2)
        second.score = -0.25
        second.note = "=HYPERLINK(\"http://x\")\nline two"
        var third = clip("/media/c.mp4", 0, 1, FrameRate(numerator: 25, denominator: 1), duration: nil, rank: 3)
        third.note = "@SUM(A1)"
        let list = EditList(title: "q", clips: [clip("/media/plain.mp4", 0, 1, FrameRate(numerator: 25, denominator: 1), duration: nil),
                                                second, third])
        let text = String(decoding: try EditListWriter.render(list, as: .csv), as: UTF8.self)
        XCTAssertEqual(text, """
            rank,path,start,end,in_frame,out_frame,fps,score,note\r
            1,/media/plain.mp4,0.000,1.000,0,25,25,0.5,\r
            2,"/media/a, b.mp4",1.500,2.000,44,60,29.97,-0.25,"'=HYPERLINK(""http://x"")
            line two"\r
            3,/media/c.mp4,0.000,1.000,0,25,25,0.5,'@SUM(A1)\r

            """)
    }

    func testFormatFromFileName() {
        XCTAssertEqual(EditListFormat(fileName: "cut.EDL"), .edl)
        XCTAssertEqual(EditListFormat(fileName: "/out/cut.fcpxml"), .fcpxml)
        XCTAssertEqual(EditListFormat(fileName: "cut.Xml"), .fcpxml)
        XCTAssertEqual(EditListFormat(fileName: "cut.otio"), .otio)
        XCTAssertEqual(EditListFormat(fileName: "hits.csv"), .csv)
        for other in ["cut.mov", "cut", ".edl", "/dir.edl/cut", "cut.edl.txt"] {
            XCTAssertNil(EditListFormat(fileName: other), other)
        }
    }

    func testEDLEventsUseTheFirstClipsRate() throws {
        let (list, _, _) = sample()
        let text = String(decoding: try EditListWriter.render(list, as: .edl), as: UTF8.self)
        let lines = text.components(separatedBy: "\n")
        XCTAssertEqual(lines[0], "TITLE: cats & dogs <\"on the beach\"> it's #1 _Cafe_")
        XCTAssertEqual(lines[1], "FCM: NON-DROP FRAME")
        let events = lines.filter { $0.first?.isNumber == true }
        XCTAssertEqual(events, [
            "001  AX       V     C        00:00:02:00 00:00:04:13 01:00:00:00 01:00:02:13",
            "002  AX       V     C        00:00:01:00 00:00:03:00 01:00:02:13 01:00:04:13",   // 29.97 clip at 25 fps
            "003  AX       V     C        00:00:58:00 00:01:00:00 01:00:04:13 01:00:06:13",   // clamped to 60 s
        ])
        XCTAssertTrue(lines.contains("* LOC: 00:00:02:00 GREEN   cats & dogs <\"on the beach\"> it's #1 _Cafe_"), text)
        XCTAssertTrue(lines.contains("* FLUXSEARCH: rank 2, score 0.75, note: a cat on the beach"), text)
    }

    func testEDLOfARateWithoutTimecodeCountsIn30() throws {
        let clip = EditListClip(path: "/media/screen.mp4", start: 2, end: 4.5, frameRate: FrameRate(numerator: 15, denominator: 1),
                                sourceDuration: nil, rank: 1, score: 0.5)
        let text = String(decoding: try EditListWriter.render(EditList(title: "q", clips: [clip]), as: .edl), as: UTF8.self)
        XCTAssertTrue(text.contains("00:00:02:00 00:00:04:15 01:00:00:00 01:00:02:15"), text)
        XCTAssertEqual(EDLWriter.edlRate(for: FrameRate(numerator: 50, denominator: 2)), FrameRate(numerator: 25, denominator: 1))
        XCTAssertEqual(EDLWriter.edlRate(for: FrameRate(numerator: 30000, denominator: 1001)), FrameRate(numerator: 30000, denominator: 1001))
        XCTAssertEqual(EDLWriter.edlRate(for: FrameRate(numerator: 10, denominator: 1)), FrameRate(numerator: 30, denominator: 1))
    }

    func testFCPXMLTimesAreExactAndAssetsCarryTheirSource() throws {
        let (list, a, b) = sample()
        let text = String(decoding: try EditListWriter.render(list, as: .fcpxml), as: UTF8.self)
        XCTAssertTrue(text.contains("<format id=\"r1\" frameDuration=\"1/25s\"/>"), text)
        XCTAssertTrue(text.contains("<format id=\"r2\" frameDuration=\"1001/30000s\"/>"), text)
        XCTAssertTrue(text.contains("<fcpxml version=\"1.8\">"), text)
        // Version 1.8 keeps the source in asset/@src, which both Final Cut's DTD and the OTIO adapter read.
        let assets = text.components(separatedBy: "\n").filter { $0.contains("<asset ") }
        XCTAssertEqual(assets.count, 2)
        XCTAssertTrue(assets[0].contains("src=\"\(ExportText.fileURL(a))\""), text)
        XCTAssertFalse(text.contains("media-rep"), text)
        XCTAssertTrue(text.contains("<asset-clip ref=\"r3\" offset=\"0s\" name=\"café &amp; co #1.mp4\" start=\"2s\" duration=\"63/25s\" format=\"r1\" tcFormat=\"NDF\">"), text)
        // The 29.97 clip: in point in its own frames (30 × 1001/30000 s), length in sequence frames (50 at 25).
        XCTAssertTrue(text.contains("offset=\"63/25s\" name=\"b 100% #2.mov\" start=\"1001/1000s\" duration=\"2s\" format=\"r2\""), text)
        XCTAssertTrue(text.contains("<marker start=\"2s\" duration=\"1/25s\" value=\"cats &amp; dogs &lt;&quot;on the beach&quot;&gt; it&apos;s #1 «Café»\"/>"), text)
    }

    func testInvalidListsThrowActionableErrors() {
        let good = clip("/v.mp4", 0, 1, FrameRate(numerator: 25, denominator: 1), duration: nil)
        func error(_ clips: [EditListClip]) -> EditListError? {
            do { _ = try EditListWriter.render(EditList(title: "q", clips: clips), as: .otio); return nil }
            catch { return error as? EditListError }
        }
        XCTAssertEqual(error([]), .noClips(title: "q"))
        var relative = good; relative.path = "v.mp4"
        var backwards = good; backwards.end = -1
        var noRate = good; noRate.frameRate = FrameRate(numerator: 0, denominator: 1)
        var nan = good; nan.start = .nan
        for bad in [relative, backwards, noRate, nan] {
            guard case .invalidClip(let rank, let path, let reason)? = error([good, bad]) else {
                return XCTFail("\(bad) was accepted")
            }
            XCTAssertEqual(rank, bad.rank)
            XCTAssertEqual(path, bad.path)
            XCTAssertFalse(reason.isEmpty)
        }
        XCTAssertTrue(EditListError.tooManyEvents(count: 1200).description.contains("999"))
        let many = EditList(title: "q", clips: Array(repeating: good, count: 1000))
        XCTAssertThrowsError(try EditListWriter.render(many, as: .edl)) { XCTAssertEqual($0 as? EditListError, .tooManyEvents(count: 1000)) }
        XCTAssertNoThrow(try EditListWriter.render(many, as: .fcpxml))
    }

    func testWriteReplacesTheFileWhole() throws {
        let dir = try temporaryFolder()
        let url = dir.appendingPathComponent("cut.otio")
        let (list, _, _) = sample()
        try "old".write(to: url, atomically: false, encoding: .utf8)
        try EditListWriter.write(list, to: url, format: .otio)
        XCTAssertEqual(try Data(contentsOf: url), try EditListWriter.render(list, as: .otio))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), ["cut.otio"], "no temporary file left")
        let missing = dir.appendingPathComponent("no such folder/cut.edl")
        XCTAssertThrowsError(try EditListWriter.write(list, to: missing, format: .edl)) { error in
            guard case .writeFailed(let path, _)? = error as? EditListError else { return XCTFail("\(error)") }
            XCTAssertEqual(path, missing.path)
        }
    }

    // MARK: Round trips through OpenTimelineIO

    func testOTIORoundTrip() throws {
        let (list, a, b) = sample()
        let read = try roundTrip(list, "cut.otio")
        XCTAssertEqual(read.name, list.title)
        XCTAssertEqual(read.clips.map(\.name), ["café & co #1.mp4", "b 100% #2.mov", "café & co #1.mp4"])
        XCTAssertEqual(read.clips.map { $0.target_url.flatMap(decodedPath) }, [a, b, a])
        XCTAssertEqual(read.clips.map(\.frames), [[50, 63], [30, 60], [1450, 50]])
        XCTAssertEqual(read.clips.map(\.rate), [25, 30000.0 / 1001, 25])
        XCTAssertEqual(read.markers, [list.title])
    }

    func testEDLRoundTripAtTheFirstClipsRate() throws {
        let (list, a, b) = sample()
        let read = try roundTrip(list, "cut.edl", rate: "25")
        XCTAssertEqual(read.name, "cats & dogs <\"on the beach\"> it's #1 _Cafe_")
        XCTAssertEqual(read.clips.map(\.name), ["café & co #1.mp4", "b 100% #2.mov", "café & co #1.mp4"])
        XCTAssertEqual(read.clips.map { $0.target_url.flatMap(decodedPath) }, [a, b, a])
        // Every clip in frames of the file's one rate (25), the 29.97 clip included.
        XCTAssertEqual(read.clips.map(\.frames), [[50, 63], [25, 50], [1450, 50]])
        XCTAssertEqual(Set(read.clips.map(\.rate)), [25])
        XCTAssertEqual(read.markers, [read.name])

        // The 29.97 clip first: the whole file at 30000/1001 (timecode base 30, non-drop).
        var ntscFirst = list
        ntscFirst.clips.swapAt(0, 1)
        let ntsc = try roundTrip(ntscFirst, "ntsc.edl", rate: "\(30000.0 / 1001)")
        XCTAssertEqual(ntsc.clips.map { $0.target_url.flatMap(decodedPath) }, [b, a, a])
        XCTAssertEqual(ntsc.clips.map(\.frames), [[30, 60], [59, 76], [1738, 61]])
    }

    func testFCPXMLRoundTrip() throws {
        let (list, a, b) = sample()
        let read = try roundTrip(list, "cut.fcpxml")
        let url = try folder.appendingPathComponent("cut.fcpxml")
        let lint = try run(["xmllint", "--noout", url.path])
        XCTAssertEqual(lint.status, 0, lint.stderr)
        XCTAssertEqual(read.name, list.title)
        XCTAssertEqual(read.clips.map(\.name), ["café & co #1.mp4", "b 100% #2.mov", "café & co #1.mp4"])
        XCTAssertEqual(read.markers, [list.title])
        // The adapter (1.0.0) counts in whole fps (int(30000/1001) = 29) and truncates, so
        // compare times within one of its frames; integer rates must match exactly.
        let expected: [(start: Double, duration: Double)] = [(2, 63.0 / 25), (30 * 1001 / 30000.0, 2), (58, 2)]
        for (clip, want) in zip(read.clips, expected) {
            XCTAssertEqual(clip.frames[0] / clip.rate, want.start, accuracy: 1 / clip.rate + 1e-9, clip.name)
            XCTAssertEqual(clip.frames[1] / clip.rate, want.duration, accuracy: 1 / clip.rate + 1e-9, clip.name)
        }
        XCTAssertEqual(read.clips[0].frames, [50, 63])
        XCTAssertEqual(read.clips[2].frames, [1450, 50])
        // The adapter gives each clip its source as an external reference.
        XCTAssertEqual(read.clips.map { $0.target_url.flatMap(decodedPath) }, [a, b, a])
    }

    // MARK: Helpers

    /// Three hits over two sources whose paths hold a space, an accent, `&`, `#` and `%`:
    /// 25 fps and 30000/1001, one clip starting between frames, one running past the source's end.
    func sample() -> (EditList, String, String) {
        let dir = (try? folder.appendingPathComponent("my clips").path) ?? "/tmp/my clips"
        let a = dir + "/café & co #1.mp4", b = dir + "/b 100% #2.mov"
        let pal = FrameRate(numerator: 25, denominator: 1), ntsc = FrameRate(fps: 29.97)
        var second = clip(b, 1.01, 3.0, ntsc, duration: 20, rank: 2)
        second.score = 0.75
        second.note = "a cat\non the beach"
        return (EditList(title: "cats & dogs <\"on the beach\"> it's #1 «Café»",
                         clips: [clip(a, 2.0, 4.5, pal, duration: 60), second, clip(a, 58, 61, pal, duration: 60, rank: 3)]), a, b)
    }

    func clip(_ path: String, _ start: Double, _ end: Double, _ rate: FrameRate, duration: Double?, rank: Int = 1) -> EditListClip {
        EditListClip(path: path, start: start, end: end, frameRate: rate, sourceDuration: duration, rank: rank, score: 0.5)
    }

    /// The path of a `file://` URL, percent-decoded.
    func decodedPath(_ url: String) -> String? {
        guard url.hasPrefix("file://") else { return nil }
        return String(url.dropFirst("file://".count)).removingPercentEncoding
    }

    struct Read: Decodable {
        struct Clip: Decodable {
            var name: String
            var target_url: String?
            var start_frame: Double
            var duration_frames: Double
            var rate: Double
            var frames: [Double] { [start_frame, duration_frames] }
        }
        var name: String
        var clips: [Clip]
        var markers: [String]
    }

    /// Writes `list` as `fileName` in the test's folder and reads it back with OpenTimelineIO.
    func roundTrip(_ list: EditList, _ fileName: String, rate: String? = nil) throws -> Read {
        try requireReaders()
        let url = try folder.appendingPathComponent(fileName)
        let format = try XCTUnwrap(EditListFormat(fileName: fileName))
        try EditListWriter.write(list, to: url, format: format)
        let read = try run(["python3", Self.repository.appendingPathComponent("Tools/export/read_edit_list.py").path, url.path]
                           + (rate.map { ["--rate", $0] } ?? []))
        guard read.status == 0 else {
            XCTFail("read_edit_list.py \(fileName): \(read.stderr)")
            throw CocoaError(.fileReadCorruptFile)
        }
        return try JSONDecoder().decode(Read.self, from: Data(read.stdout.utf8))
    }

    /// OpenTimelineIO with its EDL and FCPXML adapters, and xmllint: on CI their absence is a
    /// failure, elsewhere a skip.
    func requireReaders() throws {
        let otio = try run(["python3", "-c", "import opentimelineio, otio_cmx3600_adapter, otio_fcpx_xml_adapter"])
        let xmllint = try run(["xmllint", "--version"])
        guard otio.status == 0, xmllint.status == 0 else {
            if ProcessInfo.processInfo.environment["CI"] != nil {
                XCTFail("the edit-list round trips need OpenTimelineIO and xmllint; `make test` installs them (Tools/setup --tests)")
            }
            throw XCTSkip("OpenTimelineIO or xmllint is missing: run Tools/setup --tests")
        }
    }

    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    private var made: URL?

    /// This test's temporary folder, whose name needs percent-encoding too; removed after the test.
    var folder: URL {
        get throws {
            if let made { return made }
            return try temporaryFolder()
        }
    }

    @discardableResult
    func temporaryFolder() throws -> URL {
        if let made { return made }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("fluxsearch edit-list #\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        made = dir
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        return dir
    }

    struct Output { var status: Int32; var stdout: String; var stderr: String }

    /// Runs `arguments` through /usr/bin/env (found on PATH); status 127 when the tool is missing.
    func run(_ arguments: [String]) throws -> Output {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        // Read before waiting so a full pipe cannot block the child.
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Output(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                      stderr: String(decoding: stderr, as: UTF8.self))
    }
}
