import Foundation
import XCTest
@testable import FluxModels

/// Token ids against open_clip on the committed caption list (Fixtures/text/captions.json,
/// written by Tools/reference/tokenizer_parity.py with open_clip's own tokenizer).
final class TokenizerParityTests: XCTestCase {
    func testCaptionListMatchesOpenCLIP() throws {
        let tokenizer = try TextFixtures.tokenizer()
        let file = try TextFixtures.captions()
        XCTAssertGreaterThanOrEqual(file.captions.count, 100)
        let failures = Self.mismatches(file, tokenizer: tokenizer)
        XCTAssertTrue(failures.isEmpty, "\(failures.count) mismatches:\n" + failures.prefix(20).joined(separator: "\n"))
    }

    func testEveryGroupOfTheIssueIsCovered() throws {
        let groups = Set(try TextFixtures.captions().captions.map(\.group))
        for g in ["ascii", "punctuation", "digits", "apostrophe", "accented", "quotes", "ligatures",
                  "fullwidth", "cjk", "emoji", "html", "long", "empty"] {
            XCTAssertTrue(groups.contains(g), "no caption in group \(g)")
        }
        // Paragraphs over 77 tokens are really truncated.
        let long = try TextFixtures.captions().captions.filter { $0.group == "long" }
        XCTAssertTrue(long.allSatisfy { $0.ids.count == 77 && $0.ids.last == BPETokenizer.endOfText })
    }

    /// The spec's anchors (MODEL_SPEC §5), independent of the fixture file.
    func testSpecAnchors() throws {
        let tokenizer = try TextFixtures.tokenizer()
        XCTAssertEqual(tokenizer.tokenizeUnpadded(CaptionNormalizer.preText("A man is playing a guitar.")),
                       [49406, 320, 786, 533, 1629, 320, 5084, 49407])
        XCTAssertEqual(tokenizer.tokenizeUnpadded(CaptionNormalizer.preText("a cat/dog (cute) jumps on the sofa")),
                       [49406, 320, 2368, 1929, 2242, 18911, 525, 518, 15723, 49407])
    }

    /// Checks any file in the fixture format, e.g. a private list:
    /// `FLUXSEARCH_TOKENIZER_PARITY_FILE=/tmp/list.json swift test --filter TokenizerParityTests`
    /// (write it with `tokenizer_parity.py --captions FILE --fuzz N --write /tmp/list.json`).
    func testExternalListWhenGiven() throws {
        guard let path = ProcessInfo.processInfo.environment["FLUXSEARCH_TOKENIZER_PARITY_FILE"] else {
            throw XCTSkip("set FLUXSEARCH_TOKENIZER_PARITY_FILE to check an extra caption list")
        }
        let file = try TextFixtures.captions(at: URL(fileURLWithPath: path))
        let failures = Self.mismatches(file, tokenizer: try TextFixtures.tokenizer())
        print("external list: \(file.captions.count) captions, \(failures.count) mismatches")
        XCTAssertTrue(failures.isEmpty, "\(failures.count) mismatches:\n" + failures.prefix(40).joined(separator: "\n"))
    }

    static func mismatches(_ file: TextFixtures.CaptionFile, tokenizer: BPETokenizer) -> [String] {
        var failures: [String] = []
        for c in file.captions {
            let ids = tokenizer.tokenize(c.text, contextLength: file.context_length)
            if ids != TextFixtures.padded(c.expectedIDs, to: file.context_length) {
                failures.append("[\(c.group)] \(c.text.debugDescription)\n  expected \(c.expectedIDs)\n  got      \(ids.filter { $0 != 0 })\n  cleaned  \(TextCleaner.clean(c.text).debugDescription)")
            }
            let pre = CaptionNormalizer.preText(c.text)
            if pre != c.pre_text {
                failures.append("[\(c.group)] pre_text of \(c.text.debugDescription): expected \(c.pre_text.debugDescription), got \(pre.debugDescription)")
            }
            let preIDs = tokenizer.tokenize(pre, contextLength: file.context_length)
            if preIDs != TextFixtures.padded(c.expectedPreIDs, to: file.context_length) {
                failures.append("[\(c.group)] pre_text ids of \(c.text.debugDescription)\n  expected \(c.expectedPreIDs)\n  got      \(preIDs.filter { $0 != 0 })")
            }
        }
        return failures
    }
}
