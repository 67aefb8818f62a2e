import FaissBridge
import Foundation

// Range search: every stored vector within a radius of each query (FAISS `range_search`), for
// near-duplicate detection, where the number of neighbours is not known in advance.

extension VectorIndex {
    /// Every stored vector within `radius` of each of `queries.count / dimension` row-major
    /// queries, per query, best first (ties by id).
    ///
    /// The radius follows FAISS's rule for the index ``Metric``: with ``Metric/innerProduct``
    /// a hit scores **strictly more** than `radius` (for unit vectors: cosine > radius); with
    /// ``Metric/l2`` its squared distance is strictly less than `radius`. For an inclusive
    /// bound pass `radius.nextDown` (inner product) or `radius.nextUp` (L2) and filter.
    ///
    /// For example, the vectors whose cosine with `q` is at least 0.95:
    /// ```swift
    /// let hits = try index.rangeSearch(q, radius: Float(0.95).nextDown)[0].filter { $0.score >= 0.95 }
    /// ```
    ///
    /// Flat indexes (and so the default `IndexIDMap2(IndexFlatIP)`) search exhaustively; IVF
    /// indexes scan ``setParameter(_:_:)`` "nprobe" lists only, so they may miss hits.
    /// - Returns: one list per query; a list may be empty.
    /// - Throws: ``VectorIndexError/faiss(operation:message:)`` with operation "rangeSearch" for
    ///   an untrained index and for index types without range search in FAISS 1.7.3 (HNSW, flat
    ///   SQ and PQ: "range search not implemented"); ``VectorIndexError/vectorLengthMismatch(operation:dimension:floatCount:)``.
    public func rangeSearch(_ queries: [Float], radius: Float) throws -> [[SearchResult.Hit]] {
        try queries.withUnsafeBufferPointer { try rangeSearch($0, radius: radius) }
    }

    /// Pointer variant of ``rangeSearch(_:radius:)-([Float],_)``; the buffer is read only
    /// during the call.
    public func rangeSearch(_ queries: UnsafeBufferPointer<Float>, radius: Float) throws -> [[SearchResult.Hit]] {
        let nq = try vectorCount(queries.count, "rangeSearch")
        if nq == 0 { return [] }
        var out: OpaquePointer?
        try lock.withReadLock {
            try Self.check(fb_range_search(handle, Int64(nq), queries.baseAddress, radius, &out), "rangeSearch")
        }
        guard let result = out else { return Array(repeating: [], count: nq) }
        defer { fb_range_result_free(result) }

        // Query q's hits are entries lims[q] ..< lims[q + 1] of labels and distances, unsorted.
        let lims = fb_range_result_lims(result)!
        let labels = fb_range_result_labels(result)
        let distances = fb_range_result_distances(result)
        let largerIsBetter = metric == .innerProduct
        return (0..<nq).map { q in
            let range = Int(lims[q])..<Int(lims[q + 1])
            guard !range.isEmpty, let labels, let distances else { return [] }
            let hits = range.map { SearchResult.Hit(id: labels[$0], score: distances[$0]) }
            return hits.sorted { Self.ranksBefore($0, $1, largerIsBetter: largerIsBetter) }
        }
    }

    /// Best first under the metric, ties by id.
    private static func ranksBefore(_ a: SearchResult.Hit, _ b: SearchResult.Hit, largerIsBetter: Bool) -> Bool {
        if a.score != b.score { return largerIsBetter ? a.score > b.score : a.score < b.score }
        return a.id < b.id
    }
}
