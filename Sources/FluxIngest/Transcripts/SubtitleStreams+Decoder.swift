import CFFmpeg
import Foundation

extension SubtitleStreams {
    /// The libavcodec decoder of one text subtitle stream and the cues it has produced.
    struct StreamDecoder {
        var context: UnsafeMutablePointer<AVCodecContext>?
        let streamIndex: Int
        let codecName: String
        let language: String?
        /// Seconds per packet tick (the stream's time base) as a fraction, kept exact.
        let timeBase: AVRational
        var cues: [TranscriptCue] = []
        /// Packets the decoder rejected, and FFmpeg's message for the first.
        var failures = 0
        var firstFailure: String?

        init(stream st: UnsafeMutablePointer<AVStream>, index: Int, path: String) throws {
            streamIndex = index
            guard let par = st.pointee.codecpar else {
                throw TranscriptError.streamFailed(path: path, stream: index, reason: "the stream has no codec parameters")
            }
            codecName = FFmpeg.string(avcodec_get_name(par.pointee.codec_id))
            let tag = FFmpeg.string(av_dict_get(st.pointee.metadata, "language", nil, 0)?.pointee.value)
            language = tag.isEmpty || tag == "und" ? nil : tag
            timeBase = st.pointee.time_base
            guard timeBase.num > 0, timeBase.den > 0 else {
                throw TranscriptError.streamFailed(path: path, stream: index, reason: "the stream has no time base (\(timeBase.num)/\(timeBase.den))")
            }
            guard let codec = avcodec_find_decoder(par.pointee.codec_id) else {
                throw TranscriptError.streamFailed(path: path, stream: index, reason: "the installed FFmpeg has no \(codecName) decoder")
            }
            context = avcodec_alloc_context3(codec)
            guard let ctx = context else {
                throw TranscriptError.streamFailed(path: path, stream: index, reason: "cannot allocate the \(codecName) decoder (out of memory)")
            }
            var rc = avcodec_parameters_to_context(ctx, par)
            // The packet time base lets libavcodec turn a packet's duration into the
            // subtitle's end_display_time when the codec itself gives none.
            ctx.pointee.pkt_timebase = timeBase
            if rc >= 0 { rc = avcodec_open2(ctx, codec, nil) }
            if rc < 0 {
                avcodec_free_context(&context)
                throw TranscriptError.streamFailed(path: path, stream: index,
                                                   reason: "cannot open the \(codecName) decoder (FFmpeg: \(FFmpeg.message(rc)))")
            }
        }

        /// Decodes one packet into at most one cue: start = pts × time base +
        /// start_display_time; end = (pts + duration) × time base when the packet has a
        /// duration, else start + (end_display_time − start_display_time). Both in seconds,
        /// less `origin`. A packet with no timestamp cannot be placed and is skipped.
        mutating func decode(_ packet: UnsafeMutablePointer<AVPacket>, origin: Double) {
            guard let ctx = context else { return }
            let nopts = cff_nopts_value()
            let p = packet.pointee
            let ticks = p.pts != nopts ? p.pts : p.dts
            guard ticks != nopts else { return }

            var subtitle = AVSubtitle()
            var got: Int32 = 0
            let rc = avcodec_decode_subtitle2(ctx, &subtitle, &got, packet)
            if rc < 0 {
                failures += 1
                if firstFailure == nil { firstFailure = FFmpeg.message(rc) }
                return
            }
            guard got != 0 else { return }
            defer { avsubtitle_free(&subtitle) }

            var lines: [String] = []
            let rects: UnsafeMutablePointer<UnsafeMutablePointer<AVSubtitleRect>?>? = subtitle.rects
            for r in 0..<Int(subtitle.num_rects) {
                guard let rect = rects?[r] else { continue }
                switch rect.pointee.type {
                case SUBTITLE_ASS:
                    lines.append(CueMarkup.assDialogueText(FFmpeg.string(rect.pointee.ass)))
                case SUBTITLE_TEXT:
                    lines.append(CueMarkup.joinLines(FFmpeg.string(rect.pointee.text).split(separator: "\n", omittingEmptySubsequences: false)))
                default:
                    continue  // a bitmap: no text
                }
            }
            let text = lines.filter { !$0.isEmpty }.joined(separator: "\n")
            guard !text.isEmpty else { return }

            let displayStart = Double(subtitle.start_display_time) / 1000
            let start = seconds(ticks) + displayStart - origin
            let end: Double
            if p.duration > 0 {
                end = seconds(ticks + p.duration) - origin
            } else {
                end = start + (Double(subtitle.end_display_time) - Double(subtitle.start_display_time)) / 1000
            }
            cues.append(TranscriptCue(start: start, end: max(end, start), text: text))
        }

        /// Ticks in seconds, multiplied before dividing so that whole milliseconds come out as
        /// their exact Double literal (1250 × 1/1000 = 1.25).
        func seconds(_ ticks: Int64) -> Double {
            Double(ticks) * Double(timeBase.num) / Double(timeBase.den)
        }
    }
}
