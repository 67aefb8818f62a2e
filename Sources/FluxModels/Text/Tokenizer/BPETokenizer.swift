import Foundation

/// The CLIP byte-level BPE tokenizer, with the semantics of open_clip's `SimpleTokenizer`
/// (`open_clip.get_tokenizer("ViT-B-16")`, which MobileCLIP and InternVideo2-CLIP use).
///
/// Text goes through four steps:
/// 1. cleaning (``TextCleaner``): ftfy subset, HTML unescaping, whitespace collapse, lower case;
/// 2. pre-tokenisation (``PreTokenizer``): special tokens, contractions, letter runs, single
///    digits, runs of other characters;
/// 3. byte-level BPE of each piece's UTF-8 bytes, `</w>` on the last byte, lowest-rank merge
///    first, with only the first 48 894 merges (``BPEVocabulary``);
/// 4. for ``tokenize(_:contextLength:)``: `[49406] + ids + [49407]`, cut to the context
///    (the last kept position becomes 49407) and right-padded with 0.
///
/// For example:
///
/// ```swift
/// let tokenizer = try BPETokenizer()              // the vocabulary installed by Tools/setup
/// tokenizer.encode("A man is playing a guitar")  // [320, 786, 533, 1629, 320, 5084]
/// tokenizer.tokenize("")                         // [49406, 49407, 0, 0, …] (77 ids)
/// ```
///
/// Any `String` is accepted: empty and whitespace-only text give no BPE ids, and invalid UTF-8
/// has already become U+FFFD when the `String` was made (`String(decoding:as:)`), which is what
/// Python's `bytes.decode("utf-8", errors="replace")` also produces.
///
/// Thread safety: an instance may be used from several threads; the BPE cache is locked.
///
/// ## Topics
/// ### Loading
/// - ``init(vocabularyURL:)``
/// - ``defaultVocabularyURL(environment:)``
/// ### Encoding
/// - ``encode(_:)``
/// - ``tokenize(_:contextLength:)``
/// - ``decode(_:)``
public final class BPETokenizer: @unchecked Sendable {
    /// Tokens in the vocabulary (256 bytes, 256 word-final bytes, 48 894 merges, 2 specials).
    public static let vocabularySize = BPEVocabulary.size
    /// `<start_of_text>`.
    public static let startOfText: Int32 = 49406
    /// `<end_of_text>`; the largest id, which is where the text tower pools.
    public static let endOfText: Int32 = 49407
    /// Padding after the end token (also the byte token "!").
    public static let padding: Int32 = 0
    /// CLIP's context: 77 tokens including the start and end tokens.
    public static let defaultContextLength = 77
    /// The vocabulary file name, as open_clip ships it.
    public static let vocabularyFileName = "bpe_simple_vocab_16e6.txt.gz"
    /// Words kept in the BPE cache before it is cleared (a bound on memory).
    public static let cacheLimit = 100_000

    private let vocabulary: BPEVocabulary
    private var cache: [[UInt8]: [Int32]] = [:]
    private let lock = NSLock()
    /// Where the vocabulary was read from.
    public let vocabularyURL: URL

    /// `$FLUXSEARCH_CACHE/bpe_simple_vocab_16e6.txt.gz`, by default
    /// `~/.cache/fluxsearch/bpe_simple_vocab_16e6.txt.gz` (where `Tools/setup` installs it).
    public static func defaultVocabularyURL(environment: [String: String] = ProcessInfo.processInfo.environment) -> URL {
        let folder: URL
        if let cache = environment["FLUXSEARCH_CACHE"], !cache.isEmpty {
            folder = URL(fileURLWithPath: cache, isDirectory: true)
        } else {
            let home = environment["HOME"].map { URL(fileURLWithPath: $0, isDirectory: true) }
                ?? FileManager.default.homeDirectoryForCurrentUser
            folder = home.appendingPathComponent(".cache/fluxsearch", isDirectory: true)
        }
        return folder.appendingPathComponent(vocabularyFileName)
    }

    /// Loads the vocabulary (gzip-compressed merge list).
    ///
    /// - Parameter vocabularyURL: the `.txt.gz` file; `nil` means ``defaultVocabularyURL(environment:)``.
    /// - Throws: ``TextError/vocabularyMissing(path:)`` (the message says to run `Tools/setup`)
    ///   or ``TextError/vocabularyCorrupt(path:reason:)``.
    public init(vocabularyURL: URL? = nil) throws {
        let url = vocabularyURL ?? Self.defaultVocabularyURL()
        self.vocabularyURL = url
        self.vocabulary = try BPEVocabulary(fileText: try BPEVocabulary.readGzip(at: url), path: url.path)
    }

    // MARK: - Encoding

    /// The BPE ids of `text`, without start/end tokens and without truncation
    /// (open_clip `SimpleTokenizer.encode`).
    public func encode(_ text: String) -> [Int32] {
        let cleaned = TextCleaner.cleanScalars(Array(text.unicodeScalars))
        var ids: [Int32] = []
        ids.reserveCapacity(cleaned.count / 3 + 1)
        for range in PreTokenizer.pieces(cleaned) {
            var bytes: [UInt8] = []
            bytes.reserveCapacity(range.count)
            for c in cleaned[range] { UTF8.encode(c) { bytes.append($0) } }
            ids.append(contentsOf: encodePiece(bytes))
        }
        return ids
    }

    /// The model input for `text`: `[49406] + encode(text) + [49407]`, truncated to
    /// `contextLength` with 49407 kept as the last token, then right-padded with 0 to
    /// exactly `contextLength` ids (open_clip `tokenize`).
    public func tokenize(_ text: String, contextLength: Int = BPETokenizer.defaultContextLength) -> [Int32] {
        var ids = tokenizeUnpadded(text, contextLength: contextLength)
        ids.append(contentsOf: repeatElement(Self.padding, count: contextLength - ids.count))
        return ids
    }

    /// ``tokenize(_:contextLength:)`` without the padding: ends at the first end token.
    public func tokenizeUnpadded(_ text: String, contextLength: Int = BPETokenizer.defaultContextLength) -> [Int32] {
        precondition(contextLength >= 2, "the context must hold the start and end tokens")
        var ids = [Self.startOfText] + encode(text) + [Self.endOfText]
        if ids.count > contextLength {
            ids.removeLast(ids.count - contextLength)
            ids[contextLength - 1] = Self.endOfText
        }
        return ids
    }

    /// Text for ids (open_clip `decode`): bytes joined, `</w>` as a space, invalid UTF-8 as
    /// U+FFFD. Ids outside the vocabulary are skipped.
    public func decode(_ ids: [Int32]) -> String {
        var bytes: [UInt8] = []
        for id in ids where id >= 0 && Int(id) < BPEVocabulary.size {
            bytes.append(contentsOf: vocabulary.tokenBytes[Int(id)])
            if vocabulary.tokenEndsWord[Int(id)] { bytes.append(0x20) }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Entries in the BPE cache (for tests and diagnostics).
    public var cachedWordCount: Int {
        lock.lock(); defer { lock.unlock() }
        return cache.count
    }

    // MARK: - BPE

    /// The ids of one pre-tokenised piece, given as UTF-8 bytes.
    func encodePiece(_ bytes: [UInt8]) -> [Int32] {
        if bytes == Self.startBytes { return [Self.startOfText] }
        if bytes == Self.endBytes { return [Self.endOfText] }
        if bytes.count == 1 { return [vocabulary.byteToken[Int(bytes[0])] + 256] }
        lock.lock()
        if let hit = cache[bytes] { lock.unlock(); return hit }
        lock.unlock()
        let ids = bpe(bytes)
        lock.lock()
        if cache.count >= Self.cacheLimit { cache.removeAll(keepingCapacity: true) }
        cache[bytes] = ids
        lock.unlock()
        return ids
    }

    private static let startBytes = Array("<start_of_text>".utf8)
    private static let endBytes = Array("<end_of_text>".utf8)

    /// Words longer than this many bytes use ``bpeHeap(_:)`` (same result, O(n log n)).
    static let heapThreshold = 48

    /// The BPE merges of one piece: open_clip `SimpleTokenizer.bpe`.
    func bpe(_ bytes: [UInt8]) -> [Int32] {
        bytes.count > Self.heapThreshold ? bpeHeap(bytes) : bpeNaive(bytes)
    }

    /// open_clip's algorithm as written: repeatedly merge every occurrence (left to right) of
    /// the adjacent pair with the lowest rank, until no pair has a rank. O(n²) in the word
    /// length.
    func bpeNaive(_ bytes: [UInt8]) -> [Int32] {
        var word = bytes.map { vocabulary.byteToken[Int($0)] }
        word[word.count - 1] += 256   // `</w>` on the last symbol
        let merges = vocabulary.merges
        while word.count > 1 {
            var best: (rank: Int32, merged: Int32)? = nil
            var bestLeft: Int32 = 0, bestRight: Int32 = 0
            for i in 0..<(word.count - 1) {
                if let m = merges[Self.pairKey(word[i], word[i + 1])], best == nil || m.rank < best!.rank {
                    best = m; bestLeft = word[i]; bestRight = word[i + 1]
                }
            }
            guard let merge = best else { break }
            var next: [Int32] = []
            next.reserveCapacity(word.count - 1)
            var i = 0
            while i < word.count {
                if i + 1 < word.count, word[i] == bestLeft, word[i + 1] == bestRight {
                    next.append(merge.merged)
                    i += 2
                } else {
                    next.append(word[i])
                    i += 1
                }
            }
            word = next
        }
        return word
    }

    /// The same merges with a priority queue over (rank, position) and a linked list of
    /// symbols: O(n log n), so that a pasted megabyte-long "word" cannot stall a query.
    ///
    /// Equivalent to ``bpeNaive(_:)``: a merge's parts always have lower ranks than the merge
    /// (the file lists merges in creation order), so a merge never creates a pair that ranks
    /// below the one being applied; equal ranks are the same pair, applied left to right, and
    /// an occurrence that overlaps an earlier one is skipped as stale.
    func bpeHeap(_ bytes: [UInt8]) -> [Int32] {
        let n = bytes.count
        var symbol = bytes.map { vocabulary.byteToken[Int($0)] }
        symbol[n - 1] += 256
        var next = Array(1...n)          // n = end
        var prev = Array(-1..<(n - 1))   // -1 = start
        var alive = [Bool](repeating: true, count: n)
        let merges = vocabulary.merges

        // Min-heap of candidate merges keyed by (rank, left position).
        struct Candidate { let rank: Int32; let position: Int; let left: Int32; let right: Int32 }
        var heap: [Candidate] = []
        heap.reserveCapacity(n)
        func less(_ a: Candidate, _ b: Candidate) -> Bool { a.rank != b.rank ? a.rank < b.rank : a.position < b.position }
        func push(_ c: Candidate) {
            heap.append(c)
            var i = heap.count - 1
            while i > 0 {
                let parent = (i - 1) / 2
                guard less(heap[i], heap[parent]) else { break }
                heap.swapAt(i, parent); i = parent
            }
        }
        func pop() -> Candidate {
            let top = heap[0]
            let last = heap.removeLast()
            if !heap.isEmpty {
                heap[0] = last
                var i = 0
                while true {
                    let l = 2 * i + 1, r = l + 1
                    var m = i
                    if l < heap.count, less(heap[l], heap[m]) { m = l }
                    if r < heap.count, less(heap[r], heap[m]) { m = r }
                    if m == i { break }
                    heap.swapAt(i, m); i = m
                }
            }
            return top
        }
        func consider(_ i: Int) {
            guard i >= 0, i < n, next[i] < n else { return }
            let l = symbol[i], r = symbol[next[i]]
            if let m = merges[Self.pairKey(l, r)] { push(Candidate(rank: m.rank, position: i, left: l, right: r)) }
        }
        for i in 0..<(n - 1) { consider(i) }

        while !heap.isEmpty {
            let c = pop()
            let i = c.position
            guard alive[i], next[i] < n, symbol[i] == c.left, symbol[next[i]] == c.right else { continue }
            let j = next[i]
            symbol[i] = merges[Self.pairKey(c.left, c.right)]!.merged
            alive[j] = false
            next[i] = next[j]
            if next[j] < n { prev[next[j]] = i }
            consider(prev[i])
            consider(i)
        }
        var out: [Int32] = []
        var i = 0
        while i < n { out.append(symbol[i]); i = next[i] }
        return out
    }

    @inline(__always)
    private static func pairKey(_ a: Int32, _ b: Int32) -> UInt64 { UInt64(UInt32(a)) << 32 | UInt64(UInt32(b)) }
}
