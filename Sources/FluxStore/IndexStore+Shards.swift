import Foundation
import GRDB

/// One shard index merged into this one (a row of table `mergedShard`).
public struct MergedShard: Codable, Sendable, Equatable {
    /// The shard's ``IndexSettings/indexUUID``: a shard is merged at most once.
    public var indexUUID: String
    /// The shard's folder when it was merged.
    public var path: String
    /// Its ``IndexShard`` record, when it was made with `--shard`.
    public var shard: IndexShard?
    /// Rows it brought.
    public var videos: Int
    public var clips: Int
    public var failures: Int
    public var mergedAt: Date
}

extension IndexStore {
    // MARK: - Shard record

    /// The shard this index holds (`index --shard I/N`), or nil for an ordinary index.
    public func shard() throws -> IndexShard? {
        try read("read shard record") { db in try Self.shard(db) }
    }

    static func shard(_ db: Database) throws -> IndexShard? {
        guard let row = try Row.fetchOne(db, sql: "SELECT shardIndex, shardCount, fileListDigest FROM shardRecord WHERE id = 1")
        else { return nil }
        return IndexShard(index: row["shardIndex"], count: row["shardCount"], fileListDigest: row["fileListDigest"])
    }

    /// Records that this index holds `shard`. An index holds one shard for life: recording
    /// another one throws (the caller names another folder).
    public func recordShard(_ shard: IndexShard) throws {
        try write("record shard \(shard)") { db in
            if let existing = try Self.shard(db) {
                guard existing == shard else {
                    throw StoreError.invalidInput(
                        operation: "index \(directory.path) as shard \(shard)",
                        reason: "it holds shard \(existing) of \(existing.fileListDigest == shard.fileListDigest ? "the same" : "another") file list "
                            + "(\(existing.fileListDigest)); give each shard its own --index-dir")
                }
                return
            }
            try db.execute(sql: "INSERT INTO shardRecord (id, shardIndex, shardCount, fileListDigest) VALUES (1, ?, ?, ?)",
                           arguments: [shard.index, shard.count, shard.fileListDigest])
        }
    }

    // MARK: - Merging

    /// The shards merged into this index so far, in merge order.
    public func mergedShards() throws -> [MergedShard] {
        try read("list merged shards") { db in
            try Row.fetchAll(db, sql: "SELECT * FROM mergedShard ORDER BY rowid").map { row in
                let index: Int? = row["shardIndex"]
                let count: Int? = row["shardCount"]
                let digest: String? = row["fileListDigest"]
                return MergedShard(indexUUID: row["indexUUID"], path: row["path"],
                                   shard: index.flatMap { i in count.flatMap { n in digest.map { IndexShard(index: i, count: n, fileListDigest: $0) } } },
                                   videos: row["videos"], clips: row["clips"], failures: row["failures"], mergedAt: row["mergedAt"])
            }
        }
    }

    /// Copies every row of the shard index `shard` into this one in ONE transaction, and records
    /// it in `mergedShard`: videos, clips (vectors byte for byte), transcripts and cues (the
    /// full-text index follows by trigger), failures, query-bank captions and cache budgets.
    /// Row ids are remapped by an offset (the shard's id + this table's largest id), so the
    /// shard's own ids never clash with ours.
    ///
    /// A video path present in both is replaced by the shard's row (a later shard wins). A
    /// failure record of the same path is replaced too. A kill at any point leaves this index
    /// as it was before the call or with the whole shard merged; `merge` re-run skips shards
    /// that ``mergedShards()`` lists.
    ///
    /// The caller checks that the shard is compatible (same model, sampling and budgets) and
    /// holds both folders' writer locks; `shard.indexUUID` must not be merged yet.
    /// - Returns: the record written.
    @discardableResult
    public func merge(shard: IndexStore) throws -> MergedShard {
        let shardRecord = try shard.shard()
        let shardPath = shard.databaseURL.path
        do {
            return try dbPool.writeWithoutTransaction { db in
                try db.execute(sql: "ATTACH DATABASE ? AS shard", arguments: [shardPath])
                defer { try? db.execute(sql: "DETACH DATABASE shard") }
                var record: MergedShard?
                try db.inTransaction {
                    record = try Self.copyShard(uuid: shard.indexUUID, path: shard.directory.path, shard: shardRecord, db)
                    return .commit
                }
                return record!
            }
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError.wrap(error, operation: "merge \(shard.directory.path) into \(directory.path)", databasePath: databaseURL.path)
        }
    }

    /// The body of ``merge(shard:)``: runs inside the transaction with the shard attached as `shard`.
    private static func copyShard(uuid: String, path: String, shard: IndexShard?, _ db: Database) throws -> MergedShard {
        if try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM mergedShard WHERE indexUUID = ?)", arguments: [uuid]) == true {
            throw StoreError.invalidInput(operation: "merge \(path)", reason: "this shard (index \(uuid)) is merged already")
        }
        func offset(_ table: String) throws -> Int64 {
            try Int64.fetchOne(db, sql: "SELECT COALESCE(MAX(id), 0) FROM main.\(table)") ?? 0
        }
        func count(_ table: String) throws -> Int {
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM shard.\(table)") ?? 0
        }
        /// INSERT INTO main.T (every column) SELECT (the same columns, `remap` replacing some) FROM shard.T.
        func copy(_ table: String, remap: [String: String], conflict: String = "") throws {
            let columns = try Row.fetchAll(db, sql: "SELECT name FROM pragma_table_info(?, 'main')", arguments: [table])
                .map { $0["name"] as String }
            let shardColumns = Set(try Row.fetchAll(db, sql: "SELECT name FROM pragma_table_info(?, 'shard')", arguments: [table])
                .map { $0["name"] as String })
            let used = columns.filter { shardColumns.contains($0) || remap[$0] != nil }
            let names = used.map { "\"\($0)\"" }.joined(separator: ", ")
            let values = used.map { remap[$0] ?? "\"\($0)\"" }.joined(separator: ", ")
            try db.execute(sql: "INSERT INTO main.\(table) (\(names)) SELECT \(values) FROM shard.\(table) WHERE true ORDER BY rowid \(conflict)")
        }

        // Budgets the shard has that we lack (cache budgets of re-encoded shortlists).
        try db.execute(sql: """
            INSERT INTO main.budget (tokens, role, generation, addedAt)
            SELECT tokens, role, 0, addedAt FROM shard.budget WHERE tokens NOT IN (SELECT tokens FROM main.budget)
            """)
        // A later shard's video replaces ours (cascades to clips, transcripts and cues).
        try db.execute(sql: "DELETE FROM main.video WHERE path IN (SELECT path FROM shard.video)")
        let v = try offset("video"), c = try offset("clip"), t = try offset("transcript"), q = try offset("cue")
        try copy("video", remap: ["id": "id + \(v)"])
        try copy("clip", remap: ["id": "id + \(c)", "videoId": "videoId + \(v)"])
        try copy("transcript", remap: ["id": "id + \(t)", "videoId": "videoId + \(v)"])
        try copy("cue", remap: ["id": "id + \(q)", "transcriptId": "transcriptId + \(t)", "videoId": "videoId + \(v)"])
        try copy("indexingFailure", remap: ["id": "NULL"], conflict: """
            ON CONFLICT(path) DO UPDATE SET stage = excluded.stage, reason = excluded.reason, occurredAt = excluded.occurredAt
            """)
        try copy("bankEntry", remap: ["id": "NULL"], conflict: "ON CONFLICT(text) DO NOTHING")

        let record = MergedShard(indexUUID: uuid, path: path, shard: shard, videos: try count("video"), clips: try count("clip"),
                                 failures: try count("indexingFailure"), mergedAt: Date())
        try db.execute(sql: """
            INSERT INTO mergedShard (indexUUID, path, shardIndex, shardCount, fileListDigest, videos, clips, failures, mergedAt)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [uuid, path, shard?.index, shard?.count, shard?.fileListDigest, record.videos, record.clips,
                             record.failures, record.mergedAt])
        return record
    }
}
