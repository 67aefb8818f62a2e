import Foundation

/// Why a thumbnail, a sprite or a cache entry could not be made. Decoding failures (a file
/// that is missing, not a video, damaged) are not wrapped: they surface as ``DecodeError``.
///
/// `description` reads "what failed: subject — detail" and ``hint`` says what to do, e.g.
/// ```
/// invalid cache key: '../x' — only letters, digits, '.', '_' and '-' are allowed
/// hint: name entries like 'clip-123.jpg': [A-Za-z0-9._-], no leading dot, at most 200 characters
/// ```
public enum ThumbnailError: Error, Equatable, Sendable {
    /// An argument out of range: `name` is the parameter (`maxWidth`, `frames`, `at`), `value`
    /// what was given, `expected` the allowed range with its unit.
    case invalidArgument(name: String, value: String, expected: String)
    /// The installed libavcodec has no encoder for `codec` (normally `mjpeg`).
    case encoderUnavailable(codec: String)
    /// An FFmpeg call failed while scaling or encoding a picture. `subject` is the picture
    /// ("320×180 RGB image"), `operation` the libav function, `code` its AVERROR (0 when the
    /// function returns no code, e.g. a NULL context), `message` FFmpeg's text.
    case encodingFailed(subject: String, operation: String, code: Int32, message: String)
    /// A cache key that could name something outside the cache folder, or a hidden file.
    case invalidKey(key: String, reason: String)
    /// A filesystem operation on the cache folder failed: `operation` ("create folder",
    /// "write", "rename"), `path` the file, `reason` the system's message.
    case cacheIO(operation: String, path: String, reason: String)

    /// A one-line suggestion of what to do next.
    public var hint: String {
        switch self {
        case .invalidArgument:
            return "pass a value in the range shown"
        case .encoderUnavailable(let codec):
            return "install an FFmpeg build with the \(codec) encoder (Debian: libavcodec59); ffmpeg -encoders lists them"
        case .encodingFailed:
            return "set FLUXSEARCH_AV_LOG=1 to see FFmpeg's own messages"
        case .invalidKey:
            return "name entries like 'clip-123.jpg': [A-Za-z0-9._-], no leading dot, at most \(ThumbnailCache.maxKeyLength) characters"
        case .cacheIO:
            return "check that the cache folder exists, is writable and that the disk has space; deleting the folder is safe"
        }
    }
}

extension ThumbnailError: CustomStringConvertible, LocalizedError {
    public var description: String {
        switch self {
        case .invalidArgument(let name, let value, let expected):
            return "invalid argument: \(name) = \(value) — expected \(expected)"
        case .encoderUnavailable(let codec):
            return "encoder unavailable: \(codec) — the installed libavcodec has no \(codec) encoder"
        case .encodingFailed(let subject, let operation, let code, let message):
            return "\(operation) failed: \(subject) — " + (code == 0 ? message : "FFmpeg error \(code): \(message)")
        case .invalidKey(let key, let reason):
            return "invalid cache key: '\(key)' — \(reason)"
        case .cacheIO(let operation, let path, let reason):
            return "cache \(operation) failed: \(path) — \(reason)"
        }
    }

    /// The description followed by a `hint:` line.
    public var verboseDescription: String { description + "\nhint: " + hint }

    public var errorDescription: String? { description }
    public var recoverySuggestion: String? { hint }
}
