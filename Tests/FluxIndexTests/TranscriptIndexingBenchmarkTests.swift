import XCTest
import FluxTestSupport
@testable import FluxIndex

/// `bench transcripts` on three tiny clips with the tiny random model, one round: both runs
/// index every clip and the run with transcripts stores the generated cues (no timing is
/// asserted).
final class TranscriptIndexingBenchmarkTests: XCTestCase {
    func testOneRoundIndexesWithAndWithoutTranscripts() throws {
        let fixtures = try TestFixtures()
        defer { fixtures.remove() }
        let model = try fixtures.tinyModel()
        for name in ["a.mp4", "b.mp4", "c.mp4"] { try fixtures.clip("clips/" + name, seconds: 3) }
        try fixtures.garbage("clips/notes.mp4")
        var bench = TranscriptIndexingBenchmark(folder: fixtures.url("clips"), model: model.url)
        bench.rounds = 1
        let r = try bench.run(in: fixtures.url("work"))
        XCTAssertEqual(r.videos, 3, "the file that is no video is left out")
        XCTAssertEqual(r.rounds.count, 1)
        XCTAssertEqual(r.transcripts, 3)
        XCTAssertEqual(r.cues, 6, "a cue every 2 s over 3 s clips: two each")
        XCTAssertEqual(r.failed, 0)
        XCTAssertGreaterThan(r.rounds[0].withoutSeconds, 0)
        XCTAssertGreaterThan(r.rounds[0].withSeconds, 0)
    }

    func testSidecarIsSubRip() {
        let text = TranscriptIndexingBenchmark.srt([(0, 2, "Hello"), (2, 3.5, "there")])
        XCTAssertEqual(text, "1\n00:00:00,000 --> 00:00:02,000\nHello\n\n2\n00:00:02,000 --> 00:00:03,500\nthere\n")
    }

    func testEmptyFolderIsRefused() throws {
        let fixtures = try TestFixtures()
        defer { fixtures.remove() }
        try FileManager.default.createDirectory(at: fixtures.url("empty"), withIntermediateDirectories: true)
        var bench = TranscriptIndexingBenchmark(folder: fixtures.url("empty"), model: fixtures.url("model"))
        bench.rounds = 1
        XCTAssertThrowsError(try bench.run(in: fixtures.url("work"))) { error in
            XCTAssertEqual(error as? TranscriptIndexingBenchmark.Failure, .noVideos(folder: fixtures.url("empty").path))
        }
    }
}
