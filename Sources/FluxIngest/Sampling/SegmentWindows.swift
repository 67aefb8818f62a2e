import Foundation

/// A span of a video in seconds, `[start, end)`, so that results can point inside it.
public struct TimeWindow: Sendable, Equatable, Codable, CustomStringConvertible {
    /// Seconds from the start of the video.
    public var start: Double
    /// Seconds from the start of the video; `end > start` except for an empty video.
    public var end: Double

    public init(start: Double, end: Double) {
        self.start = start
        self.end = end
    }

    /// Length in seconds.
    public var length: Double { end - start }

    public var description: String {
        func f(_ x: Double) -> String { String(format: "%.3f", x) }
        return "[\(f(start)) s, \(f(end)) s)"
    }
}

/// Fixed-length windows over a long video: one clip per window.
///
/// Windows of ``length`` seconds start every ``stride`` seconds; the last one is moved back so
/// it ends with the video, so every window is full length (a video shorter than one window
/// gets one window covering all of it). For example, length 10 and stride 5 over 23 s:
/// `[0, 10) [5, 15) [10, 20) [13, 23)`.
public struct SegmentWindows: Sendable, Equatable, Codable {
    /// Window length, seconds (> 0; `.infinity` gives one window over the whole video).
    public var length: Double
    /// Distance between window starts, seconds (> 0; above `length` leaves gaps).
    public var stride: Double

    public init(length: Double, stride: Double) {
        precondition(length > 0 && stride > 0, "SegmentWindows: length and stride must be positive seconds, got \(length), \(stride)")
        self.length = length
        self.stride = stride
    }

    /// The windows for a video of `duration` seconds.
    public func windows(duration: Double) -> [TimeWindow] {
        guard duration > 0, duration.isFinite else { return [TimeWindow(start: 0, end: max(duration, 0))] }
        let epsilon = 1e-9
        guard duration > length + epsilon else { return [TimeWindow(start: 0, end: duration)] }
        var out: [TimeWindow] = []
        var k = 0
        while true {
            let start = k == 0 ? 0 : Double(k) * stride  // (0 · ∞ would be NaN)
            if start + length >= duration - epsilon { break }
            out.append(TimeWindow(start: start, end: start + length))
            k += 1
        }
        let last = duration - length
        if out.isEmpty || last > out[out.count - 1].start + epsilon {
            out.append(TimeWindow(start: last, end: duration))
        }
        return out
    }
}
