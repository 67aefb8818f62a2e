import Foundation
import GRDB

/// One caption of the query bank: a row of table `bankEntry` (text unique).
///
/// The embedding is the text tower's vector for `text` (same model and dimension as the index);
/// nil until ``IndexStore/setBankEmbeddings(_:)`` stores it.
public struct BankEntry: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "bankEntry"

    public var id: Int64?
    /// The caption, trimmed of surrounding whitespace.
    public var text: String
    /// Where it came from: "model:<name>" for bundled captions, or the file it was added from.
    public var source: String
    /// Float32 little-endian, `embedDimension` values, or nil when not encoded yet.
    public var embedding: Data?
    public var addedAt: Date

    public enum Columns {
        public static let id = Column(CodingKeys.id)
        public static let text = Column(CodingKeys.text)
        public static let source = Column(CodingKeys.source)
        public static let embedding = Column(CodingKeys.embedding)
        public static let addedAt = Column(CodingKeys.addedAt)
    }

    public init(text: String, source: String, embedding: Data? = nil, addedAt: Date = Date()) {
        self.text = text
        self.source = source
        self.embedding = embedding
        self.addedAt = addedAt
    }

    /// The decoded vector, or nil when not encoded (or not `dimension` floats).
    public func vector(dimension: Int) -> [Float]? {
        guard let embedding else { return nil }
        return try? EmbeddingCodec.decode(embedding, dimension: dimension, context: "bank", databasePath: "")
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}
