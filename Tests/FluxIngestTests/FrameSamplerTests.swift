import XCTest
@testable import FluxIngest

/// The `middle` rule (EVAL_PROTOCOL §3.1, MODEL_SPEC §6.1) and the DiDeMo first-30-s window.
final class FrameSamplerTests: XCTestCase {
    func testProtocolWorkedExamples() {
        XCTAssertEqual(FrameSampler.middleIndices(count: 300, frames: 8), [18, 55, 93, 130, 168, 205, 243, 280])
        XCTAssertEqual(FrameSampler.middleIndices(count: 300, frames: 4), [37, 112, 187, 262])
        XCTAssertEqual(FrameSampler.middleIndices(count: 5, frames: 8), [0, 1, 2, 3, 4, 4, 4, 4])
        XCTAssertEqual(FrameSampler.middleIndices(count: 899, frames: 8), [55, 167, 280, 392, 504, 617, 729, 842])
        XCTAssertEqual(FrameSampler.middleIndices(count: 7, frames: 8), [0, 1, 2, 3, 4, 5, 6, 6])
    }

    /// Properties on many lengths: in range, ascending, distinct when there are enough frames,
    /// each index just below the centre of its own segment.
    func testPropertiesOnManyLengths() {
        for vlen in 1...400 {
            for t in [1, 2, 4, 6, 8, 12, 16] {
                let got = FrameSampler.middleIndices(count: vlen, frames: t)
                XCTAssertEqual(got.count, t)
                XCTAssertTrue(got.allSatisfy { $0 >= 0 && $0 < vlen }, "vlen \(vlen), T \(t)")
                XCTAssertEqual(got, got.sorted(), "vlen \(vlen), T \(t)")
                if vlen >= t {
                    XCTAssertEqual(Set(got).count, t, "vlen \(vlen), T \(t): repeats")
                    let segment = Double(vlen) / Double(t)
                    for (i, index) in got.enumerated() {
                        // a_i ∈ (i·s − 1, i·s], so ⌊(a_i + a_{i+1} − 1) / 2⌋ ∈ (centre − 2.5, centre − 0.5].
                        let d = Double(index) - (Double(i) + 0.5) * segment
                        XCTAssertTrue(d > -2.5 && d <= -0.5 + 1e-9, "vlen \(vlen), T \(t), i \(i): \(d)")
                    }
                } else {
                    XCTAssertEqual(Array(got.prefix(vlen)), Array(0..<vlen))
                }
            }
        }
    }

    func testEmptyVideoGivesNoIndices() {
        XCTAssertEqual(FrameSampler.middleIndices(count: 0, frames: 8), [])
        XCTAssertEqual(FrameSampler.middle(frames: 8).indices(frameCount: 0, fps: 30), [])
    }

    /// DiDeMo: vlen / fps > 30 s → vlen = Int(30 · fps) before sampling.
    func testDiDeMoFirstThirtySeconds() {
        let didemo = FrameSampler.didemo()
        XCTAssertEqual(didemo.frames, 8)
        XCTAssertEqual(didemo.sampledLength(frameCount: 1500, fps: 30), 900)
        XCTAssertEqual(didemo.indices(frameCount: 1500, fps: 30), FrameSampler.middleIndices(count: 900, frames: 8))
        XCTAssertEqual(didemo.sampledLength(frameCount: 2000, fps: 29.97), 899)   // int(30 · 29.97) = 899
        XCTAssertEqual(didemo.indices(frameCount: 2000, fps: 29.97), [55, 167, 280, 392, 504, 617, 729, 842])
        XCTAssertEqual(didemo.sampledLength(frameCount: 700, fps: 25), 700, "28 s: no trim")
        XCTAssertEqual(didemo.sampledLength(frameCount: 750, fps: 25), 750, "exactly 30 s: no trim")
        XCTAssertEqual(FrameSampler.middle(frames: 8).sampledLength(frameCount: 1500, fps: 30), 1500)
    }

    func testIndicesInsideAWindow() {
        XCTAssertEqual(FrameSampler(frames: 4).indices(in: 100..<400), [137, 212, 287, 362])
        XCTAssertEqual(FrameSampler(frames: 4).indices(in: 10..<12), [10, 11, 11, 11])
    }

    func testCodableRoundTrip() throws {
        let s = FrameSampler.didemo(frames: 16)
        XCTAssertEqual(try JSONDecoder().decode(FrameSampler.self, from: JSONEncoder().encode(s)), s)
    }
}
