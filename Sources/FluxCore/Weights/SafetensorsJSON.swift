import Foundation

/// A small, strict JSON parser for safetensors headers.
///
/// Why not `JSONSerialization`: a header is untrusted input, and this parser gives exact
/// control over what is accepted. Integers are kept exact (no `Double` round trip), booleans
/// never pass as numbers, duplicate object keys are rejected, nesting is capped at
/// ``maxDepth`` so that `[[[[…` cannot exhaust the stack, and every failure is a thrown
/// ``SafetensorsJSON/ParseError`` carrying the byte offset — never a trap.
enum SafetensorsJSON {
    /// Deepest nesting accepted. A safetensors header needs 3 (root → entry → shape).
    static let maxDepth = 64

    /// A parsed JSON value. Objects keep their keys in file order.
    indirect enum Value: Equatable {
        case object([(key: String, value: Value)])
        case array([Value])
        case string(String)
        /// An integer literal (no fraction, no exponent) that fits in `Int`.
        case integer(Int)
        /// Any other number, as written (fractions, exponents, integers too large for `Int`).
        case otherNumber(String)
        case bool(Bool)
        case null

        static func == (a: Value, b: Value) -> Bool {
            switch (a, b) {
            case (.object(let x), .object(let y)):
                return x.count == y.count && zip(x, y).allSatisfy { $0.key == $1.key && $0.value == $1.value }
            case (.array(let x), .array(let y)): return x == y
            case (.string(let x), .string(let y)): return x == y
            case (.integer(let x), .integer(let y)): return x == y
            case (.otherNumber(let x), .otherNumber(let y)): return x == y
            case (.bool(let x), .bool(let y)): return x == y
            case (.null, .null): return true
            default: return false
            }
        }

        /// A short name of the value's kind, for error messages ("an array", "a string", …).
        var kindDescription: String {
            switch self {
            case .object: return "an object"
            case .array: return "an array"
            case .string: return "a string"
            case .integer, .otherNumber: return "a number"
            case .bool: return "a boolean"
            case .null: return "null"
            }
        }
    }

    /// Why the text is not JSON; `offset` is the byte offset within the header.
    struct ParseError: Error, Equatable {
        let message: String
        let offset: Int
    }

    /// Parses one JSON value filling all of `bytes` (surrounding whitespace allowed).
    /// `bytes` must already be valid UTF-8.
    static func parse(_ bytes: [UInt8]) throws -> Value {
        var parser = Parser(bytes: bytes)
        parser.skipWhitespace()
        let value = try parser.parseValue(depth: 0)
        parser.skipWhitespace()
        guard parser.pos == bytes.count else { throw parser.error("unexpected text after the top-level value") }
        return value
    }

    private struct Parser {
        let bytes: [UInt8]
        var pos = 0

        init(bytes: [UInt8]) { self.bytes = bytes }

        func error(_ message: String) -> ParseError { ParseError(message: message, offset: pos) }

        var peek: UInt8? { pos < bytes.count ? bytes[pos] : nil }

        mutating func skipWhitespace() {
            while let c = peek, c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 { pos += 1 }
        }

        mutating func expect(_ c: UInt8, _ what: String) throws {
            guard peek == c else { throw error("expected \(what)") }
            pos += 1
        }

        mutating func parseValue(depth: Int) throws -> Value {
            guard depth < SafetensorsJSON.maxDepth else { throw error("nesting deeper than \(SafetensorsJSON.maxDepth)") }
            guard let c = peek else { throw error("unexpected end of text, expected a value") }
            switch c {
            case UInt8(ascii: "{"): return try parseObject(depth: depth)
            case UInt8(ascii: "["): return try parseArray(depth: depth)
            case UInt8(ascii: "\""): return .string(try parseString())
            case UInt8(ascii: "t"): try parseLiteral("true"); return .bool(true)
            case UInt8(ascii: "f"): try parseLiteral("false"); return .bool(false)
            case UInt8(ascii: "n"): try parseLiteral("null"); return .null
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try parseNumber()
            default: throw error("unexpected character '\(UnicodeScalar(c))'")
            }
        }

        mutating func parseLiteral(_ word: String) throws {
            for b in word.utf8 {
                guard peek == b else { throw error("invalid literal, expected '\(word)'") }
                pos += 1
            }
        }

        mutating func parseObject(depth: Int) throws -> Value {
            pos += 1  // "{"
            var members: [(key: String, value: Value)] = []
            var seen = Set<String>()
            skipWhitespace()
            if peek == UInt8(ascii: "}") { pos += 1; return .object(members) }
            while true {
                skipWhitespace()
                guard peek == UInt8(ascii: "\"") else { throw error("expected a string key") }
                let keyStart = pos
                let key = try parseString()
                guard seen.insert(key).inserted else {
                    throw ParseError(message: "duplicate key '\(key)'", offset: keyStart)
                }
                skipWhitespace()
                try expect(UInt8(ascii: ":"), "':' after key '\(key)'")
                skipWhitespace()
                members.append((key, try parseValue(depth: depth + 1)))
                skipWhitespace()
                if peek == UInt8(ascii: ",") { pos += 1; continue }
                try expect(UInt8(ascii: "}"), "',' or '}' in object")
                return .object(members)
            }
        }

        mutating func parseArray(depth: Int) throws -> Value {
            pos += 1  // "["
            var items: [Value] = []
            skipWhitespace()
            if peek == UInt8(ascii: "]") { pos += 1; return .array(items) }
            while true {
                skipWhitespace()
                items.append(try parseValue(depth: depth + 1))
                skipWhitespace()
                if peek == UInt8(ascii: ",") { pos += 1; continue }
                try expect(UInt8(ascii: "]"), "',' or ']' in array")
                return .array(items)
            }
        }

        mutating func parseString() throws -> String {
            pos += 1  // opening quote
            var out: [UInt8] = []
            while true {
                guard let c = peek else { throw error("unterminated string") }
                pos += 1
                switch c {
                case UInt8(ascii: "\""):
                    return String(decoding: out, as: UTF8.self)
                case UInt8(ascii: "\\"):
                    guard let e = peek else { throw error("unterminated escape") }
                    pos += 1
                    switch e {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(e)
                    case UInt8(ascii: "b"): out.append(0x08)
                    case UInt8(ascii: "f"): out.append(0x0C)
                    case UInt8(ascii: "n"): out.append(0x0A)
                    case UInt8(ascii: "r"): out.append(0x0D)
                    case UInt8(ascii: "t"): out.append(0x09)
                    case UInt8(ascii: "u"): out.append(contentsOf: try parseUnicodeEscape())
                    default: pos -= 1; throw error("invalid escape '\\\(UnicodeScalar(e))'")
                    }
                case 0x00..<0x20:
                    pos -= 1
                    throw error("control character in string")
                default:
                    out.append(c)
                }
            }
        }

        /// After `\u`: four hex digits, or a surrogate pair `\uD8xx\uDCxx`. Returns UTF-8 bytes.
        mutating func parseUnicodeEscape() throws -> [UInt8] {
            var scalar = try parseHex4()
            if (0xD800..<0xDC00).contains(scalar) {
                guard peek == UInt8(ascii: "\\") else { throw error("unpaired surrogate in \\u escape") }
                pos += 1
                guard peek == UInt8(ascii: "u") else { throw error("unpaired surrogate in \\u escape") }
                pos += 1
                let low = try parseHex4()
                guard (0xDC00..<0xE000).contains(low) else { throw error("unpaired surrogate in \\u escape") }
                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
            } else if (0xDC00..<0xE000).contains(scalar) {
                throw error("unpaired surrogate in \\u escape")
            }
            guard let u = Unicode.Scalar(scalar) else { throw error("invalid \\u escape") }
            return Array(String(Character(u)).utf8)
        }

        mutating func parseHex4() throws -> UInt32 {
            var v: UInt32 = 0
            for _ in 0..<4 {
                guard let c = peek else { throw error("truncated \\u escape") }
                let d: UInt32
                switch c {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): d = UInt32(c - UInt8(ascii: "0"))
                case UInt8(ascii: "a")...UInt8(ascii: "f"): d = UInt32(c - UInt8(ascii: "a") + 10)
                case UInt8(ascii: "A")...UInt8(ascii: "F"): d = UInt32(c - UInt8(ascii: "A") + 10)
                default: throw error("invalid hex digit in \\u escape")
                }
                v = v << 4 | d
                pos += 1
            }
            return v
        }

        /// RFC 8259 number grammar: `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`.
        mutating func parseNumber() throws -> Value {
            let start = pos
            var isInteger = true
            if peek == UInt8(ascii: "-") { pos += 1 }
            guard let first = peek, isDigit(first) else { throw error("invalid number") }
            if first == UInt8(ascii: "0") { pos += 1 } else { skipDigits() }
            if peek == UInt8(ascii: ".") {
                isInteger = false
                pos += 1
                guard let d = peek, isDigit(d) else { throw error("invalid number: no digits after '.'") }
                skipDigits()
            }
            if peek == UInt8(ascii: "e") || peek == UInt8(ascii: "E") {
                isInteger = false
                pos += 1
                if peek == UInt8(ascii: "+") || peek == UInt8(ascii: "-") { pos += 1 }
                guard let d = peek, isDigit(d) else { throw error("invalid number: no digits in exponent") }
                skipDigits()
            }
            let text = String(decoding: bytes[start..<pos], as: UTF8.self)
            if isInteger, let v = Int(text) { return .integer(v) }
            return .otherNumber(text)
        }

        func isDigit(_ c: UInt8) -> Bool { c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") }

        mutating func skipDigits() {
            while let c = peek, isDigit(c) { pos += 1 }
        }
    }
}
