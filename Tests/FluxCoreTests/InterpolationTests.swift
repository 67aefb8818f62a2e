import XCTest
@testable import FluxCore

/// Interpolation kernels vs. the NumPy fixtures of Tools/fixtures/make_interp_fixtures.py
/// (PyTorch semantics, float64 sums) and vs. the naive twins in Reference+Interpolation.swift.
final class InterpolationTests: XCTestCase {
    // MARK: - Fixtures

    func testLinearMatchesFixtures() throws {
        for (i, o) in [(24, 8), (24, 4), (24, 16), (32, 8), (8, 24), (1, 3), (3, 1), (5, 5)] {
            let x = try Fixtures.tensor("interp", "lin_\(i)_\(o)_x")
            let y = try Fixtures.tensor("interp", "lin_\(i)_\(o)_y")
            XCTAssertEqual(x.shape, [2, i, 3])
            let out = Interpolation.linear(x, axis: 1, size: o)
            XCTAssertEqual(out.shape, y.shape)
            assertClose(out.scalars, y.scalars, "linear \(i)→\(o)")
            let naive = InterpolationReference.linear(x.scalars, outer: 2, length: i, inner: 3, size: o)
            XCTAssertEqual(out.scalars, naive, "linear \(i)→\(o): fast and naive differ")
        }
    }

    func testBicubicPlanarMatchesFixtures() throws {
        let cases: [(String, [Int])] = [("18_16", [16, 16]), ("20_16", [16, 16]), ("16_18", [18, 18]),
                                        ("18_20", [20, 20]), ("7_13", [13, 13]), ("5x7_9x4", [9, 4]),
                                        ("1x1_3x3", [3, 3]), ("4x3_1x1", [1, 1]), ("1x5_3x2", [3, 2]),
                                        ("6_6", [6, 6])]
        for (name, size) in cases {
            let x = try Fixtures.tensor("interp", "bic_\(name)_x")
            let y = try Fixtures.tensor("interp", "bic_\(name)_y")
            let out = Interpolation.bicubic(x, axis: 1, height: size[0], width: size[1])
            XCTAssertEqual(out.shape, y.shape, name)
            assertClose(out.scalars, y.scalars, "bicubic \(name)")
            let naive = InterpolationReference.bicubic(x.scalars, outer: x.shape[0], height: x.shape[1],
                                                       width: x.shape[2], inner: 1,
                                                       outHeight: size[0], outWidth: size[1])
            XCTAssertEqual(out.scalars, naive, "bicubic \(name): fast and naive differ")
        }
    }

    func testBicubicSameSizeIsIdentity() throws {
        let x = try Fixtures.tensor("interp", "bic_6_6_x")
        XCTAssertEqual(Interpolation.bicubic(x, axis: 1, height: 6, width: 6).scalars, x.scalars)
        let l = try Fixtures.tensor("interp", "lin_5_5_x")
        XCTAssertEqual(Interpolation.linear(l, axis: 1, size: 5).scalars, l.scalars)
    }

    func testBicubicChannelsLastMatchesFixture() throws {
        let x = try Fixtures.tensor("interp", "bicl_5x7_9x4_x")
        let y = try Fixtures.tensor("interp", "bicl_5x7_9x4_y")
        let out = Interpolation.bicubic(x, axis: 0, height: 9, width: 4)
        XCTAssertEqual(out.shape, [9, 4, 3])
        assertClose(out.scalars, y.scalars, "bicubic channels-last")
    }

    /// §2.3: time linear first, then space bicubic per frame and channel, on [T, H, W, D].
    func testPosEmbedStyleResampleMatchesFixture() throws {
        let x = try Fixtures.tensor("interp", "pos_x")
        let y = try Fixtures.tensor("interp", "pos_y")
        let t = Interpolation.linear(x, axis: 0, size: 4)
        let out = Interpolation.bicubic(t, axis: 1, height: 3, width: 3)
        XCTAssertEqual(out.shape, [4, 3, 3, 2])
        assertClose(out.scalars, y.scalars, "pos-embed time+space")
    }

    func testUInt8ResizeMatchesFixtures() throws {
        for (name, out) in [("37x53_24x24", (24, 24)), ("10x14_33x21", (33, 21))] {
            let x = try Fixtures.tensor("interp", "img_\(name)_x")
            let y = try Fixtures.tensor("interp", "img_\(name)_y")
            let pixels = x.scalars.map { UInt8($0) }
            let got = Interpolation.resizeBicubic(pixels, height: x.shape[0], width: x.shape[1], channels: 3,
                                                  outHeight: out.0, outWidth: out.1)
            let expected = y.scalars.map { Int($0) }
            XCTAssertEqual(got.count, expected.count)
            var exact = 0, withinOne = 0, worst = 0
            for (g, e) in zip(got, expected) {
                let d = abs(Int(g) - e)
                if d == 0 { exact += 1 }
                if d <= 1 { withinOne += 1 }
                worst = max(worst, d)
            }
            let n = Double(expected.count)
            print("uint8 resize \(name): \(exact)/\(expected.count) exact (\(Double(exact) / n * 100)%), max diff \(worst)")
            XCTAssertGreaterThanOrEqual(Double(withinOne) / n, 0.999, "\(name): too many pixels off by more than 1")
            XCTAssertEqual(got, InterpolationReference.resizeBicubic(pixels, height: x.shape[0], width: x.shape[1],
                                                                     channels: 3, outHeight: out.0, outWidth: out.1),
                           "\(name): fast and naive differ")
        }
    }

    // MARK: - Taps (spec examples, MODEL_SPEC §2.3)

    func testLinearTapsSpecExamples() {
        // S: T0 = 24 → 8 picks frames 1, 4, 7, …, 22 exactly.
        let t8 = Interpolation.linearTaps(input: 24, output: 8)
        XCTAssertEqual(t8.index0, [1, 4, 7, 10, 13, 16, 19, 22])
        XCTAssertEqual(t8.weight1, [Float](repeating: 0, count: 8))
        // 24 → 4: 2.5, 8.5, 14.5, 20.5 (50/50 blends).
        let t4 = Interpolation.linearTaps(input: 24, output: 4)
        XCTAssertEqual(t4.index0, [2, 8, 14, 20])
        XCTAssertEqual(t4.index1, [3, 9, 15, 21])
        XCTAssertEqual(t4.weight1, [0.5, 0.5, 0.5, 0.5])
        // 24 → 16: 0.25, 1.75, 3.25, …
        let t16 = Interpolation.linearTaps(input: 24, output: 16)
        XCTAssertEqual(Array(t16.index0.prefix(3)), [0, 1, 3])
        XCTAssertEqual(Array(t16.weight1.prefix(3)), [0.25, 0.75, 0.25])
        // Upsampling clamps src < 0 to 0 and the last tap to I − 1.
        let up = Interpolation.linearTaps(input: 8, output: 24)
        XCTAssertEqual(up.index0.first, 0)
        XCTAssertEqual(up.weight1.first, 0)
        XCTAssertEqual(up.index1.last, 7)
        XCTAssertEqual(Interpolation.linearTaps(input: 1, output: 3).index1, [0, 0, 0])
    }

    func testCubicTapsSpecExamples() {
        // 18 → 16: src = 1.125·d + 0.0625; 20 → 16: src = 1.25·d + 0.125.
        for (i, s, o) in [(18, Float(1.125), Float(0.0625)), (20, 1.25, 0.125)] {
            let taps = Interpolation.cubicTaps(input: i, output: 16)
            for d in 0..<16 {
                let src = s * Float(d) + o
                let base = Int(src.rounded(.down))
                let expectIdx = (0..<4).map { min(max(base - 1 + $0, 0), i - 1) }
                XCTAssertEqual(Array(taps.index[4 * d ..< 4 * d + 4]), expectIdx, "\(i)→16 d=\(d)")
                let w = Interpolation.cubicWeights(src - Float(base))
                XCTAssertEqual(Array(taps.weight[4 * d ..< 4 * d + 4]), [w[0], w[1], w[2], w[3]])
            }
        }
        // The weights sum to 1, and t = 0 is (0, 1, 0, 0) exactly.
        XCTAssertEqual(Interpolation.cubicWeights(0), SIMD4<Float>(0, 1, 0, 0))
        for t in stride(from: Float(0), through: 1, by: 0.0625) {
            XCTAssertEqual(Interpolation.cubicWeights(t).sum(), 1, accuracy: 1e-6)
        }
    }

    // MARK: - Fast vs naive, layouts

    func testFastMatchesNaiveOnAwkwardShapes() {
        var rng = SplitMix64(seed: 7)
        let shapes: [(outer: Int, h: Int, w: Int, inner: Int, oh: Int, ow: Int)] = [
            (1, 1, 1, 1, 1, 1), (3, 2, 9, 1, 5, 1), (1, 13, 3, 5, 2, 17), (2, 18, 18, 7, 16, 16),
            (1, 40, 3, 3, 7, 8), (2, 3, 40, 2, 8, 7), (1, 9, 1, 4, 4, 3)]
        for s in shapes {
            let x = (0..<(s.outer * s.h * s.w * s.inner)).map { _ in rng.uniform() * 4 - 2 }
            var fast = [Float](repeating: .nan, count: s.outer * s.oh * s.ow * s.inner)
            fast.withUnsafeMutableBufferPointer { out in
                Interpolation.bicubic(x, outer: s.outer, height: s.h, width: s.w, inner: s.inner,
                                      outHeight: s.oh, outWidth: s.ow, into: out.baseAddress!)
            }
            let naive = InterpolationReference.bicubic(x, outer: s.outer, height: s.h, width: s.w, inner: s.inner,
                                                       outHeight: s.oh, outWidth: s.ow)
            XCTAssertEqual(fast, naive, "bicubic \(s)")

            var lin = [Float](repeating: .nan, count: s.outer * s.oh * s.w * s.inner)
            lin.withUnsafeMutableBufferPointer { out in
                Interpolation.linear(x, outer: s.outer, length: s.h, inner: s.w * s.inner, size: s.oh,
                                     into: out.baseAddress!)
            }
            XCTAssertEqual(lin, InterpolationReference.linear(x, outer: s.outer, length: s.h, inner: s.w * s.inner,
                                                              size: s.oh), "linear \(s)")
        }
    }

    /// Channels-last [H, W, C] must equal planar [C, H, W] resampling, transposed.
    func testChannelsLastEqualsPlanar() {
        var rng = SplitMix64(seed: 11)
        let (h, w, c, oh, ow) = (11, 6, 4, 7, 9)
        let hwc = (0..<(h * w * c)).map { _ in rng.uniform() }
        var chw = [Float](repeating: 0, count: h * w * c)
        for i in 0..<h { for j in 0..<w { for k in 0..<c { chw[(k * h + i) * w + j] = hwc[(i * w + j) * c + k] } } }
        let a = Interpolation.bicubic(Tensor(shape: [h, w, c], values: hwc), axis: 0, height: oh, width: ow)
        let b = Interpolation.bicubic(Tensor(shape: [c, h, w], values: chw), axis: 1, height: oh, width: ow)
        let av = a.scalars, bv = b.scalars
        for i in 0..<oh { for j in 0..<ow { for k in 0..<c {
            XCTAssertEqual(av[(i * ow + j) * c + k], bv[(k * oh + i) * ow + j])
        } } }
    }

    func testUInt8ConstantImageStaysConstant() {
        let img = [UInt8](repeating: 200, count: 9 * 5 * 3)
        let out = Interpolation.resizeBicubic(img, height: 9, width: 5, outHeight: 4, outWidth: 13)
        XCTAssertEqual(out, [UInt8](repeating: 200, count: 4 * 13 * 3))
    }
}
