import Foundation
import GRDB

/// How a file on disk compares with what the index stores for its path.
public enum FingerprintStatus: Sendable, Equatable {
    /// No video with this path.
    case new
    /// Same size, mtime and content hash as the stored video.
    case unchanged(Video)
    /// Stored, but the file differs now: re-encode it.
    case changed(Video)
}

/// What `index` has to do for one file (see ``IndexStore/plan(path:fingerprint:)``).
public enum IndexPlan: Sendable, Equatable {
    /// Stored, unchanged, and it has every indexed budget: nothing to do.
    case skip(Video)
    /// New or changed file: encode all its clips at `budgets` (every indexed budget) and call
    /// ``IndexStore/replaceVideo(_:clips:)``. `replacing` is the stale stored version, if any.
    case encode(budgets: [Int], replacing: Video?)
    /// Unchanged file that lacks indexed budgets added since it was stored: encode its clips at
    /// `budgets` only and call ``IndexStore/upsertClips(_:videoId:)`` with `video.id`.
    case addBudgets(Video, budgets: [Int])
}

extension IndexStore {
    // MARK: - Deciding

    /// Compares `fingerprint` (of the file now) with the stored video at `path`.
    public func fingerprintStatus(path: String, fingerprint: FileFingerprint) throws -> FingerprintStatus {
        let path = Self.canonicalPath(path)
        guard let video = try video(path: path) else { return .new }
        return video.fingerprint == fingerprint ? .unchanged(video) : .changed(video)
    }

    /// The work `index` must do for the file at `path`: ``fingerprintStatus(path:fingerprint:)``
    /// combined with the indexed budgets the stored video lacks.
    ///
    /// Files whose last attempt failed are planned like any other (new or changed), so they are
    /// retried on every run until they index fine.
    public func plan(path: String, fingerprint: FileFingerprint) throws -> IndexPlan {
        let path = Self.canonicalPath(path)
        return try read("plan \(path)") { db in
            let budgets = try Int.fetchAll(db, sql: "SELECT tokens FROM budget WHERE role = 'indexed' ORDER BY tokens")
            guard let video = try Video.filter(Video.Columns.path == path).fetchOne(db) else {
                return .encode(budgets: budgets, replacing: nil)
            }
            guard video.fingerprint == fingerprint else { return .encode(budgets: budgets, replacing: video) }
            let present = Set(try Int.fetchAll(
                db, sql: "SELECT DISTINCT budget FROM clip WHERE videoId = ? AND kind = 'video'",
                arguments: [video.id]))
            let missing = budgets.filter { !present.contains($0) }
            return missing.isEmpty ? .skip(video) : .addBudgets(video, budgets: missing)
        }
    }

    // MARK: - Writing videos

    /// Stores one video with all its clips, atomically: in ONE transaction it deletes the stored
    /// video at the same path (its clips cascade, including refine-cache clips), inserts `video`
    /// and every clip with its vector, and clears the path's failure record. An interruption
    /// leaves either the old version or the new one, never part of a video.
    ///
    /// - Parameters:
    ///   - video: the file's fingerprint and metadata; its `id` is ignored and `path` canonicalised.
    ///   - clips: at least one; each at a budget the index has, with `embedDimension` finite floats,
    ///     `0 ≤ start ≤ end`, and no two with the same (start, end, budget).
    /// - Returns: the stored video, with its new id.
    /// - Parameter transcripts: the video's text, written in the same transaction.
    @discardableResult
    public func replaceVideo(_ video: Video, clips: [ClipDraft], transcripts: TranscriptBatch? = nil) throws -> Video {
        try replaceVideo(video, clips: clips, transcripts: transcripts, beforeCommit: nil)
    }

    /// ``replaceVideo(_:clips:)`` with a hook that runs inside the transaction, after every row is
    /// written and before the commit (tests throw from it to simulate a crash mid-transaction).
    func replaceVideo(_ video: Video, clips: [ClipDraft], transcripts: TranscriptBatch? = nil,
                      beforeCommit: ((Database) throws -> Void)?) throws -> Video {
        var video = video
        video.id = nil
        video.path = Self.canonicalPath(video.path)
        let operation = "store video \(video.path)"
        guard !clips.isEmpty else {
            throw StoreError.invalidInput(operation: operation, reason: "a video needs at least one clip")
        }
        try validate(clips, operation: operation)
        if let transcripts { try Self.validate(transcripts, operation: operation) }
        let records = clips.map { Clip(videoId: 0, draft: $0) }
        return try write(operation) { db in
            try Self.requireBudgets(clips.map(\.budget), db)
            try Video.filter(Video.Columns.path == video.path).deleteAll(db)
            try video.insert(db)
            for var clip in records {
                clip.videoId = video.id!
                try clip.insert(db)
            }
            try IndexingFailure.filter(IndexingFailure.Columns.path == video.path).deleteAll(db)
            if let transcripts, let id = video.id { try Self.writeTranscripts(transcripts, videoId: id, db) }
            try beforeCommit?(db)
            // As later reads will see it (dates are stored with millisecond precision).
            return try Video.fetchOne(db, key: video.id) ?? video
        }
    }

    /// Adds clips to a stored video, replacing any with the same (start, end, budget) — one
    /// transaction. Two uses:
    /// - `index` filling in a budget added since the video was stored (``IndexPlan/addBudgets(_:budgets:)``);
    /// - `query --refine` caching vectors re-encoded at a larger budget: a budget the index does
    ///   not have is registered as ``IndexBudget/Role/cache``.
    /// - Returns: the new clip ids, in the order of `clips`.
    /// - Throws: ``StoreError/invalidInput(operation:reason:)`` when `videoId` is no longer stored
    ///   (the file was re-indexed or removed meanwhile) or a clip is invalid.
    /// - Parameter transcripts: the video's text, written in the same transaction.
    @discardableResult
    public func upsertClips(_ clips: [ClipDraft], videoId: Int64, transcripts: TranscriptBatch? = nil) throws -> [Int64] {
        let operation = "add clips to video \(videoId)"
        try validate(clips, operation: operation)
        if let transcripts { try Self.validate(transcripts, operation: operation) }
        let records = clips.map { Clip(videoId: videoId, draft: $0) }
        return try write(operation) { db in
            guard try Video.exists(db, key: videoId) else {
                throw StoreError.invalidInput(
                    operation: operation,
                    reason: "video \(videoId) is no longer in the index (it was re-indexed or removed meanwhile)")
            }
            let known = Set(try Int.fetchAll(db, sql: "SELECT tokens FROM budget"))
            try Self.insertBudgets(clips.map(\.budget).filter { !known.contains($0) }, role: .cache, db)
            var ids: [Int64] = []
            for var clip in records {
                try Clip.filter(Clip.Columns.videoId == videoId && Clip.Columns.start == clip.start
                                && Clip.Columns.end == clip.end && Clip.Columns.budget == clip.budget)
                    .deleteAll(db)
                try clip.insert(db)
                ids.append(clip.id!)
            }
            if let transcripts { try Self.writeTranscripts(transcripts, videoId: videoId, db) }
            return ids
        }
    }

    // MARK: - Failures

    /// Records (or replaces) the failure of the file at `path`; never throws for a bad file,
    /// only when the database cannot be written. The stored video of that path, if any, is
    /// kept (its stale fingerprint makes the next run retry the file).
    public func recordFailure(path: String, stage: String, reason: String) throws {
        let path = Self.canonicalPath(path)
        try write("record failure of \(path)") { db in
            try db.execute(sql: """
                INSERT INTO indexingFailure (path, stage, reason, occurredAt) VALUES (?, ?, ?, ?)
                ON CONFLICT(path) DO UPDATE SET stage = excluded.stage, reason = excluded.reason,
                                                occurredAt = excluded.occurredAt
                """, arguments: [path, stage, reason, Date()])
        }
    }

    /// Recorded failures, by path.
    public func failures() throws -> [IndexingFailure] {
        try read("list failures") { db in
            try IndexingFailure.order(IndexingFailure.Columns.path).fetchAll(db)
        }
    }

    /// Forgets the failure records of `paths` (all of them when nil). Returns how many were deleted.
    @discardableResult
    public func clearFailures(paths: [String]? = nil) throws -> Int {
        try write("clear failures") { db in
            guard let paths else { return try IndexingFailure.deleteAll(db) }
            var deleted = 0
            for chunk in paths.map(Self.canonicalPath).chunked(Self.sqlChunkSize) {
                deleted += try IndexingFailure.filter(chunk.contains(IndexingFailure.Columns.path)).deleteAll(db)
            }
            return deleted
        }
    }

    // MARK: - Removing

    /// Removes the videos at `paths` (with their clips and failure records), one transaction.
    /// A path that names a folder removes every video under it. Returns the number of videos
    /// removed (paths not in the index are ignored).
    @discardableResult
    public func removeVideos(paths: [String]) throws -> Int {
        let canonical = paths.map(Self.canonicalPath)
        return try write("remove videos") { db in
            var removed = 0
            for p in canonical {
                // Everything under "p/": between "p/" and "p0" ('0' follows '/' in byte order).
                let under = p == "/" ? "/" : p + "/"
                let upper = p == "/" ? "0" : p + "0"
                try db.execute(sql: #"DELETE FROM video WHERE path = ? OR (path >= ? AND path < ?)"#,
                               arguments: [p, under, upper])
                removed += db.changesCount
                try db.execute(sql: #"DELETE FROM indexingFailure WHERE path = ? OR (path >= ? AND path < ?)"#,
                               arguments: [p, under, upper])
            }
            return removed
        }
    }

    /// Removes every video (and failure record) whose file is gone: `existing(path)` is asked
    /// outside any transaction, then the missing ones are deleted in one. Returns the removed
    /// video paths, sorted.
    ///
    /// For example, `index --prune`:
    /// ```swift
    /// let gone = try store.prune { FileManager.default.fileExists(atPath: $0) }
    /// ```
    @discardableResult
    public func prune(existing: (String) -> Bool) throws -> [String] {
        let (videoPaths, failurePaths) = try read("list paths") { db in
            (try String.fetchAll(db, sql: "SELECT path FROM video ORDER BY path"),
             try String.fetchAll(db, sql: "SELECT path FROM indexingFailure ORDER BY path"))
        }
        let goneVideos = videoPaths.filter { !existing($0) }
        let goneFailures = failurePaths.filter { !existing($0) }
        if goneVideos.isEmpty && goneFailures.isEmpty { return [] }
        try write("prune vanished videos") { db in
            for chunk in goneVideos.chunked(Self.sqlChunkSize) {
                try Video.filter(chunk.contains(Video.Columns.path)).deleteAll(db)
            }
            for chunk in goneFailures.chunked(Self.sqlChunkSize) {
                try IndexingFailure.filter(chunk.contains(IndexingFailure.Columns.path)).deleteAll(db)
            }
        }
        return goneVideos
    }

    // MARK: - Reading videos

    /// The stored video at `path` (canonicalised), or nil.
    public func video(path: String) throws -> Video? {
        let path = Self.canonicalPath(path)
        return try read("read video \(path)") { db in try Video.filter(Video.Columns.path == path).fetchOne(db) }
    }

    /// The stored video with this id, or nil.
    public func video(id: Int64) throws -> Video? {
        try read("read video \(id)") { db in try Video.fetchOne(db, key: id) }
    }

    /// Every stored video, by path.
    public func videos() throws -> [Video] {
        try read("list videos") { db in try Video.order(Video.Columns.path).fetchAll(db) }
    }

    // MARK: - Internals

    /// Values bound per `IN (…)` list (SQLite allows 32766 variables per statement).
    static let sqlChunkSize = 500

    func validate(_ clips: [ClipDraft], operation: String) throws {
        var seen = Set<[Double]>()
        for (i, clip) in clips.enumerated() {
            try EmbeddingCodec.validate(clip.vector, dimension: embedDimension, operation: "\(operation), clip \(i)")
            guard clip.start.isFinite, clip.end.isFinite, clip.start >= 0, clip.end >= clip.start else {
                throw StoreError.invalidInput(
                    operation: "\(operation), clip \(i)",
                    reason: "invalid time span \(clip.start)–\(clip.end) s — expected 0 ≤ start ≤ end")
            }
            guard clip.budget >= 1 else {
                throw StoreError.invalidInput(operation: "\(operation), clip \(i)",
                                              reason: "budget must be ≥ 1, got \(clip.budget)")
            }
            guard seen.insert([clip.start, clip.end, Double(clip.budget)]).inserted else {
                throw StoreError.invalidInput(
                    operation: "\(operation), clip \(i)",
                    reason: "two clips with the same span \(clip.start)–\(clip.end) s at budget \(clip.budget)")
            }
        }
    }

    /// Throws ``StoreError/unknownBudget(budget:available:)`` for a budget not in the `budget` table.
    static func requireBudgets(_ budgets: [Int], _ db: Database) throws {
        let known = Set(try Int.fetchAll(db, sql: "SELECT tokens FROM budget"))
        if let missing = budgets.first(where: { !known.contains($0) }) {
            throw StoreError.unknownBudget(budget: missing, available: known.sorted())
        }
    }
}

extension Array {
    /// Consecutive slices of at most `size` elements.
    func chunked(_ size: Int) -> [ArraySlice<Element>] {
        stride(from: 0, to: count, by: size).map { self[$0..<Swift.min($0 + size, count)] }
    }
}
