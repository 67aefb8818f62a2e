import CFFmpeg
import Foundation
#if canImport(Glibc)
import Glibc
#endif

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
        /// Damage found while opening (see ``VideoDecoder/warnings``).
        var warnings: [String]
    }

    /// Refuses, before anything opens it, a path that is not a regular file (or a symbolic
    /// link to one): opening a FIFO blocks until a writer appears, a device may block or
    /// never end. `path` is the name used in errors.
    static func checkRegularFile(_ file: FileSystemPath, path: String) throws {
        switch FileKind.of(file) {
        case .failure(let error):
            let code = error.code
            switch code {
            case .ENOENT, .ENOTDIR, .ENAMETOOLONG:
                throw DecodeError.fileNotFound(path: path)
            case .ELOOP:
                throw DecodeError.unreadable(path: path, reason: "a loop of symbolic links (ELOOP)")
            case .EACCES:
                throw DecodeError.unreadable(path: path, reason: "permission denied on a folder on the way")
            default:
                throw DecodeError.unreadable(path: path, reason: String(cString: strerror(code.rawValue)))
            }
        case .success(let (kind, _)):
            guard kind == .regular else { throw DecodeError.notARegularFile(path: path, kind: kind) }
        }
        guard file.withCString({ access($0, R_OK) }) == 0 else {
            throw DecodeError.unreadable(path: path, reason: "permission denied")
        }
    }

    /// The name libavformat opens: the path itself, or `file:PATH` for a relative path, so
    /// that a file named like a protocol (`pipe:0`, `concat:a|b`) is read as a file.
    static func avformatName(_ file: FileSystemPath) -> FileSystemPath {
        file.bytes.first == UInt8(ascii: "/") ? file : FileSystemPath(bytes: Array("file:".utf8) + file.bytes)
    }

    static func open(file: FileSystemPath, path: String, options: DecodeOptions, deadline: UnsafeMutablePointer<Int64>) throws -> Opened {
        try checkRegularFile(file, path: path)
        if let limit = options.timeLimit, limit > 0 { deadline.pointee = cff_now_us() + Int64(limit * 1e6) }
        defer { deadline.pointee = 0 }

        var format: UnsafeMutablePointer<AVFormatContext>? = try openFormat(file: file, path: path, options: options, deadline: deadline)
        var codec: UnsafeMutablePointer<AVCodecContext>?
        do {
            let fmt = format!
            let index = try chooseVideoStream(fmt, path: path)
            let stream = fmt.pointee.streams[Int(index)]!
            codec = try openCodec(stream, threads: options.threads, path: path)
            let scan = try scanPackets(fmt, stream: index, path: path, options: options, deadline: deadline)
            let (table, totalPackets, readError) = (scan.table, scan.totalPackets, scan.readError)
            guard table.count > 0 else {
                throw DecodeError.truncated(path: path, detail: "the video stream holds no readable packets"
                                            + (readError.map { " (FFmpeg: \(FFmpeg.message($0)))" } ?? ""))
            }
            try rejectStillImage(fmt, stream: stream, table: table, path: path)
            let (metadata, timeBase, startTicks) = describe(fmt, stream: stream, index: index, table: table,
                                                            readError: readError, path: path)
            let warnings = damageWarnings(scan, metadata: metadata, timeBase: timeBase, startTicks: startTicks,
                                          declaredFrames: Int(stream.pointee.nb_frames))
            return Opened(format: fmt, codec: codec!, streamIndex: index, table: table, metadata: metadata,
                          timeBase: timeBase, startTicks: startTicks, totalPackets: totalPackets, warnings: warnings)
        } catch {
            avcodec_free_context(&codec)
            avformat_close_input(&format)
            throw error
        }
    }

    /// avformat_open_input + avformat_find_stream_info with the deadline installed.
    static func openFormat(file: FileSystemPath, path: String, options: DecodeOptions, deadline: UnsafeMutablePointer<Int64>) throws -> UnsafeMutablePointer<AVFormatContext> {
        guard let allocated = avformat_alloc_context() else {
            throw DecodeError.ffmpeg(path: path, operation: "avformat_alloc_context", code: cff_averror(12), message: "out of memory")
        }
        cff_install_deadline(allocated, deadline)
        var format: UnsafeMutablePointer<AVFormatContext>? = allocated
        let rc = avformatName(file).withCString { avformat_open_input(&format, $0, nil, nil) }  // frees the context on failure
        guard rc >= 0, let fmt = format else {
            throw classifyOpenFailure(rc, file: file, path: path, options: options, deadline: deadline)
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
    static func classifyOpenFailure(_ rc: Int32, file: FileSystemPath, path: String, options: DecodeOptions,
                                    deadline: UnsafeMutablePointer<Int64>) -> DecodeError {
        if rc == cff_averror(cff_errno_enoent()) { return .fileNotFound(path: path) }
        if rc == cff_averror(cff_errno_eacces()) { return .unreadable(path: path, reason: "permission denied") }
        if rc == cff_averror_exit() || timedOut(deadline) { return .timedOut(path: path, seconds: options.timeLimit ?? 0) }
        guard let (name, score) = probeContent(file), score >= cff_probe_score_retry() else {
            return .notMediaFile(path: path)
        }
        return .truncated(path: path, detail: "the \(name) container is recognised but its header or index cannot be read (FFmpeg: \(FFmpeg.message(rc)))")
    }

    /// Guesses the container from the first 1 MiB of the file alone (no file name), as
    /// libavformat's probe does: the best format and its score (0…100), or nil.
    static func probeContent(_ file: FileSystemPath) -> (name: String, score: Int32)? {
        let fd = file.withCString { Glibc.open($0, O_RDONLY | O_NONBLOCK | O_CLOEXEC) }
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var head = [UInt8](repeating: 0, count: 1 << 20)
        var filled = 0
        while filled < head.count {
            let n = head.withUnsafeMutableBytes { read(fd, $0.baseAddress! + filled, $0.count - filled) }
            if n <= 0 { break }
            filled += n
        }
        head.removeSubrange(filled...)
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
            let streams = (0..<count).map { describeStream(fmt.pointee.streams[$0]!) }
            if streams.contains(where: { $0.hasPrefix("video (") && $0.hasSuffix(", cover art)") }) {
                throw DecodeError.notAVideo(path: path, reason: "its only picture is cover art (an attached still picture); streams: "
                                            + streams.joined(separator: ", "))
            }
            throw DecodeError.noVideoStream(path: path, streams: streams)
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

    /// What one pass over the packets found.
    struct PacketScan {
        /// The video stream's frames, in presentation order.
        var table: FrameTable
        /// Packets of all streams.
        var totalPackets: Int
        /// The read error that ended the pass early, if any (not AVERROR_EOF).
        var readError: Int32?
        /// Video packets the demuxer flagged AV_PKT_FLAG_CORRUPT: count and the first one's
        /// position among the video packets (demux order).
        var corruptPackets = 0
        var firstCorruptPacket: Int?
        /// The first video packet (demux order) whose bytes run past the end of the file, and
        /// the file size in bytes; nil when every packet lies inside the file.
        var cutPacket: Int?
        var fileSize: Int64 = -1
    }

    /// One pass over all packets (no decoding): the video stream's frame table, the number of
    /// packets of all streams, the read error that ended the pass early, and damage the
    /// demuxer saw (packets flagged corrupt, a packet cut by the end of the file).
    static func scanPackets(_ fmt: UnsafeMutablePointer<AVFormatContext>, stream index: Int32, path: String,
                            options: DecodeOptions, deadline: UnsafeMutablePointer<Int64>) throws -> PacketScan {
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
        var scan = PacketScan(table: FrameTable(packets: []), totalPackets: 0)
        if let pb = fmt.pointee.pb { scan.fileSize = avio_size(pb) }
        let corruptFlag = Int32(AV_PKT_FLAG_CORRUPT)
        while true {
            let rc = av_read_frame(fmt, packet)
            if rc < 0 {
                if timedOut(deadline) { throw DecodeError.timedOut(path: path, seconds: options.timeLimit ?? 0) }
                if rc != cff_averror_eof() { readError = rc }
                break
            }
            total += 1
            let p = packet.pointee
            if p.stream_index == index, p.flags & corruptFlag != 0 {
                scan.corruptPackets += 1
                if scan.firstCorruptPacket == nil { scan.firstCorruptPacket = packets.count }
            }
            if p.stream_index == index, scan.cutPacket == nil, scan.fileSize > 0, p.pos >= 0,
               p.pos + Int64(p.size) > scan.fileSize {
                scan.cutPacket = packets.count
            }
            if p.stream_index == index, p.flags & discardFlag == 0 {
                packets.append(FrameTable.Packet(pts: p.pts == nopts ? nil : p.pts, dts: p.dts == nopts ? nil : p.dts,
                                                 isKey: p.flags & keyFlag != 0, duration: max(p.duration, 0), position: p.pos))
            }
            av_packet_unref(packet)
            if total & 255 == 0, timedOut(deadline) { throw DecodeError.timedOut(path: path, seconds: options.timeLimit ?? 0) }
        }
        scan.table = FrameTable(packets: packets)
        scan.totalPackets = total
        scan.readError = readError
        return scan
    }

    /// Image containers: one picture per file (libavformat's image2 and *_pipe demuxers).
    static func isImageContainer(_ name: String) -> Bool {
        name == "image2" || name == "image2pipe" || name.hasSuffix("_pipe")
    }

    /// Refuses a still picture: a single frame in an image container (PNG, JPEG, WebP, …),
    /// or a single frame with no duration anywhere.
    static func rejectStillImage(_ fmt: UnsafeMutablePointer<AVFormatContext>, stream st: UnsafeMutablePointer<AVStream>,
                                 table: FrameTable, path: String) throws {
        guard table.count == 1 else { return }
        let container = FFmpeg.string(fmt.pointee.iformat?.pointee.name)
        let codec = codecName(st.pointee.codecpar)
        let nopts = cff_nopts_value()
        let noDuration = (st.pointee.duration == nopts || st.pointee.duration <= 0)
            && (fmt.pointee.duration == nopts || fmt.pointee.duration <= 0)
        if isImageContainer(container) {
            throw DecodeError.notAVideo(path: path, reason: "a still image (\(codec) picture, \(container) container)")
        }
        if noDuration {
            throw DecodeError.notAVideo(path: path, reason: "a single \(codec) picture with no duration (\(container) container)")
        }
    }

    /// Warnings about a file that opens but is damaged: cut short, or with packets the
    /// demuxer flagged as corrupt. Times are seconds from the stream's start.
    static func damageWarnings(_ scan: PacketScan, metadata m: VideoMetadata, timeBase: Double, startTicks: Int64,
                               declaredFrames: Int) -> [String] {
        var warnings: [String] = []
        var scan = scan
        let table = scan.table
        if m.truncated, scan.cutPacket == nil, scan.corruptPackets == 1, scan.firstCorruptPacket == table.count - 1 {
            // A short read of the last packet: the demuxer flags the packet the file ends in.
            scan.cutPacket = scan.firstCorruptPacket
            scan.corruptPackets = 0
        }
        let lastTime: Double = table.hasReliableTimestamps
            ? Double(table.pts[table.count - 1] - startTicks) * timeBase
            : Double(table.count - 1) / max(m.fps, 1e-9)
        let missing = "frames after \(String(format: "%.3g", max(lastTime, 0))) s are missing"
        if m.truncated {
            var why: [String] = []
            if let cut = scan.cutPacket {
                why.append("the file (\(scan.fileSize) bytes) ends inside video packet \(cut + 1) of \(table.count)")
            }
            if let rc = scan.readError { why.append("reading stopped with FFmpeg error '\(FFmpeg.message(rc))'") }
            if declaredFrames > 0, table.count < declaredFrames {
                why.append("the container declares \(declaredFrames) frames, \(table.count) could be read")
            }
            if why.isEmpty { why.append("the frames end well before the stream's declared duration") }
            warnings.append("truncated: " + why.joined(separator: "; ") + "; " + missing)
        } else if let cut = scan.cutPacket {
            warnings.append("truncated: the file (\(scan.fileSize) bytes) ends inside video packet \(cut + 1); its last frame is incomplete")
        }
        if scan.corruptPackets > 0, let first = scan.firstCorruptPacket {
            warnings.append("corrupt: the demuxer flagged \(scan.corruptPackets) video packet(s) as damaged, the first is packet \(first + 1)")
        }
        return warnings
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
        var subtitleStreams = 0
        for i in 0..<Int(fmt.pointee.nb_streams) {
            switch fmt.pointee.streams[i]?.pointee.codecpar.pointee.codec_type {
            case AVMEDIA_TYPE_AUDIO?: hasAudio = true
            case AVMEDIA_TYPE_SUBTITLE?: subtitleStreams += 1
            default: break
            }
        }
        let profileName = avcodec_profile_name(par.pointee.codec_id, par.pointee.profile).map { String(cString: $0) }

        let metadata = VideoMetadata(
            path: path, container: FFmpeg.string(fmt.pointee.iformat?.pointee.name), codec: codecName(par),
            profile: profileName, pixelFormat: FFmpeg.string(av_get_pix_fmt_name(pixelFormat)), bitDepth: bitDepth,
            width: w, height: h, rotation: rotation,
            displayWidth: rotation % 180 == 0 ? w : h, displayHeight: rotation % 180 == 0 ? h : w,
            fps: fps, frameCount: table.count, duration: duration,
            startTime: Double(start) * tb, streamIndex: Int(index), variableFrameRate: variable,
            hasAudio: hasAudio, subtitleStreams: subtitleStreams, truncated: truncated,
            creationTime: ContainerDate.parse(FFmpeg.string(av_dict_get(fmt.pointee.metadata, "creation_time", nil, 0)?.pointee.value)))
        return (metadata, tb, start)
    }
}
