import Foundation
import XCTest
@testable import FluxModels

/// Edge cases of the BPE tokenizer: empty and long inputs, arbitrary bytes, the vocabulary
/// file, the cache. Expected ids come from open_clip (noted where they are literal).
final class TokenizerTests: XCTestCase {
    func testEmptyAndWhitespaceOnlyGiveStartAndEnd() throws {
        let tokenizer = try TextFixtures.tokenizer()
        for text in ["", " ", "\t\n\r ", "\u{A0}\u{3000}\u{2028}", "\u{200B}", "\u{0}\u{7}\u{1B}[0m"] {
            XCTAssertEqual(tokenizer.encode(text).count, text == "\u{200B}" ? 1 : 0, text.debugDescription)
        }
        XCTAssertEqual(tokenizer.tokenize(""), [49406, 49407] + [Int32](repeating: 0, count: 75))
        XCTAssertEqual(tokenizer.tokenizeUnpadded("   "), [49406, 49407])
    }

    func testLongInputIsTruncatedKeepingTheEndToken() throws {
        let tokenizer = try TextFixtures.tokenizer()
        // open_clip: 75 × 320 ("a") fit exactly; 76 or more are cut, and position 76 is 49407.
        for words in [74, 75, 76, 500] {
            let ids = tokenizer.tokenize(String(repeating: "a ", count: words))
            XCTAssertEqual(ids.count, 77)
            XCTAssertEqual(ids.first, 49406)
            let n = min(words, 75)
            XCTAssertEqual(Array(ids[1...n]), [Int32](repeating: 320, count: n), "\(words) words")
            XCTAssertEqual(ids[n + 1], 49407)
            XCTAssertTrue(ids[(n + 2)...].allSatisfy { $0 == 0 })
        }
        // A 100 000-character word, and a smaller context.
        let long = tokenizer.tokenize(String(repeating: "x", count: 100_000))
        XCTAssertEqual(long.count, 77)
        XCTAssertEqual(long.last, 49407)
        XCTAssertEqual(tokenizer.tokenize("a man is playing a guitar", contextLength: 5), [49406, 320, 786, 533, 49407])
    }

    func testInvalidUTF8BecomesReplacementCharactersAsInPython() throws {
        let tokenizer = try TextFixtures.tokenizer()
        // bytes.decode("utf-8", errors="replace") then open_clip.
        let cases: [([UInt8], [Int32])] = [
            ([0xFF, 0xFE, 0x20, 0x61, 0x62, 0x63], [47356, 39802, 5334]),
            ([0x63, 0x61, 0x66, 0xC3], [20867, 39802]),
            ([0xC3, 0x28], [47356, 263]),
            ([0xE2, 0x82], [39802]),
            ([0xED, 0xA0, 0x80, 0x78], [47356, 47356, 39802, 343]),
            ([0xF4, 0x90, 0x80, 0x80], [47356, 47356, 47356, 39802]),
            ([0x6F, 0x6B, 0x80, 0x80, 0x6F, 0x6B], [2481, 47356, 39802, 2481]),
        ]
        for (bytes, expected) in cases {
            XCTAssertEqual(tokenizer.encode(String(decoding: bytes, as: UTF8.self)), expected, "\(bytes)")
        }
    }

    func testArbitraryBytesNeverCrash() throws {
        let tokenizer = try TextFixtures.tokenizer()
        var state: UInt64 = 0x1234_5678_9ABC_DEF1
        for _ in 0..<1500 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            let count = Int(state >> 58)    // 0 … 63 bytes
            var bytes: [UInt8] = []
            for _ in 0..<count {
                state = state &* 6364136223846793005 &+ 1442695040888963407
                bytes.append(UInt8(truncatingIfNeeded: state >> 33))
            }
            let ids = tokenizer.tokenize(String(decoding: bytes, as: UTF8.self))
            XCTAssertEqual(ids.count, 77)
            XCTAssertEqual(ids.first, 49406)
            XCTAssertTrue(ids.contains(49407))
            XCTAssertTrue(ids.allSatisfy { $0 >= 0 && $0 < 49408 })
            _ = CaptionNormalizer.preText(String(decoding: bytes, as: UTF8.self))
        }
    }

    func testHeapBPEEqualsOpenCLIPAlgorithm() throws {
        let tokenizer = try TextFixtures.tokenizer()
        var state: UInt64 = 42
        func next() -> UInt64 { state = state &* 6364136223846793005 &+ 1442695040888963407; return state >> 33 }
        let alphabets: [[UInt8]] = [Array("abcdefghijklmnopqrstuvwxyz".utf8), Array("aeinrst".utf8), Array("ab".utf8),
                                    Array("étoile ñandú".utf8).filter { $0 != 0x20 }, (0...255).map(UInt8.init)]
        for round in 0..<400 {
            let alphabet = alphabets[round % alphabets.count]
            let word = (0..<(2 + Int(next() % 300))).map { _ in alphabet[Int(next() % UInt64(alphabet.count))] }
            XCTAssertEqual(tokenizer.bpeHeap(word), tokenizer.bpeNaive(word), "\(word)")
        }
        // A pasted 200 000-letter "word" stays fast (the naive algorithm is quadratic).
        let huge = (0..<200_000).map { _ in UInt8(97 + next() % 26) }
        let t0 = Date()
        XCTAssertGreaterThan(tokenizer.encodePiece(huge).count, 50_000)
        XCTAssertLessThan(Date().timeIntervalSince(t0), 20)
    }

    func testSpecialTokensInTextAndDecode() throws {
        let tokenizer = try TextFixtures.tokenizer()
        XCTAssertEqual(tokenizer.encode("<start_of_text>"), [49406])           // open_clip does the same
        XCTAssertEqual(tokenizer.decode([49406, 320, 786, 533, 1629, 320, 5084, 49407]),
                       "<start_of_text>a man is playing a guitar <end_of_text>")
        XCTAssertEqual(tokenizer.decode(tokenizer.encode("Café ﬁlm, 2024!")), "café film , 2 0 2 4 ! ")
    }

    func testRepeatedWordsHitTheCache() throws {
        let tokenizer = try TextFixtures.tokenizer()
        let word = "cachetestword\(UInt32.random(in: 0..<UInt32.max))"
        let before = tokenizer.cachedWordCount
        let first = tokenizer.encode(word)
        XCTAssertEqual(tokenizer.cachedWordCount, before + 1)
        XCTAssertEqual(tokenizer.encode("\(word) \(word) \(word)"), first + first + first)
        XCTAssertEqual(tokenizer.cachedWordCount, before + 1)
    }

    func testMissingVocabularySaysHowToGetIt() {
        let url = URL(fileURLWithPath: "/nonexistent/fluxsearch/bpe_simple_vocab_16e6.txt.gz")
        XCTAssertThrowsError(try BPETokenizer(vocabularyURL: url)) { error in
            XCTAssertEqual(error as? TextError, .vocabularyMissing(path: url.path))
            XCTAssertEqual("\(error)", "/nonexistent/fluxsearch/bpe_simple_vocab_16e6.txt.gz: the CLIP BPE vocabulary is missing — run `Tools/setup` (or `make setup`) to install it, or pass its path with --vocab")
        }
    }

    func testCorruptVocabularyIsReported() throws {
        let dir = try temporaryDirectory(self)
        let plain = dir.appendingPathComponent("short.txt")
        try Data("#version: 0.2\ni n\nt h\n".utf8).write(to: plain)
        XCTAssertThrowsError(try BPETokenizer(vocabularyURL: plain)) { error in
            guard case .vocabularyCorrupt(_, let reason)? = error as? TextError else { return XCTFail("\(error)") }
            XCTAssertEqual(reason, "it has 4 lines; at least 48895 are needed")
            XCTAssertTrue("\(error)".hasSuffix("delete it and run `Tools/setup` (or `make setup`) again"), "\(error)")
        }
        let garbage = dir.appendingPathComponent("garbage.gz")
        try Data([0x1F, 0x8B, 0x08, 0x00, 0xFF, 0xFF, 0xFF]).write(to: garbage)
        XCTAssertThrowsError(try BPETokenizer(vocabularyURL: garbage)) { error in
            guard case .vocabularyCorrupt? = error as? TextError else { return XCTFail("\(error)") }
        }
    }

    func testDefaultVocabularyLocation() {
        XCTAssertEqual(BPETokenizer.defaultVocabularyURL(environment: ["FLUXSEARCH_CACHE": "/data/cache", "HOME": "/home/u"]).path,
                       "/data/cache/bpe_simple_vocab_16e6.txt.gz")
        XCTAssertEqual(BPETokenizer.defaultVocabularyURL(environment: ["HOME": "/home/u"]).path,
                       "/home/u/.cache/fluxsearch/bpe_simple_vocab_16e6.txt.gz")
    }

    func testVocabularyLayout() throws {
        let tokenizer = try TextFixtures.tokenizer()
        XCTAssertEqual(BPETokenizer.vocabularySize, 49408)
        XCTAssertEqual(tokenizer.decode([0]), "!")                    // byte '!' is token 0 (and padding)
        XCTAssertEqual(tokenizer.decode([256]), "! ")                 // its word-final form
        XCTAssertEqual(tokenizer.decode([512]), "in")                 // first merge "i n"
        XCTAssertEqual(tokenizer.decode([49405]), "jekyll ")          // merge 48 894, "jeky ll</w>"
        // "untreated" and "bong" need merges that only the first 48 894 contain (MODEL_SPEC §10.10).
        XCTAssertEqual(tokenizer.encode("untreated bong"), [569, 9772, 65, 846])
    }
}
