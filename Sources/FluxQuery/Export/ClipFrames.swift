import Foundation

/// A clip's span as whole frames of one rate: `inFrame` included, `outFrame` excluded.
struct ClipFrames: Equatable {
    var inFrame: Int
    var outFrame: Int
    var count: Int { outFrame - inFrame }
}

extension EditListClip {
    /// Longest time we accept, in seconds (about 31 years): beyond it frame numbers would
    /// overflow the integer conversions, and no video is that long.
    static let maximumSeconds = 1e9

    /// Slack when rounding seconds to frames, in frames: seconds computed from frame numbers
    /// (2.4 = 60/25) come back as 59.99999… and must not lose or gain a frame.
    static let frameEpsilon = 1e-6

    /// Checks what every writer relies on; throws ``EditListError/invalidClip(rank:path:reason:)``.
    func validate() throws {
        func fail(_ reason: String) -> EditListError { .invalidClip(rank: rank, path: path, reason: reason) }
        guard path.hasPrefix("/") else { throw fail("the source path is not absolute; pass the full path") }
        guard !path.contains("\0") else { throw fail("the source path contains a NUL character") }
        guard frameRate.isValid else {
            throw fail("the frame rate \(frameRate.text) is not positive; use FrameRate(fps:) with the measured rate")
        }
        guard start.isFinite, end.isFinite, abs(start) < Self.maximumSeconds, abs(end) < Self.maximumSeconds else {
            throw fail("start \(start) s or end \(end) s is not a finite time")
        }
        guard end >= start else { throw fail("it ends (\(end) s) before it starts (\(start) s)") }
        if let d = sourceDuration {
            guard d.isFinite, d > 0, d < Self.maximumSeconds else {
                throw fail("the source duration \(d) s is not a positive time; pass nil when it is unknown")
            }
        }
    }

    /// The whole source in frames at `rate` (a partial last frame counts), when its duration is known.
    func sourceFrameCount(at rate: FrameRate) -> Int? {
        guard let d = sourceDuration else { return nil }
        return max(1, Int((d * rate.fps - Self.frameEpsilon).rounded(.up)))
    }

    /// The span in whole frames at `rate`: in = floor(start × fps), out = ceil(end × fps),
    /// clamped to the source when its duration is known; a span shorter than a frame gets one.
    /// Call ``validate()`` first.
    func frames(at rate: FrameRate) -> ClipFrames {
        let fps = rate.fps
        var inFrame = max(0, Int((start * fps + Self.frameEpsilon).rounded(.down)))
        var outFrame = Int((end * fps - Self.frameEpsilon).rounded(.up))
        if let total = sourceFrameCount(at: rate) {
            inFrame = min(inFrame, total - 1)
            outFrame = min(outFrame, total)
        }
        outFrame = max(outFrame, inFrame + 1)
        return ClipFrames(inFrame: inFrame, outFrame: outFrame)
    }

    /// The span in whole frames of the clip's own rate.
    var frames: ClipFrames { frames(at: frameRate) }
}

extension EditList {
    /// Checks the list before any writer runs; throws ``EditListError``.
    func validate() throws {
        guard !clips.isEmpty else { throw EditListError.noClips(title: title) }
        for clip in clips { try clip.validate() }
    }
}
