import Foundation

/// Made-up speech for transcript benchmarks: sentences of generated words with a Zipf-like
/// frequency (a few words occur in many cues, most in few), mixed with English function words,
/// all fixed by a seed.
///
/// Word `r` of ``vocabulary`` (rank `r`, from 0) is drawn with probability proportional to
/// `1 / (r + 1)^exponent`, so rank 0 is the most frequent. Queries are built by rule from rank
/// bands (``query()``), never chosen after seeing a ranking.
///
/// For example:
/// ```swift
/// var speech = SyntheticSpeech(seed: 7)
/// let cues = speech.cues(count: 40, every: 2.5)   // 0–2.5 s, 2.5–5 s, …
/// let q = speech.query()                           // "the kavo of miteru and …"
/// ```
public struct SyntheticSpeech: Sendable {
    /// The generated content words, most frequent first; none is one of ``functionWords``.
    public let vocabulary: [String]
    /// The Zipf exponent of the content words' frequency.
    public let exponent: Double
    /// Cumulative draw probabilities of ``vocabulary`` (last element 1).
    private let cumulative: [Double]
    private var state: UInt64

    /// Common English words mixed into every sentence (the transcript search drops them).
    public static let functionWords = ["the", "a", "of", "and", "to", "in", "is", "it", "that", "with", "on", "for",
                                       "was", "we", "you", "this", "they", "at", "from", "so"]

    /// Rank bands of ``query()``: frequent words, mid-frequency words, and rare words (as
    /// fractions of the vocabulary's size, so that they scale with it).
    public static let frequentBand = 0.0..<0.015
    public static let midBand = 0.05..<0.25
    public static let rareBand = 0.6..<1.0

    /// - Parameters:
    ///   - seed: fixes the vocabulary, every sentence and every query.
    ///   - vocabularySize: generated content words (at least 20).
    ///   - exponent: Zipf exponent (1 is natural text's).
    public init(seed: UInt64, vocabularySize: Int = 3000, exponent: Double = 1) {
        state = seed ^ 0x5EED_5EED_5EED_5EED
        self.exponent = exponent
        let syllables = ["ka", "lo", "mi", "te", "ru", "sa", "no", "vi", "de", "po", "ga", "shi", "ten", "mar", "bel",
                         "or", "un", "pra", "zu", "fe", "lin", "dor", "ak", "qui", "se", "tam", "ro", "ve", "nu", "cal"]
        var words: [String] = []
        var seen = Set(Self.functionWords)
        let size = max(20, vocabularySize)
        while words.count < size {
            var word = ""
            let n = 2 + Int(Self.next(&state) % 3)
            for _ in 0..<n { word += syllables[Int(Self.next(&state) % UInt64(syllables.count))] }
            if seen.insert(word).inserted { words.append(word) }
        }
        vocabulary = words
        var total = 0.0
        var sums: [Double] = []
        sums.reserveCapacity(size)
        for r in 0..<size {
            total += 1 / pow(Double(r + 1), exponent)
            sums.append(total)
        }
        cumulative = sums.map { $0 / total }
    }

    /// A sentence of 6–12 words: each a function word with probability 0.35, else a content
    /// word drawn by frequency; capitalised, ending with a full stop.
    public mutating func sentence() -> String {
        let n = 6 + Int(Self.next(&state) % 7)
        var words: [String] = []
        words.reserveCapacity(n)
        for _ in 0..<n {
            if uniform() < 0.35 {
                words.append(Self.functionWords[Int(Self.next(&state) % UInt64(Self.functionWords.count))])
            } else {
                words.append(vocabulary[drawRank()])
            }
        }
        var text = words.joined(separator: " ")
        text = text.prefix(1).uppercased() + text.dropFirst() + "."
        return text
    }

    /// `count` cues of one sentence each, back to back: cue `i` spans `i·every` to
    /// `(i+1)·every` seconds.
    public mutating func cues(count: Int, every: Double) -> [(start: Double, end: Double, text: String)] {
        (0..<max(0, count)).map { i in (Double(i) * every, Double(i + 1) * every, sentence()) }
    }

    /// A query built by rule: 2 frequent, 2 mid-frequency and 1 rare content word (from
    /// ``frequentBand``, ``midBand``, ``rareBand``, in that order) joined by function words,
    /// e.g. "the kavo of miteru and belpo with zuse in calornu".
    public mutating func query() -> String {
        var content: [String] = []
        for band in [Self.frequentBand, Self.frequentBand, Self.midBand, Self.midBand, Self.rareBand] {
            var w = word(in: band)
            for _ in 0..<8 where content.contains(w) { w = word(in: band) }
            content.append(w)
        }
        let glue = ["the", "of", "and", "with", "in"]
        return zip(glue, content).map { "\($0) \($1)" }.joined(separator: " ")
    }

    /// A content word drawn uniformly from the ranks in `band` (fractions of the vocabulary).
    mutating func word(in band: Range<Double>) -> String {
        let lo = min(vocabulary.count - 1, Int(band.lowerBound * Double(vocabulary.count)))
        let hi = max(lo + 1, min(vocabulary.count, Int(band.upperBound * Double(vocabulary.count))))
        let r = lo + Int(Self.next(&state) % UInt64(hi - lo))
        return vocabulary[r]
    }

    /// A rank drawn by the Zipf frequency (binary search of the cumulative probabilities).
    mutating func drawRank() -> Int {
        let u = uniform()
        var lo = 0, hi = cumulative.count - 1
        while lo < hi {
            let mid = (lo + hi) / 2
            if cumulative[mid] < u { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    mutating func uniform() -> Double { Double(Self.next(&state) >> 11) / Double(1 << 53) }

    /// SplitMix64.
    static func next(_ s: inout UInt64) -> UInt64 {
        s &+= 0x9E37_79B9_7F4A_7C15
        var z = s
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
