import Foundation
import FluxIngest
import FluxQuery
import FluxStore
import Hummingbird

/// Reads the query string of `/api/search` and `/api/similar` into ``QueryOptions``, with the
/// bounds of ``ServerConfiguration``. Every malformed or out-of-range value is a 400 that
/// names the parameter.
struct SearchParameters {
    let parameters: Parameters
    let configuration: ServerConfiguration

    func string(_ name: String) -> String? {
        guard let v = parameters.get(name), !v.isEmpty else { return nil }
        return v
    }

    /// Refuses control characters (NUL and the like) in texts and paths: no file name or query
    /// a person types holds them.
    static func checkPrintable(_ value: String, _ name: String) throws {
        if value.unicodeScalars.contains(where: { $0.value < 0x20 && $0 != "\t" || $0.value == 0x7F }) {
            throw APIError(.badRequest, "\(name) holds control characters; send plain text")
        }
    }

    func int(_ name: String, in range: ClosedRange<Int>) throws -> Int? {
        guard let text = string(name) else { return nil }
        guard let v = Int(text), range.contains(v) else {
            throw APIError(.badRequest, "\(name)=\(Self.clip(text)) is out of range; give a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return v
    }

    func double(_ name: String, in range: ClosedRange<Double>) throws -> Double? {
        guard let text = string(name) else { return nil }
        guard let v = Double(text), v.isFinite, range.contains(v) else {
            throw APIError(.badRequest, "\(name)=\(Self.clip(text)) is out of range; give a number from \(range.lowerBound) to \(range.upperBound)")
        }
        return v
    }

    func bool(_ name: String) throws -> Bool? {
        guard let text = string(name) else { return nil }
        switch text.lowercased() {
        case "true", "1", "yes", "on": return true
        case "false", "0", "no", "off": return false
        default: throw APIError(.badRequest, "\(name)=\(Self.clip(text)) is not a boolean; give true or false")
        }
    }

    func choice<T: RawRepresentable>(_ name: String, _ type: T.Type) throws -> T? where T.RawValue == String, T: CaseIterable {
        guard let text = string(name) else { return nil }
        guard let v = T(rawValue: text) else {
            throw APIError(.badRequest, "\(name)=\(Self.clip(text)) is not one of: \(T.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return v
    }

    /// Texts of a repeatable parameter, each bounded like the query.
    func texts(_ name: String) throws -> [String] {
        let all = parameters.getAll(name).filter { !$0.isEmpty }
        guard all.count <= 16 else { throw APIError(.badRequest, "at most 16 \(name) parameters") }
        for t in all {
            guard t.count <= configuration.maxQueryLength else {
                throw APIError(.badRequest, "\(name) is \(t.count) characters long; the limit is \(configuration.maxQueryLength)")
            }
            try Self.checkPrintable(t, name)
        }
        return all
    }

    /// k, budget, sort, filters: what search and similar share.
    func commonOptions() throws -> QueryOptions {
        var o = QueryOptions()
        o.k = try int("k", in: 1...configuration.maxK) ?? 20
        o.budget = try int("tokens", in: 1...1_000_000)
        o.perVideo = try bool("per_video") ?? true
        o.sort = try choice("sort", ResultSort.self) ?? .relevance
        o.moments = try int("moments", in: 0...100) ?? 3
        o.rerank = try choice("rerank", RerankMode.self)
        if let m = try double("min_score", in: -1...1) { o.minScore = Float(m) }
        o.filter = try filter()
        return o
    }

    /// Options of `/api/search`.
    func searchOptions() throws -> QueryOptions {
        var o = try commonOptions()
        if let t = try int("refine_tokens", in: 1...1_000_000) {
            o.refineTokens = t
            o.refineTop = try int("refine_top", in: 1...configuration.maxRefineTop) ?? 10
        }
        o.terms = try texts("plus").map { QueryTerm(.text($0), weight: 1) } + texts("minus").map { QueryTerm(.text($0), weight: -1) }
        o.exclude = try texts("exclude")
        o.source = try choice("source", SearchSource.self)
        if let above = try double("exclude_above", in: -1...1) {
            guard !o.exclude.isEmpty else { throw APIError(.badRequest, "exclude_above needs exclude=TEXT") }
            o.excludeAbove = Float(above)
        }
        let collapse = try bool("collapse") ?? true
        let threshold = try double("collapse_above", in: -0.999...1).map(Float.init) ?? NearDuplicates.defaultThreshold
        o.collapseAbove = collapse ? threshold : nil
        return o
    }

    /// path, after, before, min_duration, max_duration, kind. Relative paths are refused: the
    /// server has no working folder a user could mean.
    func filter() throws -> ClipFilter {
        var f = ClipFilter()
        let paths = parameters.getAll("path").filter { !$0.isEmpty }
        guard paths.count <= 16 else { throw APIError(.badRequest, "at most 16 path parameters") }
        for p in paths {
            guard p.count <= 4096 else { throw APIError(.badRequest, "path is \(p.count) characters long; the limit is 4096") }
            try Self.checkPrintable(p, "path")
            let isGlob = p.contains { $0 == "*" || $0 == "?" || $0 == "[" }
            guard p.hasPrefix("/") || (isGlob && (!p.contains("/") || p.hasPrefix("*"))) else {
                throw APIError(.badRequest, "path=\(Self.clip(p)) is relative; give an absolute folder (/home/me/Videos) or a glob (*.mov, */holiday/*)")
            }
            f.paths.append(ClipFilter.PathPattern(parsing: p, relativeTo: URL(fileURLWithPath: "/")))
        }
        f.after = try string("after").map { try FilterDate.parse($0, option: "after") }
        f.before = try string("before").map { try FilterDate.parse($0, option: "before") }
        f.minDuration = try double("min_duration", in: 0...1e9)
        f.maxDuration = try double("max_duration", in: 0...1e9)
        f.kind = try choice("kind", Clip.Kind.self)
        try f.validate()
        return f
    }

    /// The query text of `/api/search`.
    func queryText() throws -> String {
        guard let q = string("q"), !q.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw APIError(.badRequest, "the query is empty; give q=WHAT+YOU+LOOK+FOR")
        }
        guard q.count <= configuration.maxQueryLength else {
            throw APIError(.badRequest, "the query is \(q.count) characters long; the limit is \(configuration.maxQueryLength)")
        }
        try Self.checkPrintable(q, "q")
        return q
    }

    /// A value as echoed in a message: at most 60 characters.
    static func clip(_ s: String) -> String { s.count > 60 ? String(s.prefix(60)) + "…" : s }
}
