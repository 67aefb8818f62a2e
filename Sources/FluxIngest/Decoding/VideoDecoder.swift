import CFFmpeg
import Foundation

/// One decoded frame.
public struct VideoFrame: Sendable {
    /// Presentation index of the frame delivered (normally the one requested; see
    /// ``VideoDecoder/frames(at:)`` for damaged streams).
    public let index: Int
    /// Presentation time in seconds, relative to the stream's start.
    public let timestamp: Double
    /// The picture, upright, 8-bit RGB.
    public let image: RGBImage
}

/// Work counters of a ``VideoDecoder`` since it was opened (for tests and benchmarks).
public struct DecodeStatistics: Sendable, Equatable {
    /// Seeks to a keyframe (including rewinds to the start).
    public var seeks = 0
    /// Packets of the video stream sent to the decoder.
    public var packetsSent = 0
    /// Frames that came out of the decoder.
    public var framesDecoded = 0
    /// Frames converted to RGB (the ones delivered).
    public var framesConverted = 0
}

/// Reads frames of one video file through libavformat, libavcodec and libswscale.
///
/// Opening a file demuxes every packet of its video stream once, without decoding (as decord
/// does), to learn the exact frame count, every frame's timestamp and the keyframes. Frames
/// are numbered `0..<frameCount` in presentation order, so an index means the same frame
/// whatever the frame rate does (variable frame rate included), and `timestamp(ofFrame:)` is
/// that frame's own presentation time.
///
/// Requests are served with keyframe-aware seeking: for each wanted frame (in ascending
/// order) the decoder seeks only when the keyframe before it lies ahead of the current decode
/// position, and otherwise decodes forward (BUILD_NOTES §3, "index-guided seeking").
///
/// For example:
/// ```swift
/// let decoder = try VideoDecoder(url: URL(fileURLWithPath: "clip.mp4"))
/// let indices = FrameSampler.middle(frames: 8).indices(frameCount: decoder.frameCount, fps: decoder.metadata.fps)
/// let frames = try decoder.frames(at: indices)   // 8 upright RGB images
/// ```
///
/// Not thread-safe: use one decoder per thread. Every call is bounded by
/// ``DecodeOptions/timeLimit``; failures are ``DecodeError`` values.
public final class VideoDecoder {
    /// The file as a URL. For a name that is not valid UTF-8 (see ``fileSystemPath``) this is
    /// a URL of its display form and names no real file; use ``fileSystemPath`` instead.
    public let url: URL
    /// The file exactly as the system names it (raw bytes, maybe not UTF-8).
    public let fileSystemPath: FileSystemPath
    public let options: DecodeOptions
    /// What the file holds; see ``VideoMetadata``.
    public let metadata: VideoMetadata

    let path: String
    var format: UnsafeMutablePointer<AVFormatContext>?
    var codec: UnsafeMutablePointer<AVCodecContext>?
    let streamIndex: Int32
    let table: FrameTable
    let converter: FrameConverter
    /// Stream time base (seconds per tick) and the tick that maps to time 0.
    let timeBase: Double
    let startTicks: Int64
    /// Packets of all streams in the file; bounds the packets one request may read.
    let totalPackets: Int
    /// Deadline in microseconds of av_gettime_relative (0 = none), read by the interrupt callback.
    let deadline: UnsafeMutablePointer<Int64>
    let packet: UnsafeMutablePointer<AVPacket>
    let frame: UnsafeMutablePointer<AVFrame>
    /// The last frame output before the current one (for damaged streams), and its index.
    let held: UnsafeMutablePointer<AVFrame>
    var heldIndex = -1
    /// The keyframe packet a seek landed on, read ahead to check the landing; sent first.
    let pending: UnsafeMutablePointer<AVPacket>
    var hasPending = false
    /// Seek by byte offset: for containers whose timestamp seek is a bisection that can land
    /// past the keyframe (MPEG-TS/PS, flagged AVFMT_TS_DISCONT).
    var seeksByByte: Bool

    /// Work done so far.
    public internal(set) var statistics = DecodeStatistics()

    // Decode position.
    /// Index of the last frame the decoder output since the last seek.
    var lastIndex = -1
    /// Frames output since the last seek.
    var framesSinceSeek = 0
    /// True after the end of the stream or a failure: the next request must seek first.
    var needsSeek = true
    /// True once a null packet was sent (the decoder is draining).
    var draining = false
    /// Presentation timestamps of the frames the current request wants. Packets of other
    /// frames are decoded with `skip_frame = AVDISCARD_NONREF`: a frame no other frame
    /// references (most B-frames) is then not decoded at all, which changes no other frame.
    var wantedTimestamps: Set<Int64> = [] {
        didSet { lastWantedTimestamp = wantedTimestamps.max() ?? .max }
    }
    /// The latest timestamp of ``wantedTimestamps``.
    var lastWantedTimestamp: Int64 = .max

    /// Damage found so far, one line each, e.g. `truncated: the file (48213 bytes) ends
    /// inside video packet 24; frames after 2.3 s are missing` or `corrupt: the decoder
    /// rejected 3 packet(s) of the video stream, the first at frame 14 (1.4 s)`. Truncation
    /// and packets the demuxer flags are found when the file is opened; damage inside the
    /// coded pictures only when frames around it are decoded, so the list can grow with each
    /// ``frames(at:)`` call. Empty for an undamaged file. The file still decodes: these are
    /// warnings to store beside the index, not errors.
    public var warnings: [String] { openWarnings + decodeDamage.warnings(timeOfFrame: timestamp(ofFrame:)) }
    let openWarnings: [String]
    /// Damage the decode loop met (see ``warnings``).
    var decodeDamage = DecodeDamage()

    /// Opens `url` and reads its packet table. Throws ``DecodeError``; a path that is not a
    /// regular file (a FIFO, a device, a directory) is refused before anything opens it.
    public convenience init(url: URL, options: DecodeOptions = DecodeOptions()) throws {
        try self.init(file: FileSystemPath(url), path: url.path, url: url, options: options)
    }

    /// Opens the file named by raw bytes `path` (for names that are not valid UTF-8, which a
    /// `URL` cannot hold). Errors and ``VideoMetadata/path`` name the file by
    /// ``FileSystemPath/displayString`` (bad bytes written `\xE9`).
    public convenience init(path: FileSystemPath, options: DecodeOptions = DecodeOptions()) throws {
        try self.init(file: path, path: path.displayString, url: path.url ?? URL(fileURLWithPath: path.displayString), options: options)
    }

    init(file: FileSystemPath, path: String, url: URL, options: DecodeOptions) throws {
        _ = FFmpeg.configureLogging
        self.url = url
        self.fileSystemPath = file
        self.options = options
        self.path = path
        let deadline = UnsafeMutablePointer<Int64>.allocate(capacity: 1)
        deadline.initialize(to: 0)
        var opened: Opened
        do {
            opened = try Self.open(file: file, path: path, options: options, deadline: deadline)
        } catch {
            deadline.deallocate()
            throw error
        }
        self.deadline = deadline
        format = opened.format
        codec = opened.codec
        streamIndex = opened.streamIndex
        table = opened.table
        metadata = opened.metadata
        timeBase = opened.timeBase
        startTicks = opened.startTicks
        totalPackets = opened.totalPackets
        openWarnings = opened.warnings
        converter = FrameConverter(maxPixels: options.maxPixels, rotation: options.applyRotation ? opened.metadata.rotation : 0)
        packet = av_packet_alloc()
        pending = av_packet_alloc()
        frame = av_frame_alloc()
        held = av_frame_alloc()
        let flags = opened.format.pointee.iformat?.pointee.flags ?? 0
        seeksByByte = flags & AVFMT_TS_DISCONT != 0 && flags & AVFMT_NO_BYTE_SEEK == 0
        deadline.pointee = 0
    }

    deinit {
        var f: UnsafeMutablePointer<AVFrame>? = frame
        av_frame_free(&f)
        var h: UnsafeMutablePointer<AVFrame>? = held
        av_frame_free(&h)
        var p: UnsafeMutablePointer<AVPacket>? = packet
        av_packet_free(&p)
        var q: UnsafeMutablePointer<AVPacket>? = pending
        av_packet_free(&q)
        avcodec_free_context(&codec)
        avformat_close_input(&format)
        deadline.deallocate()
    }

    /// Opens a file, reads its metadata and closes it again.
    public static func probe(_ url: URL, options: DecodeOptions = DecodeOptions()) throws -> VideoMetadata {
        try VideoDecoder(url: url, options: options).metadata
    }

    /// Opens a file, reads its metadata and the damage found on opening (``warnings``:
    /// truncation, packets flagged corrupt), and closes it again.
    public static func probeWithWarnings(_ file: FileSystemPath, options: DecodeOptions = DecodeOptions()) throws -> (metadata: VideoMetadata, warnings: [String]) {
        let decoder = try VideoDecoder(path: file, options: options)
        return (decoder.metadata, decoder.warnings)
    }

    /// Number of frames; valid indices are `0..<frameCount`.
    public var frameCount: Int { table.count }

    /// Presentation time of frame `index`, in seconds from the stream's start.
    public func timestamp(ofFrame index: Int) -> Double {
        let i = min(max(index, 0), max(table.count - 1, 0))
        guard table.hasReliableTimestamps else { return Double(i) / metadata.fps }
        return Double(table.pts[i] - startTicks) * timeBase
    }

    /// The frame on screen at `seconds`: the last one whose timestamp is ≤ `seconds`
    /// (clamped to the first and last frame).
    public func frameIndex(atTime seconds: Double) -> Int {
        guard table.count > 0 else { return 0 }
        guard table.hasReliableTimestamps else { return min(max(Int(seconds * metadata.fps), 0), table.count - 1) }
        let ticks = Double(startTicks) + seconds / timeBase
        guard ticks.isFinite, ticks < 9e18, ticks > -9e18 else { return ticks > 0 ? table.count - 1 : 0 }
        // A little slack so that times computed from frame timestamps land on that frame.
        return table.index(ofTimestamp: Int64((ticks + 1e-6).rounded(.down)))
    }

    /// The frames whose timestamps lie in `[start, end)` seconds, as an index range.
    public func frameRange(from start: Double, to end: Double) -> Range<Int> {
        func firstAtOrAfter(_ t: Double) -> Int {
            var lo = 0, hi = table.count
            while lo < hi {
                let mid = (lo + hi) / 2
                if timestamp(ofFrame: mid) < t - 1e-9 { lo = mid + 1 } else { hi = mid }
            }
            return lo
        }
        let lo = firstAtOrAfter(start), hi = max(lo, firstAtOrAfter(end))
        return lo..<hi
    }

    /// The frames at presentation indices `indices` (any order, repeats allowed), returned in
    /// the same order. Each distinct frame is decoded once; the requests are served in
    /// ascending order with keyframe-aware seeking.
    ///
    /// In a damaged stream a frame the decoder never outputs is replaced by the nearest one
    /// it did output; ``VideoFrame/index`` then says which.
    public func frames(at indices: [Int]) throws -> [VideoFrame] {
        for i in indices where i < 0 || i >= table.count {
            throw DecodeError.frameOutOfRange(path: path, index: i, frameCount: table.count)
        }
        startClock()
        wantedTimestamps = table.hasReliableTimestamps ? Set(indices.map { table.pts[$0] }) : []
        defer { deadline.pointee = 0; wantedTimestamps = [] }
        var decoded: [Int: VideoFrame] = [:]
        do {
            for target in Set(indices).sorted() { decoded[target] = try decodeFrame(target) }
        } catch {
            needsSeek = true
            throw error
        }
        return indices.map { decoded[$0]! }
    }

    /// The frames on screen at the given times (seconds from the start); see ``frameIndex(atTime:)``.
    public func frames(atTimes seconds: [Double]) throws -> [VideoFrame] {
        try frames(at: seconds.map { frameIndex(atTime: $0) })
    }

    /// Arms the per-call deadline.
    func startClock() {
        if let limit = options.timeLimit, limit > 0 {
            deadline.pointee = cff_now_us() + Int64(limit * 1e6)
        } else {
            deadline.pointee = 0
        }
    }

    /// Throws ``DecodeError/timedOut(path:seconds:)`` once the deadline has passed.
    func checkClock() throws {
        if deadline.pointee > 0, cff_now_us() > deadline.pointee {
            throw DecodeError.timedOut(path: path, seconds: options.timeLimit ?? 0)
        }
    }
}
