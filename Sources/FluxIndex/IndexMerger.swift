import Foundation
import FluxCore
import FluxStore

/// Why `merge` refuses its shards.
public enum MergeError: Error, CustomStringConvertible, LocalizedError, Equatable {
    /// No shard folder was named.
    case noShards
    /// A shard folder holds no index.
    case notAnIndex(path: String)
    /// The target is one of the shards.
    case targetIsShard(path: String)
    /// Two shards (or a shard and the target) were made with different settings.
    case mismatch(shard: String, other: String, field: String, value: String, otherValue: String)
    /// The same shard number of one job appears in two different indexes.
    case duplicateShard(shard: String, first: String, second: String)

    public var description: String {
        switch self {
        case .noShards:
            return "merge needs at least one shard folder; name the index folders the shards were written to"
        case .notAnIndex(let path):
            return "\(path) holds no fluxsearch index; name the --index-dir folders of `fluxsearch index --shard` runs"
        case .targetIsShard(let path):
            return "\(path) is both a shard and the --into folder; merge into a new folder"
        case .mismatch(let shard, let other, let field, let value, let otherValue):
            return "cannot merge \(shard): its \(field) is \(value), but \(other) has \(otherValue); "
                + "every shard of a merge must come from one job (same model, budgets, sampling and file list) — re-index it with the job's settings, or leave it out"
        case .duplicateShard(let shard, let first, let second):
            return "\(first) and \(second) both hold shard \(shard) of the same file list; keep the one whose run finished and leave the other out"
        }
    }

    public var errorDescription: String? { description }
}

/// Merges shard indexes (`index --files LIST --shard I/N`) into one index: `fluxsearch merge`.
///
/// Refuses shards that cannot share an index: another model or weights, preprocessing,
/// sampling, indexed budgets, or file list (shards of one job share all of them); and the same
/// shard twice. Each shard is copied in one SQLite transaction and recorded in the target, so
/// a merge killed at any point and run again skips what is merged and ends with the same
/// index as an uninterrupted one. The FAISS files are then built from the merged vectors (and
/// trained anew for IVF/PQ factories).
public struct IndexMerger {
    /// What one merge did.
    public struct Report: Codable, Sendable {
        public struct Shard: Codable, Sendable {
            public var path: String
            /// "I/N", or nil for an index made without --shard.
            public var shard: String?
            public var videos: Int
            public var clips: Int
            public var failures: Int
            /// False when an earlier (interrupted) merge had copied it already.
            public var mergedNow: Bool
        }
        public var into: String
        public var shards: [Shard]
        /// Shard numbers of the job that were not given (empty when complete or unknown).
        public var missingShards: [Int]
        /// Totals of the merged index.
        public var videos: Int
        public var clips: Int
        public var failures: Int
        public var seconds: Double
    }

    /// The shard folders, in the order given.
    public let shards: [URL]
    /// The folder of the merged index (created when missing).
    public let target: URL
    /// FAISS factory of a new target (nil: the first shard's).
    public var faissFactory: String?

    public init(shards: [URL], into target: URL) {
        self.shards = shards
        self.target = target
    }

    /// Merges; `progress` gets one line per step.
    public func run(progress: (String) -> Void = { _ in }) throws -> Report {
        let t0 = Timing.now()
        guard !shards.isEmpty else { throw MergeError.noShards }
        let targetPath = IndexStore.canonicalPath(target.path)
        // Hold every folder's writer lock: no shard may change under us, nor the target.
        var locks: [IndexLock] = []
        var stores: [IndexStore] = []
        var seen = Set<String>()
        for url in shards {
            let path = IndexStore.canonicalPath(url.path)
            if path == targetPath { throw MergeError.targetIsShard(path: path) }
            guard seen.insert(path).inserted else { continue }
            guard IndexStore.exists(at: url) else { throw MergeError.notAnIndex(path: path) }
            locks.append(try IndexLock(directory: url))
            do { stores.append(try IndexStore.open(at: url)) } catch StoreError.noIndex { throw MergeError.notAnIndex(path: path) }
        }
        let first = stores[0]
        let reference = try Self.describe(first)
        var numbers: [Int: String] = [:]
        for store in stores {
            let d = try Self.describe(store)
            try reference.check(d, shard: store.directory.path, other: first.directory.path)
            if let s = d.shard {
                if let earlier = numbers[s.index], earlier != store.indexUUID {
                    let other = stores.first { $0.indexUUID == earlier }?.directory.path ?? "?"
                    throw MergeError.duplicateShard(shard: s.description, first: other, second: store.directory.path)
                }
                numbers[s.index] = store.indexUUID
            }
        }

        locks.append(try IndexLock(directory: target))
        if let existing = try Indexer.openFinished(target) {
            // Merging into an index that exists (an earlier, interrupted merge, or an index to
            // add to): it must fit the shards as they fit each other.
            let d = try Self.describe(existing)
            if d.shard != nil { throw MergeError.targetIsShard(path: existing.directory.path) }
            try reference.check(d.replacingShard(with: reference.shard), shard: existing.directory.path, other: first.directory.path)
        }
        let shardSettings = try first.settings()
        let settings = IndexSettings(modelName: shardSettings.modelName, modelWeightHash: shardSettings.modelWeightHash,
                                     embedDimension: shardSettings.embedDimension, preprocessing: shardSettings.preprocessing,
                                     sampling: shardSettings.sampling, faissFactory: faissFactory ?? shardSettings.faissFactory,
                                     nprobe: shardSettings.nprobe, modelPath: shardSettings.modelPath)
        let into = try IndexStore.openOrCreate(at: target, settings: settings, budgets: reference.budgets)

        let done = Set(try into.mergedShards().map(\.indexUUID))
        var report = Report(into: into.directory.path, shards: [], missingShards: [], videos: 0, clips: 0, failures: 0, seconds: 0)
        for store in stores {
            let shard = try store.shard()
            if done.contains(store.indexUUID) {
                let counts = try store.counts()
                progress("\(store.directory.path): merged by an earlier run")
                report.shards.append(.init(path: store.directory.path, shard: shard?.description, videos: counts.videos,
                                           clips: counts.clipsPerBudget.values.reduce(0, +), failures: counts.failures, mergedNow: false))
                continue
            }
            progress("merging \(store.directory.path)")
            let record = try into.merge(shard: store)
            report.shards.append(.init(path: store.directory.path, shard: shard?.description, videos: record.videos,
                                       clips: record.clips, failures: record.failures, mergedNow: true))
        }
        if let count = reference.shard?.count {
            let have = Set(try into.mergedShards().compactMap { $0.shard?.fileListDigest == reference.shard?.fileListDigest ? $0.shard?.index : nil })
            report.missingShards = (0..<count).filter { !have.contains($0) }
        }
        progress("building the FAISS index")
        try VectorMirror(store: into).persistAll()
        let counts = try into.counts()
        report.videos = counts.videos
        report.clips = counts.clipsPerBudget.values.reduce(0, +)
        report.failures = counts.failures
        report.seconds = Timing.now() - t0
        return report
    }

    /// What must agree between shards.
    struct Description {
        var settings: IndexSettings
        var budgets: [Int]
        var shard: IndexShard?

        func replacingShard(with shard: IndexShard?) -> Description {
            var copy = self
            copy.shard = shard
            return copy
        }

        func check(_ other: Description, shard: String, other otherPath: String) throws {
            if let difference = other.settings.differences(from: settings).first {
                throw MergeError.mismatch(shard: shard, other: otherPath, field: difference.field,
                                          value: difference.stored, otherValue: difference.requested)
            }
            if other.budgets != budgets {
                throw MergeError.mismatch(shard: shard, other: otherPath, field: "token budgets",
                                          value: other.budgets.map(String.init).joined(separator: ","),
                                          otherValue: budgets.map(String.init).joined(separator: ","))
            }
            switch (other.shard, self.shard) {
            case let (a?, b?) where a.fileListDigest != b.fileListDigest || a.count != b.count:
                throw MergeError.mismatch(shard: shard, other: otherPath, field: "file list",
                                          value: "\(a.fileListDigest) in \(a.count) shards",
                                          otherValue: "\(b.fileListDigest) in \(b.count) shards")
            default:
                break
            }
        }
    }

    static func describe(_ store: IndexStore) throws -> Description {
        let settings = try store.settings()
        return Description(settings: settings, budgets: try store.indexedBudgets().sorted(),
                           shard: try store.shard())
    }
}
