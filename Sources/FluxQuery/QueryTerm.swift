import Foundation
import FluxIngest

/// One weighted term of query arithmetic: `"a dog on a beach" − "people" + ref.mp4@12-18`.
///
/// The query vector is the unit-length sum of each term's unit vector times its weight
/// (``QueryArithmetic/combine(_:)``); the main query is a term of weight 1.
///
/// JSON: `{"kind": "text", "text": "people", "weight": -1}`,
/// `{"kind": "video", "path": "/v/ref.mp4", "start": 12, "end": 18, "weight": 1}`,
/// `{"kind": "clip", "clip_id": 42, "weight": 0.5}`.
public struct QueryTerm: Sendable, Equatable, Codable {
    /// Where a term's vector comes from.
    public enum Source: Sendable, Equatable {
        /// A sentence, encoded with the text tower.
        case text(String)
        /// An indexed clip's stored vector, or a video file (or a span of it) as "similar" reads
        /// it: the stored vector of an unchanged indexed file, else the file encoded.
        case example(SimilarTarget)
    }

    public var source: Source
    /// Positive adds the term (`--plus`), negative subtracts it (`--minus`).
    public var weight: Float

    public init(_ source: Source, weight: Float) {
        self.source = source
        self.weight = weight
    }

    /// Splits an optional leading weight off a term as typed: "0.5*people" → (0.5, "people"),
    /// "people" → (nil, "people"). Only a plain decimal number before the first `*` is a weight;
    /// to search for a text that starts that way ("3*4 grid"), write a weight first: "1*3*4 grid".
    public static func splitWeight(_ typed: String) -> (weight: Float?, rest: String) {
        guard let star = typed.firstIndex(of: "*") else { return (nil, typed) }
        let head = typed[..<star].trimmingCharacters(in: .whitespaces)
        guard !head.isEmpty, head.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ".") }),
              let w = Float(head), w.isFinite else { return (nil, typed) }
        return (w, String(typed[typed.index(after: star)...]).trimmingCharacters(in: .whitespaces))
    }

    private enum CodingKeys: String, CodingKey {
        case kind, text, path, start, end, weight
        case clipId = "clip_id"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        weight = try c.decode(Float.self, forKey: .weight)
        switch try c.decode(String.self, forKey: .kind) {
        case "text": source = .text(try c.decode(String.self, forKey: .text))
        case "clip": source = .example(.clip(try c.decode(Int64.self, forKey: .clipId)))
        case "video":
            let start = try c.decodeIfPresent(Double.self, forKey: .start)
            let end = try c.decodeIfPresent(Double.self, forKey: .end)
            let window = start.map { TimeWindow(start: $0, end: end ?? .greatestFiniteMagnitude) }
            source = .example(.file(URL(fileURLWithPath: try c.decode(String.self, forKey: .path)), window: window))
        case let other:
            throw DecodingError.dataCorruptedError(forKey: .kind, in: c, debugDescription: "unknown term kind \(other); expected text, video or clip")
        }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        switch source {
        case .text(let t):
            try c.encode("text", forKey: .kind)
            try c.encode(t, forKey: .text)
        case .example(.clip(let id)):
            try c.encode("clip", forKey: .kind)
            try c.encode(id, forKey: .clipId)
        case .example(.file(let url, let window)):
            try c.encode("video", forKey: .kind)
            try c.encode(url.path, forKey: .path)
            try c.encodeIfPresent(window?.start, forKey: .start)
            try c.encodeIfPresent(window?.end, forKey: .end)
        }
        try c.encode(weight, forKey: .weight)
    }

    /// How the term reads in a label: `- 0.5*"people"`, `+ video:ref.mp4@12-18`.
    var label: String {
        let body: String
        switch source {
        case .text(let t): body = "\"\(t)\""
        case .example(let target): body = target.label
        }
        let w = abs(weight)
        let magnitude = w == 1 ? "" : (w == w.rounded() && w < 1e9 ? String(Int(w)) : "\(w)") + "*"
        return (weight < 0 ? "- " : "+ ") + magnitude + body
    }
}

/// Adding and subtracting unit vectors (rclip's `"cat" - "dog" + image`).
public enum QueryArithmetic {
    /// `Σ wᵢ·vᵢ`, scaled to unit length; `vᵢ` are unit vectors of one dimension.
    /// - Throws: ``QueryError/termsCancel`` when the sum is (numerically) zero.
    public static func combine(_ terms: [(vector: [Float], weight: Float)]) throws -> [Float] {
        guard let e = terms.first?.vector.count else { throw QueryError.emptyQuery }
        var sum = [Double](repeating: 0, count: e)
        for (v, w) in terms {
            for j in 0..<e { sum[j] += Double(w) * Double(v[j]) }
        }
        let norm = sum.reduce(0) { $0 + $1 * $1 }.squareRoot()
        guard norm > 1e-6 else { throw QueryError.termsCancel }
        return sum.map { Float($0 / norm) }
    }
}
