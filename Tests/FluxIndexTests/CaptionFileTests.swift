import XCTest
@testable import FluxIndex
import FluxCore

final class CaptionFileTests: XCTestCase {
    var dir: URL!
    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("captions-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        addTeardownBlock { [dir] in try? FileManager.default.removeItem(at: dir!) }
    }

    func write(_ name: String, _ text: String) throws -> URL {
        let url = dir.appendingPathComponent(name)
        try Data(text.utf8).write(to: url)
        return url
    }

    func testLinesJSONAndCSV() throws {
        XCTAssertEqual(try CaptionFile.read(write("a.txt", "a cat\n\n  a dog  \r\nthe end")), ["a cat", "a dog", "the end"])
        let json = #"[{"video": "v1.mp4", "caption": "one"}, {"video": "v2.mp4", "caption": ["two", "three"]}]"#
        XCTAssertEqual(try CaptionFile.read(write("a.json", json)), ["one", "two", "three"])
        let csv = "key,vid_key,video_id,sentence\nret0,msr1,video1,\"a man, a plan\"\nret1,msr2,video2,\"say \"\"hi\"\"\"\n"
        XCTAssertEqual(try CaptionFile.read(write("a.csv", csv)), ["a man, a plan", "say \"hi\""])
    }

    func testCSVParserHandlesQuotedNewlinesAndCRLF() {
        XCTAssertEqual(DelimitedText.parse("a,b\r\n\"x\ny\",z\r\n"), [["a", "b"], ["x\ny", "z"]])
        XCTAssertEqual(DelimitedText.parse("a;b\n1;2", delimiter: ";"), [["a", "b"], ["1", "2"]])
    }

    func testUnrecognisedFilesNameTheProblem() throws {
        XCTAssertThrowsError(try CaptionFile.read(write("b.csv", "id,text\n1,x\n"))) { error in
            XCTAssertTrue("\(error)".contains("no 'sentence' or 'caption' column (it has: id, text)"), "\(error)")
        }
        XCTAssertThrowsError(try CaptionFile.read(write("c.json", "{\"not\": \"a list\"}"))) { error in
            XCTAssertTrue("\(error)".contains("expected a JSON list"), "\(error)")
        }
        XCTAssertThrowsError(try CaptionFile.read(dir.appendingPathComponent("missing.txt"))) { error in
            XCTAssertTrue("\(error)".contains("missing.txt: cannot read"), "\(error)")
        }
    }
}

final class FileScannerTests: XCTestCase {
    func testSkipsHiddenAndSystemFilesAndReportsMissingPaths() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("scan-\(UUID().uuidString)")
        addTeardownBlock { try? FileManager.default.removeItem(at: root) }
        let fm = FileManager.default
        try fm.createDirectory(at: root.appendingPathComponent("sub/.hidden"), withIntermediateDirectories: true)
        for name in ["b.mp4", "a.mov", ".secret.mp4", "Thumbs.db", "sub/c.webm", "sub/.hidden/d.mp4", "notes.txt"] {
            try Data("x".utf8).write(to: root.appendingPathComponent(name))
        }
        let report = FileScanner.scanReport([root.path, root.appendingPathComponent("b.mp4").path, "/nope"])
        let (files, missing) = (report.candidates, report.missing)
        XCTAssertEqual(files.map { String($0.path.dropFirst(root.path.count + 1)) }, ["a.mov", "b.mp4", "notes.txt", "sub/c.webm"])
        XCTAssertEqual(missing, ["/nope"])
        let shallow = FileScanner.scanReport([root.path], recursive: false).candidates
        XCTAssertEqual(shallow.map(\.lastPathComponent), ["a.mov", "b.mp4", "notes.txt"])
    }
}
