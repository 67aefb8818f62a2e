import CFFmpeg
import Foundation

// Opening a file: container, stream choice, decoder, packet table, metadata — and the
// classification of every way that can fail into a DecodeError.
extension VideoDecoder {
    /// Everything `init` needs, produced by ``open(path:options:deadline:)``.
    struct Opened {
        var format: UnsafeMutablePointer<AVFormatContext>
        var codec: UnsafeMutablePointer<AVCodecContext>
        var streamIndex: Int32
        var table: FrameTable
        var metadata: VideoMetadata
        var timeBase: Double
        var startTicks: Int64
        var totalPackets: Int
    }

    static func open(path: String, options: DecodeOptions, deadline: UnsafeMutablePointer<Int64>) throws -> Opened {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue else {
            throw DecodeError.fileNotFound(path: path)
        }
        guard FileManager.default.isReadableFile(atPath: path) else {
            throw DecodeError.unreadable(path: path, reason: "permission denied")
        }
        if let limit = options.timeLimit, limit > 0 { deadline.pointee = cff_now_us() + Int64(limit * 1e6) }
        defer { deadline.pointee = 0 }

        var format: UnsafeMutablePointer<AVFormatContext>? = try openFormat(path: path, options: options, deadline: deadline)
        var codec: UnsafeMutablePointer<AVCodecContext>?
        do {
            let fmt = format!
            let index = try chooseVideoStream(fmt, path: path)
            let stream = fmt.pointee.streams[Int(index)]!
            codec = try openCodec(stream, threads: options.threads, path: path)
            let (table, totalPackets, readError) = try scanPackets(fmt, stream: index, path: path, options: options, deadline: deadline)
            guard table.count > 0 else {
                throw DecodeError.truncated(path: path, detail: "the video stream holds no readable packets"
                                            + (readError.map { " (FFmpeg: \(FFmpeg.message($0)))" } ?? ""))
            }
            let (metadata, timeBase, startTicks) = describe(fmt, stream: stream, index: index, table: table,
                                                            readError: readError, path: path)
            return Opened(format: fmt, codec: codec!, streamIndex: index, table: table, metadata: metadata,
                          timeBase: timeBase, startTicks: startTicks, totalPackets: totalPackets)
        } catch {
            avcodec_free_context(&codec)
            avformat_close_input(&format)
            throw error
        }
    }

    /// avformat_open_input + avformat_find_stream_info with the deadline installed.
    static func openFormat(path: String, options: DecodeOptions, deadline: UnsafeMutablePointer<Int64>) throws -> UnsafeMutablePointer<AVFormatContext> {
        guard let allocated = avformat_alloc_context() else {
            throw DecodeError.ffmpeg(path: path, operation: "avformat_alloc_context", code: cff_averror(12), message: "out of memory")
        }
        cff_install_deadline(allocated, deadline)
        var format: UnsafeMutablePointer<AVFormatContext>? = allocated
        let rc = avformat_open_input(&format, path, nil, nil)  // frees the context on failure
        guard rc >= 0, let fmt = format else {
            throw classifyOpenFailure(rc, path: path, options: options, deadline: deadline)
        }
        let info = avformat_find_stream_info(fmt, nil)
        if info < 0 {
            avformat_close_input(&format)
            if timedOut(deadline) { throw DecodeError.timedOut(path: path, seconds: options.timeLimit ?? 0) }
            throw DecodeError.corruptData(path: path, detail: "cannot read the stream parameters (FFmpeg: \(FFmpeg.message(info)))")
        }
        return fmt
    }

    static func timedOut(_ deadline: UnsafeMutablePointer<Int64>) -> Bool {
        deadline.pointee > 0 && cff_now_us() > deadline.pointee
    }

    /// Why avformat_open_input failed: missing, unreadable, too slow, not media at all, or a
    /// recognised container that cannot be read (cut off or damaged).
    static func classifyOpenFailure(_ rc: Int32, path: String, options: DecodeOptions,
                                    deadline: UnsafeMutablePointer<Int64>) -> DecodeError {
        if rc == cff_averror(cff_errno_enoent()) { return .fileNotFound(path: path) }
        if rc == cff_averror(cff_errno_eacces()) { return .unreadable(path: path, reason: "permission denied") }
        if rc == cff_averror_exit() || timedOut(deadline) { return .timedOut(path: path, seconds: options.timeLimit ?? 0) }
        guard let (name, score) = probeContent(path: path), score >= cff_probe_score_retry() else {
            return .notMediaFile(path: path)
        }
        return .truncated(path: path, detail: "the \(name) container is recognised but its header or index cannot be read (FFmpeg: \(FFmpeg.message(rc)))")
    }

    /// Guesses the container from the first 1 MiB of the file alone (no file name), as
    /// libavformat's probe does: the best format and its score (0…100), or nil.
    static func probeContent(path: String) -> (name: String, score: Int32)? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        let head = (try? handle.read(upToCount: 1 << 20)) ?? Data()
        guard !head.isEmpty else { return nil }
        var buffer = [UInt8](head)
        buffer += [UInt8](repeating: 0, count: Int(AVPROBE_PADDING_SIZE))
        var score: Int32 = 0
        let found: UnsafePointer<AVInputFormat>? = buffer.withUnsafeMutableBufferPointer { bytes in
            var probe = AVProbeData()
            probe.buf = bytes.baseAddress
            probe.buf_size = Int32(head.count)
            return withUnsafeMutablePointer(to: &probe) { av_probe_input_format2($0, 1, &score) }
        }
        guard let found else { return nil }
        return (FFmpeg.string(found.pointee.name), score)
    }

    /// The video stream to decode: not cover art, has a decoder, default disposition first,
    /// then the largest picture, then the lowest index.
    static func chooseVideoStream(_ fmt: UnsafeMutablePointer<AVFormatContext>, path: String) throws -> Int32 {
        let count = Int(fmt.pointee.nb_streams)
        var candidates: [Int] = []
        for i in 0..<count {
            guard let st = fmt.pointee.streams[i], let par = st.pointee.codecpar else { continue }
            if par.pointee.codec_type == AVMEDIA_TYPE_VIDEO, st.pointee.disposition & cff_disposition_attached_pic() == 0 {
                candidates.append(i)
            }
        }
        let recognised = fmt.pointee.probe_score >= cff_probe_score_retry()
        guard !candidates.isEmpty else {
            if !recognised { throw DecodeError.notMediaFile(path: path) }
            let known = (0..<count).filter { fmt.pointee.streams[$0]!.pointee.codecpar.pointee.codec_id != AV_CODEC_ID_NONE }
            if known.isEmpty {
                // Nothing usable at all in a recognised container: a header cut short (or damaged).
                throw DecodeError.truncated(path: path, detail: "the \(FFmpeg.string(fmt.pointee.iformat?.pointee.name)) container "
                                            + (count == 0 ? "declares no streams" : "names no codec for any of its \(count) stream(s)")
                                            + "; its header is incomplete")
            }
            throw DecodeError.noVideoStream(path: path, streams: (0..<count).map { describeStream(fmt.pointee.streams[$0]!) })
        }
        let decodable = candidates.filter { avcodec_find_decoder(fmt.pointee.streams[$0]!.pointee.codecpar.pointee.codec_id) != nil }
        guard !decodable.isEmpty else {
            if !recognised { throw DecodeError.notMediaFile(path: path) }
            throw DecodeError.unsupportedCodec(path: path, codec: codecName(fmt.pointee.streams[candidates[0]]!.pointee.codecpar))
        }
        func rank(_ i: Int) -> (Int, Int, Int) {
            let st = fmt.pointee.streams[i]!
            let isDefault = st.pointee.disposition & AV_DISPOSITION_DEFAULT != 0 ? 1 : 0
            let par = st.pointee.codecpar!
            return (isDefault, Int(par.pointee.width) * Int(par.pointee.height), -i)
        }
        return Int32(decodable.max { rank($0) < rank($1) }!)
    }

    /// "h264", or "none (fourcc ZZZZ)" for a tag no codec claims.
    static func codecName(_ par: UnsafeMutablePointer<AVCodecParameters>) -> String {
        let name = FFmpeg.string(avcodec_get_name(par.pointee.codec_id))
        guard par.pointee.codec_id == AV_CODEC_ID_NONE || name.isEmpty, par.pointee.codec_tag != 0 else { return name }
        var buffer = [CChar](repeating: 0, count: Int(AV_FOURCC_MAX_STRING_SIZE))
        let tag = buffer.withUnsafeMutableBufferPointer { String(cString: av_fourcc_make_string($0.baseAddress, par.pointee.codec_tag)) }
        return "\(name) (fourcc \(tag))"
    }

    /// "audio (aac)", "video (mjpeg, cover art)", "data (bin_data)".
    static func describeStream(_ st: UnsafeMutablePointer<AVStream>) -> String {
        let par = st.pointee.codecpar!
        let kind = FFmpeg.string(av_get_media_type_string(par.pointee.codec_type))
        var what = codecName(par)
        if st.pointee.disposition & cff_disposition_attached_pic() != 0 { what += ", cover art" }
        return "\(kind.isEmpty ? "unknown" : kind) (\(what))"
    }

    static func openCodec(_ stream: UnsafeMutablePointer<AVStream>, threads: Int, path: String) throws -> UnsafeMutablePointer<AVCodecContext> {
        let par = stream.pointee.codecpar!
        guard let decoder = avcodec_find_decoder(par.pointee.codec_id) else {
            throw DecodeError.unsupportedCodec(path: path, codec: codecName(par))
        }
        guard var context = avcodec_alloc_context3(decoder) else {
            throw DecodeError.ffmpeg(path: path, operation: "avcodec_alloc_context3", code: cff_averror(12), message: "out of memory")
        }
        var ctx: UnsafeMutablePointer<AVCodecContext>? = context
        var rc = avcodec_parameters_to_context(context, par)
        if rc >= 0 {
            context.pointee.thread_count = Int32(max(threads, 0))
            context.pointee.pkt_timebase = stream.pointee.time_base
            rc = avcodec_open2(context, decoder, nil)
        }
        guard rc >= 0 else {
            avcodec_free_context(&ctx)
            throw DecodeError.unsupportedCodec(path: path, codec: codecName(par) + " — the decoder refused its parameters (FFmpeg: \(FFmpeg.message(rc)))")
        }
        context = ctx!
        return context
    }

    /// One pass over all packets (no decoding): the video stream's frame table, the number of
    /// packets of all streams, and the read error that ended the pass early, if any.
    static func scanPackets(_ fmt: UnsafeMutablePointer<AVFormatContext>, stream index: Int32, path: String,
                            options: DecodeOptions, deadline: UnsafeMutablePointer<Int64>) throws -> (FrameTable, Int, Int32?) {
        guard var packet = av_packet_alloc() else {
            throw DecodeError.ffmpeg(path: path, operation: "av_packet_alloc", code: cff_averror(12), message: "out of memory")
        }
        var owned: UnsafeMutablePointer<AVPacket>? = packet
        defer { av_packet_free(&owned) }
        packet = owned!
        let nopts = cff_nopts_value(), keyFlag = cff_pkt_flag_key(), discardFlag = cff_pkt_flag_discard()
        var packets: [FrameTable.Packet] = []
        var total = 0
        var readError: Int32?
        while true {
            let rc = av_read_frame(fmt, packet)
            if rc < 0 {
                if timedOut(deadline) { throw DecodeError.timedOut(path: path, seconds: options.timeLimit ?? 0) }
                if rc != cff_averror_eof() { readError = rc }
                break
            }
            total += 1
            let p = packet.pointee
            if p.stream_index == index, p.flags & discardFlag == 0 {
                packets.append(FrameTable.Packet(pts: p.pts == nopts ? nil : p.pts, dts: p.dts == nopts ? nil : p.dts,
                                                 isKey: p.flags & keyFlag != 0, duration: max(p.duration, 0), position: p.pos))
            }
            av_packet_unref(packet)
            if total & 255 == 0, timedOut(deadline) { throw DecodeError.timedOut(path: path, seconds: options.timeLimit ?? 0) }
        }
        return (FrameTable(packets: packets), total, readError)
    }

    /// Metadata, seconds per tick, and the tick of time 0.
    static func describe(_ fmt: UnsafeMutablePointer<AVFormatContext>, stream st: UnsafeMutablePointer<AVStream>,
                         index: Int32, table: FrameTable, readError: Int32?, path: String) -> (VideoMetadata, Double, Int64) {
        let par = st.pointee.codecpar!
        let nopts = cff_nopts_value()
        let tb = FFmpeg.value(st.pointee.time_base) ?? 1.0 / 90_000
        // Time 0: the stream's start time (MPEG-TS starts at 1.4 s, say), never after the first frame.
        var start: Int64 = table.hasReliableTimestamps ? table.pts[0] : 0
        if st.pointee.start_time != nopts { start = min(start, st.pointee.start_time) }
        if !table.hasReliableTimestamps { start = 0 }

        // Duration of the frames actually there: first to last timestamp plus one frame.
        var span: Double?
        var meanInterval = 0.0
        if table.hasReliableTimestamps {
            if table.count > 1 { meanInterval = Double(table.pts[table.count - 1] - table.pts[0]) / Double(table.count - 1) }
            let last = table.lastFrameDuration > 0 ? Double(table.lastFrameDuration) : meanInterval
            span = (Double(table.pts[table.count - 1] - table.pts[0]) + last) * tb
        }

        // Truncation: fewer frames than declared, a read error, or frames ending well before
        // the video stream's declared end (the container's end only counts when the video is
        // its only stream; audio may legitimately run longer).
        let declared = Int(st.pointee.nb_frames)
        var declaredEnd: Double?
        if st.pointee.duration != nopts, st.pointee.duration > 0 {
            declaredEnd = Double(st.pointee.duration) * tb
        } else if fmt.pointee.nb_streams == 1, fmt.pointee.duration != nopts, fmt.pointee.duration > 0 {
            declaredEnd = Double(fmt.pointee.duration) / Double(AV_TIME_BASE)
        }
        var endsEarly = false
        if let declaredEnd, let span {
            endsEarly = span + 2 * meanInterval * tb + 0.5 < declaredEnd
        }
        let truncated = (declared > 0 && table.count < declared) || readError != nil || endsEarly
        var duration: Double
        if !truncated, st.pointee.duration != nopts, st.pointee.duration > 0 {
            duration = Double(st.pointee.duration) * tb
        } else if !truncated, fmt.pointee.duration != nopts, fmt.pointee.duration > 0 {
            duration = Double(fmt.pointee.duration) / Double(AV_TIME_BASE)
        } else {
            duration = span ?? 0
        }

        var fps = FFmpeg.value(st.pointee.avg_frame_rate) ?? FFmpeg.value(st.pointee.r_frame_rate) ?? 0
        if fps <= 0 || !fps.isFinite || fps > 10_000 {
            fps = duration > 0 ? Double(table.count) / duration : 25
        }
        if duration <= 0 { duration = Double(table.count) / fps }

        // Variable frame rate: intervals off the mean by more than 1 % (or 1.5 ticks, for
        // millisecond time bases) — more than one of them, or 2 %, so that one dropped frame
        // does not count.
        var variable = false
        if table.hasReliableTimestamps, table.count >= 3 {
            let tolerance = max(0.01 * meanInterval, 1.5)
            var off = 0
            for i in 1..<table.count where abs(Double(table.pts[i] - table.pts[i - 1]) - meanInterval) > tolerance { off += 1 }
            variable = off > max(1, (table.count - 1) / 50)
        }

        let angle = cff_stream_display_rotation(st)  // counter-clockwise, NaN if none
        var rotation = 0
        if angle.isFinite {
            let quarters = Int((-angle / 90).rounded())
            rotation = ((quarters % 4) + 4) % 4 * 90
        }
        let (w, h) = (Int(par.pointee.width), Int(par.pointee.height))
        let pixelFormat = AVPixelFormat(rawValue: par.pointee.format)
        var bitDepth = 8
        if let desc = av_pix_fmt_desc_get(pixelFormat) { bitDepth = Int(desc.pointee.comp.0.depth) }
        var hasAudio = false
        for i in 0..<Int(fmt.pointee.nb_streams) where fmt.pointee.streams[i]?.pointee.codecpar.pointee.codec_type == AVMEDIA_TYPE_AUDIO {
            hasAudio = true
        }
        let profileName = avcodec_profile_name(par.pointee.codec_id, par.pointee.profile).map { String(cString: $0) }

        let metadata = VideoMetadata(
            path: path, container: FFmpeg.string(fmt.pointee.iformat?.pointee.name), codec: codecName(par),
            profile: profileName, pixelFormat: FFmpeg.string(av_get_pix_fmt_name(pixelFormat)), bitDepth: bitDepth,
            width: w, height: h, rotation: rotation,
            displayWidth: rotation % 180 == 0 ? w : h, displayHeight: rotation % 180 == 0 ? h : w,
            fps: fps, frameCount: table.count, duration: duration,
            startTime: Double(start) * tb, streamIndex: Int(index), variableFrameRate: variable,
            hasAudio: hasAudio, truncated: truncated)
        return (metadata, tb, start)
    }
}
