import XCTest
@testable import FluxEval

final class VideoLocatorTests: XCTestCase {
    func testNamesResolveAcrossExtensionsAndBareDots() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("fluxeval-locator-\(UUID().uuidString)")
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("sub"), withIntermediateDirectories: true)
        for name in ["a.mp4", "b.", "c.mov", "sub/d.avi", "e.mp4", "e.webm", "f", "g.txt", ".hidden.mp4"] {
            try Data("x".utf8).write(to: dir.appendingPathComponent(name))
        }
        let locator = try VideoLocator(directory: dir)
        func name(_ n: String) -> String? {
            locator.resolve(n).map { String($0.path.dropFirst(dir.standardizedFileURL.path.count + 1)) }
        }
        XCTAssertEqual(name("a.mp4"), "a.mp4")
        XCTAssertEqual(name("a"), "a.mp4")              // JSFusion ids have no extension
        XCTAssertEqual(name("b."), "b.")                // Flickr name with a bare dot
        XCTAssertEqual(name("b.mp4"), "b.")             // VINDLU renamed it to .mp4
        XCTAssertEqual(name("c.mp4"), "c.mov")
        XCTAssertEqual(name("c."), "c.mov")
        XCTAssertEqual(name("d.mov"), "sub/d.avi")      // found in a subfolder
        XCTAssertEqual(name("sub/d.avi"), "sub/d.avi")
        XCTAssertEqual(name("e.webm"), "e.webm")        // its own extension first
        XCTAssertEqual(name("e.mov"), "e.mp4")          // then the extension order
        XCTAssertEqual(name("f.mp4"), "f")              // no extension at all
        XCTAssertNil(name("g"))                         // .txt is not a video extension
        XCTAssertNil(name("hidden.mp4"))
        XCTAssertNil(name("zzz.mp4"))
        let (found, missing) = locator.resolve(["a", "zzz.mp4", "c."])
        XCTAssertEqual(found.map { $0 != nil }, [true, false, true])
        XCTAssertEqual(missing, ["zzz.mp4"])
    }

    func testMissingFolderIsAnError() {
        XCTAssertThrowsError(try VideoLocator(directory: URL(fileURLWithPath: "/nonexistent/videos"))) { error in
            XCTAssertEqual("\(error)", "/nonexistent/videos: cannot read — no such folder; --videos takes the folder holding the dataset's video files")
        }
    }
}
