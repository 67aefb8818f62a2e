// WebVTT (.vtt): a "WEBVTT" header, then cue blocks and NOTE/STYLE/REGION blocks.
extension TranscriptReader {
    static let vttTimingForm = "[HH:]MM:SS.mmm --> [HH:]MM:SS.mmm [settings]"

    /// The cues of WebVTT text (line breaks already "\n"). `path` names the file in errors.
    ///
    /// The first line must be "WEBVTT" (optionally followed by a space or tab and a title);
    /// the header runs to the first blank line. NOTE, STYLE and REGION blocks are skipped.
    /// A cue block is an optional identifier line, a timing line
    /// `[HH:]MM:SS.mmm --> [HH:]MM:SS.mmm [settings]`, and text lines up to the next blank
    /// line. Tags (<v Speaker>, <c.x>, <i>, <00:00:01.000>) are removed, character
    /// references (&amp; &lt; &gt; &nbsp; &lrm; &rlm;) decoded, each line trimmed; a cue
    /// left without text is dropped.
    ///
    /// - Throws: ``TranscriptError/malformed(path:line:reason:)`` for a missing header or a
    ///   timing line that cannot be read or ends before it starts, and
    ///   ``TranscriptError/noCues(path:)`` when no cue has text.
    public static func parseWebVTT(_ text: String, path: String) throws -> [TranscriptCue] {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard let first = lines.first, isKeywordLine(first, "WEBVTT") else {
            throw TranscriptError.malformed(path: path, line: 1,
                                            reason: "the file does not start with 'WEBVTT'; a WebVTT file must begin with that line")
        }
        var i = 1
        while i < lines.count, !lines[i].isBlankLine { i += 1 }  // header metadata
        var cues: [TranscriptCue] = []
        while i < lines.count {
            if lines[i].isBlankLine { i += 1; continue }
            var next = i + 1
            while next < lines.count, !lines[next].isBlankLine { next += 1 }
            if ["NOTE", "STYLE", "REGION"].contains(where: { isKeywordLine(lines[i], $0) }) {
                i = next
                continue
            }
            let timing = try timingLine(of: lines, blockStart: i, path: path, form: vttTimingForm)
            let (start, end) = try parseTiming(lines[timing], line: timing + 1, path: path, hoursRequired: false, form: vttTimingForm)
            let text = CueMarkup.joinLines(lines[(timing + 1)..<next].map(CueMarkup.stripVTT))
            if !text.isEmpty { cues.append(TranscriptCue(start: start, end: end, text: text)) }
            i = next
        }
        guard !cues.isEmpty else { throw TranscriptError.noCues(path: path) }
        return cues
    }

    /// True when `line` is `keyword` alone or followed by a space or tab.
    static func isKeywordLine(_ line: Substring, _ keyword: String) -> Bool {
        guard line.hasPrefix(keyword) else { return false }
        let rest = line.dropFirst(keyword.count)
        return rest.isEmpty || rest.first == " " || rest.first == "\t"
    }
}
