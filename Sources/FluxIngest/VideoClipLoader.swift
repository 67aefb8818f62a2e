import FluxCore
import Foundation

/// One clip ready for the encoder, with what it covers.
public struct VideoClip: Sendable {
    /// `[1, 3, T, S, S]` float32, normalised: the vision tower's input for one clip.
    public let tensor: Tensor
    public let metadata: VideoMetadata
    /// Presentation indices of the frames used, in clip order (repeats when the video has
    /// fewer frames than T).
    public let frameIndices: [Int]
    /// Their timestamps, seconds from the start.
    public let timestamps: [Double]
    /// The part of the video the clip was sampled from, seconds.
    public let window: TimeWindow
}

/// What clips to cut from a video.
public enum ClipPlan: Sendable, Equatable {
    /// One clip from the whole video (or its first seconds, for DiDeMo).
    case whole(FrameSampler)
    /// One clip per window, each with `frames` frames sampled by the `middle` rule inside it.
    case segments(SegmentWindows, frames: Int)
}

/// One-call loading: file → decoded, sampled, preprocessed clip tensors.
///
/// For example:
/// ```swift
/// let clip = try VideoClipLoader.load(url, sampling: .middle(frames: 8), size: 224)
/// let embedding = try tower.encode(clip.tensor, budget: 2048).embeddings!   // [1, E]
/// ```
public enum VideoClipLoader {
    /// Decodes `url` and returns one clip: `sampling` frames, resized to `size`×`size` pixels
    /// (squash, bicubic) and normalised. Throws ``DecodeError``.
    public static func load(_ url: URL, sampling: FrameSampler = .middle(frames: 8), size: Int = 224,
                            mode: Preprocessor.Mode = .squash, decode: DecodeOptions = DecodeOptions()) throws -> VideoClip {
        let decoder = try VideoDecoder(url: url, options: decode)
        return try clip(from: decoder, sampling: sampling, preprocessor: Preprocessor(size: size, mode: mode))
    }

    /// All clips of `url` under `plan`. For long videos cut into many windows prefer
    /// ``forEachClip(_:plan:preprocessor:decode:body:)``, which holds one clip at a time.
    public static func loadAll(_ url: URL, plan: ClipPlan, preprocessor: Preprocessor = Preprocessor(),
                               decode: DecodeOptions = DecodeOptions()) throws -> [VideoClip] {
        var clips: [VideoClip] = []
        try forEachClip(url, plan: plan, preprocessor: preprocessor, decode: decode) { clips.append($0) }
        return clips
    }

    /// Opens `url` once and hands each clip of `plan` to `body`, in time order.
    public static func forEachClip(_ url: URL, plan: ClipPlan, preprocessor: Preprocessor = Preprocessor(),
                                   decode: DecodeOptions = DecodeOptions(), body: (VideoClip) throws -> Void) throws {
        let decoder = try VideoDecoder(url: url, options: decode)
        switch plan {
        case .whole(let sampler):
            try body(clip(from: decoder, sampling: sampler, preprocessor: preprocessor))
        case .segments(let windows, let frames):
            for window in windows.windows(duration: decoder.metadata.duration) {
                try body(clip(from: decoder, window: window, frames: frames, preprocessor: preprocessor))
            }
        }
    }

    /// The `sampling` clip of an open decoder.
    public static func clip(from decoder: VideoDecoder, sampling: FrameSampler, preprocessor: Preprocessor) throws -> VideoClip {
        let m = decoder.metadata
        let length = sampling.sampledLength(frameCount: decoder.frameCount, fps: m.fps)
        let indices = sampling.indices(frameCount: decoder.frameCount, fps: m.fps)
        let end = length < decoder.frameCount ? decoder.timestamp(ofFrame: length) : m.duration
        return try makeClip(decoder, indices: indices, window: TimeWindow(start: 0, end: end), preprocessor: preprocessor)
    }

    /// The clip of one window: `frames` frames by the `middle` rule over the frames whose
    /// timestamps fall inside it (the nearest frame when none does).
    public static func clip(from decoder: VideoDecoder, window: TimeWindow, frames: Int, preprocessor: Preprocessor) throws -> VideoClip {
        var range = decoder.frameRange(from: window.start, to: window.end)
        if range.isEmpty {
            let i = decoder.frameIndex(atTime: window.start)
            range = i..<(i + 1)
        }
        let indices = FrameSampler(frames: frames).indices(in: range)
        return try makeClip(decoder, indices: indices, window: window, preprocessor: preprocessor)
    }

    private static func makeClip(_ decoder: VideoDecoder, indices: [Int], window: TimeWindow,
                                 preprocessor: Preprocessor) throws -> VideoClip {
        let frames = try decoder.frames(at: indices)
        return VideoClip(tensor: preprocessor.clip(frames.map(\.image)), metadata: decoder.metadata,
                         frameIndices: frames.map(\.index), timestamps: frames.map(\.timestamp), window: window)
    }
}

extension IngestPipeline where Job == URL, Item == VideoClip {
    /// A pipeline that decodes and preprocesses video files into clips on its producer thread.
    /// Per-file failures (``DecodeError``) arrive as failure results for that file.
    public static func videos(plan: ClipPlan, preprocessor: Preprocessor = Preprocessor(),
                              decode: DecodeOptions = DecodeOptions(), capacity: Int = 2) -> IngestPipeline<URL, VideoClip> {
        IngestPipeline(capacity: capacity) { url, emit in
            try VideoClipLoader.forEachClip(url, plan: plan, preprocessor: preprocessor, decode: decode, body: emit)
        }
    }
}
