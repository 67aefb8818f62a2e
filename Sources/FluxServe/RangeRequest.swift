import Foundation

/// One byte range of an HTTP `Range: bytes=…` header, resolved against a file's size
/// (RFC 9110 §14.1.2): `bytes=0-99`, `bytes=100-` (to the end), `bytes=-100` (the last 100).
enum RangeRequest: Equatable {
    /// Serve the whole file (no header, a unit other than bytes, or several ranges: the server
    /// may ignore a Range it does not serve).
    case whole
    /// Serve these bytes, with 206 Partial Content.
    case partial(ClosedRange<Int>)
    /// No byte of the range is in the file: 416 Range Not Satisfiable.
    case unsatisfiable

    /// - Parameters:
    ///   - header: the `Range` value, or nil.
    ///   - size: the file's size in bytes.
    static func parse(_ header: String?, size: Int) -> RangeRequest {
        guard let header = header?.trimmingCharacters(in: .whitespaces), header.lowercased().hasPrefix("bytes=") else { return .whole }
        let spec = header.dropFirst(6).trimmingCharacters(in: .whitespaces)
        guard !spec.contains(",") else { return .whole }
        let parts = spec.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        // A header that does not parse is ignored (RFC 9110 §14.2): the whole file.
        guard parts.count == 2 else { return .whole }
        let digits: (String) -> Bool = { !$0.isEmpty && $0.allSatisfy { $0.isASCII && $0.isNumber } }
        if parts[0].isEmpty {
            // Suffix: the last N bytes.
            guard digits(parts[1]), let n = Int(parts[1]) else { return .whole }
            guard n > 0, size > 0 else { return .unsatisfiable }
            return .partial(max(0, size - n)...(size - 1))
        }
        guard digits(parts[0]) else { return .whole }
        // A first byte past the end (also one too large for an Int) is unsatisfiable.
        guard let first = Int(parts[0]), first < size else { return .unsatisfiable }
        if parts[1].isEmpty { return .partial(first...(size - 1)) }
        guard digits(parts[1]) else { return .whole }
        let last = Int(parts[1]) ?? Int.max
        guard last >= first else { return .whole }
        return .partial(first...min(last, size - 1))
    }
}
