import FaissBridge
import Foundation

extension VectorIndex {
    /// ``search(_:k:)-([Float],_)`` restricted to the vectors whose ids are in `ids` (a filter):
    /// FAISS skips every other vector while it searches, so a flat index returns `k` hits
    /// whenever `k` selected vectors exist. IVF indexes search only their probed lists.
    /// - Throws: ``VectorIndexError/faiss(operation:message:)`` for indexes whose FAISS search
    ///   takes no id selector (HNSW in FAISS 1.7.3); scan the selected vectors exactly instead.
    public func search(_ queries: [Float], k: Int, selecting ids: [Int64]) throws -> SearchResult {
        guard queries.count % dimension == 0 else {
            throw VectorIndexError.vectorLengthMismatch(operation: "search", dimension: dimension, floatCount: queries.count)
        }
        let nq = queries.count / dimension
        guard k >= 1 else { throw VectorIndexError.invalidK(k) }
        let (total, overflow) = nq.multipliedReportingOverflow(by: k)
        guard !overflow, total <= Int.max / 8 else { throw VectorIndexError.invalidK(k) }
        if nq == 0 { return SearchResult(queryCount: 0, k: k, distances: [], labels: []) }
        var distances = [Float](repeating: 0, count: total)
        var labels = [Int64](repeating: -1, count: total)
        try queries.withUnsafeBufferPointer { q in
            try ids.withUnsafeBufferPointer { sel in
                try distances.withUnsafeMutableBufferPointer { d in
                    try labels.withUnsafeMutableBufferPointer { l in
                        try withSearchHandle { handle in
                            try Self.check(fb_search_selected(handle, Int64(nq), q.baseAddress, Int64(k), sel.baseAddress,
                                                              Int64(sel.count), d.baseAddress, l.baseAddress), "search")
                        }
                    }
                }
            }
        }
        return SearchResult(queryCount: nq, k: k, distances: distances, labels: labels)
    }
}
