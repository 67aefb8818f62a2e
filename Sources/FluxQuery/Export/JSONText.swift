import Foundation

/// A JSON value with ordered object keys, printed with 4-space indents: enough to write an
/// OpenTimelineIO file in the key order the library itself writes, without Foundation's
/// JSONSerialization (unordered keys, and `25.0` printed as `25`).
indirect enum JSONText {
    case object([(String, JSONText)])
    case array([JSONText])
    case string(String)
    case number(Double)
    case integer(Int)
    case bool(Bool)
    case null
    /// A number already printed as JSON.
    case rawNumber(String)

    /// A Float as the shortest decimal that reads back as the same Float (`0.873`, not
    /// `0.8730000257…`); null when not finite, as JSON has no NaN or infinity.
    static func float(_ value: Float) -> JSONText {
        value.isFinite ? .rawNumber(value.description) : .null
    }

    func rendered(indent: Int = 0) -> String {
        let pad = String(repeating: " ", count: indent * 4), inner = String(repeating: " ", count: (indent + 1) * 4)
        switch self {
        case .object(let members):
            guard !members.isEmpty else { return "{}" }
            let body = members.map { "\(inner)\(Self.quoted($0.0)): \($0.1.rendered(indent: indent + 1))" }
            return "{\n" + body.joined(separator: ",\n") + "\n\(pad)}"
        case .array(let items):
            guard !items.isEmpty else { return "[]" }
            return "[\n" + items.map { inner + $0.rendered(indent: indent + 1) }.joined(separator: ",\n") + "\n\(pad)]"
        case .string(let s): return Self.quoted(s)
        // Swift prints the shortest round-tripping form and keeps `.0` on whole values,
        // which OpenTimelineIO reads as the doubles its schema declares.
        case .number(let d): return d.isFinite ? d.description : "null"
        case .integer(let i): return String(i)
        case .rawNumber(let text): return text
        case .bool(let b): return b ? "true" : "false"
        case .null: return "null"
        }
    }

    /// A JSON string literal: quotes, backslashes and control characters escaped; the rest
    /// (non-ASCII included) as UTF-8.
    static func quoted(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    out += "\\u" + String(scalar.value, radix: 16).leftPadded(to: 4, with: "0")
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}
