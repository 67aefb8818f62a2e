import Foundation

/// Removal of the markup each timed-text format allows inside cue text, so that a cue's
/// text is what a viewer reads.
enum CueMarkup {
    /// SRT: HTML-like tags (<i>, </i>, <b>, <u>, <font color="…">, …) and ASS override
    /// blocks such as {\an8}. Only a "<" followed by a letter or "/" starts a tag, so that
    /// "a < b" and "<3" stay as written.
    static func stripSRT(_ line: Substring) -> String {
        removeASSOverrides(removeTags(String(line), any: false))
    }

    /// WebVTT: every tag (<v Speaker>, <c.class>, <i>, <00:00:01.000>, …; a literal "<" must
    /// be written &lt; in WebVTT), then the character references. Tags go first, so that an
    /// escaped "&lt;i&gt;" ends up as the text "<i>".
    static func stripVTT(_ line: Substring) -> String {
        decodeEntities(removeTags(String(line), any: true))
    }

    /// ASS dialogue text (what libavcodec hands over for every text subtitle codec): override
    /// blocks {…} removed, the hard line breaks \N and \n turned into "\n", the hard space \h
    /// into a space.
    static func stripASS(_ text: String) -> String {
        removeASSOverrides(text, all: true)
            .replacingOccurrences(of: "\\N", with: "\n")
            .replacingOccurrences(of: "\\n", with: "\n")
            .replacingOccurrences(of: "\\h", with: " ")
    }

    /// Lines trimmed, lines left empty by the cleanup dropped, the rest joined with "\n".
    static func joinLines<S: Sequence>(_ lines: S) -> String where S.Element: StringProtocol {
        lines.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }.joined(separator: "\n")
    }

    /// Removes "<…>" tags: all of them (`any`), or only those whose "<" is followed by a
    /// letter or "/". A "<" with no ">" after it (before the next "<") is kept as text.
    static func removeTags(_ text: String, any: Bool) -> String {
        var out = ""
        var rest = text[...]
        while let open = rest.firstIndex(of: "<") {
            let after = rest.index(after: open)
            let startsTag = any || (after < rest.endIndex && (rest[after].isLetter || rest[after] == "/"))
            guard startsTag, let close = rest[after...].firstIndex(of: ">"),
                  !rest[after..<close].contains("<") else {
                out += rest[...open]
                rest = rest[after...]
                continue
            }
            out += rest[..<open]
            rest = rest[rest.index(after: close)...]
        }
        return out + rest
    }

    /// Removes ASS override blocks: "{\…}" only (`all` false, for SRT, where a plain "{"
    /// may be text), or every "{…}" (`all`, for ASS, where braces are always markup).
    static func removeASSOverrides(_ text: String, all: Bool = false) -> String {
        var out = ""
        var rest = text[...]
        while let open = rest.firstIndex(of: "{") {
            let after = rest.index(after: open)
            let isOverride = all || (after < rest.endIndex && rest[after] == "\\")
            guard isOverride, let close = rest[after...].firstIndex(of: "}") else {
                out += rest[...open]
                rest = rest[after...]
                continue
            }
            out += rest[..<open]
            rest = rest[rest.index(after: close)...]
        }
        return out + rest
    }

    /// WebVTT character references: the named ones WebVTT defines (&amp; &lt; &gt; &nbsp;
    /// &lrm; &rlm;, plus &quot; and &apos;) and numeric ones (&#233; &#xE9;). &nbsp; becomes
    /// U+00A0. Anything else is left as written.
    static func decodeEntities(_ text: String) -> String {
        guard text.contains("&") else { return text }
        var out = ""
        var rest = text[...]
        while let amp = rest.firstIndex(of: "&") {
            out += rest[..<amp]
            let after = rest.index(after: amp)
            if let semi = rest[after...].prefix(10).firstIndex(of: ";"), let decoded = entity(rest[after..<semi]) {
                out.unicodeScalars.append(decoded)
                rest = rest[rest.index(after: semi)...]
            } else {
                out += "&"
                rest = rest[after...]
            }
        }
        return out + rest
    }

    private static let named: [Substring: Unicode.Scalar] = [
        "amp": "&", "lt": "<", "gt": ">", "nbsp": "\u{00A0}", "lrm": "\u{200E}", "rlm": "\u{200F}", "quot": "\"", "apos": "'",
    ]

    private static func entity(_ name: Substring) -> Unicode.Scalar? {
        if let scalar = named[name] { return scalar }
        guard name.first == "#" else { return nil }
        let digits = name.dropFirst()
        let value = digits.first == "x" || digits.first == "X" ? UInt32(digits.dropFirst(), radix: 16) : UInt32(digits, radix: 10)
        return value.flatMap(Unicode.Scalar.init)
    }
}

extension CueMarkup {
    /// The text of an ASS dialogue event as libavcodec (5.x) delivers every text subtitle:
    /// "ReadOrder,Layer,Style,Name,MarginL,MarginR,MarginV,Effect,Text". The text is what
    /// follows the eighth comma (it may hold commas itself), cleaned with ``stripASS(_:)``,
    /// its lines trimmed and joined with "\n". An event with fewer fields is taken as text.
    static func assDialogueText(_ event: String) -> String {
        var rest = event[...]
        for _ in 0..<8 {
            guard let comma = rest.firstIndex(of: ",") else { rest = event[...]; break }
            rest = rest[rest.index(after: comma)...]
        }
        return joinLines(stripASS(String(rest)).split(separator: "\n", omittingEmptySubsequences: false))
    }
}
