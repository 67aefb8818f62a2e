import XCTest
import FluxCore
@testable import FluxIngest

/// Resize parity with the PyTorch reference (Tools/reference/resize_reference.py:
/// `F.interpolate(bicubic, align_corners=False)` → clamp → round half-even → uint8, the
/// torchvision 0.14 tensor path), normalisation and layout.
final class PreprocessorTests: XCTestCase {
    struct Case { let name: String; let h, w, oh, ow: Int; let mode: Preprocessor.Mode }

    static func cases() throws -> [Case] {
        let text = try String(contentsOf: Fixtures.url("resize", "cases.txt"), encoding: .utf8)
        return text.split(separator: "\n").map { line in
            let f = line.split(separator: " ").map(String.init)
            return Case(name: f[0], h: Int(f[1])!, w: Int(f[2])!, oh: Int(f[3])!, ow: Int(f[4])!,
                        mode: Preprocessor.Mode(rawValue: f[5])!)
        }
    }

    /// The synthetic input of resize_reference.py: 32-px tiles alternating gradients and noise.
    static func synth(height h: Int, width w: Int) -> RGBImage {
        var px = [UInt8](repeating: 0, count: h * w * 3)
        for y in 0..<h {
            for x in 0..<w {
                let smooth = [(x * 255) / (w - 1), (y * 255) / (h - 1), ((x + y) * 255) / (w + h - 2)]
                for c in 0..<3 {
                    let hash = (x * 7919 + y * 104729 + c * 1299709) % 65521
                    let noise = (hash * hash) % 251
                    px[(y * w + x) * 3 + c] = UInt8((x / 32 + y / 32) % 2 == 0 ? smooth[c] : noise)
                }
            }
        }
        return RGBImage(width: w, height: h, pixels: px)
    }

    func testResizeMatchesPyTorchReference() throws {
        let cases = try Self.cases()
        let checksums = try Fixtures.npy("resize", "input_checksums").values
        XCTAssertEqual(cases.count, 6)
        var total = 0, exact = 0, withinOne = 0
        for (k, c) in cases.enumerated() {
            let input = Self.synth(height: c.h, width: c.w)
            let flat = input.pixels.map { Int($0) }
            XCTAssertEqual(flat.reduce(0, +), checksums[2 * k], "\(c.name): input differs from the Python one")
            XCTAssertEqual(flat.enumerated().reduce(0) { $0 + $1.element * ($1.offset % 7 + 1) }, checksums[2 * k + 1], c.name)

            let out = c.mode == .squash ? Preprocessor.resize(input, width: c.ow, height: c.oh)
                                        : Preprocessor(size: c.oh, mode: c.mode).resize(input)
            let reference = try Fixtures.npy("resize", c.name)
            XCTAssertEqual(reference.shape, [c.oh, c.ow, 3], c.name)
            XCTAssertEqual([out.height, out.width], [c.oh, c.ow], c.name)
            var caseExact = 0, worst = 0
            for (a, b) in zip(out.pixels, reference.values) {
                let d = abs(Int(a) - b)
                worst = max(worst, d)
                if d == 0 { caseExact += 1 }
                if d <= 1 { withinOne += 1 }
            }
            exact += caseExact
            total += reference.values.count
            XCTAssertLessThanOrEqual(worst, 1, "\(c.name): max |diff| \(worst) uint8 levels")
            print("resize parity \(c.name): \(caseExact)/\(reference.values.count) exact, max diff \(worst)")
        }
        let exactFraction = Double(exact) / Double(total), withinFraction = Double(withinOne) / Double(total)
        print(String(format: "resize parity overall: %.5f exact, %.5f within 1 level (%d values)", exactFraction, withinFraction, total))
        XCTAssertGreaterThanOrEqual(withinFraction, 0.999)
        XCTAssertGreaterThanOrEqual(exactFraction, 0.999, "exact equality expected on nearly all pixels")
    }

    func testCenterCropGeometry() {
        XCTAssertTrue(Preprocessor.shortSideSize(width: 640, height: 360, short: 224) == (398, 224))
        XCTAssertTrue(Preprocessor.shortSideSize(width: 360, height: 640, short: 224) == (224, 398))
        XCTAssertTrue(Preprocessor.shortSideSize(width: 100, height: 100, short: 224) == (224, 224))
        // 5 columns → crop 2 from offset round(1.5) = 2 (half to even); 4 rows → offset 1.
        var px: [UInt8] = []
        for y in 0..<4 { for x in 0..<5 { px += [UInt8(10 * y + x), 0, 0] } }
        let cropped = Preprocessor.centerCrop(RGBImage(width: 5, height: 4, pixels: px), size: 2)
        XCTAssertEqual([cropped[0, 0].r, cropped[1, 0].r, cropped[0, 1].r, cropped[1, 1].r], [12, 13, 22, 23])
    }

    func testNormalisationAndLayout() {
        // Two 2×2 frames with distinct channel values; size 2 = no resize.
        let a = RGBImage(width: 2, height: 2, pixels: [0, 128, 255, 10, 20, 30, 40, 50, 60, 70, 80, 90])
        let b = RGBImage(width: 2, height: 2, fill: (255, 255, 255))
        let x = Preprocessor(size: 2).tensor([a, b])
        XCTAssertEqual(x.shape, [3, 2, 2, 2])
        let v = x.scalars
        func at(_ c: Int, _ t: Int, _ y: Int, _ xx: Int) -> Float { v[((c * 2 + t) * 2 + y) * 2 + xx] }
        XCTAssertEqual(at(0, 0, 0, 0), (Float(0) / 255 - 0.485) / 0.229)
        XCTAssertEqual(at(1, 0, 0, 0), (Float(128) / 255 - 0.456) / 0.224)
        XCTAssertEqual(at(2, 0, 0, 0), (Float(255) / 255 - 0.406) / 0.225)
        XCTAssertEqual(at(0, 0, 1, 1), (Float(70) / 255 - 0.485) / 0.229)
        XCTAssertEqual(at(2, 1, 1, 0), (Float(255) / 255 - 0.406) / 0.225)
        XCTAssertEqual(at(0, 0, 0, 1), (Float(10) / 255 - 0.485) / 0.229)
        let clip = Preprocessor(size: 2).clip([a, b])
        XCTAssertEqual(clip.shape, [1, 3, 2, 2, 2])
        XCTAssertEqual(clip.scalars, v)
    }

    func testResizeInsideTensorUsesTheSameKernel() {
        let input = Self.synth(height: 53, width: 37)
        let p = Preprocessor(size: 28)
        let resized = Preprocessor.resize(input, width: 28, height: 28)
        let x = p.tensor([input]).scalars
        let lut = p.normalizationTable
        for i in stride(from: 0, to: 28 * 28, by: 37) {
            for c in 0..<3 { XCTAssertEqual(x[c * 28 * 28 + i], lut[c * 256 + Int(resized.pixels[3 * i + c])]) }
        }
    }

    func testCodable() throws {
        let p = Preprocessor(size: 168, mode: .centerCrop)
        XCTAssertEqual(try JSONDecoder().decode(Preprocessor.self, from: JSONEncoder().encode(p)), p)
        XCTAssertTrue(String(decoding: try JSONEncoder().encode(p), as: UTF8.self).contains("center_crop"))
    }
}
