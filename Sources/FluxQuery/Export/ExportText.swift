import Foundation

/// Text escaping the edit-list writers share.
enum ExportText {
    /// `text` for an XML attribute value or element content: the five predefined entities,
    /// and control characters XML 1.0 cannot carry (all but tab, LF, CR) dropped. Tab, LF and
    /// CR become character references so attribute normalisation keeps them.
    static func xml(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            case "\t": out += "&#9;"
            case "\n": out += "&#10;"
            case "\r": out += "&#13;"
            default:
                // Below 0x20, the surrogates (not scalars in Swift) and U+FFFE/U+FFFF are not XML characters.
                if scalar.value < 0x20 || scalar.value == 0xFFFE || scalar.value == 0xFFFF { continue }
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// A `file://` URL for an absolute path: every byte outside RFC 3986's unreserved set and
    /// `/` is percent-encoded from UTF-8, so spaces, `#`, `%`, `&`, `?` and non-ASCII survive
    /// (`/a b#1.mp4` → `file:///a%20b%231.mp4`).
    static func fileURL(_ path: String) -> String {
        var out = "file://"
        for byte in path.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"), UInt8(ascii: "/"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                out += "%" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2, with: "0")
            }
        }
        return out
    }

    /// `text` on one line: control characters (newlines, tabs, …) become spaces, runs of
    /// spaces one space, and the ends are trimmed.
    static func oneLine(_ text: String) -> String {
        var out = ""
        var pendingSpace = false
        for scalar in text.unicodeScalars {
            let isSpace = scalar.properties.isWhitespace || scalar.value < 0x20 || scalar.value == 0x7F
                || (0x80..<0xA0).contains(scalar.value)
            if isSpace {
                pendingSpace = !out.isEmpty
                continue
            }
            if pendingSpace { out += " "; pendingSpace = false }
            out.unicodeScalars.append(scalar)
        }
        return out
    }

    /// `text` with control characters replaced by `?` and nothing else changed: a path kept
    /// recognisable on one line of a line-based format.
    static func printable(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            if scalar.value < 0x20 || scalar.value == 0x7F { out += "?" } else { out.unicodeScalars.append(scalar) }
        }
        return out
    }

    /// `text` on one line in printable ASCII: accents are dropped (café → cafe) and any other
    /// non-ASCII character becomes `_`; for formats read by tools that expect ASCII (EDL titles).
    static func asciiLine(_ text: String) -> String {
        let folded = oneLine(text).folding(options: [.diacriticInsensitive, .widthInsensitive], locale: nil)
        var out = ""
        for scalar in folded.unicodeScalars {
            out += (0x20..<0x7F).contains(scalar.value) ? String(scalar) : "_"
        }
        return out
    }
}

extension String {
    func leftPadded(to width: Int, with pad: Character) -> String {
        count >= width ? self : String(repeating: pad, count: width - count) + self
    }

    func rightPadded(to width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}
