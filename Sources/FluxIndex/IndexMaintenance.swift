import Foundation
import FluxCore
import FluxModels
import FluxStore

/// What an index holds, read in one go: what `info` shows.
public struct IndexOverview: Sendable {
    /// The index folder.
    public var directory: URL
    public var settings: IndexSettings
    public var counts: IndexCounts
    /// Every budget with its clip count, searchable ones and refine caches.
    public var budgets: [BudgetSummary]
    public var sizes: StorageSizes
    /// Files that failed to index, with the stage and reason.
    public var failures: [IndexingFailure]
    /// Transcripts and cues the full-text search holds.
    public var transcripts: TranscriptCounts
    /// The shard this index holds (`index --shard`), or nil.
    public var shard: IndexShard?
    /// The shards merged into it (`merge`), in merge order.
    public var mergedShards: [MergedShard]

    /// How a clip is sampled at `budget` (frames × size, the pool and so the tokens it really
    /// keeps: min(budget, pool)), from the index's recorded sampling; nil when the index does
    /// not record one or the budget cannot be sampled (a refine cache of an old index).
    public func plan(budget: Int) -> SamplingPlan? {
        guard let sampling = IndexSampling(descriptor: settings.sampling) else { return nil }
        return try? FlexiSamplingTable(entries: sampling.table).plan(budget: budget, frames: sampling.frames, size: sampling.size)
    }

    /// Reads the overview of the index folder `index`.
    /// - Throws: ``FluxStore/StoreError`` when it is not an index or cannot be read.
    public static func read(index: URL) throws -> IndexOverview {
        let store = try IndexStore.open(at: index)
        return IndexOverview(directory: store.directory, settings: try store.settings(), counts: try store.counts(),
                             budgets: try store.budgets(), sizes: try store.storageSizes(), failures: try store.failures(),
                             transcripts: try store.transcriptCounts(), shard: try store.shard(),
                             mergedShards: try store.mergedShards())
    }
}

/// The maintenance entry points of the CLI's `remove`, `reindex`, `export` and `bank list|clear`:
/// each opens the index folder, does one thing, and keeps the derived FAISS files current.
public enum IndexMaintenance {
    /// Removes every video under `paths` (files or folders) and its clips; returns how many
    /// videos went.
    public static func remove(paths: [String], index: URL) throws -> Int {
        let store = try IndexStore.open(at: index)
        let removed = try store.removeVideos(paths: paths.map { IndexStore.canonicalPath($0) })
        try VectorMirror(store: store).persistAll()
        return removed
    }

    /// Rebuilds every budget's FAISS file from the stored vectors, after switching the index
    /// type (`factory`) and default `nprobe` when given. Returns the budgets rebuilt and the
    /// seconds it took.
    public static func rebuildFaiss(index: URL, factory: String? = nil, nprobe: Int? = nil,
                                    log: @escaping (String) -> Void = { _ in }) throws -> (budgets: [Int], seconds: Double) {
        let store = try IndexStore.open(at: index)
        if factory != nil || nprobe != nil { try store.updateFaissOptions(factory: factory, nprobe: nprobe) }
        let t0 = Timing.now()
        try VectorMirror(store: store, log: log).rebuildAll()
        return (try store.indexedBudgets(), Timing.now() - t0)
    }

    /// One clip with its video's metadata, as `export` writes it.
    public struct ExportedClip: Sendable {
        public var clip: ClipInfo
        /// Nil only when the video row vanished under a concurrent writer.
        public var video: Video?
    }

    /// Every clip (of `budget` when given) in clip-id order, with its video, and with
    /// `vectors` the clips' vectors `[N, E]` row-major in the same order.
    public static func clips(index: URL, budget: Int? = nil, vectors: Bool = false)
        throws -> (clips: [ExportedClip], vectors: [Float], dimension: Int) {
        let store = try IndexStore.open(at: index)
        let videos = Dictionary(try store.videos().compactMap { v in v.id.map { ($0, v) } }, uniquingKeysWith: { a, _ in a })
        var clips: [ExportedClip] = []
        var matrix: [Float] = []
        try store.forEachClip(budget: budget, includeVectors: vectors) { infos, vecs in
            clips += infos.map { ExportedClip(clip: $0, video: videos[$0.videoId]) }
            if let vecs { matrix += vecs }
        }
        return (clips, matrix, store.embedDimension)
    }

    /// The query bank's captions, in the order they were added.
    public static func bankEntries(index: URL) throws -> [BankEntry] {
        try IndexStore.open(at: index).bankEntries()
    }

    /// Removes every caption from the query bank; returns how many went.
    public static func clearBank(index: URL) throws -> Int {
        try IndexStore.open(at: index).clearBank()
    }
}
