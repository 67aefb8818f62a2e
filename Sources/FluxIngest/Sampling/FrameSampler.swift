/// Which frames of a video (or of one window of it) make a clip: the `middle` rule of
/// UMT / InternVideo2 `get_frame_indices` (EVAL_PROTOCOL §3.1, MODEL_SPEC §6.1).
///
/// For `vlen` frames and T wanted: n = min(T, vlen); edges a_i = trunc(i · (vlen / n)) in
/// Double, as `np.linspace(0, vlen, n + 1).astype(int)` computes them (a_n = vlen); segment i
/// covers frames a_i … a_{i+1} − 1 and contributes its centre ⌊(a_i + a_{i+1} − 1) / 2⌋; when
/// vlen < T the last index repeats. For example (from the protocol):
/// ```
/// vlen 300, T 8 → [18, 55, 93, 130, 168, 205, 243, 280]
/// vlen 300, T 4 → [37, 112, 187, 262]
/// vlen 5,   T 8 → [0, 1, 2, 3, 4, 4, 4, 4]
/// ```
/// `vlen` is the decoder's frame count (``VideoMetadata/frameCount``, decord's `len`), after
/// the DiDeMo trim: with ``firstSeconds`` set and vlen / fps above it, vlen becomes
/// Int(firstSeconds · fps), exactly as `read_frames_decord(trimmed30=True)` does.
public struct FrameSampler: Sendable, Equatable, Codable {
    /// Frames per clip (T).
    public var frames: Int
    /// Sample only the first this-many seconds (DiDeMo: 30); nil samples the whole video.
    public var firstSeconds: Double?

    public init(frames: Int, firstSeconds: Double? = nil) {
        self.frames = frames
        self.firstSeconds = firstSeconds
    }

    /// `middle` sampling of the whole video.
    public static func middle(frames: Int) -> FrameSampler { FrameSampler(frames: frames) }

    /// DiDeMo's protocol: `middle` over the first 30 s.
    public static func didemo(frames: Int = 8) -> FrameSampler { FrameSampler(frames: frames, firstSeconds: 30) }

    /// The number of frames sampling works on: `frameCount`, or fewer after the trim.
    /// `fps` in frames per second (decord's `get_avg_fps`).
    public func sampledLength(frameCount: Int, fps: Double) -> Int {
        guard let limit = firstSeconds, fps > 0 else { return frameCount }
        let duration = Double(frameCount) / fps
        return duration > limit ? min(frameCount, Int(limit * fps)) : frameCount
    }

    /// Frame indices (presentation order) for a video of `frameCount` frames at `fps`.
    /// Empty when the video has no frames.
    public func indices(frameCount: Int, fps: Double) -> [Int] {
        Self.middleIndices(count: sampledLength(frameCount: frameCount, fps: fps), frames: frames)
    }

    /// Frame indices for the frames `range` of a video (a segment window): the `middle` rule
    /// applied to the window's frames, offset by its first frame. The trim does not apply.
    public func indices(in range: Range<Int>) -> [Int] {
        Self.middleIndices(count: range.count, frames: frames).map { range.lowerBound + $0 }
    }

    /// The `middle` rule for `count` frames (vlen) and `frames` wanted (T).
    public static func middleIndices(count vlen: Int, frames t: Int) -> [Int] {
        guard vlen > 0, t > 0 else { return [] }
        let n = min(t, vlen)
        let step = Double(vlen) / Double(n)
        var edges = (0..<n).map { Int(Double($0) * step) }
        edges.append(vlen)
        var out = (0..<n).map { (edges[$0] + edges[$0 + 1] - 1) / 2 }
        while out.count < t { out.append(out[n - 1]) }
        return out
    }
}
