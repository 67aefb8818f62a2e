import CFFmpeg
import Foundation

/// Turns decoded frames (any pixel format libswscale reads: yuv420p, 10-bit, 4:4:4, …) into
/// upright ``RGBImage``s.
///
/// Colour conversion uses libswscale's bicubic mode at the native size, as decord's
/// `scale` filter does, with libswscale's default (BT.601, limited-range) matrix for YUV input.
/// With ``DecodeOptions/maxPixels`` set, a frame larger than that is shrunk in the same
/// `sws_scale` call (area filter, aspect ratio kept, even sides), which is far cheaper than
/// converting a 4K frame to RGB and resizing it afterwards. Rotation is applied last.
final class FrameConverter {
    private var context: OpaquePointer?
    let maxPixels: Int?
    /// Clockwise quarter turns applied after conversion, in degrees (0, 90, 180, 270).
    let rotation: Int

    init(maxPixels: Int?, rotation: Int) {
        self.maxPixels = maxPixels
        self.rotation = rotation
    }

    deinit { sws_freeContext(context) }

    /// The RGB size, in pixels (before rotation), that a `width`×`height` frame converts to.
    static func convertedSize(width: Int, height: Int, maxPixels: Int?) -> (width: Int, height: Int) {
        guard let limit = maxPixels, limit > 0, width * height > limit else { return (width, height) }
        let f = (Double(limit) / Double(width * height)).squareRoot()
        let w = max(2, Int(Double(width) * f) & ~1), h = max(2, Int(Double(height) * f) & ~1)
        return (w, h)
    }

    /// Converts one decoded frame. Throws when libswscale cannot handle its pixel format.
    func convert(_ frame: UnsafeMutablePointer<AVFrame>, path: String) throws -> RGBImage {
        let (w, h) = (Int(frame.pointee.width), Int(frame.pointee.height))
        guard w > 0, h > 0 else { throw DecodeError.corruptData(path: path, detail: "a decoded frame has size \(w)×\(h)") }
        let (ow, oh) = Self.convertedSize(width: w, height: h, maxPixels: maxPixels)
        let format = AVPixelFormat(rawValue: frame.pointee.format)
        let flags = (ow, oh) == (w, h) ? SWS_BICUBIC : SWS_AREA
        context = sws_getCachedContext(context, Int32(w), Int32(h), format, Int32(ow), Int32(oh),
                                       AV_PIX_FMT_RGB24, flags, nil, nil, nil)
        guard let context else {
            let name = FFmpeg.string(av_get_pix_fmt_name(format))
            throw DecodeError.corruptData(path: path, detail: "cannot convert pixel format '\(name.isEmpty ? "\(format.rawValue)" : name)' (\(w)×\(h)) to RGB")
        }
        var pixels = [UInt8](repeating: 0, count: ow * oh * 3)
        let scaled: Int32 = pixels.withUnsafeMutableBufferPointer { out in
            var dst: [UnsafeMutablePointer<UInt8>?] = [out.baseAddress, nil, nil, nil]
            var dstStride: [Int32] = [Int32(ow * 3), 0, 0, 0]
            return withUnsafePointer(to: &frame.pointee.data) { data in
                data.withMemoryRebound(to: UnsafePointer<UInt8>?.self, capacity: 8) { src in
                    withUnsafePointer(to: &frame.pointee.linesize) { lines in
                        lines.withMemoryRebound(to: Int32.self, capacity: 8) { stride in
                            sws_scale(context, src, stride, 0, Int32(h), &dst, &dstStride)
                        }
                    }
                }
            }
        }
        guard scaled == Int32(oh) else {
            throw DecodeError.corruptData(path: path, detail: "libswscale converted \(scaled) of \(oh) rows")
        }
        let image = RGBImage(width: ow, height: oh, pixels: pixels)
        return rotation == 0 ? image : image.rotated(clockwise: rotation)
    }
}
