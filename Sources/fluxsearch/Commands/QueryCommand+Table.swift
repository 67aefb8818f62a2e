import Foundation
import FluxQuery
import FluxStore

// The human-readable result of `query` (and `similar`): a header line, one row per hit, and a
// hint to play the top one.
extension QueryCommand {
    static func printTable(_ r: QueryResult) {
        if let f = r.refine {
            note("refined the top \(f.top) at \(f.tokens) tokens: \(f.encoded) encoded, \(f.cached) from the cache")
        }
        if let f = r.filter, let n = r.filtered {
            note("filter \(filterSummary(f)): \(n) clip(s) at \(r.budget) tokens")
        }
        if let x = r.exclude, x.dropped > 0 { note("--exclude dropped \(x.dropped) candidate(s)") }
        let searched = r.fusion.map { f in
            r.source == .text ? ", transcripts (\(f.cues) matching cue(s))" : ", picture + transcripts (\(f.cues) matching cue(s), RRF k=\(Int(f.k)))"
        } ?? ""
        out("\"\(clipped(displayLine(r.query), to: 120))\" — \(r.hits.count) result(s) of \(r.candidates) candidates, \(r.budget) tokens, rerank \(r.rerank.rawValue)\(r.rerank == .dsl ? " (bank \(r.bankSize))" : "")\(searched), \(String(format: "%.0f", r.timings.totalMs)) ms")
        guard !r.hits.isEmpty else { return out("no results") }
        out(pad("#", 4) + pad("score", 8) + pad("cosine", 8) + pad("tokens", 7) + pad("time", 15) + "path")
        for h in r.hits {
            out(pad("\(h.rank)", 4) + pad(fixed(h.score, 4), 8) + pad(fixed(h.cosine, 3), 8)
                  + pad("\(h.budget)", 7) + pad(timeRange(h.start, h.end), 15) + displayLine(h.path))
            if r.fusion != nil {
                let visual = h.visualRank.map { "picture #\($0) (\(fixed(h.visualScore ?? h.cosine, 4)))" } ?? "picture: not in the pool"
                let text = h.textRank.map { "transcript #\($0)" } ?? "transcript: no match"
                out(pad("", 4) + "why: " + visual + ", " + text)
            }
            if let moments = h.moments, !moments.isEmpty {
                out(pad("", 4) + "moments: " + moments.map { "\(timeRange($0.start, $0.end)) (\(fixed($0.score, 3)))" }.joined(separator: ", "))
            }
            for c in (h.cues ?? []).prefix(3) {
                out(pad("", 4) + "said \(timeRange(c.start, c.end)): " + highlighted(c.fragments))
            }
            for d in h.duplicates ?? [] {
                out(pad("", 4) + "same as: " + displayLine(d.path) + " \(timeRange(d.start, d.end)) (cosine \(fixed(d.similarity, 4)))")
            }
        }
        if let top = r.hits.min(by: { $0.rank < $1.rank }) {
            let start = top.moments?.first?.start ?? top.start
            out("play the top result: ffplay -ss \(String(format: "%.2f", start)) \(displayLine(shellQuote(top.path)))")
        }
    }

    /// A cue on one line with the matched words in bold on a terminal (unless NO_COLOR is set),
    /// else in [brackets].
    static func highlighted(_ fragments: [TextFragment]) -> String {
        let bold = isatty(STDOUT_FILENO) == 1 && ProcessInfo.processInfo.environment["NO_COLOR"] == nil
        let text = fragments.map { f -> String in
            let t = displayLine(f.text.replacingOccurrences(of: "\n", with: " / "))
            guard f.match else { return t }
            return bold ? "\u{1B}[1m" + t + "\u{1B}[0m" : "[" + t + "]"
        }.joined()
        return "\u{201C}" + clipped(text, to: 200) + "\u{201D}"
    }

    /// "--path /v --after 2024-05-01T00:00:00Z --min-duration 30" for the filter note.
    static func filterSummary(_ f: ClipFilter) -> String {
        let iso = ISO8601DateFormatter()
        var parts = f.paths.map { "--path " + displayLine($0.description) }
        if let a = f.after { parts.append("--after " + iso.string(from: a)) }
        if let b = f.before { parts.append("--before " + iso.string(from: b)) }
        if let m = f.minDuration { parts.append("--min-duration \(m)") }
        if let m = f.maxDuration { parts.append("--max-duration \(m)") }
        if let k = f.kind { parts.append("--kind \(k.rawValue)") }
        return parts.joined(separator: " ")
    }

    /// `x` with `digits` decimals; a value that rounds to zero prints as 0, never as -0.
    static func fixed(_ x: Float, _ digits: Int) -> String {
        let s = String(format: "%.\(digits)f", x)
        return s.hasPrefix("-") && s.dropFirst().allSatisfy { $0 == "0" || $0 == "." } ? String(s.dropFirst()) : s
    }
}
