import Foundation
import XCTest
@testable import FluxIngest

/// Finding a video's sidecar transcripts: names, languages, extensions in any case, and only
/// regular files.
final class TranscriptSidecarsTests: XCTestCase {
    private var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("sidecars-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: folder)
    }

    private func touch(_ names: String...) throws {
        for name in names { try Data("x".utf8).write(to: folder.appendingPathComponent(name)) }
    }

    func testFindsSidecarsByStemAndLanguage() throws {
        try touch("clip.mp4", "clip.srt", "clip.en.srt", "clip.pt-BR.vtt", "clip.json", "clip.pt_BR.srt", "clip.fra.VTT", "clip.Srt",
                  "OTHER.srt", "clip.txt", "clip2.srt", "clip.english.srt", "clip.en.json", "clip.e.srt", "clip.en-.srt", "clip.en.us.srt",
                  "clip.mp4.srt", "Clip.srt", "clip.srt.bak")
        let found = TranscriptSidecars.find(for: folder.appendingPathComponent("clip.mp4")).map(\.lastPathComponent)
        XCTAssertEqual(found, ["clip.Srt", "clip.en.srt", "clip.fra.VTT", "clip.json", "clip.pt-BR.vtt", "clip.pt_BR.srt", "clip.srt"])
    }

    /// A stem with dots of its own ("my.holiday") and a video with no sidecars.
    func testDottedStemAndNoSidecars() throws {
        try touch("my.holiday.mkv", "my.holiday.de.srt", "my.srt", "my.holiday.mkv.json")
        XCTAssertEqual(TranscriptSidecars.find(for: folder.appendingPathComponent("my.holiday.mkv")).map(\.lastPathComponent),
                       ["my.holiday.de.srt"])
        XCTAssertEqual(TranscriptSidecars.find(for: folder.appendingPathComponent("alone.mp4")), [])
        XCTAssertEqual(TranscriptSidecars.find(for: folder.appendingPathComponent("nowhere/clip.mp4")), [])
    }

    /// A FIFO named like a sidecar would block whoever opens it; a folder is not a file.
    /// A symbolic link to a regular file counts; a dangling one does not.
    func testOnlyRegularFiles() throws {
        try touch("clip.mp4", "target.txt")
        XCTAssertEqual(mkfifo(folder.appendingPathComponent("clip.srt").path, 0o644), 0)
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("clip.vtt"), withIntermediateDirectories: false)
        try FileManager.default.createSymbolicLink(atPath: folder.appendingPathComponent("clip.en.srt").path, withDestinationPath: "target.txt")
        try FileManager.default.createSymbolicLink(atPath: folder.appendingPathComponent("clip.de.srt").path, withDestinationPath: "missing.txt")
        let found = TranscriptSidecars.find(for: folder.appendingPathComponent("clip.mp4"))
        XCTAssertEqual(found.map(\.lastPathComponent), ["clip.en.srt"])
        XCTAssertEqual(found.first?.path, folder.appendingPathComponent("clip.en.srt").path)
    }

    func testLanguageOfSidecarName() {
        XCTAssertEqual(TranscriptSidecars.language(ofSidecarName: "clip.en.srt"), "en")
        XCTAssertEqual(TranscriptSidecars.language(ofSidecarName: "clip.pt_BR.vtt"), "pt_BR")
        XCTAssertEqual(TranscriptSidecars.language(ofSidecarName: "clip.es-419.srt"), "es-419")
        XCTAssertNil(TranscriptSidecars.language(ofSidecarName: "clip.srt"))
        XCTAssertNil(TranscriptSidecars.language(ofSidecarName: "clip.2019.srt"))
        XCTAssertNil(TranscriptSidecars.language(ofSidecarName: "clip.en.json"))
    }
}
