import CFFmpeg
import Foundation

/// Encodes RGB pictures as baseline JPEG with libavcodec's MJPEG encoder.
///
/// One `encode` call does one libswscale pass (RGB24 → full-range YUV 4:2:0, `YUVJ420P`,
/// scaling on the way when an output size is given) and one MJPEG encode, each with its own
/// short-lived FFmpeg objects, all freed before the call returns, whatever happens. The
/// encoder is a value without state, so one instance may be used from many threads.
///
/// For example:
/// ```swift
/// let image = RGBImage(width: 64, height: 48, fill: (255, 0, 0))
/// let jpeg = try JPEGEncoder(quality: 3).encode(image)                        // 64×48
/// let small = try JPEGEncoder().encode(image, width: 32, height: 24)          // 32×24
/// ```
///
/// Sizes are in pixels; 1…65535 per side (the JPEG limit). Odd sizes are allowed (the chroma
/// planes round up). Failures are ``ThumbnailError`` values.
public struct JPEGEncoder: Sendable, Equatable {
    /// The MJPEG quantiser scale, as `ffmpeg -q:v` takes it: 2 (best, biggest) … 31 (worst,
    /// smallest). Default 4, as `ffmpeg -q:v 4`: no visible blocking at thumbnail sizes.
    public var quality: Int

    /// The largest width or height a JPEG can hold, pixels.
    public static let maxSide = 65535

    /// - Parameter quality: quantiser scale 2…31 (lower is better); clamped into that range.
    public init(quality: Int = 4) {
        self.quality = min(max(quality, 2), 31)
    }

    /// `image` as a JPEG, scaled to `width`×`height` pixels when they are given (either one
    /// alone keeps the aspect ratio; area averaging when shrinking, bicubic when growing).
    public func encode(_ image: RGBImage, width: Int? = nil, height: Int? = nil) throws -> Data {
        try encode(rgb: image.pixels, width: image.width, height: image.height, outputWidth: width, outputHeight: height)
    }

    /// Interleaved RGB24 bytes (`height` rows of `width` pixels, R G B each, rows top to
    /// bottom, no padding) as a JPEG, scaled to `outputWidth`×`outputHeight` pixels when given.
    public func encode(rgb pixels: [UInt8], width: Int, height: Int,
                       outputWidth: Int? = nil, outputHeight: Int? = nil) throws -> Data {
        let subject = "\(width)×\(height) RGB image"
        try Self.checkSide("width", width)
        try Self.checkSide("height", height)
        guard pixels.count == width * height * 3 else {
            throw ThumbnailError.invalidArgument(name: "rgb", value: "\(pixels.count) bytes",
                                                 expected: "\(width * height * 3) bytes (\(width)×\(height) pixels × 3)")
        }
        let (ow, oh) = Self.outputSize(width: width, height: height, outputWidth: outputWidth, outputHeight: outputHeight)
        try Self.checkSide("outputWidth", ow)
        try Self.checkSide("outputHeight", oh)
        return try pixels.withUnsafeBufferPointer { src in
            try encode(source: src.baseAddress!, width: width, height: height, outputWidth: ow, outputHeight: oh, subject: subject)
        }
    }

    /// The output size: as given, or the missing side from the aspect ratio (at least 1).
    static func outputSize(width: Int, height: Int, outputWidth: Int?, outputHeight: Int?) -> (Int, Int) {
        switch (outputWidth, outputHeight) {
        case let (w?, h?): return (w, h)
        case let (w?, nil): return (w, max(1, Int((Double(height) * Double(w) / Double(width)).rounded())))
        case let (nil, h?): return (max(1, Int((Double(width) * Double(h) / Double(height)).rounded())), h)
        case (nil, nil): return (width, height)
        }
    }

    private static func checkSide(_ name: String, _ value: Int) throws {
        guard value >= 1, value <= maxSide else {
            throw ThumbnailError.invalidArgument(name: name, value: String(value), expected: "1…\(maxSide) pixels")
        }
    }

    /// The encode proper. Every FFmpeg object is released by a `defer` registered right after
    /// it is made, so no path (error or not) leaks one.
    private func encode(source: UnsafePointer<UInt8>, width: Int, height: Int,
                        outputWidth ow: Int, outputHeight oh: Int, subject: String) throws -> Data {
        _ = FFmpeg.configureLogging
        func failure(_ operation: String, _ code: Int32) -> ThumbnailError {
            .encodingFailed(subject: subject, operation: operation, code: code, message: FFmpeg.message(code))
        }

        guard let codec = avcodec_find_encoder(AV_CODEC_ID_MJPEG) else {
            throw ThumbnailError.encoderUnavailable(codec: "mjpeg")
        }
        var context: UnsafeMutablePointer<AVCodecContext>? = avcodec_alloc_context3(codec)
        defer { avcodec_free_context(&context) }
        guard let ctx = context else {
            throw ThumbnailError.encodingFailed(subject: subject, operation: "avcodec_alloc_context3", code: 0, message: "out of memory")
        }
        // Fixed quantiser: AV_CODEC_FLAG_QSCALE with the scale as a lambda (qscale · FF_QP2LAMBDA),
        // on the context and on the frame (mpegvideo's encoder reads the frame's).
        let lambda = Int32(quality) * FF_QP2LAMBDA
        ctx.pointee.width = Int32(ow)
        ctx.pointee.height = Int32(oh)
        ctx.pointee.pix_fmt = AV_PIX_FMT_YUVJ420P
        ctx.pointee.color_range = AVCOL_RANGE_JPEG
        ctx.pointee.time_base = AVRational(num: 1, den: 25)
        ctx.pointee.flags |= AV_CODEC_FLAG_QSCALE
        ctx.pointee.global_quality = lambda
        ctx.pointee.thread_count = 1
        let opened = avcodec_open2(ctx, codec, nil)
        guard opened >= 0 else { throw failure("avcodec_open2", opened) }

        var frame: UnsafeMutablePointer<AVFrame>? = av_frame_alloc()
        defer { av_frame_free(&frame) }
        guard let f = frame else {
            throw ThumbnailError.encodingFailed(subject: subject, operation: "av_frame_alloc", code: 0, message: "out of memory")
        }
        f.pointee.format = AV_PIX_FMT_YUVJ420P.rawValue
        f.pointee.width = Int32(ow)
        f.pointee.height = Int32(oh)
        f.pointee.color_range = AVCOL_RANGE_JPEG
        f.pointee.quality = lambda
        let allocated = av_frame_get_buffer(f, 0)
        guard allocated >= 0 else { throw failure("av_frame_get_buffer", allocated) }

        // RGB24 (w×h) → YUVJ420P (ow×oh) straight into the frame's planes.
        let planes: [UnsafeMutablePointer<UInt8>?] = withUnsafePointer(to: &f.pointee.data) {
            $0.withMemoryRebound(to: UnsafeMutablePointer<UInt8>?.self, capacity: 8) { Array(UnsafeBufferPointer(start: $0, count: 4)) }
        }
        let strides: [Int32] = withUnsafePointer(to: &f.pointee.linesize) {
            $0.withMemoryRebound(to: Int32.self, capacity: 8) { Array(UnsafeBufferPointer(start: $0, count: 4)) }
        }
        try PixelScaler.scale(source: source, width: width, height: height, rowBytes: 3 * width,
                              into: .init(planes: planes, strides: strides, width: ow, height: oh, format: AV_PIX_FMT_YUVJ420P),
                              subject: subject)

        var packet: UnsafeMutablePointer<AVPacket>? = av_packet_alloc()
        defer { av_packet_free(&packet) }
        guard let pkt = packet else {
            throw ThumbnailError.encodingFailed(subject: subject, operation: "av_packet_alloc", code: 0, message: "out of memory")
        }
        let sent = avcodec_send_frame(ctx, f)
        guard sent >= 0 else { throw failure("avcodec_send_frame", sent) }
        let flushed = avcodec_send_frame(ctx, nil)  // end of stream: MJPEG has no delay, this only drains
        guard flushed >= 0 else { throw failure("avcodec_send_frame", flushed) }

        // The first packet is the picture; drain the rest (there is none for MJPEG) until EOF.
        var jpeg: Data?
        let eof = cff_averror_eof()
        while true {
            let received = avcodec_receive_packet(ctx, pkt)
            if received == eof { break }
            guard received >= 0 else { throw failure("avcodec_receive_packet", received) }
            if jpeg == nil, let data = pkt.pointee.data, pkt.pointee.size > 0 {
                jpeg = Data(bytes: data, count: Int(pkt.pointee.size))
            }
            av_packet_unref(pkt)
        }
        guard let jpeg else {
            throw ThumbnailError.encodingFailed(subject: subject, operation: "avcodec_receive_packet", code: 0,
                                                message: "the encoder produced no picture")
        }
        return jpeg
    }
}
