/// Splits cleaned text into the pieces that BPE encodes, as open_clip's
///
/// ```python
/// re.findall(r"<start_of_text>|<end_of_text>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+",
///            text, re.IGNORECASE)          # the `regex` module, not `re`
/// ```
///
/// At each position the alternatives are tried in order and the first that matches wins;
/// a position where none matches (whitespace) is skipped. Letter runs and non-letter runs are
/// greedy, digits are single. Details of the `regex` module reproduced here:
/// - IGNORECASE uses simple case folding, so 's' also matches 'ſ' (U+017F) in "'s" and in the
///   special tokens; the other literal letters match only their ASCII cases.
/// - Under IGNORECASE, U+0345 (combining ypogegrammeni, case-equivalent to the letter ι) is
///   matched by none of the classes, so it is skipped like whitespace.
enum PreTokenizer {
    /// Half-open code-point ranges of the pieces of `text`.
    static func pieces(_ text: [Unicode.Scalar]) -> [Range<Int>] {
        var out: [Range<Int>] = []
        let n = text.count
        var i = 0
        while i < n {
            if let end = matchSpecial(text, at: i) ?? matchContraction(text, at: i) {
                out.append(i..<end)
                i = end
                continue
            }
            let c = text[i]
            if PythonText.isLetter(c) {
                var j = i + 1
                while j < n, PythonText.isLetter(text[j]) { j += 1 }
                out.append(i..<j)
                i = j
            } else if PythonText.isNumber(c) {
                out.append(i..<(i + 1))
                i += 1
            } else if isOther(c) {
                var j = i + 1
                while j < n, isOther(text[j]) { j += 1 }
                out.append(i..<j)
                i = j
            } else {
                i += 1   // whitespace, or U+0345
            }
        }
        return out
    }

    /// `[^\s\p{L}\p{N}]` under IGNORECASE.
    @inline(__always)
    static func isOther(_ c: Unicode.Scalar) -> Bool {
        !PythonText.isRegexSpace(c) && !PythonText.isLetter(c) && !PythonText.isNumber(c) && c.value != 0x345
    }

    private static let specials: [[Unicode.Scalar]] = [Array("<start_of_text>".unicodeScalars),
                                                       Array("<end_of_text>".unicodeScalars)]
    private static let contractions: [[Unicode.Scalar]] = ["'s", "'t", "'re", "'ve", "'m", "'ll", "'d"]
        .map { Array($0.unicodeScalars) }

    private static func matchSpecial(_ text: [Unicode.Scalar], at i: Int) -> Int? {
        guard text[i] == "<" else { return nil }
        for literal in specials where matches(literal, text, at: i) { return i + literal.count }
        return nil
    }

    private static func matchContraction(_ text: [Unicode.Scalar], at i: Int) -> Int? {
        guard text[i] == "'" else { return nil }
        for literal in contractions where matches(literal, text, at: i) { return i + literal.count }
        return nil
    }

    /// Case-insensitive literal match (`literal` is lower-case ASCII).
    private static func matches(_ literal: [Unicode.Scalar], _ text: [Unicode.Scalar], at i: Int) -> Bool {
        guard i + literal.count <= text.count else { return false }
        for (k, l) in literal.enumerated() {
            let c = text[i + k]
            if c == l { continue }
            if l.value >= 0x61, l.value <= 0x7A, c.value == l.value - 32 { continue }
            if l == "s", c == "\u{17F}" { continue }
            return false
        }
        return true
    }
}
