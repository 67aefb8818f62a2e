import Foundation

/// What SQLite state a `faiss-<budget>.index` file was built from: the sidecar
/// `faiss-<budget>.stamp.json`, written atomically *after* the index file.
///
/// A file is used only when its stamp matches the database exactly (same index UUID, budget,
/// generation, vector count, dimension and factory); anything else — no stamp, a stamp left from
/// before a crash, a file of a deleted index — makes ``VectorMirror`` rebuild from SQLite.
public struct MirrorStamp: Codable, Sendable, Equatable {
    /// Version of this JSON layout.
    public var stampVersion: Int
    /// ``IndexSettings/indexUUID`` of the index the file belongs to.
    public var indexUUID: String
    public var budget: Int
    /// ``IndexBudget/generation`` the vectors were read at.
    public var generation: Int64
    /// Vectors in the file.
    public var count: Int
    public var dimension: Int
    /// ``IndexSettings/faissFactory`` when it was built.
    public var factory: String
    /// The factory actually built: `factory`, or "Flat" below its training threshold.
    public var effectiveFactory: String
    public var builtAt: Date

    static let currentVersion = 1

    init(indexUUID: String, budget: Int, generation: Int64, count: Int, dimension: Int, factory: String,
         effectiveFactory: String, builtAt: Date = Date()) {
        self.stampVersion = Self.currentVersion
        self.indexUUID = indexUUID
        self.budget = budget
        self.generation = generation
        self.count = count
        self.dimension = dimension
        self.factory = factory
        self.effectiveFactory = effectiveFactory
        self.builtAt = builtAt
    }

    /// Why this stamp does not describe the current database state, or nil when it does.
    func mismatch(indexUUID: String, budget: Int, generation: Int64, count: Int, dimension: Int,
                  factory: String) -> String? {
        if stampVersion != Self.currentVersion { return "stamp version \(stampVersion) is not \(Self.currentVersion)" }
        if self.indexUUID != indexUUID { return "the file belongs to another index" }
        if self.budget != budget { return "the file is for budget \(self.budget)" }
        if self.dimension != dimension { return "dimension \(self.dimension) ≠ \(dimension)" }
        if self.factory != factory { return "built with factory \"\(self.factory)\", settings say \"\(factory)\"" }
        if self.generation != generation || self.count != count {
            return "stale (built at generation \(self.generation) with \(self.count) vectors; "
                + "the index is at generation \(generation) with \(count))"
        }
        return nil
    }

    func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        return try encoder.encode(self)
    }

    /// The stamp at `url`, or nil when there is none or it cannot be parsed.
    static func read(from url: URL) -> MirrorStamp? {
        guard let data = try? Data(contentsOf: url) else { return nil }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try? decoder.decode(MirrorStamp.self, from: data)
    }
}
