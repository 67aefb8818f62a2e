import Foundation

/// Still pictures of videos for the web app: a JPEG thumbnail of one moment, and a hover
/// preview sprite (several moments side by side in one JPEG).
///
/// Frames come from ``VideoDecoder`` (upright: the display-matrix rotation is applied, so a
/// portrait phone video gives a portrait thumbnail) and are encoded by ``JPEGEncoder``. Each
/// call opens the file, decodes only the frames it needs (keyframe-aware seeking) and closes
/// it again; a `Thumbnailer` holds no open file and may be shared between threads.
///
/// Sizes are in pixels, times in seconds from the start of the video.
///
/// For example:
/// ```swift
/// let thumbnailer = Thumbnailer()
/// let jpeg = try thumbnailer.thumbnail(of: url, at: 12.5)                  // ≤ 320 px wide
/// let hover = try thumbnailer.sprite(of: url)                              // 10 tiles, 160 px each
/// // hover.jpeg is (hover.frames · hover.frameWidth) × hover.frameHeight pixels;
/// // tile i shows the moment (i + 0.5) · duration / hover.frames.
/// ```
///
/// ## Topics
/// ### Pictures
/// - ``thumbnail(of:at:maxWidth:)``
/// - ``sprite(of:frames:frameWidth:)``
/// ### Sizing
/// - ``thumbnailSize(width:height:maxWidth:)``
/// - ``tileHeight(width:height:frameWidth:)``
/// - ``spriteTimes(duration:count:)``
public struct Thumbnailer: Sendable {
    /// How files are opened and decoded. The default limits each call to 30 s and shrinks
    /// frames above 1280×720 pixels while converting them (cheap, and far above any
    /// thumbnail size).
    public var decodeOptions: DecodeOptions
    /// The JPEG quality (``JPEGEncoder/quality``).
    public var encoder: JPEGEncoder

    public init(decodeOptions: DecodeOptions = DecodeOptions(timeLimit: 30), encoder: JPEGEncoder = JPEGEncoder()) {
        self.decodeOptions = decodeOptions
        self.encoder = encoder
    }

    // MARK: - Thumbnail

    /// A JPEG of the frame nearest to `seconds`, at most `maxWidth` pixels wide.
    ///
    /// - Parameters:
    ///   - url: a video file.
    ///   - seconds: time from the start of the video, in seconds; clamped into
    ///     `0 … duration` (a negative time gives the first frame, one past the end the last).
    ///   - maxWidth: the widest the thumbnail may be, pixels (2…65535). A narrower video is not
    ///     enlarged. The height follows the frame's aspect ratio; both sides are even.
    /// - Returns: the JPEG bytes (`FF D8` … `FF D9`).
    /// - Throws: ``DecodeError`` when the file cannot be opened or decoded (missing, not a
    ///   video, damaged); ``ThumbnailError`` for a bad argument or a failed encode.
    public func thumbnail(of url: URL, at seconds: Double, maxWidth: Int = 320) throws -> Data {
        guard !seconds.isNaN else {
            throw ThumbnailError.invalidArgument(name: "at", value: "nan", expected: "a time in seconds")
        }
        guard maxWidth >= 2, maxWidth <= JPEGEncoder.maxSide else {
            throw ThumbnailError.invalidArgument(name: "maxWidth", value: String(maxWidth), expected: "2…\(JPEGEncoder.maxSide) pixels")
        }
        let decoder = try VideoDecoder(url: url, options: decodeOptions)
        let index = Self.nearestFrame(decoder, to: seconds)
        let image = try decoder.frames(at: [index])[0].image
        let (w, h) = Self.thumbnailSize(width: image.width, height: image.height, maxWidth: maxWidth)
        return try encoder.encode(image, width: w, height: h)
    }

    /// The thumbnail size of a `width`×`height` frame (pixels): at most `maxWidth` wide (never
    /// wider than the frame), the height from the aspect ratio, both even and at least 2.
    ///
    /// For example: 640×360 at 320 → 320×180; 1080×1920 at 320 → 320×568; 99×67 at 320 → 98×66.
    public static func thumbnailSize(width: Int, height: Int, maxWidth: Int) -> (width: Int, height: Int) {
        let w = max(2, min(maxWidth, width) & ~1)
        return (w, tileHeight(width: width, height: height, frameWidth: w))
    }

    // MARK: - Sprite

    /// A hover-preview sprite: `n` frames evenly spaced over the video, each scaled to
    /// `frameWidth` pixels wide, tiled left to right into one JPEG.
    ///
    /// Frame `i` (0-based) is the one nearest to `(i + 0.5) · duration / n` seconds, the centre
    /// of the `i`-th of `n` equal intervals. A video of `n` frames or fewer contributes all of
    /// its frames, and ``frames`` in the result says how many tiles there are.
    ///
    /// - Parameters:
    ///   - url: a video file.
    ///   - n: tiles wanted, at least 1.
    ///   - frameWidth: width of each tile, pixels (≥ 2, and `n · frameWidth` ≤ 65535). Tiles
    ///     are enlarged when the video is narrower.
    /// - Returns: `jpeg`, an image of `frames · frameWidth` × `frameHeight` pixels; `frames`, the
    ///   number of tiles; `frameWidth` and `frameHeight`, one tile's size in pixels (the height
    ///   from the aspect ratio of the first tile, even). Tile `i` spans columns
    ///   `i · frameWidth ..< (i + 1) · frameWidth`.
    /// - Throws: ``DecodeError`` when the file cannot be opened or decoded; ``ThumbnailError``
    ///   for a bad argument or a failed encode.
    public func sprite(of url: URL, frames n: Int = 10, frameWidth: Int = 160) throws
        -> (jpeg: Data, frames: Int, frameWidth: Int, frameHeight: Int) {
        guard n >= 1 else {
            throw ThumbnailError.invalidArgument(name: "frames", value: String(n), expected: "at least 1")
        }
        guard frameWidth >= 2, frameWidth <= JPEGEncoder.maxSide / n else {
            throw ThumbnailError.invalidArgument(name: "frameWidth", value: String(frameWidth),
                                                 expected: "2…\(max(2, JPEGEncoder.maxSide / n)) pixels (frames · frameWidth ≤ \(JPEGEncoder.maxSide), the JPEG limit)")
        }
        let decoder = try VideoDecoder(url: url, options: decodeOptions)
        let indices: [Int]
        if decoder.frameCount <= n {
            indices = Array(0..<decoder.frameCount)
        } else {
            indices = Self.spriteTimes(duration: decoder.metadata.duration, count: n).map { Self.nearestFrame(decoder, to: $0) }
        }

        // Frames are decoded one by one in ascending order (the decoder keeps its position, so
        // this costs no extra seeks) and drawn at once: one decoded frame in memory at a time.
        var canvas: RGBImage?
        var frameHeight = 0
        var previous: (index: Int, image: RGBImage)?
        for (tile, index) in indices.enumerated() {
            let image: RGBImage
            if let previous, previous.index == index {
                image = previous.image  // a repeat (variable frame rate): no second decode
            } else {
                image = try decoder.frames(at: [index])[0].image
                previous = (index, image)
            }
            if canvas == nil {
                frameHeight = Self.tileHeight(width: image.width, height: image.height, frameWidth: frameWidth)
                canvas = RGBImage(width: indices.count * frameWidth, height: frameHeight)
            }
            try PixelScaler.draw(image, into: &canvas!, x: tile * frameWidth, y: 0, width: frameWidth, height: frameHeight,
                                 subject: "frame \(index) of \(url.path)")
        }
        guard let sheet = canvas else {
            throw DecodeError.corruptData(path: url.path, detail: "the video has no frames to make a sprite of")
        }
        let jpeg = try encoder.encode(sheet)
        return (jpeg, indices.count, frameWidth, frameHeight)
    }

    /// The height of a tile `frameWidth` pixels wide cut from a `width`×`height` frame: the
    /// aspect ratio kept, rounded to an even number of pixels, at least 2.
    public static func tileHeight(width: Int, height: Int, frameWidth: Int) -> Int {
        guard width > 0, height > 0 else { return 2 }
        return max(2, 2 * Int((Double(height) * Double(frameWidth) / Double(width) / 2).rounded()))
    }

    /// The sprite's sample times, seconds: the centres of `count` equal intervals of
    /// `0 … duration`, i.e. `(i + 0.5) · duration / count` for `i` in `0..<count`.
    ///
    /// For example: a 10 s video and 5 tiles → 1, 3, 5, 7, 9.
    public static func spriteTimes(duration: Double, count: Int) -> [Double] {
        let d = duration.isFinite ? max(duration, 0) : 0
        return (0..<max(count, 0)).map { (Double($0) + 0.5) * d / Double(count) }
    }

    // MARK: - Frame choice

    /// The frame whose timestamp is nearest to `seconds`, clamped into `0 … duration` (a tie
    /// goes to the earlier frame).
    static func nearestFrame(_ decoder: VideoDecoder, to seconds: Double) -> Int {
        let duration = decoder.metadata.duration.isFinite ? max(decoder.metadata.duration, 0) : 0
        let t = min(max(seconds, 0), duration)
        let onScreen = decoder.frameIndex(atTime: t)  // the last frame at or before t
        guard onScreen + 1 < decoder.frameCount else { return onScreen }
        let next = onScreen + 1
        return abs(decoder.timestamp(ofFrame: next) - t) < abs(decoder.timestamp(ofFrame: onScreen) - t) ? next : onScreen
    }
}
