import XCTest
@testable import FluxIngest

/// Awkward streams: variable frame rate, video not the first stream, odd sizes, 10-bit, 4K.
final class VideoDecoderStreamTests: XCTestCase {
    /// Frames 0…9 are 0.1 s apart, frames 10…19 0.04 s apart.
    func testVariableFrameRateUsesEachFramesTimestamp() throws {
        let decoder = try VideoDecoder(url: TestClips.url("vfr.mp4"))
        let m = decoder.metadata
        XCTAssertTrue(m.variableFrameRate)
        XCTAssertEqual(m.frameCount, 20)
        XCTAssertEqual(m.fps, 40.0 / 3.0, accuracy: 1e-6, "avg_frame_rate = 20 frames / 1.5 s")
        XCTAssertEqual([9, 10, 11, 19].map { decoder.timestamp(ofFrame: $0) }, [0.9, 1.0, 1.04, 1.36], accuracy: 1e-9)
        let byTime = try decoder.frames(atTimes: [0.55, 1.05, 1.3])
        XCTAssertEqual(byTime.map(\.index), [5, 11, 17])
        XCTAssertEqual(byTime.map { frameNumber($0.image) }, [5, 11, 17])
        let byIndex = try decoder.frames(at: [19, 0, 10])
        XCTAssertEqual(byIndex.map { frameNumber($0.image) }, [19, 0, 10])
    }

    /// MPEG-TS starts its clock at 1.4 s: timestamps are reported from the stream start.
    func testTransportStreamTimestampsStartAtZero() throws {
        let decoder = try VideoDecoder(url: TestClips.url("counter.ts"))
        XCTAssertEqual(decoder.metadata.container, "mpegts")
        XCTAssertEqual(decoder.metadata.frameCount, 30)
        XCTAssertGreaterThan(decoder.metadata.startTime, 0)
        XCTAssertEqual(decoder.timestamp(ofFrame: 0), 0, accuracy: 1e-9)
        XCTAssertEqual(decoder.timestamp(ofFrame: 13), 1.3, accuracy: 1e-6)
        XCTAssertEqual(try decoder.frames(at: [25, 3, 14]).map { frameNumber($0.image) }, [25, 3, 14])
        XCTAssertEqual(decoder.statistics.seeks, 3, "byte seeks land on keyframes 0, 12 and 24 with no retries")

        // Timestamp seeking in MPEG-TS bisects and can land past the keyframe: the landing
        // check steps back, and the frames are still the right ones.
        let bisecting = try VideoDecoder(url: TestClips.url("counter.ts"))
        bisecting.seeksByByte = false
        XCTAssertEqual(try bisecting.frames(at: [25, 3, 14, 27]).map { frameNumber($0.image) }, [25, 3, 14, 27])
    }

    /// A raw H.264 stream has no usable timestamps: frames are counted from the start.
    func testStreamWithoutTimestampsIsDecodedByCounting() throws {
        let decoder = try VideoDecoder(url: TestClips.url("counter.h264"))
        XCTAssertFalse(decoder.table.hasReliableTimestamps)
        XCTAssertEqual(decoder.frameCount, 30)
        let wanted = [0, 13, 29, 5, 6]
        XCTAssertEqual(try decoder.frames(at: wanted).map { frameNumber($0.image) }, wanted)
        XCTAssertEqual(frameNumber(try decoder.frames(at: [2])[0].image), 2, "backwards again")
    }

    func testVideoThatIsNotTheFirstStream() throws {
        let decoder = try VideoDecoder(url: TestClips.url("audio_first.mkv"))
        XCTAssertEqual(decoder.metadata.streamIndex, 1)
        XCTAssertTrue(decoder.metadata.hasAudio)
        XCTAssertEqual(decoder.metadata.frameCount, 30)
        XCTAssertEqual(try decoder.frames(at: [2, 17, 28]).map { frameNumber($0.image) }, [2, 17, 28])
    }

    func testOddSizedFrames() throws {
        let decoder = try VideoDecoder(url: TestClips.url("odd.mp4"))
        XCTAssertEqual([decoder.metadata.width, decoder.metadata.height], [99, 67])
        XCTAssertEqual(decoder.metadata.pixelFormat, "yuv444p")
        let frame = try decoder.frames(at: [7])[0]
        XCTAssertEqual([frame.image.width, frame.image.height], [99, 67])
        XCTAssertEqual(frameNumber(frame.image), 7)
    }

    func testTenBitFrames() throws {
        let decoder = try VideoDecoder(url: TestClips.url("tenbit.mp4"))
        XCTAssertEqual(decoder.metadata.bitDepth, 10)
        XCTAssertEqual(decoder.metadata.pixelFormat, "yuv420p10le")
        XCTAssertEqual(decoder.metadata.profile, "High 10")
        XCTAssertEqual(try decoder.frames(at: [0, 4, 9]).map { frameNumber($0.image) }, [0, 4, 9])
    }

    /// 4K is scaled inside libswscale (area filter) to fit DecodeOptions.maxPixels.
    func testFourKIsScaledEarly() throws {
        let url = try TestClips.url("uhd.mp4")
        let decoder = try VideoDecoder(url: url)
        XCTAssertEqual([decoder.metadata.width, decoder.metadata.height], [3840, 2160])
        let frame = try decoder.frames(at: [1])[0]
        XCTAssertEqual([frame.image.width, frame.image.height], [1280, 720])
        XCTAssertEqual(FrameConverter.convertedSize(width: 3840, height: 2160, maxPixels: 1280 * 720).width, 1280)
        XCTAssertEqual(FrameConverter.convertedSize(width: 641, height: 359, maxPixels: 1280 * 720).width, 641, "small frames untouched")

        var small = DecodeOptions()
        small.maxPixels = 100_000
        let reduced = try VideoDecoder(url: url, options: small).frames(at: [0])[0].image
        XCTAssertLessThanOrEqual(reduced.width * reduced.height, 100_000)
        XCTAssertEqual(Double(reduced.width) / Double(reduced.height), 16.0 / 9.0, accuracy: 0.03)
        XCTAssertEqual(reduced.width % 2, 0)
    }

    func testNativeSizeWhenEarlyScalingIsOff() throws {
        let frame = try VideoDecoder(url: TestClips.url("uhd.mp4"), options: .native).frames(at: [0])[0]
        XCTAssertEqual([frame.image.width, frame.image.height], [3840, 2160])
    }
}

private func XCTAssertEqual(_ a: [Double], _ b: [Double], accuracy: Double, file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(a.count, b.count, file: file, line: line)
    for (x, y) in zip(a, b) { XCTAssertEqual(x, y, accuracy: accuracy, "\(a) vs \(b)", file: file, line: line) }
}
