import Foundation
import GRDB

// How VectorMirror keeps a FAISS index equal to SQLite. Everything here runs with `lock` held.

extension VectorMirror {
    /// An index in memory, the stamp describing it, and its ids (for incremental updates).
    final class Entry {
        let index: VectorIndex
        var stamp: MirrorStamp
        var ids: Set<Int64>
        var appliedNProbe: Int?

        init(index: VectorIndex, stamp: MirrorStamp, ids: Set<Int64>) {
            self.index = index
            self.stamp = stamp
            self.ids = ids
        }
    }

    /// Whether a refreshed index must be on disk afterwards.
    enum Persistence {
        /// Write after full rebuilds; a failed write is logged (queries must not fail on a full
        /// or read-only disk).
        case bestEffort
        /// The file must match the database when this returns; failures throw.
        case required
    }

    /// What the database says now (one snapshot).
    struct CurrentState {
        var generation: Int64
        var count: Int
        var factory: String
        var nprobe: Int?
    }

    func currentState(budget: Int) throws -> CurrentState {
        try store.read("read state of budget \(budget)") { db in
            let state = try IndexStore.budgetState(budget, db)
            let settings = try IndexSettings.fetchOne(db, key: 1)
            return CurrentState(generation: state.generation, count: state.count,
                                factory: settings?.faissFactory ?? "Flat", nprobe: settings?.nprobe)
        }
    }

    /// The index of `budget`, current with the database; see ``load(budget:)``.
    func freshEntry(budget: Int, persist: Persistence) throws -> Entry {
        let state = try currentState(budget: budget)
        var entry: Entry?
        var reason = "no FAISS file"

        if let cached = entries[budget], cached.stamp.factory == state.factory {
            if cached.stamp.generation == state.generation {
                entry = cached
            } else if try updateIncrementally(cached, budget: budget) {
                entry = cached
            } else {
                reason = "the in-memory index cannot be updated incrementally"
            }
        }
        if entry == nil {
            switch try loadFile(budget: budget, factory: state.factory) {
            case let .loaded(loaded): entry = loaded
            case let .unusable(why): reason = why
            }
        }
        let built: Bool
        if let found = entry {
            entries[budget] = found
            built = false
        } else {
            let fresh = try build(budget: budget)
            log?("FAISS index of budget \(budget): rebuilt from index.sqlite (\(fresh.stamp.count) vectors, "
                 + "\(fresh.stamp.effectiveFactory)) — \(reason)")
            entries[budget] = fresh
            entry = fresh
            built = true
        }
        let result = entry!
        try applyNProbe(result, stored: state.nprobe)

        switch persist {
        case .bestEffort where built:
            do { try write(result) } catch {
                log?("FAISS index of budget \(budget): could not be saved, it will be rebuilt next time — \(error)")
            }
        case .required:
            let onDisk = MirrorStamp.read(from: Self.stampURL(in: store.directory, budget: budget))
            let matches = onDisk.map {
                $0.mismatch(indexUUID: result.stamp.indexUUID, budget: budget, generation: result.stamp.generation,
                            count: result.stamp.count, dimension: result.stamp.dimension,
                            factory: result.stamp.factory) == nil
            } ?? false
            if !matches || !FileManager.default.fileExists(atPath: Self.indexURL(in: store.directory, budget: budget).path) {
                try write(result)
            }
        default:
            break
        }
        return result
    }

    // MARK: - Incremental update

    /// Brings `entry` to the database's current state by removing and adding the clip ids that
    /// changed, all read in one snapshot. Returns false when a full rebuild is needed instead
    /// (the index kind should change with the count, or it cannot remove vectors).
    func updateIncrementally(_ entry: Entry, budget: Int) throws -> Bool {
        let dimension = store.embedDimension
        let plan = try store.read("update FAISS index of budget \(budget)") { db -> (Int64, Set<Int64>, [Int64], EmbeddingMatrix)? in
            let state = try IndexStore.budgetState(budget, db)
            let factory = try IndexSettings.fetchOne(db, key: 1)?.faissFactory ?? "Flat"
            guard factory == entry.stamp.factory,
                  try Self.effectiveFactory(factory, count: state.count, dimension: dimension)
                    == entry.stamp.effectiveFactory
            else { return nil }
            let current = Set(try store.clipIds(budget: budget, db))
            let removed = entry.ids.subtracting(current).sorted()
            if !removed.isEmpty && !FaissFactory.supportsRemoval(entry.stamp.effectiveFactory) { return nil }
            let added = current.subtracting(entry.ids).sorted()
            let vectors = try store.vectors(clipIds: added, db)
            var matrix = EmbeddingMatrix(dimension: dimension)
            matrix.vectors.reserveCapacity(added.count * dimension)
            for id in added {
                guard let v = vectors[id] else { continue }
                matrix.ids.append(id)
                matrix.vectors += v
            }
            return (state.generation, current, removed, matrix)
        }
        guard let (generation, current, removed, added) = plan else { return false }
        if !removed.isEmpty { try entry.index.remove(ids: removed) }
        try entry.index.add(added.vectors, ids: added.ids)
        guard entry.index.count == current.count else {
            // Cannot happen unless the index held duplicates; start over from SQLite.
            entries[budget] = nil
            return false
        }
        entry.ids = current
        entry.stamp.generation = generation
        entry.stamp.count = current.count
        entry.stamp.builtAt = Date()
        return true
    }

    // MARK: - File

    enum FileLoad {
        case loaded(Entry)
        case unusable(String)
    }

    /// Reads the file of `budget` when its stamp matches the database, under a shared lock.
    func loadFile(budget: Int, factory: String) throws -> FileLoad {
        let dir = store.directory
        let indexURL = Self.indexURL(in: dir, budget: budget)
        guard FileManager.default.fileExists(atPath: indexURL.path) else { return .unusable("no FAISS file") }
        return try FileLock(url: Self.lockURL(in: dir, budget: budget)).withLock(.shared) {
            guard let stamp = MirrorStamp.read(from: Self.stampURL(in: dir, budget: budget)) else {
                return .unusable("the FAISS file has no readable stamp")
            }
            let (generation, ids) = try store.read("read ids of budget \(budget)") { db in
                (try IndexStore.budgetState(budget, db).generation, try store.clipIds(budget: budget, db))
            }
            if let why = stamp.mismatch(indexUUID: store.indexUUID, budget: budget, generation: generation,
                                        count: ids.count, dimension: store.embedDimension, factory: factory) {
                return .unusable(why)
            }
            let index: VectorIndex
            do {
                index = try VectorIndex.read(from: indexURL)
            } catch {
                return .unusable("the FAISS file is unreadable: \(error)")
            }
            guard index.count == stamp.count, index.dimension == store.embedDimension else {
                return .unusable("the FAISS file holds \(index.count) vectors of dimension \(index.dimension), "
                                 + "its stamp says \(stamp.count) of \(stamp.dimension)")
            }
            return .loaded(Entry(index: index, stamp: stamp, ids: Set(ids)))
        }
    }

    /// Writes the index file, then its stamp, atomically and under the exclusive lock. Skips
    /// the write when another writer already stored a newer generation.
    func write(_ entry: Entry) throws {
        let dir = store.directory
        let budget = entry.stamp.budget
        let indexURL = Self.indexURL(in: dir, budget: budget)
        let stampURL = Self.stampURL(in: dir, budget: budget)
        try FileLock(url: Self.lockURL(in: dir, budget: budget)).withLock(.exclusive) {
            // Writers hold this lock, so temporaries now present belong to killed writers.
            AtomicFile.removeOrphanedTemporaries(of: indexURL)
            AtomicFile.removeOrphanedTemporaries(of: stampURL)
            if let existing = MirrorStamp.read(from: stampURL), existing.indexUUID == entry.stamp.indexUUID,
               existing.factory == entry.stamp.factory, existing.generation > entry.stamp.generation,
               FileManager.default.fileExists(atPath: indexURL.path) {
                return
            }
            do {
                try entry.index.write(to: indexURL)
            } catch let error as VectorIndexError {
                throw StoreError.io(path: indexURL.path, reason: "cannot write FAISS index: \(error)")
            }
            try AtomicFile.write(try entry.stamp.encoded(), to: stampURL)
        }
    }

    // MARK: - Full build

    /// Builds `budget`'s index from one database snapshot: flat, or the configured factory once
    /// there are enough vectors to train it (trained on an evenly strided sample).
    func build(budget: Int) throws -> Entry {
        let dimension = store.embedDimension
        return try store.read("build FAISS index of budget \(budget)") { db in
            let state = try IndexStore.budgetState(budget, db)
            let factory = try IndexSettings.fetchOne(db, key: 1)?.faissFactory ?? "Flat"
            let effective = try Self.effectiveFactory(factory, count: state.count, dimension: dimension)
            let index = FaissFactory.isFlat(effective)
                ? try VectorIndex(flatInnerProduct: dimension)
                : try VectorIndex(factory: effective, dimension: dimension)

            if !index.isTrained {
                let cap = try FaissFactory.trainingSampleSize(for: effective, count: state.count, dimension: dimension)
                let stride = max(1, state.count / max(cap, 1))
                var sample = [Float]()
                sample.reserveCapacity(min(state.count, cap) * dimension)
                var row = 0
                try store.streamEmbeddings(budget: budget, batchSize: 4096, db) { batch in
                    for i in 0..<batch.count {
                        if row % stride == 0, sample.count < cap * dimension {
                            sample.append(contentsOf: batch.vectors[(i * dimension)..<((i + 1) * dimension)])
                        }
                        row += 1
                    }
                }
                try index.train(sample)
            }

            var ids = Set<Int64>()
            ids.reserveCapacity(state.count)
            try store.streamEmbeddings(budget: budget, batchSize: 4096, db) { batch in
                try index.add(batch.vectors, ids: batch.ids)
                ids.formUnion(batch.ids)
            }
            let stamp = MirrorStamp(indexUUID: store.indexUUID, budget: budget, generation: state.generation,
                                    count: ids.count, dimension: dimension, factory: factory,
                                    effectiveFactory: effective)
            return Entry(index: index, stamp: stamp, ids: ids)
        }
    }

    /// `factory`, or "Flat" while `count` is below its training threshold.
    static func effectiveFactory(_ factory: String, count: Int, dimension: Int) throws -> String {
        if FaissFactory.isFlat(factory) { return "Flat" }
        return count >= (try FaissFactory.trainingThreshold(for: factory, dimension: dimension)) ? factory : "Flat"
    }

    /// Sets nprobe on IVF indexes when it differs from what was last applied: the override,
    /// else the stored setting, else ``FaissFactory/defaultNProbe(_:)``.
    func applyNProbe(_ entry: Entry, stored: Int?) throws {
        guard let fallback = FaissFactory.defaultNProbe(entry.stamp.effectiveFactory),
              case let nprobe = nprobeOverride ?? stored ?? fallback, nprobe != entry.appliedNProbe else { return }
        try entry.index.setParameter("nprobe", Double(nprobe))
        entry.appliedNProbe = nprobe
    }
}
