import Foundation
import GRDB

/// One search hit: a clip id (resolve it with ``IndexStore/clips(ids:)``) and its inner-product
/// score (cosine similarity for L2-normalised vectors; larger is better).
public struct ClipHit: Sendable, Equatable {
    public var clipId: Int64
    public var score: Float

    public init(clipId: Int64, score: Float) {
        self.clipId = clipId
        self.score = score
    }
}

/// The FAISS indexes of an ``IndexStore``, one per budget, derived from SQLite and cached in
/// memory and on disk (`faiss-<budget>.index` + `faiss-<budget>.stamp.json`).
///
/// SQLite is the source of truth; a FAISS index holds every clip vector of its budget under the
/// clip id. ``load(budget:)`` returns an index that matches the database's last committed state:
/// 1. the in-memory index, if its generation is current;
/// 2. else the in-memory index brought up to date incrementally (ids removed and added since);
/// 3. else the file on disk, if its stamp matches the database;
/// 4. else a full rebuild from SQLite, written to disk atomically (index file first, stamp second).
///
/// Which index is built follows ``IndexSettings/faissFactory`` (see ``FaissFactory``): "Flat"
/// by default; a trainable factory such as "IVF256,SQ8" once the budget has enough vectors
/// (flat below that). ``nprobe`` (or ``IndexSettings/nprobe``) is applied after every load,
/// since FAISS files do not keep it.
///
/// Thread safety: all members may be called from any thread. Loads and rebuilds are serialised;
/// searches run concurrently. Files are written under an exclusive `flock` on
/// `faiss-<budget>.lock`, and read under a shared one, so several processes (a query during
/// `index`) never pair an index file with another build's stamp.
///
/// For example, the `query` command:
/// ```swift
/// let mirror = VectorMirror(store: store, nprobe: options.nprobe)
/// let hits = try mirror.search(budget: 1024, query: textVector, k: 10)
/// for (hit, clip) in zip(hits, try store.clips(ids: hits.map(\.clipId))) { … }
/// ```
/// (`clips(ids:)` leaves out ids deleted since the search, so zip by id when that matters.)
///
/// ## Topics
/// - ``load(budget:)``
/// - ``effectiveFactory(budget:)``
/// - ``rebuild(budget:)``
/// - ``rebuildAll()``
/// - ``persist(budget:)``
/// - ``persistAll()``
/// - ``search(budget:query:k:)``
/// - ``search(budget:queries:k:)``
/// - ``status(budget:)``
public final class VectorMirror: @unchecked Sendable {
    /// The store the indexes are derived from.
    public let store: IndexStore

    let lock = NSLock()
    var entries: [Int: Entry] = [:]
    var nprobeOverride: Int?
    let log: (@Sendable (String) -> Void)?

    /// - Parameters:
    ///   - nprobe: IVF lists scanned per query (`--nprobe`); nil uses ``IndexSettings/nprobe``.
    ///   - log: receives one line when a FAISS index is rebuilt or cannot be written (the CLI
    ///     prints it to stderr).
    public init(store: IndexStore, nprobe: Int? = nil, log: (@Sendable (String) -> Void)? = nil) {
        self.store = store
        self.nprobeOverride = nprobe
        self.log = log
    }

    /// IVF lists scanned per query; nil falls back to ``IndexSettings/nprobe``. A new value takes
    /// effect at the next load or search, for indexes already in memory too.
    public var nprobe: Int? {
        get { lock.withLock { nprobeOverride } }
        set { lock.withLock { nprobeOverride = newValue } }
    }

    // MARK: - Files

    /// `<directory>/faiss-<budget>.index`.
    public static func indexURL(in directory: URL, budget: Int) -> URL {
        directory.appendingPathComponent("faiss-\(budget).index")
    }

    /// `<directory>/faiss-<budget>.stamp.json`.
    public static func stampURL(in directory: URL, budget: Int) -> URL {
        directory.appendingPathComponent("faiss-\(budget).stamp.json")
    }

    static func lockURL(in directory: URL, budget: Int) -> URL {
        directory.appendingPathComponent("faiss-\(budget).lock")
    }

    // MARK: - Loading

    /// The FAISS index of `budget`, current with the last committed state of the database
    /// (memory, incremental update, file, or full rebuild — in that order of preference).
    /// A rebuilt index is written to disk; failing to write it is logged, not thrown.
    ///
    /// The returned object is shared and may be updated in place by later calls; search it,
    /// do not mutate it.
    /// - Throws: ``StoreError/unknownBudget(budget:available:)``, database errors, and
    ///   ``VectorIndexError`` when FAISS cannot build the configured factory.
    public func load(budget: Int) throws -> VectorIndex {
        try lock.withLock { try freshEntry(budget: budget, persist: .bestEffort).index }
    }

    /// The factory of `budget`'s index as loaded now (``load(budget:)``): the configured one, or
    /// "Flat" below its training threshold. Where it is not exact (``FaissFactory/isExact(_:)``),
    /// search scores are approximate and the ranking of a shortlist should be redone from the
    /// stored vectors.
    public func effectiveFactory(budget: Int) throws -> String {
        try lock.withLock { try freshEntry(budget: budget, persist: .bestEffort).stamp.effectiveFactory }
    }

    /// ``effectiveFactory(budget:)`` of the index in memory, as the last load or search of
    /// `budget` left it, without reading the database; nil before any. For the search path,
    /// which has just loaded the index and should not check it twice.
    public func loadedFactory(budget: Int) -> String? {
        lock.withLock { entries[budget]?.stamp.effectiveFactory }
    }

    /// Rebuilds `budget`'s index from SQLite, whatever the state of memory and disk, and writes
    /// it (`fluxsearch reindex --rebuild-faiss`; also retrains IVF on the current vectors).
    /// - Throws: also when the file cannot be written.
    @discardableResult
    public func rebuild(budget: Int) throws -> VectorIndex {
        try lock.withLock {
            let entry = try build(budget: budget)
            try applyNProbe(entry, stored: try store.settings().nprobe)
            try write(entry)
            entries[budget] = entry
            return entry.index
        }
    }

    /// ``rebuild(budget:)`` for every ``IndexBudget/Role/indexed`` budget (`reindex --rebuild-faiss`).
    public func rebuildAll() throws {
        for budget in try store.indexedBudgets() { try rebuild(budget: budget) }
    }

    /// Makes `budget`'s file on disk match the database (what `index` calls at the end of a run,
    /// and every few hundred files so that queries during a long run find a fresh file).
    public func persist(budget: Int) throws {
        _ = try lock.withLock { try freshEntry(budget: budget, persist: .required) }
    }

    /// ``persist(budget:)`` for every ``IndexBudget/Role/indexed`` budget.
    public func persistAll() throws {
        for budget in try store.indexedBudgets() { try persist(budget: budget) }
    }

    /// Drops the in-memory index of `budget` (all budgets when nil); the next use reloads.
    public func evict(budget: Int? = nil) {
        lock.withLock {
            if let budget { entries[budget] = nil } else { entries.removeAll() }
        }
    }

    // MARK: - Searching

    /// The `k` best clips of `budget` for one query vector (`embedDimension` floats), best first.
    /// Fewer than `k` when the budget has fewer clips.
    public func search(budget: Int, query: [Float], k: Int) throws -> [ClipHit] {
        try search(budget: budget, queries: query, k: k)[0]
    }

    /// Batch search: `queries` holds `nq · embedDimension` floats, row-major; returns one hit list
    /// per query.
    public func search(budget: Int, queries: [Float], k: Int) throws -> [[ClipHit]] {
        let dimension = store.embedDimension
        guard !queries.isEmpty, queries.count % dimension == 0 else {
            throw StoreError.invalidInput(
                operation: "search budget \(budget)",
                reason: "query has wrong length — expected a multiple of dimension \(dimension), got \(queries.count) floats")
        }
        guard k >= 1 else {
            throw StoreError.invalidInput(operation: "search budget \(budget)", reason: "k must be ≥ 1, got \(k)")
        }
        let index = try load(budget: budget)
        let nq = queries.count / dimension
        let result = try index.search(queries, k: k)
        return (0..<nq).map { q in result.hits(forQuery: q).map { ClipHit(clipId: $0.id, score: $0.score) } }
    }

    // MARK: - Status

    /// How the on-disk file of a budget relates to the database (for `info`).
    public struct Status: Sendable, Equatable {
        public var budget: Int
        public var databaseGeneration: Int64
        public var databaseCount: Int
        /// The file's stamp, when there is a readable one.
        public var stamp: MirrorStamp?
        /// Bytes of `faiss-<budget>.index` (0 when absent).
        public var fileBytes: Int64
        /// Whether the file can be used as is (its stamp matches the database).
        public var isFileCurrent: Bool
    }

    /// The state of `budget`'s FAISS file compared with the database.
    public func status(budget: Int) throws -> Status {
        let dir = store.directory
        let current = try currentState(budget: budget)
        let (stamp, bytes) = try FileLock(url: Self.lockURL(in: dir, budget: budget)).withLock(.shared) {
            () -> (MirrorStamp?, Int64) in
            var info = stat()
            let url = Self.indexURL(in: dir, budget: budget)
            let bytes = stat(url.path, &info) == 0 ? Int64(info.st_size) : 0
            return (bytes > 0 ? MirrorStamp.read(from: Self.stampURL(in: dir, budget: budget)) : nil, bytes)
        }
        let isCurrent = stamp.map {
            $0.mismatch(indexUUID: store.indexUUID, budget: budget, generation: current.generation,
                        count: current.count, dimension: store.embedDimension, factory: current.factory) == nil
        } ?? false
        return Status(budget: budget, databaseGeneration: current.generation, databaseCount: current.count,
                      stamp: stamp, fileBytes: bytes, isFileCurrent: isCurrent)
    }
}
