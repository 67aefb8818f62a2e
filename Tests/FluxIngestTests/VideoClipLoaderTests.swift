import XCTest
import FluxCore
@testable import FluxIngest

/// The one-call API: file → [1, 3, T, S, S] clip with indices, timestamps and window.
final class VideoClipLoaderTests: XCTestCase {
    func testLoadWholeClip() throws {
        let clip = try VideoClipLoader.load(TestClips.url("counter.mp4"), sampling: .middle(frames: 8), size: 28)
        XCTAssertEqual(clip.tensor.shape, [1, 3, 8, 28, 28])
        XCTAssertEqual(clip.frameIndices, [1, 4, 8, 12, 16, 19, 23, 27])
        XCTAssertEqual(clip.timestamps[3], 1.2, accuracy: 1e-9)
        XCTAssertEqual(clip.window, TimeWindow(start: 0, end: clip.metadata.duration))
        // Frame t is a flat grey: every pixel of channel 0 in frame t equals the same value,
        // which rises with t.
        let v = clip.tensor.scalars, plane = 28 * 28
        let firsts = (0..<8).map { v[$0 * plane + 200] }
        XCTAssertEqual(firsts, firsts.sorted())
        let expected = (Float(frameGrey(12)) / 255 - 0.485) / 0.229
        XCTAssertEqual(v[3 * plane + 100], expected, accuracy: 0.04)
    }

    func testDiDeMoWindowEndsAtThirtySecondsOnlyWhenLonger() throws {
        let clip = try VideoClipLoader.load(TestClips.url("counter.mp4"), sampling: .didemo(frames: 4), size: 14)
        XCTAssertEqual(clip.frameIndices, [3, 10, 18, 25], "3 s clip: no trim")
        XCTAssertEqual(clip.window.end, clip.metadata.duration, accuracy: 1e-9)
    }

    func testSegmentsHaveWindowsAndIndicesInside() throws {
        let decoder = try VideoDecoder(url: TestClips.url("vfr.mp4"))
        let clips = try SegmentWindows(length: 0.5, stride: 0.5).windows(duration: decoder.metadata.duration).map {
            try VideoClipLoader.clip(from: decoder, window: $0, frames: 2, preprocessor: Preprocessor(size: 14))
        }
        // Frames at 0.0 … 0.9 (0.1 apart), then 1.0 … 1.36 (0.04 apart); the mp4 says 1.38 s.
        let duration = clips[0].metadata.duration
        XCTAssertEqual(duration, 1.38, accuracy: 1e-9)
        XCTAssertEqual(clips.map(\.window), SegmentWindows(length: 0.5, stride: 0.5).windows(duration: duration))
        XCTAssertEqual(clips[2].window.start, 0.88, accuracy: 1e-9)
        // [0, 0.5): frames 0…4 → 0, 3; [0.5, 1.0): 5…9 → 5, 8; [0.88, 1.38): 9…19 → 11, 16.
        XCTAssertEqual(clips.map(\.frameIndices), [[0, 3], [5, 8], [11, 16]])
        for clip in clips {
            XCTAssertTrue(clip.timestamps.allSatisfy { $0 >= clip.window.start - 1e-9 && $0 < clip.window.end })
        }
    }

    func testErrorsPropagateTyped() throws {
        let url = try TestClips.url("audio_only.mp4")
        assertDecodeError(try VideoClipLoader.load(url)) {
            if case .noVideoStream = $0 { return true } else { return false }
        }
    }

    /// RGB level of counter frame n (limited-range luma 16 + 7n).
    private func frameGrey(_ n: Int) -> Double { Double(7 * n) * 255 / 219 }
}
