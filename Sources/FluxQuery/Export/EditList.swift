import Foundation

/// One clip of an edit list: a span of a source file.
public struct EditListClip: Sendable, Equatable {
    /// The source file's absolute path.
    public var path: String
    /// Where the span starts in the source, in seconds.
    public var start: Double
    /// Where the span ends in the source, in seconds.
    public var end: Double
    /// The source's frame rate; in/out points are whole frames at this rate.
    public var frameRate: FrameRate
    /// The whole source file's duration in seconds, when known: in/out points are clamped to it.
    public var sourceDuration: Double?
    /// The 1-based rank of the search hit.
    public var rank: Int
    /// The hit's score.
    public var score: Float
    /// Free text to carry along, e.g. the matching subtitle line.
    public var note: String?

    public init(path: String, start: Double, end: Double, frameRate: FrameRate, sourceDuration: Double?,
                rank: Int, score: Float, note: String? = nil) {
        self.path = path
        self.start = start
        self.end = end
        self.frameRate = frameRate
        self.sourceDuration = sourceDuration
        self.rank = rank
        self.score = score
        self.note = note
    }

    /// The source's file name (`clip.mp4`), the name editors show for the clip.
    var fileName: String { URL(fileURLWithPath: path).lastPathComponent }
}

/// Search hits in result order, to be laid one after another on a timeline.
public struct EditList: Sendable, Equatable {
    /// The query text; it becomes the timeline's name and a marker (or comment) on the first clip.
    public var title: String
    /// The clips, in timeline order.
    public var clips: [EditListClip]

    public init(title: String, clips: [EditListClip]) {
        self.title = title
        self.clips = clips
    }
}

/// The edit-list file formats ``EditListWriter`` writes.
public enum EditListFormat: String, CaseIterable, Sendable {
    /// CMX 3600 EDL: one timecode rate for the whole file (the first clip's).
    case edl
    /// Final Cut Pro XML 1.8 (also read by DaVinci Resolve).
    case fcpxml
    /// OpenTimelineIO JSON.
    case otio
    /// A spreadsheet of the hits (RFC 4180).
    case csv

    /// From a file name's extension (.edl, .fcpxml or .xml → fcpxml, .otio, .csv), case-insensitive.
    public init?(fileName: String) {
        let base = fileName.split(separator: "/", omittingEmptySubsequences: false).last.map(String.init) ?? fileName
        guard let dot = base.lastIndex(of: "."), dot != base.startIndex else { return nil }
        switch base[base.index(after: dot)...].lowercased() {
        case "edl": self = .edl
        case "fcpxml", "xml": self = .fcpxml
        case "otio": self = .otio
        case "csv": self = .csv
        default: return nil
        }
    }
}
