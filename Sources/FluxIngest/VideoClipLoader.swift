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

/// Cutting clips from a video: decoded, sampled, preprocessed tensors. Indexing and search cut
/// clips through FluxIndex's `VideoEmbedder`, which calls the two `clip(from:…)` functions.
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
