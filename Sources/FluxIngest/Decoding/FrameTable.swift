import CFFmpeg

/// Every frame of the video stream, in presentation order, from one pass over its packets
/// (no decoding), as decord builds its frame list: frame `i` is the packet with the i-th
/// smallest presentation timestamp. Packets libavformat marks for discarding (edit lists)
/// are left out, since the decoder never shows them.
///
/// Besides the frame count and the exact timestamp of every frame (so variable frame rate
/// needs no guessing), the table knows which frames are keyframes, which is what
/// index-guided seeking needs (BUILD_NOTES §3).
struct FrameTable: Sendable {
    /// One demuxed packet of the video stream; timestamps in stream time-base ticks.
    struct Packet: Sendable {
        var pts: Int64?
        var dts: Int64?
        var isKey: Bool
        var duration: Int64
        /// Byte offset in the file, or −1 when the demuxer does not say.
        var position: Int64 = -1
    }

    /// Presentation timestamps in ticks, ascending, one per frame. In sequential mode these
    /// are just 0, 1, 2, ….
    let pts: [Int64]
    /// Presentation indices of the keyframes, ascending.
    let keyframes: [Int]
    /// The timestamp to hand `av_seek_frame` for each keyframe: its presentation timestamp
    /// (dts only when it has none). Demuxers index keyframes by pts (Matroska cues) or dts
    /// (MP4); a keyframe's pts lies at or after its own index entry in both and before the
    /// next keyframe's, so a backward seek lands on it.
    let keyframeSeekTimestamps: [Int64]
    /// Byte offset of each keyframe's packet (−1 when unknown), for byte seeking.
    let keyframeBytePositions: [Int64]
    /// False when timestamps are missing or repeated: frames are then identified by counting
    /// decoder output from the start of the file, and "seeking" rewinds to the start.
    let hasReliableTimestamps: Bool
    /// Duration of the last frame in ticks (0 when unknown).
    let lastFrameDuration: Int64

    var count: Int { pts.count }

    init(packets: [Packet]) {
        let keyed = packets.enumerated().map { (order: $0.offset, key: $0.element.pts ?? $0.element.dts, packet: $0.element) }
        var reliable = !keyed.isEmpty && keyed.allSatisfy { $0.key != nil }
        var sorted = keyed
        if reliable {
            sorted.sort { ($0.key!, $0.order) < ($1.key!, $1.order) }
            for i in 1..<max(sorted.count, 1) where sorted[i].key == sorted[i - 1].key { reliable = false; break }
        }
        if !reliable { sorted = keyed }  // decode order stands in for presentation order
        hasReliableTimestamps = reliable
        pts = reliable ? sorted.map { $0.key! } : sorted.indices.map { Int64($0) }
        var keys: [Int] = [], seekTS: [Int64] = [], bytes: [Int64] = []
        for (i, entry) in sorted.enumerated() where entry.packet.isKey {
            keys.append(i)
            let p = entry.packet
            seekTS.append(p.pts ?? p.dts ?? 0)
            bytes.append(p.position)
        }
        // A stream whose first frame is not flagged (some raw or broken streams): decoding from
        // the start is still the only safe entry point.
        if keys.first != 0, !sorted.isEmpty {
            keys.insert(0, at: 0)
            let p = sorted[0].packet
            seekTS.insert(p.pts ?? p.dts ?? 0, at: 0)
            bytes.insert(p.position, at: 0)
        }
        keyframes = keys
        keyframeSeekTimestamps = seekTS
        keyframeBytePositions = bytes
        lastFrameDuration = sorted.last.map { $0.packet.duration } ?? 0
    }

    /// The position in ``keyframes`` of the last keyframe at or before frame `index`.
    func keyframePosition(atOrBefore index: Int) -> Int {
        var lo = 0, hi = keyframes.count - 1, best = 0
        while lo <= hi {
            let mid = (lo + hi) / 2
            if keyframes[mid] <= index { best = mid; lo = mid + 1 } else { hi = mid - 1 }
        }
        return best
    }

    /// The frame whose timestamp is `ts`, or else the last frame before it (0 if none).
    func index(ofTimestamp ts: Int64) -> Int {
        var lo = 0, hi = pts.count - 1, best = 0
        while lo <= hi {
            let mid = (lo + hi) / 2
            if pts[mid] <= ts { best = mid; lo = mid + 1 } else { hi = mid - 1 }
        }
        return best
    }
}
