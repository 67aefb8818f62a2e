import ArgumentParser
import Foundation
import FluxIngest
import FluxQuery

extension SimilarTarget {
    /// Reads the argument of `similar`: digits are a clip id; an existing file is a path (even
    /// with an '@' in its name); else `PATH@START-END` (seconds, 0 ≤ START < END) or a plain
    /// path. A path that does not exist is reported when the search runs (exit 1).
    /// - Throws: `ValidationError` (exit 64) for an empty argument, a clip id out of range or a
    ///   malformed span.
    static func parse(_ argument: String, fileExists: (String) -> Bool = { FileManager.default.fileExists(atPath: $0) }) throws -> SimilarTarget {
        guard !argument.isEmpty else {
            throw ValidationError("Give a clip id (the clip_id of `fluxsearch query TEXT --json`) or a video file.")
        }
        if argument.allSatisfy({ $0.isASCII && $0.isNumber }) {
            guard let id = Int64(argument) else { throw ValidationError("Clip id \(argument) is out of range.") }
            return .clip(id)
        }
        guard !fileExists(argument), let at = argument.lastIndex(of: "@") else {
            return .file(URL(fileURLWithPath: argument), window: nil)
        }
        let path = String(argument[..<at]), span = String(argument[argument.index(after: at)...])
        let parts = span.split(separator: "-", omittingEmptySubsequences: false)
        guard !path.isEmpty, parts.count == 2, let start = Double(parts[0]), let end = Double(parts[1]),
              start.isFinite, end.isFinite, start >= 0, end > start else {
            throw ValidationError("'@\(span)' in '\(argument)' is not a span: write PATH@START-END in seconds with START < END, e.g. holiday.mp4@12-18.")
        }
        return .file(URL(fileURLWithPath: path), window: TimeWindow(start: start, end: end))
    }
}
