import FaissBridge
import Foundation

extension VectorIndex {
    /// ``search(_:k:)-([Float],_)`` restricted to the vectors whose ids are in `ids` (a filter):
    /// FAISS skips every other vector while it searches, so a flat index returns `k` hits
    /// whenever `k` selected vectors exist. IVF indexes search only their probed lists.
    /// - Throws: ``VectorIndexError/faiss(operation:message:)`` for indexes whose FAISS search
    ///   takes no id selector (HNSW in FAISS 1.7.3); scan the selected vectors exactly instead.
    public func search(_ queries: [Float], k: Int, selecting ids: [Int64]) throws -> SearchResult {
        try queries.withUnsafeBufferPointer { q in
            try ids.withUnsafeBufferPointer { sel in
                try runSearch(q, k: k) { handle, nq, d, l in
                    fb_search_selected(handle, nq, q.baseAddress, Int64(k), sel.baseAddress, Int64(sel.count), d, l)
                }
            }
        }
    }
}
