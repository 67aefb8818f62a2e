import XCTest
@testable import FluxIngest

/// JPEG thumbnails and hover sprites: valid JPEGs of the promised size, upright, showing the
/// moment asked for; the encoder on its own; sizing rules; errors. JPEGs are read back with
/// the ffmpeg CLI (``JPEGReader``), independent of the code under test.
final class ThumbnailerTests: XCTestCase {
    // MARK: - JPEGEncoder

    func testEncoderWritesAJPEGThatDecodesBack() throws {
        let image = RGBImage(width: 64, height: 48, fill: (220, 30, 40))
        let jpeg = try JPEGEncoder().encode(image)
        assertJPEGMarkers(jpeg)
        let back = try JPEGReader.decode(jpeg)
        XCTAssertEqual([back.width, back.height], [64, 48])
        let mean = back.meanColour()
        XCTAssertEqual(mean.r, 220, accuracy: 6)
        XCTAssertEqual(mean.g, 30, accuracy: 6)
        XCTAssertEqual(mean.b, 40, accuracy: 6)
    }

    func testEncoderScalesAndTakesOddSizes() throws {
        let image = RGBImage(width: 33, height: 17, fill: (0, 0, 255))
        for (w, h, expected) in [(nil, nil, [33, 17]), (66, nil, [66, 34]), (16, 8, [16, 8]), (nil, 9, [17, 9])] as [(Int?, Int?, [Int])] {
            let jpeg = try JPEGEncoder(quality: 2).encode(image, width: w, height: h)
            assertJPEGMarkers(jpeg)
            let back = try JPEGReader.decode(jpeg)
            XCTAssertEqual([back.width, back.height], expected, "output \(String(describing: w))×\(String(describing: h))")
            XCTAssertGreaterThan(back.meanColour().b, 200)
        }
    }

    func testEncoderQualityTradesSizeForFidelity() throws {
        // A detailed picture: a diagonal ramp with noise.
        var pixels = [UInt8](repeating: 0, count: 128 * 96 * 3)
        var state: UInt32 = 1
        for i in 0..<(128 * 96) {
            state = state &* 1_664_525 &+ 1_013_904_223
            let (x, y) = (i % 128, i / 128)
            pixels[3 * i] = UInt8((x * 2) & 255)
            pixels[3 * i + 1] = UInt8((y * 2) & 255)
            pixels[3 * i + 2] = UInt8(truncatingIfNeeded: state >> 24)
        }
        let image = RGBImage(width: 128, height: 96, pixels: pixels)
        let best = try JPEGEncoder(quality: 2).encode(image), worst = try JPEGEncoder(quality: 31).encode(image)
        XCTAssertGreaterThan(best.count, worst.count)
        XCTAssertEqual(JPEGEncoder(quality: 0).quality, 2, "clamped")
        XCTAssertEqual(JPEGEncoder(quality: 99).quality, 31, "clamped")
    }

    func testEncoderRefusesBadInput() {
        assertThumbnailError(try JPEGEncoder().encode(rgb: [0, 0, 0], width: 2, height: 2)) {
            $0 == .invalidArgument(name: "rgb", value: "3 bytes", expected: "12 bytes (2×2 pixels × 3)")
        }
        assertThumbnailError(try JPEGEncoder().encode(rgb: [], width: 0, height: 4)) {
            $0 == .invalidArgument(name: "width", value: "0", expected: "1…65535 pixels")
        }
        assertThumbnailError(try JPEGEncoder().encode(RGBImage(width: 4, height: 4), width: 70_000, height: 2)) {
            $0 == .invalidArgument(name: "outputWidth", value: "70000", expected: "1…65535 pixels")
        }
    }

    // MARK: - Thumbnails

    func testThumbnailIsAJPEGOfTheRequestedWidth() throws {
        let url = try ThumbnailClips.url("testsrc_640x360.mp4")
        let jpeg = try Thumbnailer().thumbnail(of: url, at: 3)
        assertJPEGMarkers(jpeg)
        let back = try JPEGReader.decode(jpeg)
        XCTAssertEqual([back.width, back.height], [320, 180])

        let small = try JPEGReader.decode(try Thumbnailer().thumbnail(of: url, at: 3, maxWidth: 101))
        XCTAssertEqual([small.width, small.height], [100, 56], "even sides, aspect kept")
    }

    func testThumbnailNeverEnlarges() throws {
        let jpeg = try Thumbnailer().thumbnail(of: TestClips.url("testsrc2.mp4"), at: 1, maxWidth: 1000)
        let back = try JPEGReader.decode(jpeg)
        XCTAssertEqual([back.width, back.height], [160, 96])
    }

    func testRotatedVideoGivesAPortraitThumbnail() throws {
        // Stored 64×48 with a white box top-left; `rotate=90` shows it as 48×64, box bottom-left.
        let url = try TestClips.url("marker_rotate90.mp4")
        let back = try JPEGReader.decode(try Thumbnailer().thumbnail(of: url, at: 0.5))
        XCTAssertEqual([back.width, back.height], [48, 64])
        XCTAssertGreaterThan(back.meanLevel(x: 0..<6, y: 56..<64), 200, "the marker is bottom-left")
        XCTAssertLessThan(back.meanLevel(x: 42..<48, y: 0..<8), 40, "top-right stays black")

        let narrow = try JPEGReader.decode(try Thumbnailer().thumbnail(of: url, at: 0.5, maxWidth: 24))
        XCTAssertEqual([narrow.width, narrow.height], [24, 32])
    }

    func testThumbnailShowsTheMomentAsked() throws {
        // Red for the first second, blue for the second.
        let url = try ThumbnailClips.url("red_then_blue.mp4")
        let thumbnailer = Thumbnailer()
        for (seconds, isRed) in [(0.25, true), (1.75, false), (-5.0, true), (100.0, false), (0.9, true), (1.1, false)] {
            let mean = try JPEGReader.decode(try thumbnailer.thumbnail(of: url, at: seconds)).meanColour()
            if isRed {
                XCTAssertTrue(mean.r > 150 && mean.b < 80, "at \(seconds) s: expected red, got \(mean)")
            } else {
                XCTAssertTrue(mean.b > 150 && mean.r < 80, "at \(seconds) s: expected blue, got \(mean)")
            }
        }
    }

    // MARK: - Sprites

    func testSpriteTilesSpanTheVideoInOrder() throws {
        // 2 s, red then blue; 4 tiles at 0.25, 0.75, 1.25, 1.75 s.
        let sprite = try Thumbnailer().sprite(of: ThumbnailClips.url("red_then_blue.mp4"), frames: 4, frameWidth: 40)
        XCTAssertEqual(sprite.frames, 4)
        XCTAssertEqual(sprite.frameWidth, 40)
        XCTAssertEqual(sprite.frameHeight, 30)  // 64×48 source
        assertJPEGMarkers(sprite.jpeg)
        let back = try JPEGReader.decode(sprite.jpeg)
        XCTAssertEqual([back.width, back.height], [160, 30])
        let tiles = (0..<4).map { back.meanColour(x: ($0 * 40 + 4)..<($0 * 40 + 36), y: 4..<26) }
        XCTAssertEqual(tiles.map { $0.r > 150 && $0.b < 80 }, [true, true, false, false], "red tiles: \(tiles)")
        XCTAssertEqual(tiles.map { $0.b > 150 && $0.r < 80 }, [false, false, true, true], "blue tiles: \(tiles)")
    }

    func testSpriteTilesDifferOverAMovingPattern() throws {
        let sprite = try Thumbnailer().sprite(of: TestClips.url("testsrc2.mp4"))  // 160×96, 3 s, 25 fps
        XCTAssertEqual(sprite.frames, 10)
        XCTAssertEqual(sprite.frameWidth, 160)
        XCTAssertEqual(sprite.frameHeight, 96)
        let back = try JPEGReader.decode(sprite.jpeg)
        XCTAssertEqual([back.width, back.height], [10 * 160, 96])
        let tiles = (0..<10).map { back.crop(x: $0 * 160, width: 160) }
        for i in 1..<10 {
            let diff = zip(tiles[i - 1], tiles[i]).reduce(0) { $0 + abs(Int($1.0) - Int($1.1)) }
            XCTAssertGreaterThan(Double(diff) / Double(tiles[i].count), 3, "tiles \(i - 1) and \(i) look the same")
        }
    }

    func testSpriteOfAShortVideoUsesTheFramesThereAre() throws {
        let sprite = try Thumbnailer().sprite(of: ThumbnailClips.url("three_frames.mp4"), frames: 10, frameWidth: 32)
        XCTAssertEqual(sprite.frames, 3)
        XCTAssertEqual([sprite.frameWidth, sprite.frameHeight], [32, 24])
        let back = try JPEGReader.decode(sprite.jpeg)
        XCTAssertEqual([back.width, back.height], [96, 24])
    }

    func testSpriteOfARotatedVideoHasPortraitTiles() throws {
        let sprite = try Thumbnailer().sprite(of: TestClips.url("marker_rotate90.mp4"), frames: 3, frameWidth: 48)
        XCTAssertEqual([sprite.frames, sprite.frameWidth, sprite.frameHeight], [3, 48, 64])
        let back = try JPEGReader.decode(sprite.jpeg)
        XCTAssertEqual([back.width, back.height], [144, 64])
    }

    // MARK: - Sizing rules

    func testSizingRules() {
        XCTAssertTrue(Thumbnailer.thumbnailSize(width: 640, height: 360, maxWidth: 320) == (320, 180))
        XCTAssertTrue(Thumbnailer.thumbnailSize(width: 1080, height: 1920, maxWidth: 320) == (320, 568))
        XCTAssertTrue(Thumbnailer.thumbnailSize(width: 99, height: 67, maxWidth: 320) == (98, 66))
        XCTAssertTrue(Thumbnailer.thumbnailSize(width: 4000, height: 2, maxWidth: 320) == (320, 2))
        XCTAssertEqual(Thumbnailer.tileHeight(width: 160, height: 96, frameWidth: 64), 38)
        XCTAssertEqual(Thumbnailer.spriteTimes(duration: 10, count: 5), [1, 3, 5, 7, 9])
        XCTAssertEqual(Thumbnailer.spriteTimes(duration: 2, count: 4), [0.25, 0.75, 1.25, 1.75])
    }

    // MARK: - Errors

    func testBadArgumentsAreRefused() throws {
        let url = try TestClips.url("testsrc2.mp4")
        let t = Thumbnailer()
        assertThumbnailError(try t.thumbnail(of: url, at: 1, maxWidth: 1)) {
            $0 == .invalidArgument(name: "maxWidth", value: "1", expected: "2…65535 pixels")
        }
        assertThumbnailError(try t.thumbnail(of: url, at: .nan)) { $0 == .invalidArgument(name: "at", value: "nan", expected: "a time in seconds") }
        assertThumbnailError(try t.sprite(of: url, frames: 0)) { $0 == .invalidArgument(name: "frames", value: "0", expected: "at least 1") }
        assertThumbnailError(try t.sprite(of: url, frames: 1000, frameWidth: 160)) {
            if case .invalidArgument(let name, _, let expected) = $0 { return name == "frameWidth" && expected.hasPrefix("2…65 pixels") }
            return false
        }
    }

    func testANonVideoFileGivesAClearError() throws {
        let notes = try TestClips.url("notes.txt")
        assertDecodeError(try Thumbnailer().thumbnail(of: notes, at: 0)) { $0 == .notMediaFile(path: notes.path) }
        assertDecodeError(try Thumbnailer().sprite(of: notes)) { $0 == .notMediaFile(path: notes.path) }
        let still = try TestClips.url("still.png")
        assertDecodeError(try Thumbnailer().thumbnail(of: still, at: 0)) { if case .notAVideo = $0 { return true } else { return false } }
        let missing = URL(fileURLWithPath: "/nonexistent/clip.mp4")
        assertDecodeError(try Thumbnailer().thumbnail(of: missing, at: 0)) { $0 == .fileNotFound(path: missing.path) }
        XCTAssertEqual(DecodeError.notMediaFile(path: notes.path).description,
                       "not a media file: \(notes.path) — no container format recognised in its first bytes")
    }

    func testErrorDescriptions() {
        XCTAssertEqual(ThumbnailError.invalidArgument(name: "maxWidth", value: "0", expected: "2…65535 pixels").description,
                       "invalid argument: maxWidth = 0 — expected 2…65535 pixels")
        XCTAssertEqual(ThumbnailError.encoderUnavailable(codec: "mjpeg").verboseDescription,
                       "encoder unavailable: mjpeg — the installed libavcodec has no mjpeg encoder\n"
                       + "hint: install an FFmpeg build with the mjpeg encoder (Debian: libavcodec59); ffmpeg -encoders lists them")
        XCTAssertEqual(ThumbnailError.encodingFailed(subject: "320×180 RGB image", operation: "avcodec_open2", code: -22,
                                                     message: "Invalid argument").description,
                       "avcodec_open2 failed: 320×180 RGB image — FFmpeg error -22: Invalid argument")
        XCTAssertEqual(ThumbnailError.encodingFailed(subject: "4×4 RGB image", operation: "avcodec_receive_packet", code: 0,
                                                     message: "the encoder produced no picture").description,
                       "avcodec_receive_packet failed: 4×4 RGB image — the encoder produced no picture")
        XCTAssertEqual(ThumbnailError.invalidKey(key: "../x", reason: "only letters, digits, '.', '_' and '-' are allowed").verboseDescription,
                       "invalid cache key: '../x' — only letters, digits, '.', '_' and '-' are allowed\n"
                       + "hint: name entries like 'clip-123.jpg': [A-Za-z0-9._-], no leading dot, at most 200 characters")
        XCTAssertEqual(ThumbnailError.cacheIO(operation: "rename", path: "/idx/thumbs/a.jpg", reason: "No space left on device").description,
                       "cache rename failed: /idx/thumbs/a.jpg — No space left on device")
    }

    // MARK: - Timing (printed, not asserted)

    func testTimingOnA10SecondClip() throws {
        let url = try ThumbnailClips.url("testsrc_640x360.mp4")
        let t = Thumbnailer()
        _ = try t.thumbnail(of: url, at: 5)  // warm the page cache
        func best(_ runs: Int, _ body: () throws -> Void) rethrows -> Double {
            var best = Double.infinity
            for _ in 0..<runs {
                let start = Date()
                try body()
                best = min(best, Date().timeIntervalSince(start))
            }
            return best * 1000
        }
        var thumbBytes = 0, spriteBytes = 0
        let early = try best(3) { thumbBytes = try t.thumbnail(of: url, at: 1).count }
        let late = try best(3) { _ = try t.thumbnail(of: url, at: 9.5) }
        let sprite = try best(3) { spriteBytes = try t.sprite(of: url).jpeg.count }
        print(String(format: "thumbnail timing (10 s 640×360 h264, keyint 250, debug build): thumbnail at 1 s %.1f ms (%d bytes), at 9.5 s %.1f ms; sprite 10×160 %.1f ms (%d bytes)",
                     early, thumbBytes, late, sprite, spriteBytes))
    }

    // MARK: - Helpers

    private func assertJPEGMarkers(_ jpeg: Data, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertGreaterThan(jpeg.count, 4, file: file, line: line)
        XCTAssertEqual(Array(jpeg.prefix(2)), [0xFF, 0xD8], "SOI", file: file, line: line)
        XCTAssertEqual(Array(jpeg.suffix(2)), [0xFF, 0xD9], "EOI", file: file, line: line)
    }
}

/// Asserts that `body` throws a ``ThumbnailError`` matching `predicate`.
func assertThumbnailError<T>(_ body: @autoclosure () throws -> T, file: StaticString = #filePath, line: UInt = #line,
                             _ predicate: (ThumbnailError) -> Bool) {
    do {
        _ = try body()
        XCTFail("expected a ThumbnailError, got a value", file: file, line: line)
    } catch let error as ThumbnailError {
        XCTAssertTrue(predicate(error), "unexpected error \(error)", file: file, line: line)
    } catch {
        XCTFail("expected a ThumbnailError, got \(error)", file: file, line: line)
    }
}

/// The clips only these tests use, made on first use in ``TestClips/directory``.
private enum ThumbnailClips {
    private static let lock = NSLock()

    static func url(_ name: String) throws -> URL {
        lock.lock(); defer { lock.unlock() }
        let url = TestClips.directory.appendingPathComponent(name)
        if FileManager.default.fileExists(atPath: url.path) { return url }
        switch name {
        case "red_then_blue.mp4":
            // 64×48, 25 fps: red for 1 s, then blue for 1 s.
            try TestClips.ffmpeg(["-f", "lavfi", "-i", "color=c=red:s=64x48:r=25:d=1[a];color=c=blue:s=64x48:r=25:d=1[b];[a][b]concat",
                                  "-c:v", "libx264", "-pix_fmt", "yuv420p", url.path])
        case "testsrc_640x360.mp4":
            // 10 s of moving test pattern, x264 defaults (keyint 250: keyframes at 0 and 10 s only).
            try TestClips.ffmpeg(["-f", "lavfi", "-i", "testsrc2=s=640x360:r=25:d=10", "-c:v", "libx264", "-pix_fmt", "yuv420p", url.path])
        case "three_frames.mp4":
            try TestClips.ffmpeg(["-f", "lavfi", "-i", "testsrc2=s=64x48:r=10", "-frames:v", "3", "-c:v", "libx264", "-pix_fmt", "yuv420p", url.path])
        default:
            fatalError("ThumbnailClips: no recipe for \(name)")
        }
        return url
    }
}

/// Reads JPEGs back with the ffmpeg CLI (ffprobe for the size, ffmpeg for RGB24 pixels).
enum JPEGReader {
    static func decode(_ jpeg: Data) throws -> RGBImage {
        let file = TestClips.directory.appendingPathComponent(UUID().uuidString + ".jpg")
        let raw = TestClips.directory.appendingPathComponent(UUID().uuidString + ".rgb")
        defer { try? FileManager.default.removeItem(at: file); try? FileManager.default.removeItem(at: raw) }
        try jpeg.write(to: file)
        let size = try run("/usr/bin/ffprobe", ["-v", "error", "-select_streams", "v:0", "-show_entries", "stream=width,height",
                                                "-of", "csv=p=0", file.path])
        let parts = size.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: ",").compactMap { Int($0) }
        guard parts.count == 2 else { throw NSError(domain: "JPEGReader", code: 1, userInfo: [NSLocalizedDescriptionKey: "ffprobe said '\(size)'"]) }
        try TestClips.ffmpeg(["-i", file.path, "-f", "rawvideo", "-pix_fmt", "rgb24", raw.path])
        return RGBImage(width: parts[0], height: parts[1], pixels: [UInt8](try Data(contentsOf: raw)))
    }

    private static func run(_ tool: String, _ arguments: [String]) throws -> String {
        guard FileManager.default.isExecutableFile(atPath: tool) else { throw XCTSkip("\(tool) is not installed") }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }
}

extension RGBImage {
    /// Mean R, G, B over a rectangle (default: the whole image), 0…255.
    func meanColour(x: Range<Int>? = nil, y: Range<Int>? = nil) -> (r: Double, g: Double, b: Double) {
        let xs = x ?? 0..<width, ys = y ?? 0..<height
        var sum = (0, 0, 0)
        for row in ys { for col in xs { let p = self[col, row]; sum.0 += Int(p.r); sum.1 += Int(p.g); sum.2 += Int(p.b) } }
        let n = Double(max(xs.count * ys.count, 1))
        return (Double(sum.0) / n, Double(sum.1) / n, Double(sum.2) / n)
    }

    /// The pixels of columns `x ..< x + width`, all rows, as RGB bytes.
    func crop(x: Int, width w: Int) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(3 * w * height)
        for row in 0..<height {
            let start = 3 * (row * width + x)
            out += pixels[start..<(start + 3 * w)]
        }
        return out
    }
}
