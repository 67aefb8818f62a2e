import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Reads one sidecar transcript by its extension: .srt (SubRip), .vtt (WebVTT) or .json
/// (whisper-style segments). Times are seconds from the start of the video.
///
/// The parse functions (``parseSRT(_:path:)``, ``parseWebVTT(_:path:)``,
/// ``parseJSON(_:path:)``) work on text, so callers holding a transcript in memory need no file.
public enum TranscriptReader {
    /// Sidecars larger than this are refused: a transcript of a ten-hour film is a few MB,
    /// so a bigger file is not a transcript and is not worth holding in memory.
    static let maxBytes = 64 << 20

    /// The transcript in `url`, with its language from a NAME.LANG.srt / NAME.LANG.vtt name
    /// and the text encoding its bytes were decoded with (see ``TranscriptTextDecoding``).
    ///
    /// - Throws: ``TranscriptError``: the file is missing, not a regular file, unreadable,
    ///   of an unknown extension, malformed, or without cues.
    public static func read(sidecar url: URL) throws -> Transcript {
        let path = url.path
        let format = url.pathExtension.lowercased()
        guard ["srt", "vtt", "json"].contains(format) else { throw TranscriptError.unsupportedFormat(path: path) }
        let (text, encoding) = TranscriptTextDecoding.decode(try contents(of: url))
        let cues: [TranscriptCue]
        switch format {
        case "srt": cues = try parseSRT(text, path: path)
        case "vtt": cues = try parseWebVTT(text, path: path)
        default: cues = try parseJSON(text, path: path)
        }
        let language = format == "json" ? nil : TranscriptSidecars.language(ofSidecarName: url.lastPathComponent)
        return Transcript(source: path, format: format, language: language, encoding: encoding, cues: cues)
    }

    /// The bytes of a regular file (or a link to one). Anything else is refused before it is
    /// opened: reading a FIFO blocks until a writer appears.
    static func contents(of url: URL) throws -> Data {
        let path = url.path
        switch FileKind.of(FileSystemPath(url)) {
        case .failure(let error):
            if error.code == .ENOENT || error.code == .ENOTDIR { throw TranscriptError.fileNotFound(path: path) }
            throw TranscriptError.unreadable(path: path, reason: String(cString: strerror(error.code.rawValue)))
        case .success(let (kind, info)):
            guard kind == .regular else {
                throw TranscriptError.unreadable(path: path, reason: "it is \(kind.phrase), not a regular file")
            }
            guard info.st_size <= maxBytes else {
                throw TranscriptError.unreadable(path: path, reason: "it is \(info.st_size) bytes, more than a transcript's limit of \(maxBytes >> 20) MiB")
            }
        }
        do {
            return try Data(contentsOf: url)
        } catch {
            throw TranscriptError.unreadable(path: path, reason: error.localizedDescription)
        }
    }
}
