import Foundation

extension VectorMirror {
    /// The `k` best clips of `budget` among `clipIds` (a filter's matches), best first: at least
    /// `min(k, clipIds.count)` of them whenever they hold vectors of this budget.
    ///
    /// Filtering happens inside the search, never after it: FAISS searches with an id selector
    /// (a flat index skips every other vector). A selection no larger than `k`, an index type
    /// that takes no selector (HNSW) and an approximate (IVF) search that returns fewer than
    /// asked are answered by an exact scan of the selected vectors from SQLite instead.
    public func search(budget: Int, query: [Float], k: Int, selecting clipIds: [Int64]) throws -> [ClipHit] {
        guard k >= 1 else {
            throw StoreError.invalidInput(operation: "search budget \(budget)", reason: "k must be ≥ 1, got \(k)")
        }
        guard query.count == store.embedDimension else {
            throw StoreError.invalidInput(
                operation: "search budget \(budget)",
                reason: "query has wrong length — expected \(store.embedDimension) floats, got \(query.count)")
        }
        if clipIds.isEmpty { return [] }
        if clipIds.count > k {
            let index = try load(budget: budget)
            if let result = try? index.search(query, k: k, selecting: clipIds) {
                let hits = result.hits(forQuery: 0).map { ClipHit(clipId: $0.id, score: $0.score) }
                if hits.count == k { return hits }
            }
        }
        return try exactScan(query: query, k: k, clipIds: clipIds)
    }

    /// Inner products of `query` with the stored vectors of `clipIds`, best `k` first (ties by id).
    func exactScan(query: [Float], k: Int, clipIds: [Int64]) throws -> [ClipHit] {
        var hits: [ClipHit] = []
        hits.reserveCapacity(clipIds.count)
        // Chunks keep memory bounded for large selections.
        var start = 0
        while start < clipIds.count {
            let chunk = Array(clipIds[start..<min(start + 4096, clipIds.count)])
            for (id, v) in try store.vectors(clipIds: chunk) where v.count == query.count {
                var s: Float = 0
                for j in 0..<v.count { s += v[j] * query[j] }
                hits.append(ClipHit(clipId: id, score: s))
            }
            start += 4096
        }
        hits.sort { $0.score != $1.score ? $0.score > $1.score : $0.clipId < $1.clipId }
        return Array(hits.prefix(k))
    }
}
