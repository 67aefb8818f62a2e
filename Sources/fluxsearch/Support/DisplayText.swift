/// Text from outside (file names, queries) made safe for one line of a table: control
/// characters such as a newline in a file name are written as escapes (`\n`, `\t`,
/// `\u{1B}`), so that every row stays one line.
func displayLine(_ s: String) -> String {
    var out = ""
    for scalar in s.unicodeScalars {
        switch scalar {
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        case "\\": out += "\\\\"
        default:
            if scalar.properties.generalCategory == .control || scalar.properties.generalCategory == .format {
                out += "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
    }
    return out
}

/// `s` cut to at most `limit` characters, with "…" and the full length when it was longer.
func clipped(_ s: String, to limit: Int) -> String {
    s.count <= limit ? s : String(s.prefix(limit)) + "… (\(s.count) characters)"
}
