import Foundation
import GRDB

/// A token budget the index holds vectors for: a row of table `budget`.
///
/// Clip vectors are computed at a budget (tokens kept per clip by the vision tower); one index
/// holds one vector per clip per budget. Two roles:
/// - ``Role/indexed``: every video should have it. `index` encodes it for new and changed files,
///   and ``IndexStore/plan(path:fingerprint:)`` reports it as missing for older videos.
/// - ``Role/cache``: vectors that `query --refine` re-encoded at a larger budget and cached; only
///   some clips have them, and they are never searched by FAISS.
///
/// ``generation`` is bumped (by SQLite triggers, in the same transaction) by every insert or
/// delete of a clip at this budget, so ``VectorMirror`` can tell whether a FAISS file is stale.
public struct IndexBudget: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "budget"

    public enum Role: String, Codable, Sendable, CaseIterable, DatabaseValueConvertible {
        /// Encoded for every video.
        case indexed
        /// Filled lazily by refine re-encodes.
        case cache
    }

    public var id: Int64?
    /// Tokens per clip (unique).
    public var tokens: Int
    public var role: Role
    /// Change counter of the clips at this budget.
    public var generation: Int64
    /// When the budget was added to the index.
    public var addedAt: Date

    public enum Columns {
        public static let id = Column(CodingKeys.id)
        public static let tokens = Column(CodingKeys.tokens)
        public static let role = Column(CodingKeys.role)
        public static let generation = Column(CodingKeys.generation)
        public static let addedAt = Column(CodingKeys.addedAt)
    }

    public init(tokens: Int, role: Role, generation: Int64 = 0, addedAt: Date = Date()) {
        self.tokens = tokens
        self.role = role
        self.generation = generation
        self.addedAt = addedAt
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// A budget with its clip count, for `info`.
public struct BudgetSummary: Sendable, Equatable {
    public var tokens: Int
    public var role: IndexBudget.Role
    public var generation: Int64
    /// Clips (vectors) stored at this budget.
    public var clipCount: Int
}
