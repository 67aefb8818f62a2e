import Foundation
import XCTest

/// `index --thumbnails` makes every clip's thumbnail and every video's sprite ahead, in the
/// index's `thumbs` folder, under the keys the server reads.
final class IndexThumbnailsCommandTests: XCTestCase {
    func testThumbnailsAreMadeAtIndexTime() throws {
        let dir = try temporaryDirectory(self)
        let clips = dir.appendingPathComponent("clips")
        try FileManager.default.createDirectory(at: clips, withIntermediateDirectories: true)
        for colour in ["red", "blue"] {
            try makeTestPatternClip(clips.appendingPathComponent("\(colour).mp4"), colour: colour, seconds: 3)
        }
        let index = dir.appendingPathComponent("index")
        let built = try CLI.run(["index", clips.path, "--model", DemoModelTests.model.path, "--tokens", "256", "--segment", "1",
                                 "--thumbnails", "--index-dir", index.path, "--json"])
        XCTAssertEqual(built.status, 0, built.stderr)
        struct Report: Decodable { let summary: Summary; struct Summary: Decodable { let clips: Int } }
        let clipCount = try JSONDecoder().decode(Report.self, from: Data(built.stdout.utf8)).summary.clips
        let files = try FileManager.default.contentsOfDirectory(atPath: index.appendingPathComponent("thumbs").path)
        XCTAssertEqual(files.filter { $0.hasPrefix("clip-") && $0.hasSuffix(".jpg") }.count, clipCount, "\(files)")
        XCTAssertEqual(files.filter { $0.hasPrefix("sprite-") && $0.hasSuffix(".jpg") }.count, 2, "\(files)")
        for name in files {
            let data = try Data(contentsOf: index.appendingPathComponent("thumbs/\(name)"))
            XCTAssertEqual(Array(data.prefix(2)), [0xFF, 0xD8], name)
        }
    }
}
