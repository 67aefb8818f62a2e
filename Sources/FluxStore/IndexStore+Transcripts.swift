import Foundation
import GRDB

/// Transcripts and their cues (schema v4): stored per video, searched with SQLite FTS5.
extension IndexStore {
    /// Replaces the transcripts of `kinds` of video `videoId` by `drafts` (of those kinds), in one
    /// transaction, and marks the video's text as read. Transcripts of other kinds stay: a changed
    /// sidecar re-reads sidecars only, not the container's streams.
    /// - Throws: ``StoreError/invalidInput(operation:reason:)`` when the video is gone, a draft is
    ///   of another kind, or a cue has a span that is not `0 ≤ start ≤ end` (finite).
    public func replaceTranscripts(videoId: Int64, _ drafts: [TranscriptDraft],
                                   kinds: Set<TranscriptKind> = Set(TranscriptKind.allCases)) throws {
        try replaceTranscripts(videoId: videoId, TranscriptBatch(drafts: drafts, kinds: kinds))
    }

    /// ``replaceTranscripts(videoId:_:kinds:)`` with the batch's failure records written and
    /// cleared in the same transaction.
    public func replaceTranscripts(videoId: Int64, _ batch: TranscriptBatch) throws {
        let operation = "store transcripts of video \(videoId)"
        try Self.validate(batch, operation: operation)
        try write(operation) { db in
            guard try Video.exists(db, key: videoId) else {
                throw StoreError.invalidInput(operation: operation,
                                              reason: "video \(videoId) is no longer in the index (it was re-indexed or removed meanwhile)")
            }
            try Self.writeTranscripts(batch, videoId: videoId, db)
        }
    }

    static func validate(_ batch: TranscriptBatch, operation: String) throws {
        for d in batch.drafts {
            guard batch.kinds.contains(d.kind) else {
                throw StoreError.invalidInput(operation: operation, reason: "transcript \(d.source) is a \(d.kind.rawValue), not one of the kinds replaced")
            }
            for c in d.cues where !(c.start.isFinite && c.end.isFinite && c.start >= 0 && c.end >= c.start) {
                throw StoreError.invalidInput(operation: operation, reason: "cue \(c.start)–\(c.end) s of \(d.source) is not a span of the video")
            }
        }
    }

    /// Writes `batch` for video `videoId` inside the caller's transaction.
    static func writeTranscripts(_ batch: TranscriptBatch, videoId: Int64, _ db: Database) throws {
        for kind in batch.kinds {
            try db.execute(sql: "DELETE FROM transcript WHERE videoId = ? AND kind = ?", arguments: [videoId, kind.rawValue])
        }
        let now = Date()
        for d in batch.drafts {
            try db.execute(sql: """
                INSERT INTO transcript (videoId, source, kind, format, language, encoding, size, mtime, error, readAt)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [videoId, d.source, d.kind.rawValue, d.format, d.language, d.encoding, d.size, d.mtime, d.error, now])
            let transcriptId = db.lastInsertedRowID
            let insert = try db.cachedStatement(sql: "INSERT INTO cue (transcriptId, videoId, start, \"end\", text) VALUES (?, ?, ?, ?, ?)")
            for c in d.cues {
                try insert.execute(arguments: [transcriptId, videoId, c.start, c.end, c.text])
            }
        }
        try db.execute(sql: "UPDATE video SET transcriptsReadAt = ? WHERE id = ?", arguments: [now, videoId])
        for f in batch.failures {
            try db.execute(sql: """
                INSERT INTO indexingFailure (path, stage, reason, occurredAt) VALUES (?, ?, ?, ?)
                ON CONFLICT(path) DO UPDATE SET stage = excluded.stage, reason = excluded.reason,
                                                occurredAt = excluded.occurredAt
                """, arguments: [canonicalPath(f.path), f.stage, f.reason, f.occurredAt])
        }
        for path in batch.cleared {
            try db.execute(sql: "DELETE FROM indexingFailure WHERE path = ?", arguments: [canonicalPath(path)])
        }
    }

    /// The transcripts stored for video `videoId`, by source; and whether its text was read at
    /// all (false for videos indexed before transcripts existed, or with `--no-transcripts`).
    public func transcripts(videoId: Int64) throws -> (read: Bool, transcripts: [StoredTranscript]) {
        try read("read transcripts of video \(videoId)") { db in
            let read = try Bool.fetchOne(db, sql: "SELECT transcriptsReadAt IS NOT NULL FROM video WHERE id = ?", arguments: [videoId]) ?? false
            let rows = try Row.fetchAll(db, sql: """
                SELECT t.*, (SELECT COUNT(*) FROM cue c WHERE c.transcriptId = t.id) AS cueCount
                FROM transcript t WHERE t.videoId = ? ORDER BY t.source
                """, arguments: [videoId])
            return (read, rows.map(Self.storedTranscript))
        }
    }

    /// Whether any video of the index has at least one cue (the default `--source` of a query
    /// is "both" exactly then).
    public func hasTranscripts() throws -> Bool {
        try read("check for transcripts") { db in
            try Bool.fetchOne(db, sql: "SELECT EXISTS(SELECT 1 FROM cue)") ?? false
        }
    }

    /// Transcripts and cues in the whole index.
    public func transcriptCounts() throws -> TranscriptCounts {
        try read("count transcripts") { db in
            TranscriptCounts(videos: try Int.fetchOne(db, sql: "SELECT COUNT(DISTINCT videoId) FROM cue") ?? 0,
                             transcripts: try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM transcript WHERE error IS NULL") ?? 0,
                             cues: try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM cue") ?? 0,
                             failed: try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM transcript WHERE error IS NOT NULL") ?? 0)
        }
    }

    /// How many cues the index holds, and how many hold each term (an FTS5 phrase, quoted),
    /// counting no further than `capFraction` of all cues plus one (a term's posting list is
    /// walked, not ranked: cheap even for common words).
    public func cueCounts(terms: [String], capFraction: Double) throws -> (counts: [Int], total: Int) {
        try read("count cues per term") { db in
            let total = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM cue") ?? 0
            let cap = Int(Double(total) * capFraction) + 1
            let counts = try terms.map { term in
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM (SELECT rowid FROM cue_fts WHERE cue_fts MATCH ? LIMIT ?)",
                                 arguments: [term, max(0, cap)]) ?? 0
            }
            return (counts, total)
        }
    }

    /// Every cue of video `videoId`, in time order.
    public func cues(videoId: Int64) throws -> [CueDraft] {
        try read("read cues of video \(videoId)") { db in
            try Row.fetchAll(db, sql: "SELECT start, \"end\", text FROM cue WHERE videoId = ? ORDER BY start, id", arguments: [videoId])
                .map { CueDraft(start: $0["start"], end: $0["end"], text: $0["text"]) }
        }
    }

    /// The `limit` cues that match `match` best, by FTS5's BM25 (best first), among the videos
    /// `filter` passes (its `kind` is ignored: text belongs to a video, not to a clip).
    ///
    /// Ranking is done by FTS5 alone and only the best `limit` rows are read from the cue table.
    /// With `highlight` false the matches come without ``CueMatch/fragments`` (empty): marking the
    /// words costs a pass over each cue, so callers mark only the cues they show
    /// (``highlightedFragments(_:cueIds:)``).
    ///
    /// - Parameter match: an FTS5 query expression. Build it from user text with care (quote
    ///   every term): FTS5 syntax errors are reported as ``StoreError``.
    public func searchCues(_ match: String, limit: Int, filter: ClipFilter = ClipFilter(), highlight: Bool = true) throws -> [CueMatch] {
        var (conditions, args) = filter.videoConditions()
        var sql = "SELECT f.rowid AS id, bm25(cue_fts) AS score FROM cue_fts f"
        if !conditions.isEmpty { sql += " JOIN cue c ON c.id = f.rowid" }
        sql += " WHERE cue_fts MATCH ?"
        args.insert(match, at: 0)
        if !conditions.isEmpty {
            sql += " AND c.videoId IN (SELECT v.id FROM video v WHERE \(conditions.joined(separator: " AND ")))"
        }
        sql += " ORDER BY score, f.rowid LIMIT ?"
        args.append(max(0, limit))
        let matches = try read("search transcripts for \(match)") { db -> [CueMatch] in
            let ranked = try Row.fetchAll(db, sql: sql, arguments: StatementArguments(args)).map { (id: $0["id"] as Int64, score: $0["score"] as Double) }
            guard !ranked.isEmpty else { return [] }
            let list = ranked.map { String($0.id) }.joined(separator: ",")
            var rows: [Int64: Row] = [:]
            for row in try Row.fetchAll(db, sql: """
                SELECT c.id, c.videoId, c.start, c."end", c.text, t.source, t.language
                FROM cue c JOIN transcript t ON t.id = c.transcriptId WHERE c.id IN (\(list))
                """) { rows[row["id"]] = row }
            return ranked.compactMap { r in
                rows[r.id].map { row in
                    CueMatch(cueId: r.id, videoId: row["videoId"], start: row["start"], end: row["end"], text: row["text"],
                             fragments: [], bm25: r.score, source: row["source"], language: row["language"])
                }
            }
        }
        guard highlight else { return matches }
        let fragments = try highlightedFragments(match, cueIds: matches.map(\.cueId))
        return matches.map { m in
            var m = m
            m.fragments = fragments[m.cueId] ?? [TextFragment(text: m.text, match: false)]
            return m
        }
    }

    /// The text of these cues split into the words `match` matches and the rest.
    public func highlightedFragments(_ match: String, cueIds: [Int64]) throws -> [Int64: [TextFragment]] {
        guard !cueIds.isEmpty else { return [:] }
        let list = Set(cueIds).map { String($0) }.joined(separator: ",")
        return try read("mark matches of \(match)") { db in
            var out: [Int64: [TextFragment]] = [:]
            for row in try Row.fetchAll(db, sql: """
                SELECT rowid AS id, highlight(cue_fts, 0, char(1), char(2)) AS marked FROM cue_fts
                WHERE cue_fts MATCH ? AND rowid IN (\(list))
                """, arguments: [match]) {
                out[row["id"]] = Self.fragments(marked: row["marked"])
            }
            return out
        }
    }

    /// Splits FTS5 `highlight()` output, where matches sit between U+0001 and U+0002, into
    /// fragments (control characters cannot occur in stored cue text that came from a parser,
    /// and a stray one only shifts a highlight).
    static func fragments(marked: String) -> [TextFragment] {
        var out: [TextFragment] = []
        var current = ""
        var inMatch = false
        for ch in marked {
            if ch == "\u{1}" || ch == "\u{2}" {
                if !current.isEmpty { out.append(TextFragment(text: current, match: inMatch)) }
                current = ""
                inMatch = ch == "\u{1}"
            } else {
                current.append(ch)
            }
        }
        if !current.isEmpty { out.append(TextFragment(text: current, match: inMatch)) }
        return out
    }

    static func storedTranscript(_ row: Row) -> StoredTranscript {
        StoredTranscript(id: row["id"], videoId: row["videoId"], source: row["source"],
                         kind: TranscriptKind(rawValue: row["kind"]) ?? .sidecar, format: row["format"],
                         language: row["language"], encoding: row["encoding"], size: row["size"], mtime: row["mtime"],
                         error: row["error"], cueCount: row["cueCount"])
    }
}
