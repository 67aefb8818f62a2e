import Foundation

/// One timed line of text: seconds from the start of the video, text as written (markup
/// removed, lines joined with "\n").
public struct TranscriptCue: Sendable, Equatable, Codable {
    /// When the text appears, in seconds from the start of the video.
    public var start: Double
    /// When the text disappears, in seconds from the start of the video (≥ `start`).
    public var end: Double
    /// The text without markup; the lines of a multi-line cue are joined with "\n".
    public var text: String

    public init(start: Double, end: Double, text: String) {
        self.start = start
        self.end = end
        self.text = text
    }
}

/// The timed text of a video: a sidecar file next to it, or a subtitle stream inside it.
public struct Transcript: Sendable, Equatable {
    /// Sidecar: the file's path. Embedded: "stream:N" (N = the container's stream index).
    public var source: String
    /// "srt", "vtt", "json" for sidecars; "subrip", "webvtt", "ass", "ssa", "mov_text" for
    /// streams (the libavcodec codec name).
    public var format: String
    /// From NAME.LANG.srt / NAME.LANG.vtt, or the stream's `language` tag; nil when unknown.
    public var language: String?
    /// How a sidecar's bytes were decoded: "utf-8", "utf-16le", "utf-16be", "windows-1252";
    /// nil for streams.
    public var encoding: String?
    /// The cues in file order (not sorted: a file out of order is kept as written).
    public var cues: [TranscriptCue]

    public init(source: String, format: String, language: String?, encoding: String?, cues: [TranscriptCue]) {
        self.source = source
        self.format = format
        self.language = language
        self.encoding = encoding
        self.cues = cues
    }
}
