/// How caption or query text is rewritten before tokenisation.
///
/// InternVideo2's retrieval evaluation (`tasks_clip`, the protocol behind InternVideo2-CLIP
/// and FluxViT-CLIP numbers) passes every caption through `pre_text` before the CLIP
/// tokenizer; the tokenizer then does its own cleaning (``TextCleaner``).
///
/// Choice for live queries: fluxsearch applies ``preText`` to live queries too (the default of
/// ``TextEncoder``). The model was evaluated on text in that form, the CLIP tokenizer lower-cases
/// anyway, and the punctuation `pre_text` removes carries little meaning in a search query;
/// this keeps a query and an identical eval caption on exactly the same tokens. Pass
/// ``none`` to encode text exactly as typed.
public enum CaptionNormalization: String, Codable, CaseIterable, Sendable {
    /// InternVideo2's `pre_text` (see ``CaptionNormalizer/preText(_:)``).
    case preText = "pre_text"
    /// Only the tokenizer's own cleaning.
    case none

    /// `text` rewritten by this normalisation.
    public func apply(_ text: String) -> String {
        switch self {
        case .preText: return CaptionNormalizer.preText(text)
        case .none: return text
        }
    }
}

/// InternVideo2's caption normalisation.
public enum CaptionNormalizer {
    /// `pre_text(text)` of InternVideo2 `dataset/utils.py` (without `max_l`, which the CLIP
    /// path does not use):
    ///
    /// ```python
    /// text = re.sub(r"([,.'!?\"()*#:;~])", '', text.lower())
    /// text = text.replace('-', ' ').replace('/', ' ').replace('<person>', 'person')
    /// text = re.sub(r"\s{2,}", ' ', text)
    /// text = text.rstrip('\n').strip(' ')
    /// ```
    ///
    /// That is: Python lower case; delete `, . ' ! ? " ( ) * # : ; ~`; '-' and '/' become
    /// spaces; `<person>` becomes `person`; runs of two or more Python whitespace characters
    /// become one space; trailing newlines, then leading and trailing spaces, are removed.
    /// Only ASCII punctuation is deleted: curly quotes and the like are left to the tokenizer.
    ///
    /// For example, "A cat/dog (cute) jumps on the sofa." → "a cat dog cute jumps on the sofa".
    public static func preText(_ text: String) -> String {
        preText(Array(text.unicodeScalars)).string
    }

    static func preText(_ text: [Unicode.Scalar]) -> [Unicode.Scalar] {
        var s: [Unicode.Scalar] = []
        s.reserveCapacity(text.count)
        for c in PythonText.lower(text) {
            switch c {
            case ",", ".", "'", "!", "?", "\"", "(", ")", "*", "#", ":", ";", "~": continue
            case "-", "/": s.append(" ")
            default: s.append(c)
            }
        }
        s = replacePerson(s)
        // re.sub(r"\s{2,}", ' ', text)
        var collapsed: [Unicode.Scalar] = []
        collapsed.reserveCapacity(s.count)
        var i = 0
        while i < s.count {
            if PythonText.isSpace(s[i]) {
                var j = i + 1
                while j < s.count, PythonText.isSpace(s[j]) { j += 1 }
                if j - i >= 2 { collapsed.append(" ") } else { collapsed.append(s[i]) }
                i = j
            } else {
                collapsed.append(s[i])
                i += 1
            }
        }
        // rstrip('\n'), then strip(' ')
        var hi = collapsed.count
        while hi > 0, collapsed[hi - 1] == "\n" { hi -= 1 }
        var lo = 0
        while lo < hi, collapsed[lo] == " " { lo += 1 }
        while hi > lo, collapsed[hi - 1] == " " { hi -= 1 }
        return Array(collapsed[lo..<hi])
    }

    /// `str.replace('<person>', 'person')`: non-overlapping, left to right.
    private static func replacePerson(_ s: [Unicode.Scalar]) -> [Unicode.Scalar] {
        let tag = Array("<person>".unicodeScalars)
        guard s.count >= tag.count, s.contains("<") else { return s }
        var out: [Unicode.Scalar] = []
        out.reserveCapacity(s.count)
        var i = 0
        while i < s.count {
            if s[i] == "<", i + tag.count <= s.count, Array(s[i..<(i + tag.count)]) == tag {
                out.append(contentsOf: tag[1..<(tag.count - 1)])
                i += tag.count
            } else {
                out.append(s[i])
                i += 1
            }
        }
        return out
    }
}
