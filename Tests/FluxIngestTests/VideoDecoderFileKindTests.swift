import XCTest
@testable import FluxIngest
#if canImport(Glibc)
import Glibc
#endif

/// Paths that are not regular files are refused before anything opens them (a FIFO would
/// block `open` forever); still pictures are not videos; damage that still decodes is
/// reported as warnings; names that are not UTF-8 open through ``FileSystemPath``.
final class VideoDecoderFileKindTests: XCTestCase {
    var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("fluxingest-kinds-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDown() {
        try? FileManager.default.removeItem(at: folder)
    }

    /// Runs `body` on a background thread; fails (instead of hanging the suite) when it has
    /// not returned within `seconds`, then calls `unblock` so the thread can finish.
    func withTimeout<T>(_ seconds: Double, unblock: () -> Void, _ body: @escaping @Sendable () -> T) -> T? {
        let done = DispatchSemaphore(value: 0)
        let box = ResultBox<T>()
        Thread.detachNewThread { box.value = body(); done.signal() }
        if done.wait(timeout: .now() + seconds) == .timedOut {
            XCTFail("the call did not return within \(seconds) s (it blocks)")
            unblock()
            _ = done.wait(timeout: .now() + 10)
            return nil
        }
        return box.value
    }

    func testFIFOIsRefusedWithoutBlocking() throws {
        let fifo = folder.appendingPathComponent("f.mp4")
        guard mkfifo(fifo.path, 0o600) == 0 else { throw XCTSkip("mkfifo failed (errno \(errno)) in \(folder.path)") }
        let path = fifo.path
        let result = withTimeout(5, unblock: {
            // A writer that opens and closes releases a reader blocked in open().
            let fd = Glibc.open(path, O_WRONLY | O_NONBLOCK)
            if fd >= 0 { close(fd) }
        }) { () -> DecodeError? in
            do { _ = try VideoDecoder(url: URL(fileURLWithPath: path)); return nil } catch { return error as? DecodeError }
        }
        guard let result else { return }
        XCTAssertEqual(result, .notARegularFile(path: path, kind: .fifo))
        XCTAssertEqual(result?.description,
                       "not a regular file: \(path) — a FIFO (named pipe); fluxsearch reads only regular files")
    }

    func testCharacterDeviceIsRefused() throws {
        // /dev/null opens and reads as empty: the old code called it "not a media file".
        assertDecodeError(try VideoDecoder(url: URL(fileURLWithPath: "/dev/null"))) {
            $0 == .notARegularFile(path: "/dev/null", kind: .characterDevice)
        }
    }

    func testDeviceNodeMadeWithMknodIsRefused() throws {
        let node = folder.appendingPathComponent("disk.mp4")
        // A block device node for loop0 (7, 0); only root may make one.
        guard mknod(node.path, S_IFBLK | 0o600, dev_t(7 << 8)  /* makedev(7, 0) in glibc's encoding */) == 0 else {
            throw XCTSkip("mknod failed (errno \(errno)): making a device node needs root")
        }
        assertDecodeError(try VideoDecoder(url: node)) { $0 == .notARegularFile(path: node.path, kind: .blockDevice) }
    }

    func testSocketIsRefused() throws {
        let path = folder.appendingPathComponent("s.mp4").path
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw XCTSkip("socket() failed (errno \(errno))") }
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        guard path.utf8.count < MemoryLayout.size(ofValue: address.sun_path) else { throw XCTSkip("temporary path too long for a socket") }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (i, b) in path.utf8.enumerated() { raw[i] = b }
        }
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard rc == 0 else { throw XCTSkip("bind failed (errno \(errno))") }
        assertDecodeError(try VideoDecoder(url: URL(fileURLWithPath: path))) { $0 == .notARegularFile(path: path, kind: .socket) }
    }

    func testSymlinkToRegularFileOpens() throws {
        let link = folder.appendingPathComponent("link.mp4")
        try FileManager.default.createSymbolicLink(at: link, withDestinationURL: try TestClips.url("counter.mp4"))
        XCTAssertEqual(try VideoDecoder(url: link).frameCount, TestClips.frameCount)
    }

    func testStillImagesAreNotVideos() throws {
        for (name, container) in [("still.png", "png_pipe"), ("still.jpg", "jpeg_pipe")] {
            let url = try TestClips.url(name)
            assertDecodeError(try VideoDecoder(url: url), name) {
                if case .notAVideo(let p, let reason) = $0 { return p == url.path && reason.contains("still image") && reason.contains(container) }
                return false
            }
        }
    }

    func testCoverArtOnlyIsNotAVideo() throws {
        let url = try TestClips.url("cover_art.m4a")
        assertDecodeError(try VideoDecoder(url: url)) {
            if case .notAVideo(let p, let reason) = $0 { return p == url.path && reason.contains("cover art") }
            return false
        }
    }

    func testTruncatedFileWarns() throws {
        let decoder = try VideoDecoder(url: TestClips.url("truncated_faststart.mp4"))
        let warnings = decoder.warnings
        XCTAssertEqual(warnings.count, 1, "\(warnings)")
        XCTAssertTrue(warnings.first?.hasPrefix("truncated: ") == true, "\(warnings)")
        XCTAssertTrue(warnings.first?.contains("frames after") == true, "\(warnings)")
    }

    func testUndamagedFileHasNoWarnings() throws {
        let decoder = try VideoDecoder(url: TestClips.url("counter_faststart.mp4"))
        _ = try decoder.frames(at: Array(0..<decoder.frameCount))
        for i in (0..<decoder.frameCount).reversed() { _ = try decoder.frames(at: [i]) }
        XCTAssertEqual(decoder.warnings, [])
    }

    func testCorruptPacketsInTheMiddleWarn() throws {
        let decoder = try VideoDecoder(url: TestClips.url("corrupt_middle.mp4"))
        XCTAssertFalse(decoder.metadata.truncated)
        XCTAssertEqual(decoder.warnings, [], "the damage is inside the coded pictures: opening cannot see it")
        var failures = 0
        for i in 0..<decoder.frameCount {
            do { _ = try decoder.frames(at: [i]) } catch is DecodeError { failures += 1 }
        }
        XCTAssertLessThan(failures, decoder.frameCount, "most frames still decode")
        let corrupt = decoder.warnings.filter { $0.hasPrefix("corrupt: ") }
        XCTAssertFalse(corrupt.isEmpty, "decoding every frame of corrupt.mp4 gave no warning: \(decoder.warnings)")
    }

    func testNonUTF8NameOpens() throws {
        let bytes = Array(folder.path.utf8) + Array("/caf".utf8) + [0xE9] + Array(".mp4".utf8)
        let file = FileSystemPath(bytes: bytes)
        XCTAssertNil(file.string)
        XCTAssertEqual(file.displayString, folder.path + "/caf\\xE9.mp4")
        let data = [UInt8](try Data(contentsOf: TestClips.url("counter.mp4")))
        let fd = file.withCString { Glibc.open($0, O_CREAT | O_WRONLY | O_TRUNC, 0o644) }
        XCTAssertGreaterThanOrEqual(fd, 0)
        XCTAssertEqual(data.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }, data.count)
        close(fd)
        let decoder = try VideoDecoder(path: file)
        XCTAssertEqual(decoder.frameCount, TestClips.frameCount)
        XCTAssertEqual(decoder.metadata.path, folder.path + "/caf\\xE9.mp4")
        XCTAssertEqual(frameNumber(try decoder.frames(at: [29])[0].image), 29)
        // The lossy URL names no file: the old way of opening reported it missing.
        assertDecodeError(try VideoDecoder(url: URL(fileURLWithPath: String(decoding: bytes, as: UTF8.self)))) {
            if case .fileNotFound = $0 { return true } else { return false }
        }
    }

    func testRelativeNameThatLooksLikeAProtocolIsAFile() throws {
        let previous = FileManager.default.currentDirectoryPath
        FileManager.default.changeCurrentDirectoryPath(folder.path)
        defer { FileManager.default.changeCurrentDirectoryPath(previous) }
        try FileManager.default.copyItem(at: try TestClips.url("counter.mp4"), to: folder.appendingPathComponent("pipe:0"))
        let decoder = try VideoDecoder(path: FileSystemPath("pipe:0"))
        XCTAssertEqual(decoder.frameCount, TestClips.frameCount)
    }

    func testDisplayStringEscapesOnlyBadBytes() {
        XCTAssertEqual(FileSystemPath(bytes: Array("/a/é".utf8)).displayString, "/a/é")
        XCTAssertEqual(FileSystemPath(bytes: [0x2F, 0x61, 0xFF, 0xC3, 0xA9, 0xC3]).displayString, "/a\\xFFé\\xC3")
        XCTAssertEqual(FileSystemPath(bytes: [0x2F, 0x61, 0xFF]).lastComponent, [0x61, 0xFF])
    }
}

/// A value handed from a background thread (written before the semaphore is signalled).
final class ResultBox<T>: @unchecked Sendable {
    var value: T?
    init() {}
}
