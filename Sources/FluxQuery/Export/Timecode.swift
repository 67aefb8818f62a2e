import Foundation

/// SMPTE non-drop-frame timecode, as CMX 3600 EDLs write it.
enum Timecode {
    /// `HH:MM:SS:FF` for `frame` counted at `base` frames per timecode second (30 for
    /// 30000/1001: non-drop timecode labels every frame, so it drifts from the wall clock by
    /// 0.1 %). Nil at or past 24 hours, where timecode wraps.
    static func nonDrop(_ frame: Int, base: Int) -> String? {
        guard frame >= 0, base > 0, frame < 24 * 3600 * base else { return nil }
        let ff = frame % base
        let totalSeconds = frame / base
        let parts = [totalSeconds / 3600, totalSeconds / 60 % 60, totalSeconds % 60, ff]
        return parts.map { String($0).leftPadded(to: 2, with: "0") }.joined(separator: ":")
    }
}
