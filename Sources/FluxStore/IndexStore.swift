import Foundation
import GRDB

/// The on-disk index: an SQLite database (the source of truth) plus FAISS files derived from it.
///
/// Folder layout:
/// ```
/// <dir>/index.sqlite (+ -wal, -shm)   settings, budgets, videos, clips + vectors, failures, bank
/// <dir>/faiss-<budget>.index          derived FAISS index of one budget (see VectorMirror)
/// <dir>/faiss-<budget>.stamp.json     what SQLite state that file was built from
/// <dir>/faiss-<budget>.lock           flock(2) target serialising writers of those two files
/// ```
///
/// The database is opened as a GRDB `DatabasePool` in WAL mode with `synchronous = FULL`:
/// readers (queries, `info`, export) see the last committed state and never wait for the
/// indexer; writes are serialised, and every write that changes what a video holds is one
/// transaction (``replaceVideo(_:clips:)``). A crash or a full disk at any point therefore loses
/// at most the transaction in flight, and the next `index` run resumes (see ``plan(path:fingerprint:)``).
///
/// Thread safety: all methods may be called from any thread; the type is `Sendable`.
///
/// For example, the `index` command:
/// ```swift
/// let store = try IndexStore.openOrCreate(at: indexDir, settings: settings, budgets: [1024],
///                                         seedBank: BankSeed(texts: captions, source: "model:fluxvit-s14"))
/// for url in files {
///     do {
///         let fp = try FileFingerprint.compute(url: url)
///         switch try store.plan(path: url.path, fingerprint: fp) {
///         case .skip: continue
///         case let .encode(budgets, _):
///             let clips = try encodeAll(url, budgets)              // [ClipDraft]
///             try store.replaceVideo(Video(path: url.path, fingerprint: fp, metadata: meta), clips: clips)
///         case let .addBudgets(video, budgets):
///             try store.upsertClips(try encodeAll(url, budgets), videoId: video.id!)
///         }
///     } catch {
///         try store.recordFailure(path: url.path, stage: "encode", reason: "\(error)")
///     }
/// }
/// try VectorMirror(store: store).persistAll()
/// ```
///
/// ## Topics
///
/// ### Opening
/// - ``create(at:settings:budgets:seedBank:)``
/// - ``open(at:)``
/// - ``openOrCreate(at:settings:budgets:seedBank:)``
/// - ``settings()``
/// - ``updateFaissOptions(factory:nprobe:)``
///
/// ### Indexing (IndexStore+Videos.swift)
/// - ``plan(path:fingerprint:)``
/// - ``fingerprintStatus(path:fingerprint:)``
/// - ``replaceVideo(_:clips:)``
/// - ``upsertClips(_:videoId:)``
/// - ``recordFailure(path:stage:reason:)``
/// - ``removeVideos(paths:)``
/// - ``prune(existing:)``
///
/// ### Budgets (IndexStore+Budgets.swift)
/// - ``budgets()``
/// - ``addBudgets(_:)``
/// - ``videosNeeding(budget:)``
/// - ``generation(budget:)``
///
/// ### Reading clips (IndexStore+Clips.swift)
/// - ``clips(ids:)``
/// - ``allClips(budget:)``
/// - ``forEachClip(budget:includeVectors:batchSize:_:)``
/// - ``vectors(clipIds:)``
/// - ``cachedVectors(forClips:budget:)``
/// - ``embeddings(budget:)``
/// - ``forEachEmbedding(budget:batchSize:_:)``
///
/// ### Info (IndexStore+Info.swift)
/// - ``counts()``
/// - ``failures()``
/// - ``storageSizes()``
/// - ``integrityProblems()``
///
/// ### Query bank (IndexStore+Bank.swift)
/// - ``addBankEntries(texts:source:)``
/// - ``bankEntries()``
/// - ``setBankEmbeddings(_:)``
/// - ``clearBank()``
public final class IndexStore: Sendable {
    /// Name of the SQLite file inside the index folder.
    public static let databaseFileName = "index.sqlite"

    /// The index folder (standardized).
    public let directory: URL
    /// `<directory>/index.sqlite`.
    public let databaseURL: URL
    /// Floats per vector (fixed for the life of the index).
    public let embedDimension: Int
    /// ``IndexSettings/indexUUID``: identifies this index among recreated ones in the same folder.
    public let indexUUID: String
    /// True when this call created the index (so the caller may announce it).
    public let isNew: Bool

    /// The database. Use the store's methods to write; read-only ad-hoc queries are fine.
    public var database: any DatabaseReader { dbPool }

    let dbPool: DatabasePool

    private init(directory: URL, pool: DatabasePool, settings: IndexSettings, isNew: Bool) {
        self.directory = directory
        self.databaseURL = directory.appendingPathComponent(Self.databaseFileName)
        self.dbPool = pool
        self.embedDimension = settings.embedDimension
        self.indexUUID = settings.indexUUID
        self.isNew = isNew
    }

    // MARK: - Opening

    /// Whether `directory` holds an index database (it may still be one whose creation was
    /// interrupted; ``open(at:)`` reports that as ``StoreError/noIndex(path:)``).
    public static func exists(at directory: URL) -> Bool {
        FileManager.default.fileExists(atPath: directory.appendingPathComponent(databaseFileName).path)
    }

    /// Opens an existing index.
    /// - Throws: ``StoreError/noIndex(path:)`` when the folder has no (finished) index,
    ///   ``StoreError/unsupportedFormat(path:found:supported:)`` for an index from a newer
    ///   fluxsearch, ``StoreError/corrupt(path:reason:)`` when index.sqlite is not a database.
    public static func open(at directory: URL) throws -> IndexStore {
        let dir = directory.standardizedFileURL
        let dbURL = dir.appendingPathComponent(databaseFileName)
        guard FileManager.default.fileExists(atPath: dbURL.path) else { throw StoreError.noIndex(path: dir.path) }
        let pool = try preparePool(dbURL)
        guard let settings = try fetchSettings(pool, dbURL) else { throw StoreError.noIndex(path: dir.path) }
        try checkFormat(settings, dir)
        return IndexStore(directory: dir, pool: pool, settings: settings, isNew: false)
    }

    /// Creates a new index in `directory` (made if needed; other files in it are left alone,
    /// except stale `faiss-*` files of a previous index, which are deleted).
    /// - Parameters:
    ///   - budgets: token budgets to register as ``IndexBudget/Role/indexed``.
    ///   - seedBank: captions to put in the query bank (the default model's bundled captions).
    /// - Throws: ``StoreError/alreadyExists(path:)`` when an index is there;
    ///   ``StoreError/invalidInput(operation:reason:)`` for invalid settings or budgets;
    ///   ``VectorIndexError`` for a FAISS factory string FAISS cannot parse.
    public static func create(at directory: URL, settings: IndexSettings, budgets: [Int] = [],
                              seedBank: BankSeed? = nil) throws -> IndexStore {
        try validate(settings, budgets: budgets)
        let dir = directory.standardizedFileURL
        let dbURL = dir.appendingPathComponent(databaseFileName)
        if FileManager.default.fileExists(atPath: dbURL.path) {
            let pool = try preparePool(dbURL)
            if try fetchSettings(pool, dbURL) != nil { throw StoreError.alreadyExists(path: dir.path) }
            return try finishCreation(dir, pool: pool, settings: settings, budgets: budgets, seedBank: seedBank)
        }
        do {
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        } catch {
            throw StoreError.io(path: dir.path, reason: "cannot create folder: \(error.localizedDescription)")
        }
        removeDerivedFiles(in: dir)
        let pool = try preparePool(dbURL)
        return try finishCreation(dir, pool: pool, settings: settings, budgets: budgets, seedBank: seedBank)
    }

    /// Opens the index in `directory` if there is one, else creates it — what `index` calls.
    ///
    /// An existing index must have been built with the same model, weights, embedding dimension,
    /// preprocessing and sampling; otherwise this throws
    /// ``StoreError/settingsMismatch(path:field:stored:requested:hint:)`` naming the first field
    /// that differs. Budgets in `budgets` the index lacks are added (``addBudgets(_:)``); existing
    /// videos get them on the next run (``plan(path:fingerprint:)`` returns `.addBudgets`).
    /// `settings.faissFactory` and `nprobe` are ignored for an existing index (use
    /// ``updateFaissOptions(factory:nprobe:)``), and `seedBank` is used only when creating.
    public static func openOrCreate(at directory: URL, settings: IndexSettings, budgets: [Int] = [],
                                    seedBank: BankSeed? = nil) throws -> IndexStore {
        let dir = directory.standardizedFileURL
        let dbURL = dir.appendingPathComponent(databaseFileName)
        guard FileManager.default.fileExists(atPath: dbURL.path) else {
            return try create(at: dir, settings: settings, budgets: budgets, seedBank: seedBank)
        }
        try validate(settings, budgets: budgets)
        let pool = try preparePool(dbURL)
        guard let stored = try fetchSettings(pool, dbURL) else {
            return try finishCreation(dir, pool: pool, settings: settings, budgets: budgets, seedBank: seedBank)
        }
        try checkFormat(stored, dir)
        if let difference = stored.differences(from: settings).first {
            throw StoreError.settingsMismatch(
                path: dir.path, field: difference.field, stored: difference.stored,
                requested: difference.requested,
                hint: "an index never mixes vectors of different models or preprocessing: pass another "
                    + "--index folder for these settings, or delete \(dir.path) and run `fluxsearch index` "
                    + "again to rebuild it with them")
        }
        let store = IndexStore(directory: dir, pool: pool, settings: stored, isNew: false)
        try store.addBudgets(budgets)
        return store
    }

    /// Captions to seed a new index's query bank with.
    public struct BankSeed: Sendable, Equatable {
        public var texts: [String]
        /// Recorded as ``BankEntry/source``, e.g. "model:fluxvit-s14".
        public var source: String

        public init(texts: [String], source: String) {
            self.texts = texts
            self.source = source
        }
    }

    // MARK: - Settings

    /// The index's settings row.
    public func settings() throws -> IndexSettings {
        try read("read settings") { db in
            guard let s = try IndexSettings.fetchOne(db, key: 1) else {
                throw StoreError.corrupt(path: databaseURL.path, reason: "the indexSettings row is missing")
            }
            return s
        }
    }

    /// Changes how the derived FAISS indexes are built (`index --faiss`, `--nprobe`); nil leaves a
    /// value unchanged. A new factory makes every FAISS file stale, so ``VectorMirror`` rebuilds
    /// them on next use. Returns the updated settings.
    /// - Throws: ``VectorIndexError`` when FAISS cannot parse `factory`;
    ///   ``StoreError/invalidInput(operation:reason:)`` for `nprobe` < 1.
    @discardableResult
    public func updateFaissOptions(factory: String? = nil, nprobe: Int? = nil) throws -> IndexSettings {
        if let factory { try FaissFactory.validate(factory, dimension: embedDimension) }
        if let nprobe, nprobe < 1 {
            throw StoreError.invalidInput(operation: "set nprobe", reason: "nprobe must be ≥ 1, got \(nprobe)")
        }
        return try write("update FAISS options") { db in
            guard var s = try IndexSettings.fetchOne(db, key: 1) else {
                throw StoreError.corrupt(path: databaseURL.path, reason: "the indexSettings row is missing")
            }
            if let factory { s.faissFactory = FaissFactory.normalized(factory) }
            if let nprobe { s.nprobe = nprobe }
            try s.update(db)
            return s
        }
    }

    /// Records where the model of this index lives (``IndexSettings/modelPath``).
    public func setModelPath(_ path: String) throws {
        try write("record the model path") { db in
            try db.execute(sql: "UPDATE indexSettings SET modelPath = ? WHERE id = 1", arguments: [path])
        }
    }

    // MARK: - Canonical paths

    /// The form paths are stored in: absolute (relative paths are resolved against the current
    /// directory), `.` and `..` removed, no trailing slash. Symlinks are not resolved.
    public static func canonicalPath(_ path: String) -> String {
        URL(fileURLWithPath: path).standardizedFileURL.path
    }

    // MARK: - Error-wrapping database access

    /// A write transaction; errors become ``StoreError`` with `operation` as context.
    func write<T>(_ operation: @autoclosure () -> String, _ body: (Database) throws -> T) throws -> T {
        do {
            return try dbPool.write(body)
        } catch {
            throw StoreError.wrap(error, operation: operation(), databasePath: databaseURL.path)
        }
    }

    /// A read in one snapshot of the last committed state.
    func read<T>(_ operation: @autoclosure () -> String, _ body: (Database) throws -> T) throws -> T {
        do {
            return try dbPool.read(body)
        } catch {
            throw StoreError.wrap(error, operation: operation(), databasePath: databaseURL.path)
        }
    }

    // MARK: - Opening helpers

    private static func preparePool(_ dbURL: URL) throws -> DatabasePool {
        let path = dbURL.path
        do {
            var config = Configuration()
            config.label = "fluxsearch.index"
            // Another process (a second `index`) may hold the write lock for one transaction.
            config.busyMode = .timeout(30)
            let pool = try DatabasePool(path: path, configuration: config)
            // WAL + FULL: a committed video survives a power cut, not only a killed process.
            try pool.writeWithoutTransaction { try $0.execute(sql: "PRAGMA synchronous = FULL") }

            let applied = try pool.read { db in try migrator.appliedIdentifiers(db) }
            let unknown = applied.subtracting(migrationIdentifiers)
            guard unknown.isEmpty else {
                throw StoreError.unsupportedFormat(
                    path: dbURL.deletingLastPathComponent().path,
                    found: "schema migrations \(unknown.sorted().joined(separator: ", "))",
                    supported: "schema up to \(migrationIdentifiers.last!)")
            }
            if applied.count < migrationIdentifiers.count { try migrator.migrate(pool) }
            return pool
        } catch {
            throw StoreError.wrap(error, operation: "open \(path)", databasePath: path)
        }
    }

    private static func fetchSettings(_ pool: DatabasePool, _ dbURL: URL) throws -> IndexSettings? {
        do {
            return try pool.read { try IndexSettings.fetchOne($0, key: 1) }
        } catch {
            throw StoreError.wrap(error, operation: "read settings", databasePath: dbURL.path)
        }
    }

    private static func checkFormat(_ settings: IndexSettings, _ dir: URL) throws {
        guard settings.formatVersion <= IndexSettings.currentFormatVersion else {
            throw StoreError.unsupportedFormat(path: dir.path, found: "format \(settings.formatVersion)",
                                               supported: "format \(IndexSettings.currentFormatVersion)")
        }
    }

    private static func validate(_ settings: IndexSettings, budgets: [Int]) throws {
        let op = "create index"
        guard settings.embedDimension >= 1 else {
            throw StoreError.invalidInput(operation: op, reason: "embedding dimension must be ≥ 1, got \(settings.embedDimension)")
        }
        guard !settings.modelName.isEmpty else {
            throw StoreError.invalidInput(operation: op, reason: "model name is empty")
        }
        if let bad = budgets.first(where: { $0 < 1 }) {
            throw StoreError.invalidInput(operation: op, reason: "budgets must be positive token counts, got \(bad)")
        }
        if let nprobe = settings.nprobe, nprobe < 1 {
            throw StoreError.invalidInput(operation: op, reason: "nprobe must be ≥ 1, got \(nprobe)")
        }
        try FaissFactory.validate(settings.faissFactory, dimension: settings.embedDimension)
    }

    /// Inserts settings, budgets and bank seed in one transaction (the index exists once it commits).
    private static func finishCreation(_ dir: URL, pool: DatabasePool, settings: IndexSettings, budgets: [Int],
                                       seedBank: BankSeed?) throws -> IndexStore {
        var settings = settings
        settings.formatVersion = IndexSettings.currentFormatVersion
        settings.faissFactory = FaissFactory.normalized(settings.faissFactory)
        let created = settings
        let dbPath = dir.appendingPathComponent(databaseFileName).path
        do {
            try pool.write { db in
                try created.insert(db)
                try insertBudgets(budgets, role: .indexed, db)
                if let seedBank { _ = try insertBankTexts(seedBank.texts, source: seedBank.source, db) }
            }
        } catch {
            throw StoreError.wrap(error, operation: "create index \(dir.path)", databasePath: dbPath)
        }
        return IndexStore(directory: dir, pool: pool, settings: created, isNew: true)
    }

    /// Deletes `faiss-*.index`, `faiss-*.stamp.json` and temporary files a previous index left.
    private static func removeDerivedFiles(in dir: URL) {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: dir.path) else { return }
        for name in names {
            let derived = name.hasPrefix("faiss-") && (name.hasSuffix(".index") || name.hasSuffix(".stamp.json"))
            let temporary = name.hasPrefix(".faiss-") && name.contains(".tmp-")
            if derived || temporary { unlink(dir.appendingPathComponent(name).path) }
        }
    }
}
