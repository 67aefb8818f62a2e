import Foundation
import GRDB

/// Which clips a search may return: by path, recording date, duration and kind. Every
/// condition given must hold (AND); several ``paths`` are alternatives (OR). An empty filter
/// passes everything.
///
/// The search applies it inside the vector search (``VectorMirror/search(budget:query:k:selecting:)``),
/// so a filter never shrinks a fixed candidate pool.
///
/// For example, videos under a folder, recorded in May 2024, at least 30 s long:
/// ```swift
/// var filter = ClipFilter()
/// filter.paths = [.prefix("/videos/holiday")]
/// filter.after = ISO8601DateFormatter().date(from: "2024-05-01T00:00:00Z")
/// filter.before = ISO8601DateFormatter().date(from: "2024-06-01T00:00:00Z")
/// filter.minDuration = 30
/// let ids = try store.clipIds(budget: 1024, matching: filter)
/// ```
public struct ClipFilter: Sendable, Equatable, Codable {
    /// A condition on a video's absolute path.
    public enum PathPattern: Sendable, Equatable, Codable, CustomStringConvertible {
        /// A folder or file: the path itself, or anything under it (`/a/b` matches `/a/b` and
        /// `/a/b/c.mp4`, not `/a/bc.mp4`).
        case prefix(String)
        /// An SQLite GLOB over the whole path: `*` (any characters, `/` included), `?` (one),
        /// `[abc]`, `[a-z]`, `[^…]`; case-sensitive.
        case glob(String)

        /// Classifies what a user typed (`--path`): a glob when it holds `*`, `?` or `[`; made
        /// absolute against `directory`, except that a glob without a `/` matches file names
        /// anywhere (`*.mov` is `*/*.mov`).
        public init(parsing text: String, relativeTo directory: URL) {
            let isGlob = text.contains { $0 == "*" || $0 == "?" || $0 == "[" }
            if isGlob {
                if !text.contains("/") {
                    self = .glob("*/" + text)
                } else if text.hasPrefix("/") {
                    self = .glob(text)
                } else {
                    let base = directory.standardizedFileURL.path
                    self = .glob((base == "/" ? "" : base) + "/" + text)
                }
            } else {
                let url = text.hasPrefix("/") ? URL(fileURLWithPath: text) : directory.appendingPathComponent(text)
                self = .prefix(IndexStore.canonicalPath(url.path))
            }
        }

        /// The pattern as matched ("/videos/holiday", "*/*.mov").
        public var description: String {
            switch self {
            case .prefix(let p), .glob(let p): return p
            }
        }

        private enum CodingKeys: String, CodingKey { case prefix, glob }

        /// JSON: `{"prefix": "/videos/holiday"}` or `{"glob": "*/*.mov"}`.
        public func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            switch self {
            case .prefix(let p): try c.encode(p, forKey: .prefix)
            case .glob(let g): try c.encode(g, forKey: .glob)
            }
        }

        public init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            if let g = try c.decodeIfPresent(String.self, forKey: .glob) { self = .glob(g); return }
            self = .prefix(try c.decode(String.self, forKey: .prefix))
        }
    }

    private enum CodingKeys: String, CodingKey {
        case paths, after, before, kind
        case minDuration = "min_duration", maxDuration = "max_duration"
    }

    /// JSON keys: paths, after, before (ISO 8601, UTC), min_duration, max_duration (seconds),
    /// kind; absent conditions are left out.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        let f = ISO8601DateFormatter()
        if !paths.isEmpty { try c.encode(paths, forKey: .paths) }
        try c.encodeIfPresent(after.map(f.string(from:)), forKey: .after)
        try c.encodeIfPresent(before.map(f.string(from:)), forKey: .before)
        try c.encodeIfPresent(minDuration, forKey: .minDuration)
        try c.encodeIfPresent(maxDuration, forKey: .maxDuration)
        try c.encodeIfPresent(kind, forKey: .kind)
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let f = ISO8601DateFormatter()
        func date(_ key: CodingKeys) throws -> Date? {
            guard let text = try c.decodeIfPresent(String.self, forKey: key) else { return nil }
            guard let d = f.date(from: text) else {
                throw DecodingError.dataCorruptedError(forKey: key, in: c, debugDescription: "not an ISO 8601 date: \(text)")
            }
            return d
        }
        self.init(paths: try c.decodeIfPresent([PathPattern].self, forKey: .paths) ?? [],
                  after: try date(.after), before: try date(.before),
                  minDuration: try c.decodeIfPresent(Double.self, forKey: .minDuration),
                  maxDuration: try c.decodeIfPresent(Double.self, forKey: .maxDuration),
                  kind: try c.decodeIfPresent(Clip.Kind.self, forKey: .kind))
    }

    /// Alternatives: a clip passes when its video's path matches any of them (or when empty).
    public var paths: [PathPattern] = []
    /// Recorded at or after this instant (the container's creation time, else the file's
    /// modification time).
    public var after: Date?
    /// Recorded strictly before this instant.
    public var before: Date?
    /// Videos at least this long, seconds (videos of unknown duration do not pass).
    public var minDuration: Double?
    /// Videos at most this long, seconds.
    public var maxDuration: Double?
    /// Only whole-video vectors or only segments.
    public var kind: Clip.Kind?

    public init(paths: [PathPattern] = [], after: Date? = nil, before: Date? = nil, minDuration: Double? = nil,
                maxDuration: Double? = nil, kind: Clip.Kind? = nil) {
        self.paths = paths
        self.after = after
        self.before = before
        self.minDuration = minDuration
        self.maxDuration = maxDuration
        self.kind = kind
    }

    /// Whether the filter passes everything.
    public var isEmpty: Bool {
        paths.isEmpty && after == nil && before == nil && minDuration == nil && maxDuration == nil && kind == nil
    }

    /// Throws for conditions no clip can meet together: an empty date or duration range, a
    /// negative or non-finite duration.
    public func validate() throws {
        for (name, value) in [("--min-duration", minDuration), ("--max-duration", maxDuration)] {
            if let value, !(value.isFinite && value >= 0) { throw ClipFilterError.invalidDuration(option: name, value: value) }
        }
        if let after, let before, after >= before { throw ClipFilterError.emptyDateRange(after: after, before: before) }
        if let lo = minDuration, let hi = maxDuration, lo > hi { throw ClipFilterError.emptyDurationRange(min: lo, max: hi) }
    }

    /// The WHERE conditions over `video v` and `clip c` (without the budget), and their arguments.
    func videoConditions() -> (sql: [String], arguments: [DatabaseValueConvertible]) {
        var sql: [String] = []
        var args: [DatabaseValueConvertible] = []
        if !paths.isEmpty {
            var alternatives: [String] = []
            for pattern in paths {
                let (s, a) = Self.condition(pattern)
                alternatives.append(s)
                args += a
            }
            sql.append("(" + alternatives.joined(separator: " OR ") + ")")
        }
        if let after { sql.append("COALESCE(v.creationTime, v.mtime) >= ?"); args.append(after.timeIntervalSince1970) }
        if let before { sql.append("COALESCE(v.creationTime, v.mtime) < ?"); args.append(before.timeIntervalSince1970) }
        if let minDuration { sql.append("v.duration >= ?"); args.append(minDuration) }
        if let maxDuration { sql.append("v.duration <= ?"); args.append(maxDuration) }
        return (sql, args)
    }

    /// One path pattern as SQL. A prefix is a range over the path's bytes ("/a/b/" ≤ path <
    /// "/a/b0", '0' being the byte after '/'), which the unique index on `video.path` serves.
    static func condition(_ pattern: PathPattern) -> (String, [DatabaseValueConvertible]) {
        switch pattern {
        case .glob(let g):
            return ("v.path GLOB ?", [g])
        case .prefix(let p):
            var base = p
            while base.count > 1, base.hasSuffix("/") { base.removeLast() }
            if base == "/" { return ("1", []) }
            return ("(v.path = ? OR (v.path >= ? AND v.path < ?))", [base, base + "/", base + "0"])
        }
    }
}

/// Why a ``ClipFilter`` cannot be used.
public enum ClipFilterError: Error, Equatable, CustomStringConvertible, LocalizedError {
    case emptyDateRange(after: Date, before: Date)
    case emptyDurationRange(min: Double, max: Double)
    case invalidDuration(option: String, value: Double)

    public var description: String {
        switch self {
        case .emptyDateRange(let after, let before):
            let f = ISO8601DateFormatter()
            return "the date filters contradict each other: --after \(f.string(from: after)) is not before --before \(f.string(from: before)); no video can be recorded in between. Swap them or drop one"
        case .emptyDurationRange(let lo, let hi):
            return "the duration filters contradict each other: --min-duration \(lo) is more than --max-duration \(hi); swap them or drop one"
        case .invalidDuration(let option, let value):
            return "\(option) \(value) is not a duration; give seconds ≥ 0, e.g. \(option) 30"
        }
    }

    public var errorDescription: String? { description }
}

extension IndexStore {
    /// The ids of the clips of `budget` that `filter` passes, ascending: the selection a
    /// filtered search scans. Reads the video table and the (videoId, budget, kind) index, not
    /// the clip rows with their vectors.
    public func clipIds(budget: Int, matching filter: ClipFilter) throws -> [Int64] {
        var (conditions, args) = filter.videoConditions()
        conditions.insert("c.budget = ?", at: 0)
        args.insert(budget, at: 0)
        if let kind = filter.kind { conditions.append("c.kind = ?"); args.append(kind.rawValue) }
        let sql = """
            SELECT c.id FROM video v JOIN clip c INDEXED BY clip_by_video_budget ON c.videoId = v.id
            WHERE \(conditions.joined(separator: " AND ")) ORDER BY c.id
            """
        return try read("select clips matching the filter") { db in
            try Int64.fetchAll(db, sql: sql, arguments: StatementArguments(args))
        }
    }

    /// The path patterns of `filter` that no indexed video matches (each is worth a warning:
    /// a typo, or a folder that is not indexed).
    public func unmatchedPathPatterns(_ filter: ClipFilter) throws -> [ClipFilter.PathPattern] {
        try read("check path filters") { db in
            try filter.paths.filter { pattern in
                let (cond, args) = ClipFilter.condition(pattern)
                return try !(Bool.fetchOne(db, sql: "SELECT EXISTS(SELECT 1 FROM video v WHERE \(cond))",
                                           arguments: StatementArguments(args)) ?? false)
            }
        }
    }
}
