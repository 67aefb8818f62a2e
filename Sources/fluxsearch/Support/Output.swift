import Foundation

// Printing shared by every command: status lines on stderr, JSON and padded columns on stdout
// (through the checked `out`, see StandardOutput.swift).

/// `s` left-aligned in a column of `n` characters (at least one space follows).
func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s + " " : s + String(repeating: " ", count: n - s.count) }
/// `s` right-aligned in a column of `n` characters.
func lpad(_ s: String, _ n: Int) -> String { s.count >= n ? " " + s : String(repeating: " ", count: n - s.count) + s }

/// Prints a value as pretty, key-sorted JSON with snake_case keys (every command's `--json`
/// uses the same key style) on stdout. Slashes are not escaped (`a/b`, not `a\/b`).
func printJSON<T: Encodable>(_ value: T) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    encoder.keyEncodingStrategy = .convertToSnakeCase
    out(String(decoding: try encoder.encode(value), as: UTF8.self))
}

/// Writes `warning: …` to standard error.
func warn(_ message: String) {
    writeStandardError("warning: \(message)\n")
}

/// Writes a progress or status line to standard error.
func note(_ message: String) {
    writeStandardError("\(message)\n")
}

/// A byte count in decimal units: "512 B", "4.7 MB".
func formatBytes(_ n: Int) -> String {
    let units = ["B", "KB", "MB", "GB"]
    var v = Double(n), i = 0
    while v >= 1000 && i < units.count - 1 { v /= 1000; i += 1 }
    return i == 0 ? "\(n) B" : String(format: "%.1f %@", v, units[i])
}

/// "m:ss.s–m:ss.s".
func timeRange(_ start: Double, _ end: Double) -> String {
    func f(_ t: Double) -> String { String(format: "%d:%04.1f", Int(t) / 60, t.truncatingRemainder(dividingBy: 60)) }
    return f(start) + "–" + f(end)
}

/// `s` quoted for a POSIX shell when it needs it.
func shellQuote(_ s: String) -> String {
    s.allSatisfy({ $0.isLetter || $0.isNumber || "/._-".contains($0) }) ? s : "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'"
}

/// Seconds as "m:ss" or "h:mm:ss".
func formatDuration(_ s: Double) -> String {
    let t = Int(s.rounded())
    return t >= 3600 ? String(format: "%d:%02d:%02d", t / 3600, t % 3600 / 60, t % 60) : String(format: "%d:%02d", t / 60, t % 60)
}
