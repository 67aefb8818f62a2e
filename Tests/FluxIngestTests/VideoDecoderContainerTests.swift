import XCTest
@testable import FluxIngest

/// H.264/MP4, VP9/WebM and MPEG-4/AVI counter clips: metadata, frame content at requested
/// indices and timestamps, and keyframe-aware seeking.
final class VideoDecoderContainerTests: XCTestCase {
    static let containers: [(file: String, codec: String, container: String)] = [
        ("counter.mp4", "h264", "mov,mp4,m4a,3gp,3g2,mj2"),
        ("counter.webm", "vp9", "matroska,webm"),
        ("counter.avi", "mpeg4", "avi"),
    ]

    func testMetadataOfEachContainer() throws {
        for (file, codec, container) in Self.containers {
            let m = try VideoDecoder.probe(TestClips.url(file))
            XCTAssertEqual(m.codec, codec, file)
            XCTAssertEqual(m.container, container, file)
            XCTAssertEqual(m.frameCount, 30, file)
            XCTAssertEqual(m.fps, 10, accuracy: 1e-9, file)
            XCTAssertEqual(m.duration, 3.0, accuracy: 0.051, file)
            XCTAssertEqual([m.width, m.height, m.displayWidth, m.displayHeight], [96, 64, 96, 64], file)
            XCTAssertEqual(m.rotation, 0, file)
            XCTAssertEqual(m.streamIndex, 0, file)
            XCTAssertEqual(m.bitDepth, 8, file)
            XCTAssertEqual(m.pixelFormat, "yuv420p", file)
            XCTAssertFalse(m.hasAudio, file)
            XCTAssertFalse(m.variableFrameRate, file)
            XCTAssertFalse(m.truncated, file)
        }
    }

    /// WebM keeps no per-stream duration; it must come from the container (or the frames).
    func testWebMDurationFallsBackToContainer() throws {
        let m = try VideoDecoder.probe(TestClips.url("counter.webm"))
        XCTAssertEqual(m.duration, 3.0, accuracy: 0.051)
    }

    func testFramesAtIndicesShowThoseFrames() throws {
        let wanted = [0, 5, 13, 29, 12, 12, 24, 23, 1]
        for (file, _, _) in Self.containers {
            let decoder = try VideoDecoder(url: TestClips.url(file))
            let frames = try decoder.frames(at: wanted)
            XCTAssertEqual(frames.map(\.index), wanted, file)
            XCTAssertEqual(frames.map { frameNumber($0.image) }, wanted, "\(file): decoded content")
            for (frame, i) in zip(frames, wanted) { XCTAssertEqual(frame.timestamp, Double(i) / 10, accuracy: 1e-9, file) }
            XCTAssertTrue(frames.allSatisfy { $0.image.width == 96 && $0.image.height == 64 }, file)
        }
    }

    /// Every frame, then every frame backwards: the content of frame i is always i.
    func testEveryFrameForwardAndBackward() throws {
        for (file, _, _) in Self.containers {
            let decoder = try VideoDecoder(url: TestClips.url(file))
            let all = Array(0..<30)
            XCTAssertEqual(try decoder.frames(at: all).map { frameNumber($0.image) }, all, "\(file) forward")
            for i in stride(from: 29, through: 0, by: -7) {
                XCTAssertEqual(frameNumber(try decoder.frames(at: [i])[0].image), i, "\(file) backward \(i)")
            }
        }
    }

    /// Keyframes every 12 frames (0, 12, 24). Seek only when the keyframe before the target
    /// lies ahead of the position; otherwise decode forward.
    func testSeeksOnlyWhenTheKeyframeIsAhead() throws {
        let decoder = try VideoDecoder(url: TestClips.url("counter.mp4"))
        XCTAssertEqual(decoder.table.keyframes, [0, 12, 24])
        _ = try decoder.frames(at: [1, 3, 5, 11])        // one seek (to 0), then forward
        XCTAssertEqual(decoder.statistics.seeks, 1)
        _ = try decoder.frames(at: [13])                 // keyframe 12 is the next frame: forward
        XCTAssertEqual(decoder.statistics.seeks, 1)
        _ = try decoder.frames(at: [27])                 // keyframe 24 ahead: seek
        XCTAssertEqual(decoder.statistics.seeks, 2)
        XCTAssertLessThan(decoder.statistics.framesDecoded, 24, "frames 15…23 must have been skipped by the seek")
        _ = try decoder.frames(at: [2])                  // backwards: seek to 0
        XCTAssertEqual(decoder.statistics.seeks, 3)
        XCTAssertEqual(decoder.statistics.framesConverted, 7, "only requested frames are converted to RGB")
    }

    /// Frames nobody wants and nobody references are skipped (AVDISCARD_NONREF); the frames
    /// that are delivered are bit-identical to a full decode.
    func testSkippingUnreferencedFramesIsExact() throws {
        let url = try TestClips.url("testsrc2.mp4")
        let full = try VideoDecoder(url: url)
        let everything = try full.frames(at: Array(0..<full.frameCount))
        XCTAssertEqual(full.statistics.framesDecoded, full.frameCount, "every frame wanted: nothing skipped")

        let sparse = try VideoDecoder(url: url)
        let wanted = FrameSampler.middle(frames: 8).indices(frameCount: sparse.frameCount, fps: sparse.metadata.fps)
        let some = try sparse.frames(at: wanted)
        XCTAssertLessThan(sparse.statistics.framesDecoded, sparse.statistics.packetsSent, "unreferenced frames were skipped")
        for (frame, i) in zip(some, wanted) {
            XCTAssertEqual(frame.index, i)
            XCTAssertTrue(frame.image == everything[i].image, "frame \(i) differs from the full decode")
        }
    }

    func testMiddleSamplingOnARealClip() throws {
        let decoder = try VideoDecoder(url: TestClips.url("counter.mp4"))
        let indices = FrameSampler.middle(frames: 8).indices(frameCount: decoder.frameCount, fps: decoder.metadata.fps)
        XCTAssertEqual(indices, [1, 4, 8, 12, 16, 19, 23, 27])
        XCTAssertEqual(try decoder.frames(at: indices).map { frameNumber($0.image) }, indices)
    }

    func testTimestampsAndTimes() throws {
        let decoder = try VideoDecoder(url: TestClips.url("counter.webm"))
        XCTAssertEqual(decoder.timestamp(ofFrame: 13), 1.3, accuracy: 1e-9)
        XCTAssertEqual(decoder.frameIndex(atTime: 1.3), 13)
        XCTAssertEqual(decoder.frameIndex(atTime: 1.349), 13)
        XCTAssertEqual(decoder.frameIndex(atTime: -5), 0)
        XCTAssertEqual(decoder.frameIndex(atTime: 99), 29)
        XCTAssertEqual(decoder.frameRange(from: 1.0, to: 1.5), 10..<15)
        let frames = try decoder.frames(atTimes: [0.05, 1.34, 2.99])
        XCTAssertEqual(frames.map(\.index), [0, 13, 29])
        XCTAssertEqual(frames.map { frameNumber($0.image) }, [0, 13, 29])
    }

    func testOutOfRangeIndexIsAnError() throws {
        let decoder = try VideoDecoder(url: TestClips.url("counter.mp4"))
        assertDecodeError(try decoder.frames(at: [3, 30])) {
            if case .frameOutOfRange(_, 30, 30) = $0 { return true } else { return false }
        }
        assertDecodeError(try decoder.frames(at: [-1])) {
            if case .frameOutOfRange(_, -1, 30) = $0 { return true } else { return false }
        }
        XCTAssertEqual(frameNumber(try decoder.frames(at: [7])[0].image), 7, "the decoder still works afterwards")
    }
}
