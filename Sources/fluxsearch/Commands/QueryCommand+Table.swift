import Foundation
import FluxQuery

// The human-readable result of `query` (and `similar`): a header line, one row per hit, and a
// hint to play the top one.
extension QueryCommand {
    static func printTable(_ r: QueryResult) {
        if let f = r.refine {
            note("refined the top \(f.top) at \(f.tokens) tokens: \(f.encoded) encoded, \(f.cached) from the cache")
        }
        out("\"\(clipped(displayLine(r.query), to: 120))\" — \(r.hits.count) result(s) of \(r.candidates) candidates, \(r.budget) tokens, rerank \(r.rerank.rawValue)\(r.rerank == .dsl ? " (bank \(r.bankSize))" : ""), \(String(format: "%.0f", r.timings.totalMs)) ms")
        guard !r.hits.isEmpty else { return out("no results") }
        out(pad("#", 4) + pad("score", 8) + pad("cosine", 8) + pad("tokens", 7) + pad("time", 15) + "path")
        for h in r.hits {
            out(pad("\(h.rank)", 4) + pad(fixed(h.score, 4), 8) + pad(fixed(h.cosine, 3), 8)
                  + pad("\(h.budget)", 7) + pad(timeRange(h.start, h.end), 15) + displayLine(h.path))
        }
        if let top = r.hits.first {
            out("play the top result: ffplay -ss \(String(format: "%.2f", top.start)) \(displayLine(shellQuote(top.path)))")
        }
    }

    /// `x` with `digits` decimals; a value that rounds to zero prints as 0, never as -0.
    static func fixed(_ x: Float, _ digits: Int) -> String {
        let s = String(format: "%.\(digits)f", x)
        return s.hasPrefix("-") && s.dropFirst().allSatisfy { $0 == "0" || $0 == "." } ? String(s.dropFirst()) : s
    }
}
