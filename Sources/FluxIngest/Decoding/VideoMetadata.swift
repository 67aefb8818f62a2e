import Foundation
/// What ``VideoDecoder`` learned about a file's video stream when it opened it.
///
/// Sizes are in pixels, times in seconds, rates in frames per second. `width`/`height` are
/// the stored (coded) picture; `displayWidth`/`displayHeight` are after ``rotation``, i.e.
/// the size the frames come out at when ``DecodeOptions/applyRotation`` is on and no early
/// scaling applies.
public struct VideoMetadata: Sendable, Equatable, Codable {
    /// The file path as given.
    public var path: String
    /// libavformat's name for the container, e.g. `mov,mp4,m4a,3gp,3g2,mj2` or `matroska,webm`.
    public var container: String
    /// Decoder name of the video codec, e.g. `h264`, `vp9`, `mpeg4`.
    public var codec: String
    /// Codec profile, e.g. `High 10`, when libavcodec names one.
    public var profile: String?
    /// Pixel format of the decoded frames, e.g. `yuv420p`, `yuv420p10le`.
    public var pixelFormat: String
    /// Bits per colour component (8 for yuv420p, 10 for yuv420p10le).
    public var bitDepth: Int
    /// Stored picture width, pixels.
    public var width: Int
    /// Stored picture height, pixels.
    public var height: Int
    /// Clockwise degrees (0, 90, 180, 270) that turn a stored picture upright, from the
    /// display matrix. (FFmpeg's `av_display_rotation_get` reports the same turn as a
    /// counter-clockwise angle: −90 there is 90 here, as for a portrait iPhone video.)
    public var rotation: Int
    /// Width after rotation, pixels.
    public var displayWidth: Int
    /// Height after rotation, pixels.
    public var displayHeight: Int
    /// Average frame rate, frames per second (the stream's `avg_frame_rate`, which decord
    /// also reports; else derived from the frame count and duration).
    public var fps: Double
    /// Frames in the stream, counted packet by packet (decord's `len(vr)`): valid frame
    /// indices are `0..<frameCount`.
    public var frameCount: Int
    /// Duration in seconds: the stream's, else the container's (WebM stores none per
    /// stream), else the span of the frame timestamps.
    public var duration: Double
    /// Timestamp of the first frame, seconds (frame timestamps are reported relative to it).
    public var startTime: Double
    /// Index of the video stream among the file's streams (not always 0).
    public var streamIndex: Int
    /// True when frame intervals differ from the average by more than 1 % (more than one
    /// interval, or 2 % of them: a single dropped frame does not make a video VFR).
    public var variableFrameRate: Bool
    /// True when the file also holds at least one audio stream.
    public var hasAudio: Bool
    /// Subtitle streams in the file (text or bitmap): transcripts are read from the container
    /// only when there is one.
    public var subtitleStreams: Int
    /// True when the file is cut off but still opens: the container declares more frames
    /// than could be read, reading stopped on an error, or the frames end well before the
    /// stream's declared duration. Only the readable frames are counted, and ``duration``
    /// is then their span.
    public var truncated: Bool
    /// When the footage was recorded: the container's `creation_time` tag (what cameras and
    /// phones write), nil when the file has none or it does not parse.
    public var creationTime: Date?
}
