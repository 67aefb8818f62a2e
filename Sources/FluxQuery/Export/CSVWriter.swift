import Foundation

/// A spreadsheet of the hits (`.csv`, RFC 4180): a header row, then one row per clip —
/// `rank,path,start,end,in_frame,out_frame,fps,score,note` — with CRLF line ends.
///
/// `start`/`end` are seconds (3 decimals), `in_frame`/`out_frame` whole frames at the clip's
/// own rate (out exclusive, clamped as in every format), `fps` the rate in decimals.
/// A field holding a comma, quote, CR or LF is quoted, quotes doubled.
///
/// Formula injection: spreadsheets run a cell that starts with `=`, `+`, `-` or `@` as a
/// formula, and paths and notes come from the files searched. Such a text cell (path, note)
/// gets a leading `'`, which spreadsheets show as text and do not evaluate. The numbers we
/// format ourselves (a negative score) are left as they are so they stay numbers.
enum CSVWriter {
    static let header = ["rank", "path", "start", "end", "in_frame", "out_frame", "fps", "score", "note"]

    static func render(_ list: EditList) -> String {
        var rows = [header.joined(separator: ",")]
        for clip in list.clips {
            let frames = clip.frames
            let fields = [
                String(clip.rank),
                field(text: clip.path),
                seconds(clip.start),
                seconds(clip.end),
                String(frames.inFrame),
                String(frames.outFrame),
                decimal(clip.frameRate.fps, places: 3),
                clip.score.isFinite ? clip.score.description : "",
                field(text: clip.note ?? ""),
            ]
            rows.append(fields.map(quoted).joined(separator: ","))
        }
        return rows.joined(separator: "\r\n") + "\r\n"
    }

    /// A text cell made inert for spreadsheets (see the type's comment).
    static func field(text: String) -> String {
        guard let first = text.unicodeScalars.first, "=+-@".unicodeScalars.contains(first) else { return text }
        return "'" + text
    }

    /// RFC 4180 quoting: only when needed, quotes doubled.
    static func quoted(_ field: String) -> String {
        guard field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" || $0 == "\r\n" }) else { return field }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    static func seconds(_ value: Double) -> String { String(format: "%.3f", value) }

    /// `value` with at most `places` decimals and no trailing zeros (`25`, `29.97`).
    static func decimal(_ value: Double, places: Int) -> String {
        var text = String(format: "%.\(places)f", value)
        while text.contains("."), text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
        return text
    }
}
