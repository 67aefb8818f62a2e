import Foundation

/// Why a video could not be opened or decoded. Every case names the file; `description`
/// reads "what failed: subject — detail" and ``hint`` says what to do about it.
///
/// For example:
/// ```
/// not a media file: /videos/notes.mp4 — no container format recognised in its first bytes
/// hint: check that the file is a video (ffprobe FILE shows what FFmpeg sees)
/// ```
public enum DecodeError: Error, Equatable, Sendable {
    /// The path does not exist (or is a symbolic link to nothing).
    case fileNotFound(path: String)
    /// The path names something other than a regular file (or a link to one): a directory,
    /// a FIFO, a character or block device, a socket. Such a path is refused before it is
    /// opened, since opening a FIFO or a device can block forever.
    case notARegularFile(path: String, kind: FileKind)
    /// A media file whose only picture is not a video: a still image (PNG, JPEG, WebP, a
    /// single-frame image stream) or the cover art of an audio file. `reason` says which.
    case notAVideo(path: String, reason: String)
    /// The file exists but cannot be read (permissions, I/O error).
    case unreadable(path: String, reason: String)
    /// No container format recognised the bytes (random data, a text file, …).
    case notMediaFile(path: String)
    /// A media file without a decodable video stream; `streams` lists what it has,
    /// e.g. `["audio (aac)"]`.
    case noVideoStream(path: String, streams: [String])
    /// The video stream's codec has no decoder in the installed FFmpeg.
    case unsupportedCodec(path: String, codec: String)
    /// The container is recognised but the file ends early (missing index, cut-off data).
    case truncated(path: String, detail: String)
    /// The data is damaged: the header or the video packets cannot be decoded.
    case corruptData(path: String, detail: String)
    /// Work on this file ran past its time limit (``DecodeOptions/timeLimit``, seconds).
    case timedOut(path: String, seconds: Double)
    /// A requested frame index lies outside `0..<frameCount`.
    case frameOutOfRange(path: String, index: Int, frameCount: Int)
    /// Any other libav failure: the operation, the AVERROR code and FFmpeg's message.
    case ffmpeg(path: String, operation: String, code: Int32, message: String)

    /// The file the error is about.
    public var path: String {
        switch self {
        case .fileNotFound(let p), .notARegularFile(let p, _), .notAVideo(let p, _), .unreadable(let p, _), .notMediaFile(let p), .noVideoStream(let p, _),
             .unsupportedCodec(let p, _), .truncated(let p, _), .corruptData(let p, _), .timedOut(let p, _),
             .frameOutOfRange(let p, _, _), .ffmpeg(let p, _, _, _):
            return p
        }
    }

    /// A one-line suggestion of what to do next.
    public var hint: String {
        switch self {
        case .fileNotFound: return "check the path; directories and missing files cannot be decoded"
        case .notARegularFile: return "give the path of a video file; to index a stream or a device, save it to a file first (e.g. ffmpeg -i INPUT -c copy OUT.mkv)"
        case .notAVideo: return "fluxsearch indexes moving pictures; to make a still searchable, turn it into a clip (ffmpeg -loop 1 -t 5 -i FILE OUT.mp4)"
        case .unreadable: return "check the file's permissions and that the disk is readable"
        case .notMediaFile: return "check that the file is a video (ffprobe FILE shows what FFmpeg sees)"
        case .noVideoStream: return "the file has no picture to index; skip it or extract the video track"
        case .unsupportedCodec: return "re-encode the video, e.g. ffmpeg -i FILE -c:v libx264 -crf 18 OUT.mp4"
        case .truncated: return "the download or copy may be incomplete; fetch the file again or remux it with ffmpeg -i FILE -c copy OUT.mkv"
        case .corruptData: return "the file is damaged; re-encode what FFmpeg can read with ffmpeg -err_detect ignore_err -i FILE OUT.mp4"
        case .timedOut: return "raise the time limit (DecodeOptions.timeLimit) or check that the file is on a responsive disk"
        case .frameOutOfRange: return "sample frame indices from 0 to frameCount − 1 (see VideoMetadata.frameCount)"
        case .ffmpeg: return "run ffprobe on the file for FFmpeg's own diagnostics"
        }
    }
}

extension DecodeError: CustomStringConvertible, LocalizedError {
    public var description: String {
        switch self {
        case .fileNotFound(let p):
            return "file not found: \(p)"
        case .notARegularFile(let p, let kind):
            return "not a regular file: \(p) — \(kind.phrase); fluxsearch reads only regular files"
        case .notAVideo(let p, let reason):
            return "not a video: \(p) — \(reason)"
        case .unreadable(let p, let reason):
            return "cannot read file: \(p) — \(reason)"
        case .notMediaFile(let p):
            return "not a media file: \(p) — no container format recognised in its first bytes"
        case .noVideoStream(let p, let streams):
            let what = streams.isEmpty ? "no streams at all" : "streams: " + streams.joined(separator: ", ")
            return "no video stream: \(p) — \(what)"
        case .unsupportedCodec(let p, let codec):
            return "unsupported codec: \(p) — no decoder for video codec '\(codec)' in the installed FFmpeg"
        case .truncated(let p, let detail):
            return "truncated file: \(p) — \(detail)"
        case .corruptData(let p, let detail):
            return "corrupt data: \(p) — \(detail)"
        case .timedOut(let p, let seconds):
            return "timed out: \(p) — decoding took longer than \(Self.format(seconds)) s"
        case .frameOutOfRange(let p, let index, let count):
            return "frame out of range: \(p) — index \(index), the video has \(count) frames (0…\(max(count - 1, 0)))"
        case .ffmpeg(let p, let operation, let code, let message):
            return "\(operation) failed: \(p) — FFmpeg error \(code): \(message)"
        }
    }

    /// The description followed by a `hint:` line.
    public var verboseDescription: String { description + "\nhint: " + hint }

    public var errorDescription: String? { description }
    public var recoverySuggestion: String? { hint }

    static func format(_ seconds: Double) -> String {
        seconds == seconds.rounded() ? String(Int(seconds)) : String(format: "%.3g", seconds)
    }
}
