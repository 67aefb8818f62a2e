/// The text cleaning the CLIP tokenizer applies before BPE (open_clip `SimpleTokenizer` with
/// `clean="lower"`, the configuration `get_tokenizer("ViT-B-16")` returns).
///
/// In Python: `whitespace_clean(basic_clean(text)).lower()`, that is
///
/// 1. `ftfy.fix_text` — the subset described in ``Ftfy`` (everything except mojibake repair),
/// 2. `html.unescape` twice (``HTMLUnescape/python(_:)``),
/// 3. `strip()`, then `" ".join(text.split())` — every run of Python whitespace becomes one
///    space,
/// 4. `lower()` — full Unicode lower-casing with the final-sigma rule.
///
/// For example:
///
/// ```swift
/// TextCleaner.clean("  Caf\u{E9}&amp;Bar\u{2019}s  \u{FB01}LM  ")   // "café&bar's film"
/// ```
public enum TextCleaner {
    /// The cleaned text.
    public static func clean(_ text: String) -> String {
        cleanScalars(Array(text.unicodeScalars)).string
    }

    /// ``clean(_:)`` on code points.
    static func cleanScalars(_ text: [Unicode.Scalar]) -> [Unicode.Scalar] {
        var s = Ftfy.fixText(text)
        s = HTMLUnescape.python(HTMLUnescape.python(s))
        s = PythonText.collapseWhitespace(s)   // includes strip()
        return PythonText.lower(s)
    }
}
