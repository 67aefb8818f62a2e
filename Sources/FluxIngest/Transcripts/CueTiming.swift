/// Clock times of cue timing lines ("00:01:02,345", "01:02.345") and the "A --> B" line
/// around them, shared by the SRT and WebVTT readers.
enum CueTiming {
    /// Seconds of a clock time `[H…:]MM:SS(,|.)f`: hours of one or more digits (required when
    /// `hoursRequired`), minutes and seconds of two digits below 60, a fraction of 1–3 digits
    /// read as a decimal fraction ("5" = 500 ms). nil when the text is anything else.
    ///
    /// Computed as whole milliseconds / 1000, so "00:01:01,123" gives exactly the Double
    /// literal 61.123 (one correctly rounded division).
    static func seconds(_ text: Substring, hoursRequired: Bool) -> Double? {
        guard let separator = text.lastIndex(where: { $0 == "," || $0 == "." }) else { return nil }
        let fraction = text[text.index(after: separator)...]
        guard (1...3).contains(fraction.count), fraction.allSatisfy(\.isASCIIDigit) else { return nil }
        let parts = text[..<separator].split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 3 || (parts.count == 2 && !hoursRequired) else { return nil }
        guard parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.isASCIIDigit) }) else { return nil }
        let (minutesText, secondsText) = (parts[parts.count - 2], parts[parts.count - 1])
        guard minutesText.count == 2, secondsText.count == 2,
              let minutes = Int(minutesText), let secs = Int(secondsText), minutes < 60, secs < 60 else { return nil }
        var hours = 0
        if parts.count == 3 {
            guard parts[0].count <= 6, let h = Int(parts[0]) else { return nil }
            hours = h
        }
        guard var millis = Int(fraction) else { return nil }
        for _ in fraction.count..<3 { millis *= 10 }
        let total = ((hours * 60 + minutes) * 60 + secs) * 1000 + millis
        return Double(total) / 1000
    }

    /// Start and end seconds of a timing line "A --> B[ settings]", or nil when it is not
    /// one. Anything after whitespace following B (SRT's "X1:… Y2:…", WebVTT's cue settings)
    /// is ignored.
    static func parseLine(_ line: Substring, hoursRequired: Bool) -> (start: Double, end: Double)? {
        guard let arrow = line.range(of: "-->") else { return nil }
        let left = line[..<arrow.lowerBound].trimmingASCIIWhitespace()
        let right = line[arrow.upperBound...].trimmingASCIIWhitespace()
        let endText = right.prefix { $0 != " " && $0 != "\t" }
        guard let start = seconds(left, hoursRequired: hoursRequired),
              let end = seconds(endText, hoursRequired: hoursRequired) else { return nil }
        return (start, end)
    }
}

extension Character {
    var isASCIIDigit: Bool { asciiValue.map { (48...57).contains($0) } ?? false }
}

extension Substring {
    /// Without leading and trailing spaces and tabs.
    func trimmingASCIIWhitespace() -> Substring {
        guard let first = firstIndex(where: { $0 != " " && $0 != "\t" }),
              let last = lastIndex(where: { $0 != " " && $0 != "\t" }) else { return self[endIndex...] }
        return self[first...last]
    }
}

extension StringProtocol {
    /// True for an empty line or one of spaces and tabs only.
    var isBlankLine: Bool { allSatisfy { $0 == " " || $0 == "\t" } }
}
