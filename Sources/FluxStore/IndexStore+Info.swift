import Foundation
import GRDB

/// Row counts of an index, read in one snapshot (for `info`).
public struct IndexCounts: Sendable, Equatable {
    public var videos: Int
    /// Clips (= vectors) per budget, for every budget (0 when it has none).
    public var clipsPerBudget: [Int: Int]
    /// Files whose last indexing attempt failed.
    public var failures: Int
    public var bankEntries: Int
    /// Bank entries that have an embedding.
    public var bankEntriesEncoded: Int

    /// All clips of all budgets.
    public var clips: Int { clipsPerBudget.values.reduce(0, +) }
}

/// Bytes on disk (for `info`).
public struct StorageSizes: Sendable, Equatable {
    /// index.sqlite + -wal + -shm.
    public var database: Int64
    /// `faiss-<budget>.index` per budget that has one.
    public var faissFiles: [Int: Int64]

    public var total: Int64 { database + faissFiles.values.reduce(0, +) }
}

extension IndexStore {
    /// Videos, clips per budget, failures and bank sizes, all from one snapshot: the numbers are
    /// consistent with each other even while `index` writes.
    public func counts() throws -> IndexCounts {
        try read("count rows") { db in
            var perBudget = try Self.clipCountsByBudget(db)
            for tokens in try Int.fetchAll(db, sql: "SELECT tokens FROM budget") where perBudget[tokens] == nil {
                perBudget[tokens] = 0
            }
            return IndexCounts(
                videos: try Video.fetchCount(db),
                clipsPerBudget: perBudget,
                failures: try IndexingFailure.fetchCount(db),
                bankEntries: try BankEntry.fetchCount(db),
                bankEntriesEncoded: try BankEntry.filter(BankEntry.Columns.embedding != nil).fetchCount(db))
        }
    }

    /// Sizes of the database files and of each FAISS file.
    public func storageSizes() throws -> StorageSizes {
        func size(_ url: URL) -> Int64 {
            var info = stat()
            return stat(url.path, &info) == 0 ? Int64(info.st_size) : 0
        }
        let db = databaseURL
        let database = size(db) + size(URL(fileURLWithPath: db.path + "-wal")) + size(URL(fileURLWithPath: db.path + "-shm"))
        var faiss: [Int: Int64] = [:]
        for budget in try budgets() {
            let url = VectorMirror.indexURL(in: directory, budget: budget.tokens)
            if FileManager.default.fileExists(atPath: url.path) { faiss[budget.tokens] = size(url) }
        }
        return StorageSizes(database: database, faissFiles: faiss)
    }

    /// Checks the database: SQLite's `integrity_check` and `foreign_key_check`, plus the store's
    /// own invariants (every video has a clip, every vector blob has `embedDimension` floats,
    /// every clip's budget is registered). Returns one line per problem; empty means healthy.
    public func integrityProblems() throws -> [String] {
        try read("check integrity") { db in
            var problems: [String] = []
            let integrity = try String.fetchAll(db, sql: "PRAGMA integrity_check")
            if integrity != ["ok"] { problems += integrity.map { "integrity_check: \($0)" } }
            for row in try Row.fetchAll(db, sql: "PRAGMA foreign_key_check") {
                problems.append("foreign_key_check: table \(row[0] as String? ?? "?") row \(row[1] as Int64? ?? -1) "
                                + "references missing \(row[2] as String? ?? "?")")
            }
            let empty = try String.fetchAll(db, sql: """
                SELECT path FROM video v WHERE NOT EXISTS (SELECT 1 FROM clip c WHERE c.videoId = v.id)
                """)
            problems += empty.map { "video without clips: \($0)" }
            let bytes = embedDimension * MemoryLayout<Float>.size
            let badBlobs = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM clip WHERE length(embedding) != ?",
                                            arguments: [bytes]) ?? 0
            if badBlobs > 0 { problems.append("\(badBlobs) clip vectors are not \(bytes) bytes") }
            let badBank = try Int.fetchOne(db, sql: """
                SELECT COUNT(*) FROM bankEntry WHERE embedding IS NOT NULL AND length(embedding) != ?
                """, arguments: [bytes]) ?? 0
            if badBank > 0 { problems.append("\(badBank) bank vectors are not \(bytes) bytes") }
            if try IndexSettings.fetchCount(db) != 1 { problems.append("indexSettings does not have exactly one row") }
            return problems
        }
    }
}
