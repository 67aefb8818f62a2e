/// Records of delimited text (CSV, TSV): the parser behind caption files and annotation CSVs.
public enum DelimitedText {
    /// RFC 4180 delimited text (CSV by default): quoted fields may hold the delimiter, doubled
    /// quotes and line breaks; CRLF, LF and CR end records; empty lines are skipped.
    public static func parse(_ text: String, delimiter: Character = ",") -> [[String]] {
        var rows: [[String]] = [], row: [String] = [], field = ""
        var quoted = false, atFieldStart = true
        var iterator = text.makeIterator()
        var pending: Character?
        while let c = pending ?? iterator.next() {
            pending = nil
            if quoted {
                if c == "\"" {
                    if let next = iterator.next() {
                        if next == "\"" { field.append("\"") } else { quoted = false; pending = next }
                    } else { quoted = false }
                } else { field.append(c) }
            } else if c == "\"" && atFieldStart {
                quoted = true
                atFieldStart = false
            } else if c == delimiter {
                row.append(field); field = ""; atFieldStart = true
            } else if c == "\n" || c == "\r\n" || c == "\r" {
                row.append(field); field = ""; atFieldStart = true
                if !(row.count == 1 && row[0].isEmpty) { rows.append(row) }
                row = []
            } else {
                field.append(c)
                atFieldStart = false
            }
        }
        if !field.isEmpty || !row.isEmpty { row.append(field); rows.append(row) }
        return rows
    }
}
