import Foundation

/// The subset of ftfy 6.3's `fix_text` that the CLIP tokenizer's cleaning goes through.
///
/// `fix_text` splits the text after each "\n" into segments and fixes each segment until it
/// stops changing. One pass applies, in ftfy's order:
///
/// 1. `unescape_html` — ftfy's own HTML unescaping (``HTMLUnescape/ftfy(_:)``). ftfy turns it
///    off for a segment that contains '<' and for every segment after it.
/// 2. `fix_encoding` — **not implemented**: mojibake detection and repair ("cafÃ©" → "café")
///    is left out; such text is tokenised as it stands. Everything below is implemented.
/// 3. `fix_c1_controls` — U+0080–U+009F decoded as sloppy Windows-1252 ("\u{92}" → "’").
/// 4. `fix_latin_ligatures` — "ﬁ" → "fi", "ĳ" → "ij", "ǆ" → "dž" and the other 19 of ftfy's table.
/// 5. `fix_character_width` — full-width ASCII and half-width katakana/hangul to normal
///    width ("ＡＢＣ" → "ABC"), U+3000 → " ".
/// 6. `uncurl_quotes` — U+2018–U+201B and U+02BC → "'", U+201C–U+201F → '"'.
/// 7. `fix_line_breaks` — "\r\n", "\r", U+2028, U+2029, U+0085 → "\n".
/// 8. `fix_surrogates` — nothing to do: a Swift string cannot hold unpaired surrogates
///    (invalid UTF-8 has already become U+FFFD when the `String` was made).
/// 9. `remove_terminal_escapes` — ANSI sequences `ESC [ (digits|;)* letter`.
/// 10. `remove_control_chars` — U+0000–U+0008, U+000B, U+000E–U+001F, U+007F, U+206A–U+206F,
///     U+FEFF, U+FFF9–U+FFFC.
/// 11. NFC normalisation.
///
/// Unicode data: NFC and character properties come from Swift's tables (Unicode 17), which
/// agree with CPython 3.11's (Unicode 14) on every character that existed in Unicode 14.
enum Ftfy {
    /// ftfy's `max_decode_length`: segments are also cut every million code points.
    static let maxSegmentLength = 1_000_000

    /// `ftfy.fix_text(text)` with the default configuration, minus `fix_encoding`.
    static func fixText(_ text: [Unicode.Scalar]) -> [Unicode.Scalar] {
        var out: [Unicode.Scalar] = []
        out.reserveCapacity(text.count)
        var unescape = true   // "auto": on until a segment contains '<'
        var pos = 0
        while pos < text.count {
            var end = text[pos...].firstIndex(of: "\n").map { $0 + 1 } ?? text.count
            if end - pos > maxSegmentLength { end = pos + maxSegmentLength }
            let segment = Array(text[pos..<end])
            if unescape, segment.contains("<") { unescape = false }
            out.append(contentsOf: fixSegment(segment, unescapeHTML: unescape))
            pos = end
        }
        return out
    }

    /// `fix_and_explain(segment)`: the fixers in order, repeated until nothing changes.
    static func fixSegment(_ segment: [Unicode.Scalar], unescapeHTML: Bool) -> [Unicode.Scalar] {
        var text = segment
        while true {
            let original = text
            if unescapeHTML { text = HTMLUnescape.ftfy(text) }
            text = FtfyMaps.c1.apply(text)
            text = FtfyMaps.ligatures.apply(text)
            text = FtfyMaps.width.apply(text)
            text = uncurlQuotes(text)
            text = fixLineBreaks(text)
            text = removeTerminalEscapes(text)
            text = removeControlCharacters(text)
            text = nfc(text)
            if text == original { return text }
        }
    }

    /// `uncurl_quotes`.
    static func uncurlQuotes(_ s: [Unicode.Scalar]) -> [Unicode.Scalar] {
        s.map { c in
            switch c.value {
            case 0x201C...0x201F: return "\""
            case 0x02BC, 0x2018...0x201B: return "'"
            default: return c
            }
        }
    }

    /// `fix_line_breaks`.
    static func fixLineBreaks(_ s: [Unicode.Scalar]) -> [Unicode.Scalar] {
        guard s.contains(where: { $0 == "\r" || $0 == "\u{2028}" || $0 == "\u{2029}" || $0 == "\u{85}" }) else { return s }
        var out: [Unicode.Scalar] = []
        out.reserveCapacity(s.count)
        var i = 0
        while i < s.count {
            switch s[i] {
            case "\r":
                out.append("\n")
                if i + 1 < s.count, s[i + 1] == "\n" { i += 1 }
            case "\u{2028}", "\u{2029}", "\u{85}":
                out.append("\n")
            default:
                out.append(s[i])
            }
            i += 1
        }
        return out
    }

    /// `remove_terminal_escapes`: `\x1b\[((?:\d|;)*)([a-zA-Z])` with Python's Unicode `\d`.
    static func removeTerminalEscapes(_ s: [Unicode.Scalar]) -> [Unicode.Scalar] {
        guard s.contains("\u{1B}") else { return s }
        var out: [Unicode.Scalar] = []
        out.reserveCapacity(s.count)
        var i = 0
        while i < s.count {
            if s[i] == "\u{1B}", i + 1 < s.count, s[i + 1] == "[" {
                var j = i + 2
                while j < s.count, s[j] == ";" || PythonText.isDecimalDigit(s[j]) { j += 1 }
                if j < s.count, s[j].value < 0x80, (s[j].value | 0x20) >= 0x61, (s[j].value | 0x20) <= 0x7A {
                    i = j + 1
                    continue
                }
            }
            out.append(s[i])
            i += 1
        }
        return out
    }

    /// `remove_control_chars`.
    static func removeControlCharacters(_ s: [Unicode.Scalar]) -> [Unicode.Scalar] {
        func isControl(_ c: Unicode.Scalar) -> Bool {
            switch c.value {
            case 0x00...0x08, 0x0B, 0x0E...0x1F, 0x7F, 0x206A...0x206F, 0xFEFF, 0xFFF9...0xFFFC: return true
            default: return false
            }
        }
        guard s.contains(where: isControl) else { return s }
        return s.filter { !isControl($0) }
    }

    /// Unicode NFC (`unicodedata.normalize("NFC", s)`).
    ///
    /// Foundation's `precomposedStringWithCanonicalMapping`, plus one repair: on Linux it does
    /// not compose a precomposed LV syllable with a following trailing jamo (U+AC00 U+11A8 must
    /// become U+AC01), which the Unicode algorithm requires.
    static func nfc(_ s: [Unicode.Scalar]) -> [Unicode.Scalar] {
        // ASCII and Latin-1 letters without combining marks are already NFC.
        if s.allSatisfy({ $0.value < 0x300 }) { return s }
        let composed = Array(s.string.precomposedStringWithCanonicalMapping.unicodeScalars)
        return composeHangulLVT(composed)
    }

    private static func composeHangulLVT(_ s: [Unicode.Scalar]) -> [Unicode.Scalar] {
        guard s.contains(where: { (0x11A8...0x11C2).contains($0.value) }) else { return s }
        var out: [Unicode.Scalar] = []
        out.reserveCapacity(s.count)
        for c in s {
            if (0x11A8...0x11C2).contains(c.value), let last = out.last,
               (0xAC00...0xD7A3).contains(last.value), (last.value - 0xAC00) % 28 == 0 {
                out[out.count - 1] = Unicode.Scalar(last.value + (c.value - 0x11A7))!
            } else {
                out.append(c)
            }
        }
        return out
    }
}

/// A code point → code points map built from a generated flat table.
struct FtfyMaps {
    let map: [UInt32: [Unicode.Scalar]]
    let lowest: UInt32

    init(_ flat: [UInt32]) {
        map = FtfyMaps.table(flat)
        lowest = map.keys.min() ?? 0
    }

    /// Decodes `key, n, v1 … vn` records.
    static func table(_ flat: [UInt32]) -> [UInt32: [Unicode.Scalar]] {
        var out: [UInt32: [Unicode.Scalar]] = [:]
        var i = 0
        while i < flat.count {
            let key = flat[i], n = Int(flat[i + 1])
            out[key] = flat[(i + 2)..<(i + 2 + n)].map { Unicode.Scalar($0)! }
            i += 2 + n
        }
        return out
    }

    /// `str.translate(map)`.
    func apply(_ s: [Unicode.Scalar]) -> [Unicode.Scalar] {
        guard s.contains(where: { $0.value >= lowest && map[$0.value] != nil }) else { return s }
        var out: [Unicode.Scalar] = []
        out.reserveCapacity(s.count)
        for c in s {
            if c.value >= lowest, let m = map[c.value] { out.append(contentsOf: m) } else { out.append(c) }
        }
        return out
    }

    static let width = FtfyMaps(FtfyTables.width)
    static let ligatures = FtfyMaps(FtfyTables.ligatures)
    static let c1 = FtfyMaps(FtfyTables.c1)
}
