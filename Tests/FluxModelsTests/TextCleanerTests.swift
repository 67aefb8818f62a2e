import Foundation
import XCTest
@testable import FluxModels

/// The tokenizer's cleaning (ftfy subset, html.unescape, whitespace, lower case) and
/// InternVideo2's pre_text. Expected strings come from open_clip's `_clean_lower` and
/// InternVideo2's `pre_text` under Python 3.11 / ftfy 6.3.1.
final class TextCleanerTests: XCTestCase {
    func testCleanMatchesOpenCLIP() {
        let cases: [(String, String)] = [
            ("  Caf\u{E9}&amp;Bar\u{2019}s  \u{FB01}LM  ", "café&bar's film"),
            ("\u{FF21}\u{FF22}\u{FF23}\u{3000}x", "abc x"),                 // full width, ideographic space
            ("\u{201C}Hi\u{201D}", "\"hi\""),                               // curly quotes
            ("e\u{301}", "\u{E9}"),                                         // NFC
            ("\u{39F}\u{394}\u{39F}\u{3A3} \u{3A3}", "οδος σ"),             // final sigma
            ("\u{130}", "i\u{307}"),                                        // full lower-case mapping
            ("a\r\nb\u{2028}c", "a b c"),
            ("\u{1B}[1;31mred\u{1B}[0m", "red"),                            // terminal escapes
            ("x\u{92}s \u{80}", "x's €"),                                   // C1 controls as Windows-1252
            ("&lt;b&gt; &amp;lt;", "<b> <"),
            ("<b>&amp;lt;</b>", "<b><</b>"),                                // '<': ftfy leaves entities to html.unescape
            ("&amp;amp;amp;", "&"),                                         // ftfy unescapes until stable
            ("a\nb &amp;lt; <\nc &amp;", "a b < < c &"),                    // per-line ftfy segments
            ("&EACUTE;t&eacute;", "été"),                                   // ftfy's all-caps entities
            ("&#x41;&#65&#0;&#1;", "aa\u{FFFD}"),                           // html.unescape numeric rules
            ("\u{FEFF}bom", "bom"),
        ]
        for (input, expected) in cases {
            XCTAssertEqual(TextCleaner.clean(input), expected, input.debugDescription)
        }
    }

    func testPythonHTMLUnescape() {
        func u(_ s: String) -> String { HTMLUnescape.python(Array(s.unicodeScalars)).string }
        XCTAssertEqual(u("&amp &lt &copy2024 &notit; &AMP;"), "& < ©2024 ¬it; &")   // legacy names, longest prefix
        XCTAssertEqual(u("&#128; &#x80; &#13; &#xD800; &#1114112; &#99999999999999999999;"), "€ € \r \u{FFFD} \u{FFFD} \u{FFFD}")
        XCTAssertEqual(u("&#1;&#xFFFE;&#11;"), "")                                      // invalid code points vanish
        XCTAssertEqual(u("&unknown; & &; &#; &#x; &#xZ;"), "&unknown; & &; &#; &#x; &#xZ;")
        XCTAssertEqual(u("&NotNestedGreaterGreater;"), "\u{2AA2}\u{338}")
    }

    func testFtfyHTMLUnescape() {
        func u(_ s: String) -> String { HTMLUnescape.ftfy(Array(s.unicodeScalars)).string }
        XCTAssertEqual(u("this&not that &amp P&EACUTE;REZ &nTILDE; &SZLIG;"), "this&not that &amp PÉREZ &nTILDE; SS")
        XCTAssertEqual(u("&#65; &#65abc; &#x41; &thisentitynameismuchtoolongtomatch;"), "A &#65abc; A &thisentitynameismuchtoolongtomatch;")
    }

    func testFtfyCharacterFixes() {
        func fix(_ s: String) -> String { Ftfy.fixText(Array(s.unicodeScalars)).string }
        XCTAssertEqual(fix("\u{FB00}\u{FB01}\u{FB02}\u{FB03}\u{FB04}\u{FB05}\u{FB06} \u{132}\u{133} \u{1C4}\u{1C6} \u{149}"),
                       "fffiflffiffl\u{17F}tst IJij D\u{17D}d\u{17E} 'n")   // ŉ → ʼn, then ʼ is uncurled
        XCTAssertEqual(fix("\u{FF35}\u{FF80}\u{FF70}\u{FF9D}"), "U\u{30BF}\u{30FC}\u{30F3}")   // half-width katakana
        XCTAssertEqual(fix("\u{2018}a\u{2019} \u{201B}b\u{2019} \u{2BC}c \u{201E}d\u{201F}"), "'a' 'b' 'c \"d\"")
        XCTAssertEqual(fix("a\u{0}b\u{7}c\u{206A}d\u{FFFC}e\u{200D}f"), "abcde\u{200D}f")      // joiners stay
        XCTAssertEqual(fix("\u{AC00}\u{11A8} \u{1100}\u{1161}\u{11A8}"), "\u{AC01} \u{AC01}")   // Hangul NFC
        XCTAssertEqual(fix("caf\u{C3}\u{A9}"), "caf\u{C3}\u{A9}")                              // no mojibake repair
    }

    func testPythonLowerAndWhitespace() {
        func lower(_ s: String) -> String { PythonText.lower(Array(s.unicodeScalars)).string }
        XCTAssertEqual(lower("\u{3A3}\u{39F}\u{3A6}\u{39F}\u{3A3} \u{391}\u{3A3}.\u{3A3} \u{3A3}"), "σοφος ασ.ς σ")   // "." is case-ignorable
        XCTAssertEqual(lower("\u{1E9E}\u{212A}\u{212B}\u{2126}\u{10400}"), "ßkåω\u{10428}")
        XCTAssertEqual(lower("\u{10D50}\u{A7CB}"), "\u{10D50}\u{A7CB}")     // Unicode 16 letters: unknown to Python 3.11
        func collapse(_ s: String) -> String { PythonText.collapseWhitespace(Array(s.unicodeScalars)).string }
        XCTAssertEqual(collapse(" \t a\u{1C}b\u{85}c\u{200B}d\u{A0}\u{202F}e \n"), "a b c\u{200B}d e")
    }

    func testPreText() {
        let cases: [(String, String)] = [
            ("A man is playing a guitar.", "a man is playing a guitar"),
            ("a cat/dog (cute) jumps on the sofa", "a cat dog cute jumps on the sofa"),
            ("<person> rides a bike; <PERSON> waves!", "person rides a bike person waves"),
            ("state-of-the-art  e-mail", "state of the art e mail"),
            ("  it's \"fine\" ~ #1 *ok*: yes?\n\n", "its fine 1 ok yes"),
            ("tab\tstays, single\u{A0}nbsp stays", "tab\tstays single\u{A0}nbsp stays"),
            ("line\n", "line"),
            ("\u{201C}curly\u{201D} \u{2019}kept\u{2019}", "\u{201C}curly\u{201D} \u{2019}kept\u{2019}"),
            ("", ""),
            ("   ", ""),
        ]
        for (input, expected) in cases {
            XCTAssertEqual(CaptionNormalizer.preText(input), expected, input.debugDescription)
        }
        XCTAssertEqual(CaptionNormalization.preText.apply("A Dog."), "a dog")
        XCTAssertEqual(CaptionNormalization.none.apply("A Dog."), "A Dog.")
    }
}
