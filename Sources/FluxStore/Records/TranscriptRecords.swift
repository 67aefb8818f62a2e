import Foundation

/// One timed line of a transcript to store: seconds from the start of the video, and its text.
public struct CueDraft: Sendable, Equatable, Codable {
    public var start: Double
    public var end: Double
    public var text: String

    public init(start: Double, end: Double, text: String) {
        self.start = start
        self.end = end
        self.text = text
    }
}

/// Where a transcript came from.
public enum TranscriptKind: String, Sendable, Codable, CaseIterable {
    /// A file beside the video (`.srt`, `.vtt`, a JSON transcript).
    case sidecar
    /// A text subtitle stream inside the video's container.
    case stream
}

/// A transcript to store for one video (``IndexStore/replaceTranscripts(videoId:_:kinds:)``):
/// its origin, and its cues, or the reason it could not be read.
public struct TranscriptDraft: Sendable, Equatable {
    /// The sidecar's path, or "stream:N" for the container's stream N.
    public var source: String
    public var kind: TranscriptKind
    /// "srt", "vtt", "json"; or the stream's codec ("subrip", "webvtt", "ass", "mov_text").
    public var format: String
    public var language: String?
    /// How a sidecar's bytes were decoded ("utf-8", "windows-1252", …).
    public var encoding: String?
    /// A sidecar's size (bytes) and modification time (seconds since 1970) when it was read: a
    /// later run re-reads it when either changed.
    public var size: Int64?
    public var mtime: Double?
    /// Why the transcript could not be read (its cues are then empty). Stored so that an
    /// unchanged bad sidecar is not re-read on every run.
    public var error: String?
    public var cues: [CueDraft]

    public init(source: String, kind: TranscriptKind, format: String, language: String? = nil, encoding: String? = nil,
                size: Int64? = nil, mtime: Double? = nil, error: String? = nil, cues: [CueDraft]) {
        self.source = source
        self.kind = kind
        self.format = format
        self.language = language
        self.encoding = encoding
        self.size = size
        self.mtime = mtime
        self.error = error
        self.cues = cues
    }
}

/// A stored transcript of a video, without its cues (for `info` and change detection).
public struct StoredTranscript: Sendable, Equatable, Codable {
    public var id: Int64
    public var videoId: Int64
    public var source: String
    public var kind: TranscriptKind
    public var format: String
    public var language: String?
    public var encoding: String?
    public var size: Int64?
    public var mtime: Double?
    public var error: String?
    public var cueCount: Int
}

/// A piece of a cue's text, marked when it is one of the words the query matched. A cue's
/// fragments, concatenated, are its text.
public struct TextFragment: Sendable, Equatable, Codable {
    public var text: String
    public var match: Bool

    public init(text: String, match: Bool) {
        self.text = text
        self.match = match
    }
}

/// A cue that matched a text search. JSON keys: cue_id, video_id, start, end (seconds), text,
/// fragments (the text split into matched and unmatched pieces), bm25 (SQLite FTS5's score:
/// lower is better), source, language.
public struct CueMatch: Sendable, Equatable, Codable {
    public var cueId: Int64
    public var videoId: Int64
    public var start: Double
    public var end: Double
    public var text: String
    public var fragments: [TextFragment]
    public var bm25: Double
    public var source: String
    public var language: String?

    public init(cueId: Int64, videoId: Int64, start: Double, end: Double, text: String, fragments: [TextFragment], bm25: Double,
                source: String, language: String?) {
        self.cueId = cueId
        self.videoId = videoId
        self.start = start
        self.end = end
        self.text = text
        self.fragments = fragments
        self.bm25 = bm25
        self.source = source
        self.language = language
    }

    enum CodingKeys: String, CodingKey {
        case start, end, text, fragments, bm25, source, language
        case cueId = "cue_id"
        case videoId = "video_id"
    }
}

/// How much text an index holds (for `info`). JSON keys: videos (with at least one cue),
/// transcripts (read fine), cues, failed (sidecars that could not be read).
public struct TranscriptCounts: Sendable, Equatable, Codable {
    public var videos: Int
    public var transcripts: Int
    public var cues: Int
    public var failed: Int
}

/// The transcripts of one video to write in one transaction, with the failure records of its
/// sidecars: ``IndexStore/replaceTranscripts(videoId:_:)``, or together with the video's clips
/// (``IndexStore/replaceVideo(_:clips:transcripts:)``, ``IndexStore/upsertClips(_:videoId:transcripts:)``)
/// so that indexing a video with its text costs one commit.
public struct TranscriptBatch: Sendable, Equatable {
    /// The transcripts, all of ``kinds``; stored ones of these kinds are replaced.
    public var drafts: [TranscriptDraft]
    public var kinds: Set<TranscriptKind>
    /// Sidecars that could not be read: recorded as failures with this stage.
    public var failures: [IndexingFailure]
    /// Sidecars read fine: their failure records are removed.
    public var cleared: [String]

    public init(drafts: [TranscriptDraft], kinds: Set<TranscriptKind> = Set(TranscriptKind.allCases),
                failures: [IndexingFailure] = [], cleared: [String] = []) {
        self.drafts = drafts
        self.kinds = kinds
        self.failures = failures
        self.cleared = cleared
    }
}
