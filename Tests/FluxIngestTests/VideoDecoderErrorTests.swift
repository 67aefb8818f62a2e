import XCTest
@testable import FluxIngest

/// Typed errors for files that cannot be decoded, and no crash or hang on damaged ones.
final class VideoDecoderErrorTests: XCTestCase {
    func testRandomBytesNamedMP4AreNotMedia() throws {
        let url = try TestClips.url("random.mp4")
        assertDecodeError(try VideoDecoder(url: url)) { $0 == .notMediaFile(path: url.path) }
    }

    func testTextFileIsNotMedia() throws {
        let url = try TestClips.url("notes.txt")
        assertDecodeError(try VideoDecoder(url: url)) { $0 == .notMediaFile(path: url.path) }
    }

    func testAudioOnlyFileHasNoVideoStream() throws {
        let url = try TestClips.url("audio_only.mp4")
        assertDecodeError(try VideoDecoder(url: url)) { $0 == .noVideoStream(path: url.path, streams: ["audio (aac)"]) }
    }

    func testClipWithoutAudioIsFine() throws {
        XCTAssertFalse(try VideoDecoder.probe(TestClips.url("counter.mp4")).hasAudio)
    }

    /// moov at the end: cutting the file loses the index, so it cannot be opened.
    func testTruncatedMP4IsReportedAsTruncated() throws {
        let url = try TestClips.url("truncated.mp4")
        assertDecodeError(try VideoDecoder(url: url)) {
            if case .truncated(let p, let detail) = $0 { return p == url.path && detail.contains("mov,mp4") } else { return false }
        }
    }

    /// moov first: the index survives; the readable frames decode and the loss is flagged.
    func testTruncatedFaststartMP4DecodesWhatIsThere() throws {
        let decoder = try VideoDecoder(url: TestClips.url("truncated_faststart.mp4"))
        let m = decoder.metadata
        XCTAssertTrue(m.truncated)
        XCTAssertGreaterThan(m.frameCount, 5)
        XCTAssertLessThan(m.frameCount, 30)
        let last = m.frameCount - 1
        let frames = try decoder.frames(at: [0, last / 2])
        XCTAssertEqual(frames.map { frameNumber($0.image) }, [0, last / 2])
        XCTAssertNoThrow(try decoder.frames(at: [last]))
    }

    /// Garbage over part of the samples: whatever happens, it is frames or a DecodeError.
    func testCorruptDataNeverCrashes() throws {
        let decoder = try VideoDecoder(url: TestClips.url("corrupt.mp4"))
        do {
            let frames = try decoder.frames(at: Array(0..<decoder.frameCount))
            XCTAssertEqual(frames.count, decoder.frameCount)
            XCTAssertEqual(frameNumber(frames[0].image), 0)
        } catch is DecodeError {
            // acceptable
        }
    }

    /// Files cut at many points (every container): each yields frames or a DecodeError —
    /// no crash, no hang, nothing else thrown.
    func testCutsAtManyOffsetsNeverCrash() throws {
        var outcomes: [String: Int] = [:]
        for name in ["counter_faststart.mp4", "counter.webm", "counter.avi", "audio_first.mkv"] {
            let data = try Data(contentsOf: TestClips.url(name))
            for k in 1..<16 {
                let cut = TestClips.directory.appendingPathComponent("cut\(k)_\(name)")
                try data.prefix(data.count * k / 16).write(to: cut)
                defer { try? FileManager.default.removeItem(at: cut) }
                do {
                    let decoder = try VideoDecoder(url: cut)
                    let wanted = FrameSampler.middle(frames: 4).indices(frameCount: decoder.frameCount, fps: decoder.metadata.fps)
                    let frames = try decoder.frames(at: wanted)
                    XCTAssertEqual(frames.count, 4)
                    outcomes["frames", default: 0] += 1
                } catch let error as DecodeError {
                    outcomes[String(describing: error).components(separatedBy: ":")[0], default: 0] += 1
                }
            }
        }
        print("cut files: \(outcomes.sorted { $0.key < $1.key })")
        XCTAssertGreaterThan(outcomes["frames", default: 0], 10, "most cuts still decode")
        XCTAssertTrue(Set(outcomes.keys).isSubset(of: ["frames", "truncated file", "corrupt data"]),
                      "a cut video is reported as truncated or corrupt, got \(outcomes.keys.sorted())")
    }

    /// Opening and closing many decoders (and failing to open) does not grow memory.
    func testNoLeakAcrossManyDecoders() throws {
        let good = try TestClips.url("counter.mp4"), bad = try TestClips.url("random.mp4")
        func residentBytes() -> Int {
            let fields = (try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8))?.split(separator: " ") ?? []
            return fields.count > 1 ? (Int(fields[1]) ?? 0) * Int(getpagesize()) : 0
        }
        func cycle() throws {
            let d = try VideoDecoder(url: good)
            _ = try d.frames(at: [3, 20])
            _ = try? VideoDecoder(url: bad)
        }
        for _ in 0..<20 { try cycle() }
        let before = residentBytes()
        for _ in 0..<200 { try cycle() }
        let grown = residentBytes() - before
        XCTAssertLessThan(grown, 8 << 20, "resident memory grew by \(grown >> 10) KiB over 200 open/decode/close cycles")
    }

    func testUnknownCodecIsUnsupported() throws {
        let url = try TestClips.url("unknown_codec.avi")
        assertDecodeError(try VideoDecoder(url: url)) {
            if case .unsupportedCodec(let p, let codec) = $0 { return p == url.path && codec.contains("ZZZZ") } else { return false }
        }
    }

    func testMissingFileAndDirectory() throws {
        assertDecodeError(try VideoDecoder(url: URL(fileURLWithPath: "/nonexistent/clip.mp4"))) {
            $0 == .fileNotFound(path: "/nonexistent/clip.mp4")
        }
        assertDecodeError(try VideoDecoder(url: TestClips.directory)) { $0 == .notARegularFile(path: TestClips.directory.path, kind: .directory) }
    }

    /// A limit already spent interrupts libavformat's I/O: a typed timeout, not a hang.
    func testTimeLimitIsEnforced() throws {
        var options = DecodeOptions()
        options.timeLimit = 1e-7
        let url = try TestClips.url("counter.mp4")
        assertDecodeError(try VideoDecoder(url: url, options: options)) { $0 == .timedOut(path: url.path, seconds: 1e-7) }
    }

    func testDescriptionsAndHints() {
        XCTAssertEqual(DecodeError.notMediaFile(path: "/v/a.mp4").description,
                       "not a media file: /v/a.mp4 — no container format recognised in its first bytes")
        XCTAssertEqual(DecodeError.noVideoStream(path: "/v/a.m4a", streams: ["audio (aac)"]).description,
                       "no video stream: /v/a.m4a — streams: audio (aac)")
        XCTAssertEqual(DecodeError.noVideoStream(path: "/v/a", streams: []).description, "no video stream: /v/a — no streams at all")
        XCTAssertEqual(DecodeError.unsupportedCodec(path: "/v/a.avi", codec: "none (fourcc ZZZZ)").description,
                       "unsupported codec: /v/a.avi — no decoder for video codec 'none (fourcc ZZZZ)' in the installed FFmpeg")
        XCTAssertEqual(DecodeError.truncated(path: "/v/a.mp4", detail: "x").description, "truncated file: /v/a.mp4 — x")
        XCTAssertEqual(DecodeError.corruptData(path: "/v/a.mp4", detail: "y").description, "corrupt data: /v/a.mp4 — y")
        XCTAssertEqual(DecodeError.timedOut(path: "/v/a.mp4", seconds: 120).description,
                       "timed out: /v/a.mp4 — decoding took longer than 120 s")
        XCTAssertEqual(DecodeError.frameOutOfRange(path: "/v/a.mp4", index: 30, frameCount: 30).description,
                       "frame out of range: /v/a.mp4 — index 30, the video has 30 frames (0…29)")
        XCTAssertEqual(DecodeError.ffmpeg(path: "/v/a", operation: "av_seek_frame", code: -5, message: "I/O error").description,
                       "av_seek_frame failed: /v/a — FFmpeg error -5: I/O error")
        XCTAssertEqual(DecodeError.fileNotFound(path: "/v/a").verboseDescription,
                       "file not found: /v/a\nhint: check the path; directories and missing files cannot be decoded")
        XCTAssertEqual(DecodeError.timedOut(path: "/v/a", seconds: 0.5).path, "/v/a")
        XCTAssertEqual((DecodeError.notMediaFile(path: "/v/a") as Error).localizedDescription,
                       "not a media file: /v/a — no container format recognised in its first bytes")
    }
}
