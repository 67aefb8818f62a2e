import CFFmpeg
import Foundation

/// Text subtitle streams inside a container (SubRip, WebVTT, ASS/SSA, mov_text), decoded with
/// libavcodec. Bitmap subtitles (DVD, PGS, DVB) are skipped (they hold no text). A file with
/// no subtitle stream gives [].
public enum SubtitleStreams {
    /// The text subtitle codecs read. libavcodec turns each into ASS dialogue events.
    static let textCodecs = Set([AV_CODEC_ID_SUBRIP, AV_CODEC_ID_SRT, AV_CODEC_ID_WEBVTT, AV_CODEC_ID_ASS,
                                 AV_CODEC_ID_SSA, AV_CODEC_ID_MOV_TEXT].map(\.rawValue))

    /// One transcript per text subtitle stream of `url`, in stream order: `source`
    /// "stream:N", `format` the codec name, `language` the stream's tag (not "und"), cues in
    /// packet order with times in seconds from the container's start (libavformat's
    /// start_time, 0 for MP4 and Matroska; where players put 0). A text stream with no
    /// cue gives a transcript with no cues.
    ///
    /// - Throws: ``TranscriptError/media(_:)`` when the file cannot be opened as media (the
    ///   video decoder's diagnosis: missing, not a regular file, not media, truncated, …),
    ///   ``TranscriptError/streamFailed(path:stream:reason:)`` when a decoder cannot be
    ///   opened or none of a stream's packets decode.
    public static func read(_ url: URL) throws -> [Transcript] {
        _ = FFmpeg.configureLogging
        let file = FileSystemPath(url)
        let path = url.path
        let options = DecodeOptions()
        let deadline = UnsafeMutablePointer<Int64>.allocate(capacity: 1)
        deadline.initialize(to: 0)
        defer { deadline.deallocate() }

        var format: UnsafeMutablePointer<AVFormatContext>?
        do {
            try VideoDecoder.checkRegularFile(file, path: path)
            if let limit = options.timeLimit { deadline.pointee = cff_now_us() + Int64(limit * 1e6) }
            format = try VideoDecoder.openFormat(file: file, path: path, options: options, deadline: deadline)
        } catch let error as DecodeError {
            throw TranscriptError.media(error)
        }
        defer { avformat_close_input(&format) }
        guard let fmt = format else { return [] }

        var decoders = try openDecoders(fmt, path: path)
        defer { for i in decoders.indices { avcodec_free_context(&decoders[i].context) } }
        guard !decoders.isEmpty else { return [] }
        try readPackets(fmt, into: &decoders, path: path, options: options, deadline: deadline)
        for decoder in decoders where decoder.cues.isEmpty && decoder.failures > 0 {
            throw TranscriptError.streamFailed(path: path, stream: decoder.streamIndex,
                                               reason: "none of its packets decode (\(decoder.failures) rejected, the first with FFmpeg error '\(decoder.firstFailure ?? "")')")
        }
        return decoders.map {
            Transcript(source: "stream:\($0.streamIndex)", format: $0.codecName, language: $0.language, encoding: nil, cues: $0.cues)
        }
    }

    /// One open decoder per text subtitle stream; every other stream is discarded, so the
    /// demuxer skips its packets.
    static func openDecoders(_ fmt: UnsafeMutablePointer<AVFormatContext>, path: String) throws -> [StreamDecoder] {
        var decoders: [StreamDecoder] = []
        do {
            for i in 0..<Int(fmt.pointee.nb_streams) {
                guard let st = fmt.pointee.streams[i], let par = st.pointee.codecpar else { continue }
                guard par.pointee.codec_type == AVMEDIA_TYPE_SUBTITLE, textCodecs.contains(par.pointee.codec_id.rawValue) else {
                    st.pointee.discard = AVDISCARD_ALL
                    continue
                }
                decoders.append(try StreamDecoder(stream: st, index: i, path: path))
            }
        } catch {
            for i in decoders.indices { avcodec_free_context(&decoders[i].context) }
            throw error
        }
        return decoders
    }

    /// Reads the whole file once, handing each subtitle packet to its stream's decoder.
    static func readPackets(_ fmt: UnsafeMutablePointer<AVFormatContext>, into decoders: inout [StreamDecoder], path: String,
                            options: DecodeOptions, deadline: UnsafeMutablePointer<Int64>) throws {
        var slot: [Int32: Int] = [:]
        for (n, decoder) in decoders.enumerated() { slot[Int32(decoder.streamIndex)] = n }
        let nopts = cff_nopts_value()
        // Times from the container's start: MPEG-TS starts at 1.4 s, say, where players show 0.
        let origin = fmt.pointee.start_time != nopts && fmt.pointee.start_time > 0 ? Double(fmt.pointee.start_time) / Double(AV_TIME_BASE) : 0

        var allocated: UnsafeMutablePointer<AVPacket>? = av_packet_alloc()
        defer { av_packet_free(&allocated) }
        guard let packet = allocated else {
            throw TranscriptError.media(.ffmpeg(path: path, operation: "av_packet_alloc", code: cff_averror(12), message: "out of memory"))
        }
        while true {
            let rc = av_read_frame(fmt, packet)
            if rc < 0 {
                if rc == cff_averror_eof() { return }
                if VideoDecoder.timedOut(deadline) || rc == cff_averror_exit() {
                    throw TranscriptError.media(.timedOut(path: path, seconds: options.timeLimit ?? 0))
                }
                throw TranscriptError.media(.corruptData(path: path, detail: "reading packets stopped with FFmpeg error '\(FFmpeg.message(rc))'"))
            }
            defer { av_packet_unref(packet) }
            guard let n = slot[packet.pointee.stream_index] else { continue }
            decoders[n].decode(packet, origin: origin)
        }
    }
}
