import CFFmpeg
import Foundation

/// One libswscale pass from interleaved RGB24 to any pixel format, scaling on the way: the
/// shared step of ``JPEGEncoder`` (RGB24 → YUVJ420P) and ``Thumbnailer``'s sprite tiling
/// (RGB24 → RGB24 into a tile of a larger canvas).
///
/// Filter: area averaging when the picture shrinks (no aliasing on 1280 → 160), bicubic when
/// it keeps its size or grows. A `YUVJ*` destination is full range (0–255), as JPEG wants;
/// libswscale picks the range from the format.
enum PixelScaler {
    /// The destination: plane pointers and row strides in bytes (up to 4 planes), its size in
    /// pixels and its format.
    struct Destination {
        var planes: [UnsafeMutablePointer<UInt8>?]
        var strides: [Int32]
        var width: Int
        var height: Int
        var format: AVPixelFormat
    }

    /// Scales `source` (`height` rows of `width` RGB24 pixels, `rowBytes` bytes apart) into
    /// `destination`. `subject` names the picture in errors.
    static func scale(source: UnsafePointer<UInt8>, width: Int, height: Int, rowBytes: Int,
                      into destination: Destination, subject: String) throws {
        let shrinks = destination.width < width || destination.height < height
        let flags = (shrinks ? SWS_AREA : SWS_BICUBIC) | SWS_ACCURATE_RND
        guard let context = sws_getContext(Int32(width), Int32(height), AV_PIX_FMT_RGB24,
                                           Int32(destination.width), Int32(destination.height), destination.format,
                                           flags, nil, nil, nil) else {
            let name = FFmpeg.string(av_get_pix_fmt_name(destination.format))
            throw ThumbnailError.encodingFailed(subject: subject, operation: "sws_getContext", code: 0,
                                                message: "libswscale cannot convert rgb24 \(width)×\(height) to \(name) \(destination.width)×\(destination.height)")
        }
        defer { sws_freeContext(context) }
        var srcPlanes: [UnsafePointer<UInt8>?] = [source, nil, nil, nil]
        var srcStrides: [Int32] = [Int32(rowBytes), 0, 0, 0]
        var dstPlanes = destination.planes + Array(repeating: nil, count: max(0, 4 - destination.planes.count))
        var dstStrides = destination.strides + Array(repeating: 0, count: max(0, 4 - destination.strides.count))
        let rows = sws_scale(context, &srcPlanes, &srcStrides, 0, Int32(height), &dstPlanes, &dstStrides)
        guard rows == Int32(destination.height) else {
            throw ThumbnailError.encodingFailed(subject: subject, operation: "sws_scale", code: rows < 0 ? rows : 0,
                                                message: rows < 0 ? FFmpeg.message(rows) : "wrote \(rows) of \(destination.height) rows")
        }
    }

    /// `image` scaled to `width`×`height` pixels and drawn into `canvas` with its top-left
    /// corner at column `x`, row `y` (the tile must lie inside the canvas). The tile is scaled
    /// into its own buffer and then copied row by row, so no libswscale write can stray into
    /// a neighbouring tile (and its SIMD paths get an aligned destination).
    static func draw(_ image: RGBImage, into canvas: inout RGBImage, x: Int, y: Int, width: Int, height: Int,
                     subject: String) throws {
        precondition(x >= 0 && y >= 0 && x + width <= canvas.width && y + height <= canvas.height,
                     "PixelScaler.draw: tile \(width)×\(height) at (\(x), \(y)) outside the \(canvas.width)×\(canvas.height) canvas")
        let tile = try scaled(image, width: width, height: height, subject: subject)
        let canvasWidth = canvas.width, rowBytes = 3 * width
        tile.pixels.withUnsafeBufferPointer { src in
            canvas.pixels.withUnsafeMutableBufferPointer { dst in
                for row in 0..<height {
                    // Tile row `row` → canvas[y + row, x ..< x + width, :].
                    let to = dst.baseAddress! + 3 * ((y + row) * canvasWidth + x)
                    to.update(from: src.baseAddress! + row * rowBytes, count: rowBytes)
                }
            }
        }
    }

    /// `image` scaled to `width`×`height` pixels (the same image when the size is unchanged).
    static func scaled(_ image: RGBImage, width: Int, height: Int, subject: String) throws -> RGBImage {
        if image.width == width, image.height == height { return image }
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        try image.pixels.withUnsafeBufferPointer { src in
            try pixels.withUnsafeMutableBufferPointer { dst in
                try scale(source: src.baseAddress!, width: image.width, height: image.height, rowBytes: 3 * image.width,
                          into: Destination(planes: [dst.baseAddress!], strides: [Int32(3 * width)],
                                            width: width, height: height, format: AV_PIX_FMT_RGB24),
                          subject: subject)
            }
        }
        return RGBImage(width: width, height: height, pixels: pixels)
    }
}
