import XCTest
import FluxIngest
@testable import FluxIndex
#if canImport(Glibc)
import Glibc
#endif

/// The scanner accounts for every entry it meets and never opens one that could block.
final class ScanReportTests: XCTestCase {
    var root: URL!

    override func setUpWithError() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("fluxscan-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
    }

    override func tearDown() {
        chmod(root.appendingPathComponent("locked").path, 0o755)
        try? FileManager.default.removeItem(at: root)
    }

    func touch(_ name: String) {
        FileManager.default.createFile(atPath: root.appendingPathComponent(name).path, contents: Data("x".utf8))
    }

    func kinds(_ report: ScanReport) -> [String: ScanSkip.Kind] {
        Dictionary(report.skipped.map { ((($0.path as NSString).lastPathComponent), $0.kind) }, uniquingKeysWith: { a, _ in a })
    }

    func testEveryEntryIsTakenOrReported() throws {
        touch("a.mp4")
        try FileManager.default.createDirectory(at: root.appendingPathComponent("sub"), withIntermediateDirectories: true)
        touch("sub/b.mkv")
        touch(".hidden.mp4")
        touch("Thumbs.db")
        XCTAssertEqual(mkfifo(root.appendingPathComponent("pipe.mp4").path, 0o600), 0)
        let fm = FileManager.default
        try fm.createSymbolicLink(atPath: root.appendingPathComponent("dangling.mp4").path, withDestinationPath: "nowhere.mp4")
        try fm.createSymbolicLink(atPath: root.appendingPathComponent("loop").path, withDestinationPath: "loop")
        try fm.createSymbolicLink(atPath: root.appendingPathComponent("sub/up").path, withDestinationPath: "..")
        try fm.createSymbolicLink(atPath: root.appendingPathComponent("good.mp4").path, withDestinationPath: "a.mp4")
        let bad = FileSystemPath(root).appending(Array("caf".utf8) + [0xE9] + Array(".mp4".utf8))
        let fd = bad.withCString { Glibc.open($0, O_CREAT | O_WRONLY, 0o644) }
        XCTAssertGreaterThanOrEqual(fd, 0)
        close(fd)

        let report = FileScanner.scanReport([root.path])
        XCTAssertEqual(Set(report.candidates.map { $0.lastPathComponent }), ["a.mp4", "good.mp4", "b.mkv"])
        XCTAssertEqual(report.candidates.map(\.path), report.candidates.map(\.path).sorted())
        let k = kinds(report)
        XCTAssertEqual(k[".hidden.mp4"], .hidden)
        XCTAssertEqual(k["Thumbs.db"], .system)
        XCTAssertEqual(k["pipe.mp4"], .notRegular(.fifo))
        XCTAssertEqual(k["dangling.mp4"], .danglingLink)
        XCTAssertEqual(k["loop"], .symlinkLoop)
        XCTAssertEqual(k["up"], .symlinkLoop)
        XCTAssertEqual(k["caf\\xE9.mp4"], .badName)
        XCTAssertEqual(report.skipped.first { $0.kind == .badName }?.fileSystemPath, bad)
        XCTAssertTrue(report.skipped.allSatisfy { !$0.reason.isEmpty })
        XCTAssertEqual(report.skipped.count, 7, "\(report.skipped.map { "\($0.path): \($0.kind)" })")
        XCTAssertEqual(report.missing, [])
    }

    func testSymlinkedFolderIsFollowedOnce() throws {
        let fm = FileManager.default
        try fm.createDirectory(at: root.appendingPathComponent("real"), withIntermediateDirectories: true)
        touch("real/c.mp4")
        try fm.createSymbolicLink(atPath: root.appendingPathComponent("alias").path, withDestinationPath: "real")
        let report = FileScanner.scanReport([root.path])
        XCTAssertEqual(report.candidates.count, 1, "\(report.candidates)")
        XCTAssertEqual(kinds(report)["real"] ?? kinds(report)["alias"], .alreadyScanned)
        // Only through the link: its files are found.
        let viaLink = FileScanner.scanReport([root.appendingPathComponent("alias").path])
        XCTAssertEqual(viaLink.candidates.map { $0.lastPathComponent }, ["c.mp4"])
    }

    func testExplicitPaths() throws {
        touch("a.mp4")
        XCTAssertEqual(mkfifo(root.appendingPathComponent("f.mp4").path, 0o600), 0)
        try FileManager.default.createSymbolicLink(atPath: root.appendingPathComponent("loop").path, withDestinationPath: "loop")
        let report = FileScanner.scanReport([root.appendingPathComponent("a.mp4").path, root.appendingPathComponent("f.mp4").path,
                                             root.appendingPathComponent("loop").path, "/dev/null", root.appendingPathComponent("gone.mp4").path])
        XCTAssertEqual(report.candidates.map { $0.lastPathComponent }, ["a.mp4"])
        let k = kinds(report)
        XCTAssertEqual(k["f.mp4"], .notRegular(.fifo))
        XCTAssertEqual(k["loop"], .symlinkLoop)
        XCTAssertEqual(k["null"], .notRegular(.characterDevice))
        XCTAssertEqual(report.missing, [root.appendingPathComponent("gone.mp4").path])
    }

    func testNonUTF8NameGivenAsBytesIsFound() throws {
        let bad = FileSystemPath(root).appending([0x78, 0xFF, 0x2E, 0x6D, 0x70, 0x34])
        let fd = bad.withCString { Glibc.open($0, O_CREAT | O_WRONLY, 0o644) }
        XCTAssertGreaterThanOrEqual(fd, 0)
        close(fd)
        let report = FileScanner.scanReport([bad])
        XCTAssertEqual(report.missing, [])
        XCTAssertEqual(report.skipped.map(\.kind), [.badName])
        XCTAssertEqual(report.skipped.first?.path, root.path + "/x\\xFF.mp4")
        // Lossy as a String, the name is flagged, not called plainly missing.
        let lossy = FileScanner.scanReport([String(decoding: bad.bytes, as: UTF8.self)])
        XCTAssertEqual(lossy.skipped.map(\.kind), [.badName])
    }

    func testWithoutRecursionSubfoldersAreReported() throws {
        try FileManager.default.createDirectory(at: root.appendingPathComponent("sub"), withIntermediateDirectories: true)
        touch("sub/b.mp4")
        touch("a.mp4")
        let report = FileScanner.scanReport([root.path], recursive: false)
        XCTAssertEqual(report.candidates.map { $0.lastPathComponent }, ["a.mp4"])
        XCTAssertEqual(kinds(report)["sub"], .subfolder)
    }

    func testUnreadableFolderIsReported() throws {
        let locked = root.appendingPathComponent("locked")
        try FileManager.default.createDirectory(at: locked, withIntermediateDirectories: true)
        touch("locked/x.mp4")
        chmod(locked.path, 0)
        if let d = opendir(locked.path) {
            closedir(d)
            throw XCTSkip("running as root (or with CAP_DAC_READ_SEARCH): a chmod 000 folder is still readable, so the unreadable case cannot be made here")
        }
        let report = FileScanner.scanReport([root.path])
        XCTAssertEqual(kinds(report)["locked"], .unreadableFolder)
    }
}
