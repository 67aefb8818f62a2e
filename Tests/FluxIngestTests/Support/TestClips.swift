import Foundation
import XCTest

/// Test videos, made with the ffmpeg CLI on first use and shared by all test classes of one
/// run (a temporary directory removed at exit). Clips are tiny (≤ 96×64, ≤ 3 s) except the
/// 4K one (2 frames).
///
/// Content: the "counter" clips draw frame N as a flat grey of luma 16 + 7·N (N = 0…29), which
/// survives lossy coding to within a few levels, so ``frameNumber(_:)`` recovers N from a
/// decoded picture. The "marker" clips are black with a white 16×12 box in the top-left
/// corner of the stored picture.
enum TestClips {
    static let frameCount = 30, fps = 10
    private static let lock = NSRecursiveLock()  // recipes call url(_:) for their sources
    private static var made: Set<String> = []

    static let directory: URL = {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("fluxingest-clips-\(getpid())")
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        atexit { try? FileManager.default.removeItem(at: TestClips.directory) }
        return dir
    }()

    /// The lavfi source of the counter content at `size` ("WxH"), `seconds` long.
    static func counterSource(size: String = "96x64", seconds: Int = 3, format: String = "yuv420p") -> String {
        "color=c=black:s=\(size):r=\(fps):d=\(seconds),format=\(format),geq=lum=16+7*N:cb=128:cr=128"
    }

    static let counterH264 = ["-c:v", "libx264", "-g", "12", "-keyint_min", "12", "-sc_threshold", "0", "-bf", "2", "-crf", "4"]

    /// A clip by name, made on first use. Throws XCTSkip when the ffmpeg CLI is missing.
    static func url(_ name: String) throws -> URL {
        lock.lock(); defer { lock.unlock() }
        let url = directory.appendingPathComponent(name)
        if made.contains(name) { return url }
        try make(name, at: url)
        made.insert(name)
        return url
    }

    private static func make(_ name: String, at url: URL) throws {
        let out = url.path
        switch name {
        case "counter.mp4":
            try ffmpeg(["-f", "lavfi", "-i", counterSource()] + counterH264 + [out])
        case "counter_faststart.mp4":
            try ffmpeg(["-f", "lavfi", "-i", counterSource()] + counterH264 + ["-movflags", "+faststart", out])
        case "counter.webm":
            try ffmpeg(["-f", "lavfi", "-i", counterSource(), "-c:v", "libvpx-vp9", "-g", "12", "-deadline", "realtime",
                        "-cpu-used", "8", "-crf", "10", "-b:v", "0", out])
        case "counter.ts":
            try ffmpeg(["-f", "lavfi", "-i", counterSource()] + counterH264 + [out])
        case "counter.h264":
            // Raw Annex-B elementary stream: no container timestamps at all.
            try ffmpeg(["-f", "lavfi", "-i", counterSource()] + counterH264 + ["-f", "h264", out])
        case "counter.avi":
            try ffmpeg(["-f", "lavfi", "-i", counterSource(), "-c:v", "mpeg4", "-q:v", "2", "-g", "12", out])
        case "audio_first.mkv":
            try ffmpeg(["-f", "lavfi", "-i", "sine=frequency=440:duration=3", "-f", "lavfi", "-i", counterSource(),
                        "-map", "0:a", "-map", "1:v", "-c:a", "aac"] + counterH264 + [out])
        case "vfr.mp4":
            // 10 frames 0.1 s apart, then 10 frames 0.04 s apart: 0.0 … 0.9, 1.0, 1.04 … 1.36.
            try ffmpeg(["-f", "lavfi", "-i", counterSource(seconds: 2) + ",settb=1/1000,setpts='if(lt(N,10),N*0.1,1+(N-10)*0.04)/TB'",
                        "-fps_mode", "vfr", "-video_track_timescale", "1000"] + counterH264 + [out])
        case "odd.mp4":
            try ffmpeg(["-f", "lavfi", "-i", counterSource(size: "99x67", seconds: 1, format: "yuv444p"),
                        "-c:v", "libx264", "-crf", "4", "-pix_fmt", "yuv444p", out])
        case "tenbit.mp4":
            try ffmpeg(["-f", "lavfi", "-i", counterSource(seconds: 1), "-c:v", "libx264", "-crf", "4", "-pix_fmt", "yuv420p10le", out])
        case "testsrc2.mp4":
            // Moving, detailed content with x264's default GOP structure (B-pyramid, non-reference B-frames).
            try ffmpeg(["-f", "lavfi", "-i", "testsrc2=s=160x96:r=25:d=3", "-c:v", "libx264", "-g", "50", "-pix_fmt", "yuv420p", out])
        case "uhd.mp4":
            try ffmpeg(["-f", "lavfi", "-i", "testsrc2=s=3840x2160:r=10:d=0.2", "-c:v", "libx264", "-preset", "ultrafast", out])
        case "marker.mp4":
            try ffmpeg(["-f", "lavfi", "-i", "color=c=black:s=64x48:r=10:d=1,drawbox=x=0:y=0:w=16:h=12:color=white:t=fill",
                        "-c:v", "libx264", "-crf", "10", "-pix_fmt", "yuv420p", out])
        case let n where n.hasPrefix("marker_rotate") && n.hasSuffix(".mp4"):
            // marker_rotate90.mp4 etc.: the same stream with a display matrix (the legacy
            // `rotate` tag, which ffmpeg 5.1's mp4 muxer turns into one).
            let degrees = n.dropFirst("marker_rotate".count).dropLast(4)
            try ffmpeg(["-i", try Self.url("marker.mp4").path, "-c", "copy", "-metadata:s:v:0", "rotate=\(degrees)", out])
        case "audio_only.mp4":
            try ffmpeg(["-f", "lavfi", "-i", "sine=frequency=440:duration=1", "-c:a", "aac", out])
        case "random.mp4":
            var state: UInt64 = 0x9E3779B97F4A7C15
            var bytes = [UInt8](repeating: 0, count: 65_536)
            for i in bytes.indices {
                state = state &* 6364136223846793005 &+ 1442695040888963407
                bytes[i] = UInt8(truncatingIfNeeded: state >> 33)
            }
            try Data(bytes).write(to: url)
        case "notes.txt":
            try Data("shopping list: eggs, milk\n".utf8).write(to: url)
        case "truncated.mp4":
            // moov at the end (ffmpeg's default): cutting the file loses the whole index.
            let data = try Data(contentsOf: try Self.url("counter.mp4"))
            try data.prefix(data.count / 2).write(to: url)
        case "truncated_faststart.mp4":
            // moov first: the index survives, the last fifth of the sample data does not.
            let data = try Data(contentsOf: try Self.url("counter_faststart.mp4"))
            let mdat = data.range(of: Data("mdat".utf8))!.lowerBound
            try data.prefix(mdat + (data.count - mdat) * 8 / 10).write(to: url)
        case "corrupt.mp4":
            // Garbage over a stretch of sample data in the middle.
            var data = try Data(contentsOf: try Self.url("counter_faststart.mp4"))
            let start = data.count * 45 / 100
            for i in start..<min(start + 3000, data.count) { data[i] = UInt8(truncatingIfNeeded: i &* 131 &+ 7) }
            try data.write(to: url)
        case "unknown_codec.avi":
            // An AVI whose fourcc (FMP4) is replaced by one no decoder claims.
            var data = try Data(contentsOf: try Self.url("counter.avi"))
            let tag = Data("FMP4".utf8), replacement = Data("ZZZZ".utf8)
            var search = data.startIndex..<data.endIndex
            while let r = data.range(of: tag, in: search) {
                data.replaceSubrange(r, with: replacement)
                search = r.upperBound..<data.endIndex
            }
            try data.write(to: url)
        case "corrupt_middle.mp4":
            // 512 bytes of garbage inside the sample data at 60 %: FFmpeg's decoder reports
            // errors (64 bytes went unnoticed by it) and 18 of the 30 frames still decode.
            var data = try Data(contentsOf: try Self.url("counter_faststart.mp4"))
            let start = data.count * 60 / 100
            for i in start..<min(start + 512, data.count) { data[i] = UInt8(truncatingIfNeeded: i &* 131 &+ 7) }
            try data.write(to: url)
        case "still.png", "still.jpg":
            // One picture, as an image file (libavformat: png_pipe / jpeg_pipe).
            try ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=64x48", "-frames:v", "1", out])
        case "cover_art.m4a":
            // AAC audio with a JPEG cover (a video stream flagged attached_pic).
            try ffmpeg(["-f", "lavfi", "-i", "sine=frequency=440:duration=1", "-i", try Self.url("still.jpg").path,
                        "-map", "0", "-map", "1", "-c:a", "aac", "-c:v", "copy", "-disposition:v", "attached_pic", out])
        default:
            fatalError("TestClips: no recipe for \(name)")
        }
    }

    /// Runs the ffmpeg CLI quietly, overwriting the output.
    static func ffmpeg(_ arguments: [String]) throws {
        guard let tool = ["/usr/bin/ffmpeg", "/usr/local/bin/ffmpeg"].first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw XCTSkip("the ffmpeg CLI is not installed; the decoder tests build their clips with it")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = ["-hide_banner", "-loglevel", "error", "-nostdin", "-y"] + arguments
        let errors = Pipe()
        process.standardError = errors
        try process.run()
        let message = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw NSError(domain: "TestClips", code: Int(process.terminationStatus),
                          userInfo: [NSLocalizedDescriptionKey: "ffmpeg \(arguments.joined(separator: " ")) failed: \(String(decoding: message, as: UTF8.self))"])
        }
    }

    /// Raw RGB24 of frame 0 as the ffmpeg CLI decodes it (with its autorotation).
    static func ffmpegFirstFrame(_ url: URL) throws -> [UInt8] {
        let out = directory.appendingPathComponent(UUID().uuidString + ".rgb")
        defer { try? FileManager.default.removeItem(at: out) }
        try ffmpeg(["-i", url.path, "-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "rgb24", out.path])
        return [UInt8](try Data(contentsOf: out))
    }
}
