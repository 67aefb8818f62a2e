import Foundation

/// The words of a query looked up in the transcripts, and the SQLite FTS5 expression that looks
/// them up.
///
/// The query is split into words (letters and digits of any script; an apostrophe inside a
/// word stays). Common English words that carry no topic ("a", "the", "is", …) are dropped,
/// unless nothing else is left. Each word is quoted, so that FTS5 reads none of it as syntax
/// (`AND`, `NEAR`, `*`, `"`), and the words are joined with OR: a cue matching more of them, or
/// rarer ones, ranks higher by BM25, and a cue matching one still counts.
public struct TranscriptQuery: Sendable, Equatable {
    /// Lower-cased words, in query order, without repeats.
    public private(set) var terms: [String]
    /// Words left out because too many cues hold them (``droppingCommonTerms(counts:total:)``).
    public private(set) var dropped: [String] = []

    /// A term held by more than this fraction of the cues is left out when rarer terms remain.
    public static let commonFraction = 0.1

    public init(_ text: String) {
        var words: [String] = []
        var current = ""
        let chars = Array(text)
        for (i, ch) in chars.enumerated() {
            let inner = (ch == "'" || ch == "’") && !current.isEmpty && i + 1 < chars.count && chars[i + 1].isLetter
            if ch.isLetter || ch.isNumber || inner {
                current.append(ch)
            } else if !current.isEmpty {
                words.append(current)
                current = ""
            }
        }
        if !current.isEmpty { words.append(current) }
        var seen = Set<String>()
        let unique = words.map { $0.lowercased() }.filter { seen.insert($0).inserted }
        let content = unique.filter { !Self.stopWords.contains($0) }
        terms = content.isEmpty ? unique : content
    }

    /// The FTS5 MATCH expression, nil when the query has no word.
    public var ftsExpression: String? {
        guard !terms.isEmpty else { return nil }
        return terms.map(Self.quoted).joined(separator: " OR ")
    }

    /// `term` as an FTS5 string: read as words, never as syntax.
    public static func quoted(_ term: String) -> String {
        "\"" + term.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// The query without the terms that more than ``commonFraction`` of the `total` cues hold
    /// (`counts[i]`: cues holding `terms[i]`), unless that would leave no term. Such a word
    /// weighs little in BM25 (its IDF, ln((N − n + ½)/(n + ½)), is at most ln 9 ≈ 2.2 against
    /// about 9 for a word in ten of 80,000 cues), yet ranking every cue that holds it is nearly
    /// all the time a text search takes; without it the rarer words decide the ranking.
    public func droppingCommonTerms(counts: [Int], total: Int) -> TranscriptQuery {
        let limit = Double(total) * Self.commonFraction
        let common = Set(zip(terms, counts).filter { Double($0.1) > limit }.map(\.0))
        guard !common.isEmpty, common.count < terms.count else { return self }
        var q = self
        q.terms = terms.filter { !common.contains($0) }
        q.dropped = terms.filter { common.contains($0) }
        return q
    }

    /// Function words of English that would match nearly every transcript.
    static let stopWords: Set<String> = [
        "a", "an", "the", "and", "or", "but", "of", "in", "on", "at", "to", "for", "from", "by", "with", "as", "into",
        "onto", "is", "are", "was", "were", "be", "been", "being", "am", "it", "its", "this", "that", "these", "those",
        "there", "here", "he", "she", "they", "we", "you", "i", "his", "her", "their", "our", "your", "my", "me", "him",
        "them", "us", "do", "does", "did", "has", "have", "had", "not", "no", "so", "then", "than", "up", "down", "out",
        "about", "over", "under", "while", "who", "what", "which", "where", "when", "how", "some", "any", "all",
    ]
}
