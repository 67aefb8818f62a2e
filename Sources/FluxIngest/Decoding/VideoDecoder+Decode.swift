import CFFmpeg
import Foundation

/// Damage the decode loop met, by frame (presentation index), for ``VideoDecoder/warnings``.
/// Sets, so that a frame decoded twice (after a seek) counts once.
struct DecodeDamage {
    /// Frames whose packet the decoder rejected (avcodec_send_packet / receive_frame failed).
    var rejected: Set<Int> = []
    /// Frames that came out with concealed errors (AV_FRAME_FLAG_CORRUPT or decode_error_flags).
    var damaged: Set<Int> = []
    /// Requested frames the decoder never output; a neighbour was delivered instead.
    var substituted: Set<Int> = []

    /// One line per kind of damage seen, naming how many frames, the first one and its time.
    func warnings(timeOfFrame: (Int) -> Double) -> [String] {
        func first(_ s: Set<Int>) -> String {
            let f = s.min()!
            return "frame \(f) (\(String(format: "%.3g", timeOfFrame(f))) s)"
        }
        var out: [String] = []
        if !rejected.isEmpty {
            out.append("corrupt: the decoder rejected the packets of \(rejected.count) frame(s), the first at \(first(rejected))")
        }
        if !damaged.isEmpty {
            out.append("corrupt: \(damaged.count) frame(s) decoded with damage (errors concealed), the first at \(first(damaged))")
        }
        if !substituted.isEmpty {
            out.append("corrupt: \(substituted.count) requested frame(s) could not be decoded and were replaced by a neighbour, the first at \(first(substituted))")
        }
        return out
    }
}

// The decode loop: send/receive with libavcodec, index-guided seeking, frame identification.
extension VideoDecoder {
    /// Presentation index of a packet or frame timestamp (stream ticks), or `fallback` when
    /// the stream has no reliable timestamps or the timestamp is missing.
    func frameIndex(ofTicks ts: Int64, fallback: Int) -> Int {
        guard table.hasReliableTimestamps, ts != cff_nopts_value(), table.count > 0 else { return min(max(fallback, 0), max(table.count - 1, 0)) }
        return table.index(ofTimestamp: ts)
    }

    /// Consecutive packets the decoder may reject before the stream counts as corrupt.
    static let maxConsecutiveErrors = 200
    /// Seeks back to an earlier keyframe when a seek overshoots the target, before rewinding.
    static let maxSeekRetries = 3

    /// Decodes frame `target` (presentation index), seeking first when the keyframe before it
    /// lies ahead of the current position.
    func decodeFrame(_ target: Int) throws -> VideoFrame {
        // Packets (of all streams) one target may read: one pass over the file per seek, plus slack.
        var budget = (totalPackets + 256) * (Self.maxSeekRetries + 2)
        guard table.hasReliableTimestamps else { return try decodeSequential(target, budget: &budget) }

        var position = table.keyframePosition(atOrBefore: target)
        if needsSeek || target <= lastIndex || table.keyframes[position] > lastIndex + 1 {
            try seek(toKeyframe: position)
        }
        var retries = 0
        while true {
            guard try decodeNext(budget: &budget) else { return try endOfStream(target) }
            let index = identifyDecodedFrame()
            framesSinceSeek += 1
            if index < target {
                lastIndex = index
                keepDecodedFrame(index)
                continue
            }
            if index > target, framesSinceSeek == 1, position > 0, retries < Self.maxSeekRetries {
                // The seek landed past the target (an index that disagrees with the packets):
                // step back one keyframe.
                retries += 1
                position -= 1
                try seek(toKeyframe: position)
                continue
            }
            lastIndex = index
            if index > target, heldIndex >= 0, target - heldIndex < index - target {
                // The target never came out (damaged stream); the previous frame is closer.
                decodeDamage.substituted.insert(target)
                let substitute = try deliver(held, index: heldIndex)
                keepDecodedFrame(index)
                return substitute
            }
            if index != target { decodeDamage.substituted.insert(target) }
            let result = try deliver(frame, index: index)
            keepDecodedFrame(index)
            return result
        }
    }

    /// Streams without usable timestamps: count output frames from the start of the file.
    private func decodeSequential(_ target: Int, budget: inout Int) throws -> VideoFrame {
        if needsSeek || target <= lastIndex { try rewind() }
        while true {
            guard try decodeNext(budget: &budget) else { return try endOfStream(target) }
            lastIndex += 1
            framesSinceSeek += 1
            if lastIndex == target {
                let result = try deliver(frame, index: lastIndex)
                keepDecodedFrame(lastIndex)
                return result
            }
            keepDecodedFrame(lastIndex)
        }
    }

    /// The decoder ran dry before `target`: the last frame it produced stands in.
    private func endOfStream(_ target: Int) throws -> VideoFrame {
        needsSeek = true
        guard heldIndex >= 0 else {
            throw DecodeError.corruptData(path: path, detail: "no frame could be decoded up to frame \(target) of \(table.count)")
        }
        if heldIndex != target { decodeDamage.substituted.insert(target) }
        return try deliver(held, index: heldIndex)
    }

    /// Presentation index of the frame in `frame`, from its best-effort timestamp.
    private func identifyDecodedFrame() -> Int {
        let ts = frame.pointee.best_effort_timestamp
        guard ts != cff_nopts_value() else { return lastIndex + 1 }
        if ts < table.pts[0] { return -1 }
        return table.index(ofTimestamp: ts)
    }

    /// Moves the current frame into `held` (a reference move, no copy).
    private func keepDecodedFrame(_ index: Int) {
        av_frame_unref(held)
        av_frame_move_ref(held, frame)
        heldIndex = index
    }

    private func deliver(_ source: UnsafeMutablePointer<AVFrame>, index: Int) throws -> VideoFrame {
        statistics.framesConverted += 1
        return VideoFrame(index: index, timestamp: timestamp(ofFrame: index), image: try converter.convert(source, path: path))
    }

    /// Seeks to keyframe number `position` of the table and resets the decoder.
    ///
    /// The landing is checked: packets are read up to the first keyframe of the video stream,
    /// which must be that keyframe or an earlier one (an earlier one costs only decoding). A
    /// landing past it — possible where seeking bisects on timestamps — steps back one
    /// keyframe; at the first keyframe, or when the container cannot seek, the file is reopened.
    func seek(toKeyframe position: Int) throws {
        guard let format, let codec else { throw DecodeError.corruptData(path: path, detail: "the decoder is closed") }
        var p = position
        while true {
            let bytes = table.keyframeBytePositions[p]
            let rc = seeksByByte && bytes >= 0
                ? av_seek_frame(format, -1, bytes, AVSEEK_FLAG_BYTE)
                : av_seek_frame(format, streamIndex, table.keyframeSeekTimestamps[p], AVSEEK_FLAG_BACKWARD)
            if rc < 0 {
                try checkClock()
                return try rewind()
            }
            avcodec_flush_buffers(codec)
            statistics.seeks += 1
            clearPending()
            if let landed = try readToKeyframe(), landed <= table.pts[table.keyframes[p]] {
                resetPosition(lastIndex: table.index(ofTimestamp: landed) - 1)
                return
            }
            clearPending()
            if p == 0 { return try rewind() }
            p -= 1
        }
    }

    /// Reads packets, dropping those before the first keyframe of the video stream, and keeps
    /// that keyframe in `pending`. Returns its timestamp, or nil at the end of the file.
    private func readToKeyframe() throws -> Int64? {
        guard let format else { return nil }
        let nopts = cff_nopts_value(), keyFlag = cff_pkt_flag_key()
        var budget = totalPackets + 256
        while budget > 0 {
            budget -= 1
            try checkClock()
            guard av_read_frame(format, pending) >= 0 else { return nil }
            let p = pending.pointee
            if p.stream_index == streamIndex, p.flags & keyFlag != 0 {
                let ts = p.pts != nopts ? p.pts : p.dts
                if ts == nopts { break }
                hasPending = true
                return ts
            }
            av_packet_unref(pending)
        }
        av_packet_unref(pending)
        return nil
    }

    private func clearPending() {
        av_packet_unref(pending)
        hasPending = false
    }

    /// Back to the first frame by reopening the container (works for every format).
    func rewind() throws {
        try checkClock()
        avformat_close_input(&format)
        format = try Self.openFormat(file: fileSystemPath, path: path, options: options, deadline: deadline)
        if let codec { avcodec_flush_buffers(codec) }
        statistics.seeks += 1
        clearPending()
        resetPosition(lastIndex: -1)
    }

    private func resetPosition(lastIndex index: Int) {
        lastIndex = index
        framesSinceSeek = 0
        needsSeek = false
        draining = false
        av_frame_unref(held)
        heldIndex = -1
    }

    /// Whether the frame in `packet` must be decoded: one the request wants, or one after all
    /// of them (always, without timestamps). Frames after the request are sent early only
    /// because of reordering and decoder delay; the next request may want them, and a frame
    /// dropped now would never come out then, so they are decoded in full. Only unwanted
    /// frames before the last wanted one may be skipped (when no frame references them).
    private func isWanted(_ packet: UnsafeMutablePointer<AVPacket>) -> Bool {
        guard !wantedTimestamps.isEmpty else { return true }
        let nopts = cff_nopts_value()
        let ts = packet.pointee.pts != nopts ? packet.pointee.pts : packet.pointee.dts
        return ts == nopts || ts > lastWantedTimestamp || wantedTimestamps.contains(ts)
    }

    /// Decodes the next frame into `frame`. Returns false at the end of the stream. Drains
    /// `avcodec_receive_frame` before each `avcodec_send_packet` (BUILD_NOTES §3) and skips
    /// packets the decoder rejects as invalid.
    func decodeNext(budget: inout Int) throws -> Bool {
        guard let format, let codec else { throw DecodeError.corruptData(path: path, detail: "the decoder is closed") }
        let eagain = cff_averror_eagain(), eof = cff_averror_eof(), invalid = cff_averror_invaliddata()
        var errors = 0
        while true {
            let received = avcodec_receive_frame(codec, frame)
            if received >= 0 {
                statistics.framesDecoded += 1
                if frame.pointee.decode_error_flags != 0 || frame.pointee.flags & Int32(AV_FRAME_FLAG_CORRUPT) != 0 {
                    decodeDamage.damaged.insert(frameIndex(ofTicks: frame.pointee.best_effort_timestamp, fallback: lastIndex + 1))
                }
                return true
            }
            if received == eof { return false }
            if received != eagain {
                decodeDamage.rejected.insert(min(max(lastIndex + 1, 0), max(table.count - 1, 0)))
                errors += 1
                if errors > Self.maxConsecutiveErrors || received != invalid {
                    throw DecodeError.corruptData(path: path, detail: "the decoder failed (FFmpeg: \(FFmpeg.message(received)))")
                }
                continue
            }
            if draining { return false }
            try checkClock()
            budget -= 1
            if budget < 0 {
                throw DecodeError.corruptData(path: path, detail: "read more packets than the file holds without reaching the frame; the index is inconsistent")
            }
            let read: Int32
            if hasPending {
                av_packet_move_ref(packet, pending)
                hasPending = false
                read = 0
            } else {
                read = av_read_frame(format, packet)
            }
            if read < 0 {
                try checkClock()
                avcodec_send_packet(codec, nil)  // end of data: drain the decoder
                draining = true
                continue
            }
            defer { av_packet_unref(packet) }
            guard packet.pointee.stream_index == streamIndex else { continue }
            statistics.packetsSent += 1
            codec.pointee.skip_frame = isWanted(packet) ? AVDISCARD_DEFAULT : AVDISCARD_NONREF
            let sent = avcodec_send_packet(codec, packet)
            if sent < 0, sent != eagain {
                let ts = packet.pointee.pts != cff_nopts_value() ? packet.pointee.pts : packet.pointee.dts
                decodeDamage.rejected.insert(frameIndex(ofTicks: ts, fallback: lastIndex + 1))
                errors += 1
                if errors > Self.maxConsecutiveErrors {
                    throw DecodeError.corruptData(path: path, detail: "\(errors) packets in a row could not be decoded (FFmpeg: \(FFmpeg.message(sent)))")
                }
            } else {
                errors = 0
            }
        }
    }
}
