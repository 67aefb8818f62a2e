import ArgumentParser
import Foundation
import FluxCore
import FluxIngest

extension BenchCommand {
    /// `fluxsearch bench decode`: ms per clip from file to encoder-ready tensor.
    struct Decode: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "ms per clip to decode, sample and preprocess 8 and 16 frames at 224 px from H.264 and VP9 clips.",
            discussion: """
            The clips are made on the spot with the ffmpeg CLI in a temporary directory: 10 s, \
            640×360, 30 fps, lavfi testsrc (BUILD_NOTES §3's reference; decodes unrealistically \
            fast) and testsrc2 (fine detail and motion, closer to real footage), each as H.264 \
            (libx264 defaults: CRF 23, keyframe every 250 frames) in MP4 and as VP9 (libvpx-vp9 \
            realtime, 1 Mb/s, keyframe every 240 frames) in WebM. \
            One clip = open the file (including the packet scan), `middle` sampling, \
            keyframe-aware decoding (frames neither wanted nor referenced are skipped), RGB \
            conversion, bicubic squash to S×S and normalisation into [1, 3, T, S, S]. Best and \
            median of --repetitions runs after a warm-up, with a breakdown of the best run.
            """)

        @OptionGroup var output: OutputOptions

        @Option(help: ArgumentHelp("Comma-separated frame counts per clip.", valueName: "n,m,..."))
        var frames = "8,16"

        @Option(help: ArgumentHelp("Square frame side in pixels.", valueName: "pixels"))
        var size = 224

        @Option(help: "Timed repetitions per case (after one warm-up run).")
        var repetitions = 5

        @Option(help: ArgumentHelp("Decoder threads (libavcodec thread_count; 0 = automatic). Indexing uses 1, since decoding runs beside the encoder.", valueName: "n"))
        var threads = 1

        @Option(help: ArgumentHelp("Use these video files instead of making the four test clips.", valueName: "file"),
                completion: .file())
        var clip: [String] = []

        func validate() throws {
            guard let list = BenchCommand.Encoder.parse(frames), !list.isEmpty, list.allSatisfy({ $0 >= 1 }) else {
                throw ValidationError("--frames takes positive counts separated by commas, e.g. 8,16 (got '\(frames)').")
            }
            guard size >= 1 else { throw ValidationError("--size must be at least 1 pixel (got \(size)).") }
            guard repetitions >= 1 else { throw ValidationError("--repetitions must be at least 1.") }
            guard threads >= 0 else { throw ValidationError("--threads must be 0 (automatic) or more (got \(threads)).") }
        }

        struct Result: Encodable {
            let clip: String
            let codec: String
            let width: Int, height: Int, frameCount: Int
            let frames: Int, size: Int
            /// Whole clip, milliseconds.
            let msBest: Double, msMedian: Double
            /// Breakdown of the best run, milliseconds.
            let msOpen: Double, msDecode: Double, msPreprocess: Double
            let seeks: Int, framesDecoded: Int
        }

        func run() throws {
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("fluxsearch-bench-decode-\(getpid())")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: directory) }
            let clips = clip.isEmpty ? try makeClips(in: directory) : clip.map { URL(fileURLWithPath: $0) }
            let counts = BenchCommand.Encoder.parse(frames) ?? [8]
            if !output.json {
                out("fluxsearch bench decode — \(size)×\(size) px, \(threads == 0 ? "automatic" : "\(threads)") decoder thread(s), best of \(repetitions)")
                out(pad("clip", 22) + pad("codec", 7) + lpad("frames", 7) + lpad("ms best", 9) + lpad("ms median", 11)
                      + lpad("open", 7) + lpad("decode", 8) + lpad("prep", 7) + lpad("seeks", 7) + lpad("decoded", 9))
            }
            var results: [Result] = []
            let preprocessor = Preprocessor(size: size)
            let options = DecodeOptions(threads: threads)
            for url in clips {
                for n in counts {
                    var best: (total: Double, open: Double, decode: Double, prep: Double, stats: DecodeStatistics)?
                    var meta: VideoMetadata?
                    let samples = try Timing.measureThrowing(repetitions: repetitions) {
                        let t0 = Timing.now()
                        let decoder = try VideoDecoder(url: url, options: options)
                        let t1 = Timing.now()
                        let indices = FrameSampler.middle(frames: n).indices(frameCount: decoder.frameCount, fps: decoder.metadata.fps)
                        let decoded = try decoder.frames(at: indices)
                        let t2 = Timing.now()
                        let tensor = preprocessor.clip(decoded.map(\.image))
                        let t3 = Timing.now()
                        precondition(tensor.shape == [1, 3, n, size, size])
                        meta = decoder.metadata
                        if best == nil || t3 - t0 < best!.total {
                            best = (t3 - t0, t1 - t0, t2 - t1, t3 - t2, decoder.statistics)
                        }
                    }
                    let timing = TimingSummary(samples)
                    let b = best!, m = meta!
                    let r = Result(clip: url.lastPathComponent, codec: m.codec, width: m.width, height: m.height,
                                   frameCount: m.frameCount, frames: n, size: size,
                                   msBest: timing.best * 1e3, msMedian: timing.median * 1e3,
                                   msOpen: b.open * 1e3, msDecode: b.decode * 1e3, msPreprocess: b.prep * 1e3,
                                   seeks: b.stats.seeks, framesDecoded: b.stats.framesDecoded)
                    results.append(r)
                    if !output.json {
                        out(pad(r.clip, 22) + pad(r.codec, 7) + lpad("\(n)", 7) + lpad(String(format: "%.1f", r.msBest), 9)
                              + lpad(String(format: "%.1f", r.msMedian), 11) + lpad(String(format: "%.1f", r.msOpen), 7)
                              + lpad(String(format: "%.1f", r.msDecode), 8) + lpad(String(format: "%.1f", r.msPreprocess), 7)
                              + lpad("\(r.seeks)", 7) + lpad("\(r.framesDecoded)", 9))
                    }
                }
            }
            if output.json { try printJSON(results) }
        }

        /// The 10 s 640×360 30 fps test clips, made with the ffmpeg CLI: testsrc (BUILD_NOTES §3's
        /// reference clip; decodes unrealistically fast) and testsrc2 (fine detail and motion,
        /// about 2.5× slower to decode, closer to real footage), each as H.264 and VP9.
        private func makeClips(in directory: URL) throws -> [URL] {
            var clips: [URL] = []
            for source in ["testsrc", "testsrc2"] {
                let input = ["-f", "lavfi", "-i", "\(source)=size=640x360:rate=30:duration=10"]
                let h264 = directory.appendingPathComponent("\(source)_h264.mp4")
                let vp9 = directory.appendingPathComponent("\(source)_vp9.webm")
                try ffmpeg(input + ["-c:v", "libx264", "-pix_fmt", "yuv420p", h264.path])
                try ffmpeg(input + ["-c:v", "libvpx-vp9", "-deadline", "realtime", "-cpu-used", "8", "-b:v", "1M",
                                    "-g", "240", "-pix_fmt", "yuv420p", vp9.path])
                clips += [h264, vp9]
            }
            return clips
        }

        private func ffmpeg(_ arguments: [String]) throws {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["ffmpeg", "-hide_banner", "-loglevel", "error", "-nostdin", "-y"] + arguments
            let errors = Pipe()
            process.standardError = errors
            do { try process.run() } catch {
                throw ValidationError("cannot run the ffmpeg CLI (\(error.localizedDescription)); install ffmpeg or pass --clip FILE.")
            }
            let message = errors.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            guard process.terminationStatus == 0 else {
                throw ValidationError("ffmpeg failed making a test clip: \(String(decoding: message, as: UTF8.self))")
            }
        }
    }
}
