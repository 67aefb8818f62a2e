import Foundation
import GRDB

/// The latest failure to index one file: a row of table `indexingFailure` (unique per path).
///
/// Recorded by ``IndexStore/recordFailure(path:stage:reason:)`` so a run never stops for one bad
/// file; cleared when the file later indexes fine (``IndexStore/replaceVideo(_:clips:)``), is
/// removed, or is pruned. Shown by `fluxsearch info --errors`.
public struct IndexingFailure: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "indexingFailure"

    public var id: Int64?
    /// Canonical path of the file.
    public var path: String
    /// Where it failed, e.g. "fingerprint", "decode", "encode", "store".
    public var stage: String
    /// The error's description.
    public var reason: String
    public var occurredAt: Date

    public enum Columns {
        public static let id = Column(CodingKeys.id)
        public static let path = Column(CodingKeys.path)
        public static let stage = Column(CodingKeys.stage)
        public static let reason = Column(CodingKeys.reason)
        public static let occurredAt = Column(CodingKeys.occurredAt)
    }

    public init(path: String, stage: String, reason: String, occurredAt: Date = Date()) {
        self.path = path
        self.stage = stage
        self.reason = reason
        self.occurredAt = occurredAt
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}
