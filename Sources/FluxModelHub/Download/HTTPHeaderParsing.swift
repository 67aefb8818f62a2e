import Foundation

/// The few HTTP header values the downloader reads.
enum HTTPHeaderParsing {
    /// A `Content-Range` of a 206 (`bytes 100-199/1000`) or 416 (`bytes */1000`).
    struct ContentRange: Equatable {
        /// First byte offset, nil for the `*/N` form.
        var first: Int64?
        var last: Int64?
        /// Complete length, nil when `*`.
        var completeLength: Int64?
    }

    static func contentRange(_ value: String?) -> ContentRange? {
        guard var text = value?.trimmingCharacters(in: .whitespaces), text.lowercased().hasPrefix("bytes") else { return nil }
        text = String(text.dropFirst(5)).trimmingCharacters(in: .whitespaces)
        let halves = text.split(separator: "/", maxSplits: 1).map(String.init)
        guard halves.count == 2 else { return nil }
        let length = halves[1] == "*" ? nil : Int64(halves[1])
        if halves[1] != "*" && length == nil { return nil }
        if halves[0] == "*" { return ContentRange(first: nil, last: nil, completeLength: length) }
        let bounds = halves[0].split(separator: "-", maxSplits: 1).map { Int64($0) }
        guard bounds.count == 2, let first = bounds[0], let last = bounds[1], first <= last else { return nil }
        return ContentRange(first: first, last: last, completeLength: length)
    }

    /// The SHA-256 in an `ETag` / `X-Linked-Etag` value (`"…"`, `W/"…"`), or nil when the tag
    /// is not 64 hex digits (a git blob SHA-1 for small files, or an opaque tag).
    static func sha256ETag(_ value: String?) -> String? {
        guard var tag = value?.trimmingCharacters(in: .whitespaces) else { return nil }
        if tag.hasPrefix("W/") { tag.removeFirst(2) }
        tag = tag.trimmingCharacters(in: CharacterSet(charactersIn: "\""))
        let lower = tag.lowercased()
        guard lower.count == 64, lower.allSatisfy({ $0.isHexDigit }) else { return nil }
        return lower
    }
}
