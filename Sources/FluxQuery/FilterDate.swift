import Foundation

/// Reads the dates of `--after` / `--before`: `2024`, `2024-05`, `2024-05-01`,
/// `2024-05-01T12:30`, `2024-05-01 12:30:15`, each optionally ending in `Z` or an offset
/// (`+02:00`). Without a zone a date is in `timeZone` (the user's local time, as `find
/// -newermt` reads it). A partial date means its first instant: `--after 2024-05` is
/// 1 May 2024 00:00.
public enum FilterDate {
    /// - Throws: ``FilterDateError`` naming the option and the forms accepted.
    public static func parse(_ text: String, option: String, timeZone: TimeZone = .current) throws -> Date {
        let t = text.trimmingCharacters(in: .whitespaces)
        let pattern = #"^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?)?)?(Z|[+-]\d{2}:?\d{2})?$"#
        guard let re = try? NSRegularExpression(pattern: pattern),
              let m = re.firstMatch(in: t, range: NSRange(t.startIndex..., in: t)) else {
            throw FilterDateError.malformed(option: option, text: text)
        }
        func group(_ i: Int) -> String? {
            guard let r = Range(m.range(at: i), in: t) else { return nil }
            return String(t[r])
        }
        var c = DateComponents()
        c.year = Int(group(1)!)
        c.month = group(2).flatMap(Int.init) ?? 1
        c.day = group(3).flatMap(Int.init) ?? 1
        c.hour = group(4).flatMap(Int.init) ?? 0
        c.minute = group(5).flatMap(Int.init) ?? 0
        c.second = group(6).flatMap(Int.init) ?? 0
        guard (1...12).contains(c.month!), (1...31).contains(c.day!), c.hour! < 24, c.minute! < 60, c.second! < 60 else {
            throw FilterDateError.malformed(option: option, text: text)
        }
        var zone = timeZone
        if let z = group(7) {
            if z == "Z" {
                zone = TimeZone(secondsFromGMT: 0)!
            } else {
                let digits = z.dropFirst().filter(\.isNumber)
                let h = Int(digits.prefix(2))!, mm = Int(digits.suffix(2))!
                guard h < 24, mm < 60 else { throw FilterDateError.malformed(option: option, text: text) }
                zone = TimeZone(secondsFromGMT: (z.hasPrefix("-") ? -1 : 1) * (h * 3600 + mm * 60))!
            }
        }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        guard let date = calendar.date(from: c), calendar.component(.day, from: date) == c.day else {
            throw FilterDateError.malformed(option: option, text: text)
        }
        return date
    }
}

/// A date filter that cannot be read.
public enum FilterDateError: Error, Equatable, CustomStringConvertible, LocalizedError {
    case malformed(option: String, text: String)

    public var description: String {
        switch self {
        case .malformed(let option, let text):
            return "\(option) '\(text)' is not a date; write YYYY-MM-DD, optionally with a time and zone: 2024-05-01, 2024-05-01T18:30, 2024-05-01T18:30Z"
        }
    }

    public var errorDescription: String? { description }
}
