// Python `str` semantics on arrays of Unicode scalars.
//
// The CLIP tokenizer's cleaning is Python string code: `str.split()`, `str.strip()`,
// `str.lower()`, `re` character classes. They work on code points, whereas Swift's `String`
// works on grapheme clusters (" \u{301}" is one Character), so everything here operates on
// `[Unicode.Scalar]` and reproduces CPython 3.11 exactly.

/// Code-point string helpers with CPython 3.11 semantics.
enum PythonText {
    /// The Unicode version of CPython 3.11's `unicodedata` (what `str.lower()` knows).
    ///
    /// Swift's own tables are newer (Unicode 17 in Swift 6.3); scalars assigned after this
    /// version are unassigned for Python, so `lower` leaves them unchanged.
    static let unicodeVersion = (major: 14, minor: 0)

    /// `str.isspace()` for one code point (also Python `re`'s `\s` on str patterns):
    /// U+0009–U+000D, U+001C–U+0020, U+0085, U+00A0, U+1680, U+2000–U+200A, U+2028, U+2029,
    /// U+202F, U+205F, U+3000.
    @inline(__always)
    static func isSpace(_ s: Unicode.Scalar) -> Bool {
        switch s.value {
        case 0x09...0x0D, 0x1C...0x20, 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029,
             0x202F, 0x205F, 0x3000:
            return true
        default:
            return false
        }
    }

    /// `" ".join(s.split())`: whitespace runs become one space, none at either end.
    static func collapseWhitespace(_ s: [Unicode.Scalar]) -> [Unicode.Scalar] {
        var out: [Unicode.Scalar] = []
        out.reserveCapacity(s.count)
        var pendingSpace = false
        for c in s {
            if isSpace(c) {
                pendingSpace = !out.isEmpty
            } else {
                if pendingSpace { out.append(" "); pendingSpace = false }
                out.append(c)
            }
        }
        return out
    }

    /// `s.strip()` (Python whitespace at both ends).
    static func strip(_ s: [Unicode.Scalar]) -> [Unicode.Scalar] {
        var lo = 0, hi = s.count
        while lo < hi, isSpace(s[lo]) { lo += 1 }
        while hi > lo, isSpace(s[hi - 1]) { hi -= 1 }
        return lo == 0 && hi == s.count ? s : Array(s[lo..<hi])
    }

    /// Whether Python 3.11 knows the scalar (assigned in Unicode ≤ 14.0).
    @inline(__always)
    static func knownToPython(_ s: Unicode.Scalar) -> Bool {
        guard let age = s.properties.age else { return false }
        return (age.major, age.minor) <= unicodeVersion
    }

    /// `str.lower()`: full lower-case mapping (SpecialCasing, so 'İ' → "i̇"), with the
    /// Final_Sigma rule for 'Σ' (→ 'ς' at the end of a word, else 'σ'), as CPython does.
    static func lower(_ s: [Unicode.Scalar]) -> [Unicode.Scalar] {
        var out: [Unicode.Scalar] = []
        out.reserveCapacity(s.count)
        for (i, c) in s.enumerated() {
            if c.value < 0x80 {
                out.append(c.value >= 0x41 && c.value <= 0x5A ? Unicode.Scalar(c.value + 32)! : c)
            } else if c.value == 0x3A3 {
                out.append(finalSigma(s, at: i) ? "\u{3C2}" : "\u{3C3}")
            } else if !knownToPython(c) {
                out.append(c)
            } else {
                let mapped = c.properties.lowercaseMapping
                if mapped.unicodeScalars.count == 1, mapped.unicodeScalars.first == c {
                    out.append(c)
                } else {
                    out.append(contentsOf: mapped.unicodeScalars)
                }
            }
        }
        return out
    }

    /// CPython's `handle_capital_sigma`: a cased letter before (skipping case-ignorables) and
    /// no cased letter after (skipping case-ignorables).
    private static func finalSigma(_ s: [Unicode.Scalar], at i: Int) -> Bool {
        var j = i - 1
        while j >= 0, isCaseIgnorable(s[j]) { j -= 1 }
        guard j >= 0, isCased(s[j]) else { return false }
        j = i + 1
        while j < s.count, isCaseIgnorable(s[j]) { j += 1 }
        return j == s.count || !isCased(s[j])
    }

    private static func isCased(_ c: Unicode.Scalar) -> Bool { knownToPython(c) && c.properties.isCased }
    private static func isCaseIgnorable(_ c: Unicode.Scalar) -> Bool { knownToPython(c) && c.properties.isCaseIgnorable }

    /// Unicode general category L (Lu, Ll, Lt, Lm, Lo), as `regex`'s `\p{L}`.
    @inline(__always)
    static func isLetter(_ c: Unicode.Scalar) -> Bool {
        if c.value < 0x80 { return (c.value | 0x20) >= 0x61 && (c.value | 0x20) <= 0x7A }
        switch c.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: return true
        default: return false
        }
    }

    /// Unicode general category N (Nd, Nl, No), as `regex`'s `\p{N}`.
    @inline(__always)
    static func isNumber(_ c: Unicode.Scalar) -> Bool {
        if c.value < 0x80 { return c.value >= 0x30 && c.value <= 0x39 }
        switch c.properties.generalCategory {
        case .decimalNumber, .letterNumber, .otherNumber: return true
        default: return false
        }
    }

    /// Unicode White_Space, as `regex`'s `\s` on str patterns.
    @inline(__always)
    static func isRegexSpace(_ c: Unicode.Scalar) -> Bool {
        if c.value < 0x80 { return c.value == 0x20 || (c.value >= 0x09 && c.value <= 0x0D) }
        return c.properties.isWhitespace
    }

    /// Python `re`'s `\d` on str patterns: category Nd.
    @inline(__always)
    static func isDecimalDigit(_ c: Unicode.Scalar) -> Bool {
        if c.value < 0x80 { return c.value >= 0x30 && c.value <= 0x39 }
        return c.properties.generalCategory == .decimalNumber
    }
}

extension Array where Element == Unicode.Scalar {
    /// The scalars as a `String`.
    var string: String {
        var s = String.UnicodeScalarView()
        s.append(contentsOf: self)
        return String(s)
    }
}
