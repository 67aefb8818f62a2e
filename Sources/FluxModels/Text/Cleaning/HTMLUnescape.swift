/// HTML character references, decoded as Python's `html.unescape` and as ftfy's
/// `unescape_html` do. The two differ, and the CLIP cleaning uses both.
///
/// - ``python(_:)`` is CPython 3.11's `html.unescape`: numeric references with or without ';'
///   (`&#39`, `&#x27;`), the HTML5 names (`&eacute;`), the legacy names that may omit ';'
///   (`&amp`, `&copy2024` → "©2024", longest prefix first), HTML5's remapping of invalid
///   numeric references (`&#128;` → "€", `&#0;` → U+FFFD, `&#1;` → "").
/// - ``ftfy(_:)`` is ftfy 6.3's `unescape_html`: only `&name;` / `&#…;` with a ';' and at most
///   24 ASCII letters or digits, plus all-caps names for lower-case entities (`&EACUTE;` → "É").
enum HTMLUnescape {
    private static let html5: [String: [Unicode.Scalar]] = parse(HTMLEntityTable.html5)
    private static let ftfyUppercase: [String: [Unicode.Scalar]] = parse(HTMLEntityTable.ftfyUppercase)
    private static let invalidCharrefs: [UInt32: [Unicode.Scalar]] = FtfyMaps.table(FtfyTables.invalidCharrefs)

    private static func parse(_ table: String) -> [String: [Unicode.Scalar]] {
        var out: [String: [Unicode.Scalar]] = [:]
        for line in table.split(separator: "\n") {
            guard let tab = line.firstIndex(of: "\t") else { continue }
            out[String(line[..<tab])] = Array(line[line.index(after: tab)...].unicodeScalars)
        }
        return out
    }

    // MARK: - Python html.unescape

    /// CPython 3.11 `html.unescape(s)`.
    ///
    /// The pattern is `&(#[0-9]+;?|#[xX][0-9a-fA-F]+;?|[^\t\n\f <&#;]{1,32};?)`, replaced left
    /// to right without rescanning.
    static func python(_ s: [Unicode.Scalar]) -> [Unicode.Scalar] {
        guard s.contains("&") else { return s }
        var out: [Unicode.Scalar] = []
        out.reserveCapacity(s.count)
        var i = 0
        let n = s.count
        while i < n {
            let c = s[i]
            guard c == "&", i + 1 < n else { out.append(c); i += 1; continue }
            if s[i + 1] == "#" {
                // Decimal, then hexadecimal.
                var j = i + 2
                while j < n, isASCIIDigit(s[j]) { j += 1 }
                if j > i + 2 {
                    let end = j < n && s[j] == ";" ? j + 1 : j
                    out.append(contentsOf: numericReference(s[(i + 2)..<j], radix: 10))
                    i = end
                    continue
                }
                if i + 2 < n, s[i + 2] == "x" || s[i + 2] == "X" {
                    j = i + 3
                    while j < n, isASCIIHexDigit(s[j]) { j += 1 }
                    if j > i + 3 {
                        let end = j < n && s[j] == ";" ? j + 1 : j
                        out.append(contentsOf: numericReference(s[(i + 3)..<j], radix: 16))
                        i = end
                        continue
                    }
                }
                out.append(c); i += 1
                continue
            }
            // Named: up to 32 characters outside "\t\n\f <&#;", then an optional ';'.
            var j = i + 1
            while j < n, j - (i + 1) < 32, !isNameStop(s[j]) { j += 1 }
            if j == i + 1 { out.append(c); i += 1; continue }
            if j < n, s[j] == ";" { j += 1 }
            let name = Array(s[(i + 1)..<j])
            out.append(contentsOf: namedReference(name))
            i = j
        }
        return out
    }

    private static func isNameStop(_ c: Unicode.Scalar) -> Bool {
        switch c { case "\t", "\n", "\u{0C}", " ", "<", "&", "#", ";": return true; default: return false }
    }

    /// `_replace_charref` for a named reference `name` (which includes its ';' if any).
    private static func namedReference(_ name: [Unicode.Scalar]) -> [Unicode.Scalar] {
        if let v = html5[name.string] { return v }
        // The longest prefix (at least 2 characters) that is a legacy name without ';'.
        var x = name.count - 1
        while x > 1 {
            if let v = html5[Array(name[..<x]).string] { return v + name[x...] }
            x -= 1
        }
        return ["&"] + name
    }

    /// `_replace_charref` for the digits of a numeric reference.
    private static func numericReference(_ digits: ArraySlice<Unicode.Scalar>, radix: UInt32) -> [Unicode.Scalar] {
        // Parse with saturation: any value above U+10FFFF behaves the same.
        var value: UInt32 = 0
        for d in digits {
            let v = hexValue(d)
            value = value > 0x110000 ? value : value * radix + v
        }
        if let mapped = invalidCharrefs[value] { return mapped }
        if (0xD800...0xDFFF).contains(value) || value > 0x10FFFF { return ["\u{FFFD}"] }
        if isInvalidCodepoint(value) { return [] }
        return [Unicode.Scalar(value)!]
    }

    /// `html._invalid_codepoints` (checked against Python by Tools/fixtures/make_text_tables.py).
    static func isInvalidCodepoint(_ v: UInt32) -> Bool {
        switch v {
        case 0x1...0x8, 0xB, 0xE...0x1F, 0x7F...0x9F, 0xFDD0...0xFDEF: return true
        default: return v & 0xFFFE == 0xFFFE && v <= 0x10FFFF
        }
    }

    // MARK: - ftfy unescape_html

    /// ftfy 6.3 `fixes.unescape_html(s)`: `&#?[0-9A-Za-z]{1,24};` replaced when it names an
    /// entity, or when `html.unescape` decodes it completely.
    static func ftfy(_ s: [Unicode.Scalar]) -> [Unicode.Scalar] {
        guard s.contains("&") else { return s }
        var out: [Unicode.Scalar] = []
        out.reserveCapacity(s.count)
        var i = 0
        let n = s.count
        while i < n {
            let c = s[i]
            guard c == "&" else { out.append(c); i += 1; continue }
            var j = i + 1
            let hash = j < n && s[j] == "#"
            if hash { j += 1 }
            let start = j
            while j < n, isASCIIAlphanumeric(s[j]) { j += 1 }
            let length = j - start
            guard length >= 1, length <= 24, j < n, s[j] == ";" else { out.append(c); i += 1; continue }
            let match = Array(s[i...j])          // "&…;"
            out.append(contentsOf: ftfyReplacement(match, hash: hash))
            i = j + 1
        }
        return out
    }

    private static func ftfyReplacement(_ match: [Unicode.Scalar], hash: Bool) -> [Unicode.Scalar] {
        let name = Array(match.dropFirst())      // "…;"
        if !hash {
            let key = name.string
            if key.hasSuffix(";"), let v = html5[key] { return v }
            if let v = ftfyUppercase[key] { return v }
            return match
        }
        let decoded = python(match)
        return decoded.contains(";") ? match : decoded
    }

    // MARK: - ASCII classes

    @inline(__always) private static func isASCIIDigit(_ c: Unicode.Scalar) -> Bool { c.value >= 0x30 && c.value <= 0x39 }
    @inline(__always) private static func isASCIIHexDigit(_ c: Unicode.Scalar) -> Bool {
        isASCIIDigit(c) || (c.value | 0x20 >= 0x61 && c.value | 0x20 <= 0x66)
    }
    @inline(__always) private static func isASCIIAlphanumeric(_ c: Unicode.Scalar) -> Bool {
        isASCIIDigit(c) || (c.value | 0x20 >= 0x61 && c.value | 0x20 <= 0x7A)
    }
    @inline(__always) private static func hexValue(_ c: Unicode.Scalar) -> UInt32 {
        isASCIIDigit(c) ? c.value - 0x30 : (c.value | 0x20) - 0x61 + 10
    }
}
