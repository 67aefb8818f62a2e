import Foundation

/// Parses the `creation_time` tag of a container: ISO 8601 as FFmpeg and cameras write it,
/// "2024-05-01T12:34:56.000000Z", also with a space for the "T", without fractional seconds, or
/// with an offset ("+02:00", "+0200"). A date with no zone is UTC (what the MP4 and Matroska
/// fields hold). Dates in or before 1970 are treated as absent: they are an unset clock or the
/// zero of MP4's 1904 epoch, not a recording date.
public enum ContainerDate {
    /// The date, or nil when `text` is empty, malformed or not a plausible recording date.
    public static func parse(_ text: String) -> Date? {
        let s = Array(text.trimmingCharacters(in: .whitespaces).utf8)
        guard s.count >= 19 else { return nil }
        func number(_ from: Int, _ count: Int) -> Int? {
            var v = 0
            for i in from..<(from + count) {
                guard s[i] >= 48, s[i] <= 57 else { return nil }
                v = v * 10 + Int(s[i] - 48)
            }
            return v
        }
        guard s[4] == UInt8(ascii: "-"), s[7] == UInt8(ascii: "-"), s[10] == UInt8(ascii: "T") || s[10] == UInt8(ascii: " "),
              s[13] == UInt8(ascii: ":"), s[16] == UInt8(ascii: ":"),
              let year = number(0, 4), let month = number(5, 2), let day = number(8, 2),
              let hour = number(11, 2), let minute = number(14, 2), let second = number(17, 2),
              (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61,
              year > 1970 else { return nil }
        var i = 19
        var fraction = 0.0
        if i < s.count, s[i] == UInt8(ascii: ".") {
            i += 1
            var scale = 0.1
            while i < s.count, s[i] >= 48, s[i] <= 57 {
                fraction += Double(s[i] - 48) * scale
                scale /= 10
                i += 1
            }
        }
        var offset = 0
        if i < s.count {
            switch s[i] {
            case UInt8(ascii: "Z"), UInt8(ascii: "z"):
                i += 1
            case UInt8(ascii: "+"), UInt8(ascii: "-"):
                let sign = s[i] == UInt8(ascii: "-") ? -1 : 1
                i += 1
                guard i + 2 <= s.count, let h = number(i, 2) else { return nil }
                i += 2
                if i < s.count, s[i] == UInt8(ascii: ":") { i += 1 }
                var m = 0
                if i + 2 <= s.count, let mm = number(i, 2) { m = mm; i += 2 }
                offset = sign * (h * 3600 + m * 60)
            default:
                return nil
            }
        }
        guard i == s.count else { return nil }
        var components = DateComponents()
        (components.year, components.month, components.day) = (year, month, day)
        (components.hour, components.minute, components.second) = (hour, minute, second)
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(secondsFromGMT: 0)!
        guard let date = calendar.date(from: components), calendar.component(.day, from: date) == day else { return nil }
        return date.addingTimeInterval(fraction - Double(offset))
    }
}
