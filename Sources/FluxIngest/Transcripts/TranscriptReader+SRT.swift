// SubRip (.srt): numbered blocks of a timing line and text lines, separated by blank lines.
extension TranscriptReader {
    static let srtTimingForm = "HH:MM:SS,mmm --> HH:MM:SS,mmm"

    /// The cues of SubRip text (line breaks already "\n"). `path` names the file in errors.
    ///
    /// A block is an optional index line, a timing line `HH:MM:SS,mmm --> HH:MM:SS,mmm` (also
    /// "." before the milliseconds, hours of any number of digits, trailing position info),
    /// and text lines up to the next blank line. Tags and {\…} overrides are removed and each
    /// line trimmed; a cue left without text is dropped.
    ///
    /// - Throws: ``TranscriptError/malformed(path:line:reason:)`` for a timing line that
    ///   cannot be read or ends before it starts (the whole file is refused: a broken timing
    ///   line usually means the rest is shifted or damaged too), and
    ///   ``TranscriptError/noCues(path:)`` when no cue has text.
    public static func parseSRT(_ text: String, path: String) throws -> [TranscriptCue] {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        var cues: [TranscriptCue] = []
        var i = 0
        while i < lines.count {
            if lines[i].isBlankLine { i += 1; continue }
            let timing = try timingLine(of: lines, blockStart: i, path: path, form: srtTimingForm)
            let (start, end) = try parseTiming(lines[timing], line: timing + 1, path: path, hoursRequired: true, form: srtTimingForm)
            var next = timing + 1
            while next < lines.count, !lines[next].isBlankLine { next += 1 }
            let text = CueMarkup.joinLines(lines[(timing + 1)..<next].map(CueMarkup.stripSRT))
            if !text.isEmpty { cues.append(TranscriptCue(start: start, end: end, text: text)) }
            i = next
        }
        guard !cues.isEmpty else { throw TranscriptError.noCues(path: path) }
        return cues
    }

    /// The index of a block's timing line: its first line when that holds "-->", else the
    /// second (the first being a cue number or identifier).
    static func timingLine(of lines: [Substring], blockStart i: Int, path: String, form: String) throws -> Int {
        if lines[i].contains("-->") { return i }
        guard i + 1 < lines.count, !lines[i + 1].isBlankLine else {
            throw TranscriptError.malformed(path: path, line: i + 1,
                                            reason: "'\(excerpt(lines[i]))' is not followed by a timing line; expected an optional cue number, then \(form), then the text")
        }
        return i + 1
    }

    /// Start and end seconds of timing line number `line` (1-based), checked for order.
    static func parseTiming(_ text: Substring, line: Int, path: String, hoursRequired: Bool, form: String) throws -> (Double, Double) {
        guard let (start, end) = CueTiming.parseLine(text, hoursRequired: hoursRequired) else {
            throw TranscriptError.malformed(path: path, line: line, reason: "cannot read the timing '\(excerpt(text))'; expected \(form)")
        }
        guard end >= start else {
            throw TranscriptError.malformed(path: path, line: line,
                                            reason: "the cue ends (\(end) s) before it starts (\(start) s) in '\(excerpt(text))'")
        }
        return (start, end)
    }

    /// A line for an error message: at most 60 characters.
    static func excerpt(_ line: Substring) -> String {
        line.count <= 60 ? String(line) : String(line.prefix(59)) + "…"
    }
}
