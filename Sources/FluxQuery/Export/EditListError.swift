import Foundation

/// Why an edit list could not be written: what failed, for which clip or file, and what to do.
public enum EditListError: Error, CustomStringConvertible, LocalizedError, Equatable {
    /// The list has no clips (the search found nothing).
    case noClips(title: String)
    /// A clip cannot be placed on a timeline; `reason` says why and what to pass instead.
    case invalidClip(rank: Int, path: String, reason: String)
    /// A CMX 3600 EDL numbers events 001–999.
    case tooManyEvents(count: Int)
    /// A timecode would pass 24 hours, where CMX 3600 timecode wraps.
    case timecodeOutOfRange(rank: Int, path: String)
    /// The file name's extension names no format ``EditListFormat`` knows.
    case unknownFormat(fileName: String)
    /// Writing or renaming the file failed.
    case writeFailed(path: String, reason: String)

    public var description: String {
        switch self {
        case .noClips(let title):
            return "the edit list for '\(title)' has no clips; search for something that finds results before exporting"
        case .invalidClip(let rank, let path, let reason):
            return "hit #\(rank) (\(path)) cannot go in an edit list: \(reason)"
        case .tooManyEvents(let count):
            return "a CMX 3600 EDL holds at most 999 events but the list has \(count) clips; export fewer hits (--limit) or write .fcpxml, .otio or .csv"
        case .timecodeOutOfRange(let rank, let path):
            return "hit #\(rank) (\(path)) needs a timecode past 24 hours, which an EDL cannot hold; export fewer hits or write .fcpxml or .otio"
        case .unknownFormat(let fileName):
            return "'\(fileName)' does not name an edit-list format; end it in .edl, .fcpxml (or .xml), .otio or .csv"
        case .writeFailed(let path, let reason):
            return "cannot write the edit list \(path): \(reason); check that the folder exists and is writable"
        }
    }

    public var errorDescription: String? { description }
}
