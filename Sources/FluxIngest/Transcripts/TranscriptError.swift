import Foundation

/// Why a transcript could not be read. Every message says what failed, for which file (and
/// line or segment), and what to do about it, e.g.
/// ```
/// /v/clip.srt line 7: cannot read the timing '00:00:0x,000 --> 00:00:02,000'; expected HH:MM:SS,mmm --> HH:MM:SS,mmm; fix or remove the file
/// ```
public enum TranscriptError: Error, Equatable, Sendable {
    /// The file does not exist (or is a symbolic link to nothing).
    case fileNotFound(path: String)
    /// The file exists but cannot be read: not a regular file, permissions, I/O error.
    case unreadable(path: String, reason: String)
    /// The extension is none of .srt, .vtt, .json.
    case unsupportedFormat(path: String)
    /// The text breaks the format's rules at `line` (1-based), or in the file as a whole when
    /// `line` is nil (a JSON document that is not an object or an array, say).
    case malformed(path: String, line: Int?, reason: String)
    /// A JSON segment (0-based `index` in the segments array) lacks a field or holds a bad value.
    case invalidSegment(path: String, index: Int, reason: String)
    /// The file parses but yields no cue with text: a sidecar that gives nothing is a mistake.
    case noCues(path: String)
    /// The container could not be opened for its subtitle streams (the video decoder's diagnosis).
    case media(DecodeError)
    /// A subtitle stream could not be decoded: `stream` is the container's stream index.
    case streamFailed(path: String, stream: Int, reason: String)

    /// The file the error is about.
    public var path: String {
        switch self {
        case .fileNotFound(let p), .unreadable(let p, _), .unsupportedFormat(let p), .malformed(let p, _, _),
             .invalidSegment(let p, _, _), .noCues(let p), .streamFailed(let p, _, _):
            return p
        case .media(let error):
            return error.path
        }
    }

    /// A one-line suggestion of what to do next.
    public var hint: String {
        switch self {
        case .fileNotFound: return "check the path"
        case .unreadable: return "check the file's permissions and that it is a regular file"
        case .unsupportedFormat: return "name transcripts .srt, .vtt or .json (whisper-style segments)"
        case .malformed, .invalidSegment, .noCues: return "fix or remove the file"
        case .media(let error): return error.hint
        case .streamFailed: return "run ffprobe on the file; extract the subtitles with ffmpeg -i FILE -map 0:s:0 OUT.srt to see FFmpeg's own diagnosis"
        }
    }
}

extension TranscriptError: CustomStringConvertible, LocalizedError {
    public var description: String {
        switch self {
        case .fileNotFound(let p):
            return "transcript not found: \(p); \(hint)"
        case .unreadable(let p, let reason):
            return "cannot read transcript \(p): \(reason); \(hint)"
        case .unsupportedFormat(let p):
            return "unsupported transcript format: \(p); \(hint)"
        case .malformed(let p, let line, let reason):
            return "\(p)\(line.map { " line \($0)" } ?? ""): \(reason); \(hint)"
        case .invalidSegment(let p, let index, let reason):
            return "\(p) segment \(index): \(reason); \(hint)"
        case .noCues(let p):
            return "\(p): no cues (no timed text at all); \(hint)"
        case .media(let error):
            return "cannot read subtitle streams: \(error.description); hint: \(error.hint)"
        case .streamFailed(let p, let stream, let reason):
            return "cannot decode subtitle stream \(stream) of \(p): \(reason); \(hint)"
        }
    }

    public var errorDescription: String? { description }
    public var recoverySuggestion: String? { hint }
}
