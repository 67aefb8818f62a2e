import Foundation

/// Turns a sidecar's bytes into text. Subtitle files come from every era of tooling: a byte
/// order mark names the encoding when there is one; otherwise valid UTF-8 is taken as UTF-8,
/// and anything else as Windows-1252, the superset of Latin-1 that old Windows tools wrote
/// (a Latin-1 "é" is byte 0xE9, which is never valid UTF-8 on its own, so the test is safe).
enum TranscriptTextDecoding {
    /// The decoded text with line breaks normalised to "\n" and any BOM removed, and the name
    /// of the encoding used: "utf-8", "utf-16le", "utf-16be" or "windows-1252".
    static func decode(_ data: Data) -> (text: String, encoding: String) {
        let bytes = [UInt8](data)
        let decoded: (String, String)
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) {
            decoded = (String(decoding: bytes.dropFirst(3), as: UTF8.self), "utf-8")
        } else if bytes.starts(with: [0xFF, 0xFE]) {
            decoded = (utf16(bytes.dropFirst(2), bigEndian: false), "utf-16le")
        } else if bytes.starts(with: [0xFE, 0xFF]) {
            decoded = (utf16(bytes.dropFirst(2), bigEndian: true), "utf-16be")
        } else if let utf8 = String(validating: bytes, as: UTF8.self) {
            decoded = (utf8, "utf-8")
        } else {
            decoded = (windows1252(bytes), "windows-1252")
        }
        return (normaliseLineBreaks(decoded.0), decoded.1)
    }

    /// CRLF and lone CR become LF. Done on Unicode scalars: Swift treats "\r\n" as one
    /// Character, so Character-based splitting would not see it as "\n".
    static func normaliseLineBreaks(_ text: String) -> String {
        var out = String.UnicodeScalarView()
        var previousCR = false
        for scalar in text.unicodeScalars {
            if scalar == "\r" {
                out.append("\n")
                previousCR = true
                continue
            }
            if !(scalar == "\n" && previousCR) { out.append(scalar) }
            previousCR = false
        }
        var result = String(out)
        // A second BOM left at the start of the text (some tools write one after another).
        if result.unicodeScalars.first == "\u{FEFF}" { result.unicodeScalars.removeFirst() }
        return result
    }

    /// UTF-16 code units from byte pairs; an odd last byte is dropped and unpaired surrogates
    /// become U+FFFD (the text stays readable rather than the whole file being refused).
    static func utf16(_ bytes: ArraySlice<UInt8>, bigEndian: Bool) -> String {
        var units: [UInt16] = []
        units.reserveCapacity(bytes.count / 2)
        var i = bytes.startIndex
        while i + 1 < bytes.endIndex {
            let (a, b) = (UInt16(bytes[i]), UInt16(bytes[i + 1]))
            units.append(bigEndian ? a << 8 | b : b << 8 | a)
            i += 2
        }
        return String(decoding: units, as: UTF16.self)
    }

    /// Windows-1252: bytes 0x80–0x9F are typographic characters (€, ‘, ’, “, ”, …); the five
    /// bytes it leaves undefined map to the C1 controls of the same value, as browsers do;
    /// every other byte is the Latin-1 code point of the same value.
    static func windows1252(_ bytes: [UInt8]) -> String {
        var scalars = String.UnicodeScalarView()
        for byte in bytes {
            if byte >= 0x80, byte <= 0x9F {
                let value = cp1252High[Int(byte - 0x80)]
                scalars.append(Unicode.Scalar(value) ?? Unicode.Scalar(UInt8(byte)))
            } else {
                scalars.append(Unicode.Scalar(byte))
            }
        }
        return String(scalars)
    }

    private static let cp1252High: [UInt32] = [
        0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008D, 0x017D, 0x008F,
        0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178,
    ]
}
