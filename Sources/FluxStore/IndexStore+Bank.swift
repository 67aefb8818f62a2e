import Foundation
import GRDB

extension IndexStore {
    /// Adds captions to the query bank: each is trimmed of surrounding whitespace, empty ones are
    /// skipped, and texts already in the bank (or repeated in `texts`) are not added again.
    /// Parsing caption files (lines, annotation JSON/CSV) is the caller's job.
    /// - Returns: the number of entries added.
    @discardableResult
    public func addBankEntries(texts: [String], source: String) throws -> Int {
        try write("add \(texts.count) bank entries") { db in try Self.insertBankTexts(texts, source: source, db) }
    }

    /// The whole bank, in insertion order.
    public func bankEntries() throws -> [BankEntry] {
        try read("list bank") { db in try BankEntry.order(BankEntry.Columns.id).fetchAll(db) }
    }

    /// Bank entries without an embedding yet, in insertion order (encode them, then
    /// ``setBankEmbeddings(_:)``).
    public func bankEntriesNeedingEmbedding() throws -> [BankEntry] {
        try read("list bank") { db in
            try BankEntry.filter(BankEntry.Columns.embedding == nil).order(BankEntry.Columns.id).fetchAll(db)
        }
    }

    /// Stores text-tower vectors for bank entries (by entry id), one transaction. Ids no longer in
    /// the bank are ignored.
    /// - Throws: ``StoreError/invalidInput(operation:reason:)`` for a vector that is not
    ///   `embedDimension` finite floats.
    public func setBankEmbeddings(_ vectors: [Int64: [Float]]) throws {
        for (id, v) in vectors {
            try EmbeddingCodec.validate(v, dimension: embedDimension, operation: "set bank embedding \(id)")
        }
        try write("set \(vectors.count) bank embeddings") { db in
            for (id, v) in vectors {
                try db.execute(sql: "UPDATE bankEntry SET embedding = ? WHERE id = ?",
                               arguments: [EmbeddingCodec.encode(v), id])
            }
        }
    }

    /// Empties the bank. Returns the number of entries deleted.
    @discardableResult
    public func clearBank() throws -> Int {
        try write("clear bank") { db in try BankEntry.deleteAll(db) }
    }

    /// INSERT OR IGNORE of trimmed, non-empty texts; returns how many rows were added.
    static func insertBankTexts(_ texts: [String], source: String, _ db: Database) throws -> Int {
        let now = Date()
        var added = 0
        let statement = try db.makeStatement(sql: """
            INSERT INTO bankEntry (text, source, embedding, addedAt) VALUES (?, ?, NULL, ?)
            ON CONFLICT(text) DO NOTHING
            """)
        for text in texts {
            let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
            if trimmed.isEmpty { continue }
            try statement.execute(arguments: [trimmed, source, now])
            added += db.changesCount
        }
        return added
    }
}
