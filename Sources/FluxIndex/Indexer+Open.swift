import Foundation
import FluxIngest
import FluxModels
import FluxStore

extension IndexSettings {
    /// The settings of an index holding `model`'s vectors, preprocessed by the default
    /// ``FluxIngest/Preprocessor`` and sampled as the `sampling` descriptor says.
    /// - Throws: ``FluxModels/ModelLoadingError`` when the model files cannot be hashed.
    public init(model: ModelDirectory, sampling: String, faissFactory: String? = nil, nprobe: Int? = nil,
                weightHash: String? = nil) throws {
        self.init(modelName: model.configuration.name, modelWeightHash: try weightHash ?? model.weightHash(),
                  embedDimension: model.configuration.embedDim, preprocessing: Preprocessor().descriptor,
                  sampling: sampling, faissFactory: faissFactory ?? "Flat", nprobe: nprobe,
                  modelPath: model.url.standardizedFileURL.path)
    }
}

/// Why `index` refuses a request before touching the index.
public enum IndexRequestError: Error, CustomStringConvertible, LocalizedError, Equatable {
    /// A flag asks for other sampling than the index was built with.
    case conflict(index: String, flag: String, stored: String, requested: String)
    /// The model's own sampling table changed since the index was built.
    case tableChanged(index: String, model: String)
    /// `--shard` into a folder that holds an ordinary index.
    case notAShard(index: String, shard: String)
    /// An ordinary run into a shard's folder.
    case isAShard(index: String, shard: String)

    public var description: String {
        switch self {
        case .conflict(let index, let flag, let stored, let requested):
            if stored.hasPrefix("(") {
                return "\(index) was built without \(flag) \(stored), not with \(flag) \(requested); leave \(flag) out to add to it, or use another --index for \(flag) \(requested)"
            }
            return "\(index) was built with \(flag) \(stored), not \(requested); leave \(flag) out (or pass \(flag) \(stored)) to add to it, or use another --index for \(flag) \(requested)"
        case .tableChanged(let index, let model):
            return "the sampling table of \(model) (its sampling.json) changed since \(index) was built, so new vectors would not match the stored ones; restore the file, or use another --index"
        case .notAShard(let index, let shard):
            return "\(index) holds an ordinary index, so it cannot become shard \(shard); give each shard an empty --index-dir of its own"
        case .isAShard(let index, let shard):
            return "\(index) holds shard \(shard) of a distributed job; add files to it only with the same --files list and --shard \(shard), or `fluxsearch merge` it into another index and add to that"
        }
    }

    public var errorDescription: String? { description }
}

extension Indexer {
    /// How the derived FAISS indexes are built (`index --faiss`, `--nprobe`); nil keeps what
    /// the index has (or FAISS Flat for a new one).
    public struct FaissOptions: Sendable {
        public var factory: String?
        public var nprobe: Int?

        public init(factory: String? = nil, nprobe: Int? = nil) {
            self.factory = factory
            self.nprobe = nprobe
        }
    }

    /// What `index` was asked for; nil = not given, so an existing index's own setting holds
    /// (a new index gets the default).
    public struct Request: Sendable {
        /// `--tokens`; nil: the index's budgets, or for a new index 1024 (or the largest budget
        /// below it that the model's table can honour).
        public var budgets: [Int]?
        /// `--frames`, `--size`: override the model's table for every budget.
        public var frames: Int?
        public var size: Int?
        /// `--segment`.
        public var segments: SegmentWindows?
        public var recursive = true
        public var faiss = FaissOptions()
        /// Read transcripts (sidecars, subtitle streams) into the full-text search.
        public var transcripts = true
        /// `--shard I/N` of a `--files` list: the index holds that shard and records it; nil for
        /// an ordinary index (which then must not be a shard).
        public var shard: IndexShard?

        public init(budgets: [Int]? = nil) { self.budgets = budgets }
    }

    /// The `index` command's entry point: takes the index folder's writer lock, opens the
    /// model at `modelURL`, then opens the index folder `index` (creating it, with the model's
    /// `bank.txt` as its query bank, when it does not exist) and returns an indexer. An
    /// existing index keeps how it was built: flags left out take its budgets, frames, size
    /// and segments; a flag that contradicts them is refused with the flag to pass.
    /// - Throws: ``IndexLock/Failure`` when another process is indexing it,
    ///   ``IndexRequestError``, ``FluxModels/ModelLoadingError`` for the model,
    ///   ``FluxModels/SamplingError`` for a budget it cannot sample, ``FluxStore/StoreError``.
    public static func open(index: URL, modelURL: URL, request: Request) throws -> Indexer {
        let lock = try IndexLock(directory: index)
        let model = try ModelDirectory(modelURL)
        let table = model.samplingTable
        let hash = try model.weightHash()
        // How clips are sampled: as the index records (flags checked against it), else as asked.
        var sampling = IndexSampling(table: table.entries, frames: request.frames, size: request.size, segments: request.segments)
        var storedBudgets: [Int] = []
        if let existing = try openFinished(index) {
            let settings = try existing.settings()
            storedBudgets = try existing.indexedBudgets()
            if let recorded = IndexSampling(descriptor: settings.sampling) {
                try check(request, against: recorded, index: index.path)
                if recorded.table != table.entries, settings.modelWeightHash == hash {
                    throw IndexRequestError.tableChanged(index: index.path, model: model.url.path)
                }
                sampling = recorded
            }
        }
        var options = Options(budgets: [], sampling: sampling, patchSize: table.patchSize)
        options.budgets = request.budgets ?? (storedBudgets.isEmpty ? [sampling.defaultBudget(patchSize: table.patchSize)] : storedBudgets)
        options.recursive = request.recursive
        options.transcripts = request.transcripts
        // Validate every budget before the index is created or touched.
        _ = try Indexer.plans(options)
        let tower = try model.visionTower()
        let settings = try IndexSettings(model: model, sampling: options.samplingDescriptor,
                                         faissFactory: request.faiss.factory, nprobe: request.faiss.nprobe, weightHash: hash)
        let seedURL = model.url.appendingPathComponent("bank.txt")
        let seed = (try? CaptionFile.read(seedURL)).map { IndexStore.BankSeed(texts: $0, source: "model:\(model.configuration.name)") }
        let store = try IndexStore.openOrCreate(at: index, settings: settings, budgets: options.budgets, seedBank: seed)
        if !store.isNew {
            if request.faiss.factory != nil || request.faiss.nprobe != nil {
                try store.updateFaissOptions(factory: request.faiss.factory, nprobe: request.faiss.nprobe)
            }
            if let path = settings.modelPath { try store.setModelPath(path) }
        }
        try checkShard(request.shard, store: store)
        let indexer = try Indexer(store: store, tower: tower, options: options)
        indexer.lock = lock
        return indexer
    }

    /// Records `shard` in a new shard index; refuses a shard run into an ordinary index that
    /// holds anything, an ordinary run into a shard, and a shard run into another shard's folder.
    static func checkShard(_ shard: IndexShard?, store: IndexStore) throws {
        let recorded = try store.shard()
        switch (shard, recorded) {
        case (let shard?, nil):
            let counts = try store.counts()
            guard counts.videos == 0, try store.failures().isEmpty else {
                throw IndexRequestError.notAShard(index: store.directory.path, shard: shard.description)
            }
            try store.recordShard(shard)
        case (let shard?, _?):
            try store.recordShard(shard)  // throws when it differs
        case (nil, let recorded?):
            throw IndexRequestError.isAShard(index: store.directory.path, shard: recorded.description)
        case (nil, nil):
            break
        }
    }

    /// The index at `index` when one was created completely; nil when there is none, or when
    /// a run was killed while creating it (``IndexStore/openOrCreate(at:settings:budgets:seedBank:)``
    /// then creates it anew).
    static func openFinished(_ index: URL) throws -> IndexStore? {
        guard IndexStore.exists(at: index) else { return nil }
        do {
            return try IndexStore.open(at: index)
        } catch StoreError.noIndex {
            return nil
        }
    }

    /// Throws ``IndexRequestError/conflict(index:flag:stored:requested:)`` for a flag that
    /// asks for other sampling than the index records.
    static func check(_ request: Request, against recorded: IndexSampling, index: String) throws {
        func check<T: Equatable>(_ flag: String, _ asked: T?, _ have: T?, _ show: (T?) -> String) throws {
            guard let asked, asked != have else { return }
            throw IndexRequestError.conflict(index: index, flag: flag, stored: show(have), requested: show(asked))
        }
        try check("--frames", request.frames, recorded.frames) { $0.map(String.init) ?? "(the model's table decides)" }
        try check("--size", request.size, recorded.size) { $0.map(String.init) ?? "(the model's table decides)" }
        try check("--segment", request.segments, recorded.segments) { w in
            w.map { $0.stride == $0.length ? Self.number($0.length) : "\(Self.number($0.length)):\(Self.number($0.stride))" }
                ?? "(only videos over \(Self.number(recorded.autoSegmentAfter)) s are segmented)"
        }
    }

    static func number(_ x: Double) -> String { x == x.rounded() ? String(Int(x)) : String(x) }

    /// The model directory the index at `index` was last built with, when the index exists,
    /// recorded it, and the folder still holds a model; nil otherwise.
    public static func recordedModel(index: URL) -> URL? {
        guard IndexStore.exists(at: index), let path = try? IndexStore.open(at: index).settings().modelPath else { return nil }
        let url = URL(fileURLWithPath: path)
        return FileManager.default.fileExists(atPath: url.appendingPathComponent(ModelDirectory.configName).path) ? url : nil
    }
}

extension Indexer.Options {
    /// Options that sample as `sampling` says (its table with patch side `patchSize` pixels).
    init(budgets: [Int], sampling: IndexSampling, patchSize: Int) {
        self.init(budgets: budgets)
        samplingTable = FlexiSamplingTable(patchSize: patchSize, entries: sampling.table)
        frames = sampling.frames
        size = sampling.size
        segments = sampling.segments
        autoSegmentAfter = sampling.autoSegmentAfter
        autoSegment = sampling.autoSegment
    }
}
