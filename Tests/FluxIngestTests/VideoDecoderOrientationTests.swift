import XCTest
@testable import FluxIngest

/// Display-matrix rotation: frames must come out upright, exactly as the ffmpeg CLI (which
/// autorotates) shows them. The stored picture is 64×48, black, with a white 16×12 box in
/// its top-left corner.
final class VideoDecoderOrientationTests: XCTestCase {
    /// `rotate` tag → clockwise turn our metadata reports → where the box ends up.
    /// (ffmpeg 5.1's mp4 muxer stores `rotate=90` as a 90° counter-clockwise display matrix,
    /// which FFmpeg's own player turns counter-clockwise: the box goes bottom-left.)
    static let cases: [(tag: Int, rotation: Int, corner: Corner)] = [
        (90, 270, .bottomLeft), (180, 180, .bottomRight), (270, 90, .topRight),
    ]

    enum Corner { case topLeft, topRight, bottomLeft, bottomRight }

    func testUnrotatedClipKeepsItsMarkerTopLeft() throws {
        let decoder = try VideoDecoder(url: TestClips.url("marker.mp4"))
        XCTAssertEqual(decoder.metadata.rotation, 0)
        let image = try decoder.frames(at: [0])[0].image
        XCTAssertEqual([image.width, image.height], [64, 48])
        XCTAssertEqual(brightCorner(image), .topLeft)
    }

    func testRotatedClipsComeOutUpright() throws {
        for (tag, rotation, corner) in Self.cases {
            let url = try TestClips.url("marker_rotate\(tag).mp4")
            let decoder = try VideoDecoder(url: url)
            let m = decoder.metadata
            XCTAssertEqual(m.rotation, rotation, "rotate=\(tag)")
            let portrait = rotation % 180 != 0
            XCTAssertEqual([m.width, m.height], [64, 48], "rotate=\(tag): stored size")
            XCTAssertEqual([m.displayWidth, m.displayHeight], portrait ? [48, 64] : [64, 48], "rotate=\(tag)")
            let image = try decoder.frames(at: [0])[0].image
            XCTAssertEqual([image.width, image.height], [m.displayWidth, m.displayHeight], "rotate=\(tag): frame size")
            XCTAssertEqual(brightCorner(image), corner, "rotate=\(tag): marker position")

            // Same picture as the ffmpeg CLI's autorotated decode.
            let reference = try TestClips.ffmpegFirstFrame(url)
            XCTAssertEqual(reference.count, image.pixels.count, "rotate=\(tag): ffmpeg's frame has another size")
            if reference.count == image.pixels.count {
                let diff = zip(reference, image.pixels).map { abs(Int($0) - Int($1)) }
                XCTAssertLessThan(Double(diff.reduce(0, +)) / Double(diff.count), 2.0, "rotate=\(tag): mean abs diff to ffmpeg")
            }
        }
    }

    func testRotationCanBeSwitchedOff() throws {
        var options = DecodeOptions()
        options.applyRotation = false
        let decoder = try VideoDecoder(url: TestClips.url("marker_rotate270.mp4"), options: options)
        XCTAssertEqual(decoder.metadata.rotation, 90, "metadata still reports it")
        let image = try decoder.frames(at: [0])[0].image
        XCTAssertEqual([image.width, image.height], [64, 48])
        XCTAssertEqual(brightCorner(image), .topLeft)
    }

    func testRGBImageRotation() {
        // 3×2 image with distinct pixels p(x, y) = 10·y + x.
        var pixels: [UInt8] = []
        for y in 0..<2 { for x in 0..<3 { let v = UInt8(10 * y + x); pixels += [v, v, v] } }
        let image = RGBImage(width: 3, height: 2, pixels: pixels)
        func grid(_ i: RGBImage) -> [[UInt8]] { (0..<i.height).map { y in (0..<i.width).map { x in i[x, y].r } } }
        XCTAssertEqual(grid(image.rotated(clockwise: 90)), [[10, 0], [11, 1], [12, 2]])
        XCTAssertEqual(grid(image.rotated(clockwise: 180)), [[12, 11, 10], [2, 1, 0]])
        XCTAssertEqual(grid(image.rotated(clockwise: 270)), [[2, 12], [1, 11], [0, 10]])
        XCTAssertEqual(image.rotated(clockwise: 360), image)
        XCTAssertEqual(image.rotated(clockwise: -90), image.rotated(clockwise: 270))
    }

    private func brightCorner(_ image: RGBImage) -> Corner? {
        let (w, h) = (image.width, image.height)
        let corners: [(Corner, Range<Int>, Range<Int>)] = [
            (.topLeft, 0..<(w / 8), 0..<(h / 8)), (.topRight, (w - w / 8)..<w, 0..<(h / 8)),
            (.bottomLeft, 0..<(w / 8), (h - h / 8)..<h), (.bottomRight, (w - w / 8)..<w, (h - h / 8)..<h),
        ]
        let bright = corners.filter { image.meanLevel(x: $0.1, y: $0.2) > 200 }
        return bright.count == 1 ? bright[0].0 : nil
    }
}
