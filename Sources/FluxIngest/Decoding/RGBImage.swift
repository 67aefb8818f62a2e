/// An 8-bit RGB picture, interleaved: `pixels` is `[height, width, 3]` row-major, the layout
/// ``FluxCore/Interpolation/resizeBicubic(_:height:width:channels:outHeight:outWidth:)`` takes.
public struct RGBImage: Sendable, Equatable {
    /// Width in pixels.
    public let width: Int
    /// Height in pixels.
    public let height: Int
    /// `height · width · 3` bytes, R G B per pixel, rows top to bottom.
    public var pixels: [UInt8]

    public init(width: Int, height: Int, pixels: [UInt8]) {
        precondition(width >= 0 && height >= 0 && pixels.count == width * height * 3,
                     "RGBImage: \(pixels.count) bytes do not fill \(width)×\(height)×3")
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    /// A solid image.
    public init(width: Int, height: Int, fill: (UInt8, UInt8, UInt8) = (0, 0, 0)) {
        var p = [UInt8](repeating: 0, count: width * height * 3)
        for i in 0..<(width * height) { p[3 * i] = fill.0; p[3 * i + 1] = fill.1; p[3 * i + 2] = fill.2 }
        self.init(width: width, height: height, pixels: p)
    }

    /// The RGB value at column `x`, row `y` (pixels from the top-left corner).
    public subscript(x: Int, y: Int) -> (r: UInt8, g: UInt8, b: UInt8) {
        let i = 3 * (y * width + x)
        return (pixels[i], pixels[i + 1], pixels[i + 2])
    }

    /// Mean of the three channels over a rectangle (pixels), for tests and diagnostics.
    public func meanLevel(x: Range<Int>, y: Range<Int>) -> Double {
        var sum = 0, n = 0
        for row in y { for col in x { let i = 3 * (row * width + col); sum += Int(pixels[i]) + Int(pixels[i + 1]) + Int(pixels[i + 2]); n += 3 } }
        return n == 0 ? 0 : Double(sum) / Double(n)
    }

    /// The image turned clockwise by `degrees` (0, 90, 180 or 270; other values are rounded
    /// to the nearest quarter turn). 90 and 270 swap width and height.
    public func rotated(clockwise degrees: Int) -> RGBImage {
        let quarter = ((Int((Double(degrees) / 90).rounded()) % 4) + 4) % 4
        if quarter == 0 { return self }
        let (w, h) = (width, height)
        let (ow, oh) = quarter == 2 ? (w, h) : (h, w)
        var out = [UInt8](repeating: 0, count: pixels.count)
        pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for y in 0..<h {
                    for x in 0..<w {
                        // Destination of source pixel (x, y) for each clockwise quarter turn.
                        let (dx, dy): (Int, Int)
                        switch quarter {
                        case 1: (dx, dy) = (h - 1 - y, x)
                        case 2: (dx, dy) = (w - 1 - x, h - 1 - y)
                        default: (dx, dy) = (y, w - 1 - x)
                        }
                        let s = 3 * (y * w + x), d = 3 * (dy * ow + dx)
                        dst[d] = src[s]; dst[d + 1] = src[s + 1]; dst[d + 2] = src[s + 2]
                    }
                }
            }
        }
        return RGBImage(width: ow, height: oh, pixels: out)
    }
}
