import Foundation
import FluxStore

extension SearchSession {
    /// Groups the index's videos into clusters of near-duplicates: re-encodes, trims, copies.
    ///
    /// 1. Each video's whole-video vector (``FluxStore/Clip/Kind/video``) at `budget` is read
    ///    from SQLite.
    /// 2. Each one is range-searched (``FluxStore/VectorIndex/rangeSearch(_:radius:)-([Float],_)``)
    ///    in the FAISS index of that budget, which also holds segment clips: only whole-video
    ///    clips of other videos count. A hit links two videos when the cosine of their stored
    ///    vectors is ≥ `threshold` (recomputed from SQLite's vectors, since IVF/SQ scores are
    ///    approximate; equal vectors, such as those of byte copies, count as exactly 1).
    /// 3. Linked videos are joined (union-find), so A ~ B and B ~ C make one cluster {A, B, C}.
    ///
    /// Exact with the default flat index; an IVF index scans `nprobe` lists per video and may
    /// miss links. An index type without range search in FAISS (HNSW, flat SQ/PQ) is handled
    /// by range-searching a temporary flat index of the whole-video vectors instead. Nothing is
    /// decoded or encoded.
    ///
    /// For example, `fluxsearch dedupe`:
    /// ```swift
    /// let report = try session.duplicateClusters(threshold: NearDuplicates.defaultThreshold, budget: nil)
    /// for cluster in report.clusters { print(cluster.videos.map(\.path)) }
    /// ```
    /// - Parameters:
    ///   - threshold: a cosine in (0, 1]; see ``NearDuplicates/defaultThreshold``.
    ///   - budget: tokens; nil = the largest indexed budget.
    /// - Returns: clusters of at least two videos, ordered as ``DedupeReport/clusters`` says.
    /// - Throws: ``QueryError/budgetNotIndexed(requested:available:)``, ``QueryError/emptyIndex(path:)``,
    ///   store and FAISS errors.
    public func duplicateClusters(threshold: Float, budget: Int?) throws -> DedupeReport {
        let retriever = try self.retriever()
        let budget = try retriever.resolveBudget(budget)
        let e = store.embedDimension

        // Whole-video clips at the budget, one per video (the lowest clip id should a video
        // hold two), with their vectors; a clip deleted meanwhile is left out.
        var clipOfVideo: [Int64: Int64] = [:]
        for clip in try store.allClips(budget: budget) where clip.kind == .video {
            clipOfVideo[clip.videoId] = min(clipOfVideo[clip.videoId] ?? clip.id, clip.id)
        }
        let vectorOfClip = try store.vectors(clipIds: Array(clipOfVideo.values))
        let videoIds = clipOfVideo.keys.filter { vectorOfClip[clipOfVideo[$0]!] != nil }.sorted()
        let slot = Dictionary(uniqueKeysWithValues: videoIds.enumerated().map { (clipOfVideo[$1]!, $0) })
        let vectors = videoIds.map { vectorOfClip[clipOfVideo[$0]!]! }
        let flat = vectors.flatMap { $0 }

        // Link every pair of videos whose whole-video vectors are within the threshold.
        var sets = DisjointSets(count: videoIds.count)
        let mirrorIndex = try retriever.mirror.load(budget: budget)
        var index = mirrorIndex
        // FAISS only shortlists: a little below the threshold, so that its float32 rounding
        // (a copy's own score may be 0.99999994) loses nothing; the exact test follows.
        let radius = threshold - 1e-4
        let batch = 256
        for first in stride(from: 0, to: videoIds.count, by: batch) {
            let rows = first..<min(first + batch, videoIds.count)
            let queries = Array(flat[(rows.lowerBound * e)..<(rows.upperBound * e)])
            let found: [[VectorIndex.SearchResult.Hit]]
            do {
                found = try index.rangeSearch(queries, radius: radius)
            } catch VectorIndexError.faiss(let operation, let message)
                        where index === mirrorIndex && operation == "rangeSearch" && message.contains("not implemented") {
                // HNSW, flat SQ/PQ: range-search a flat index of the whole-video vectors instead.
                index = try VectorIndex(flatInnerProduct: e)
                try index.add(flat, ids: videoIds.map { clipOfVideo[$0]! })
                found = try index.rangeSearch(queries, radius: radius)
            }
            for (row, hits) in zip(rows, found) {
                for hit in hits {
                    guard let other = slot[hit.id], other != row else { continue }
                    if NearDuplicates.similarity(vectors[row], vectors[other]) >= threshold { sets.union(row, other) }
                }
            }
        }

        // Clusters of two or more, each led by its longest video.
        let videoById = Dictionary(try store.videos().compactMap { v in v.id.map { ($0, v) } }, uniquingKeysWith: { a, _ in a })
        var clusters: [DedupeReport.Cluster] = []
        for group in sets.groups() where group.count >= 2 {
            let members = group.compactMap { row in videoById[videoIds[row]].map { (row: row, video: $0) } }
            guard members.count >= 2 else { continue }
            let lead = members.min { a, b in
                let (da, db) = (a.video.duration ?? -1, b.video.duration ?? -1)
                if da != db { return da > db }
                if a.video.indexedAt != b.video.indexedAt { return a.video.indexedAt < b.video.indexedAt }
                return a.video.path < b.video.path
            }!
            var rest = members.filter { $0.row != lead.row }.map { m in
                DedupeReport.Member(videoId: videoIds[m.row], path: m.video.path, duration: m.video.duration,
                                    similarity: NearDuplicates.similarity(vectors[m.row], vectors[lead.row]))
            }
            rest.sort { $0.similarity != $1.similarity ? $0.similarity > $1.similarity : $0.path < $1.path }
            let head = DedupeReport.Member(videoId: videoIds[lead.row], path: lead.video.path,
                                           duration: lead.video.duration, similarity: 1)
            clusters.append(DedupeReport.Cluster(videos: [head] + rest))
        }
        clusters.sort { a, b in
            if a.videos.count != b.videos.count { return a.videos.count > b.videos.count }
            if a.bestSimilarity != b.bestSimilarity { return a.bestSimilarity > b.bestSimilarity }
            return a.videos.map(\.path).min()! < b.videos.map(\.path).min()!
        }
        return DedupeReport(threshold: threshold, budget: budget, videosScanned: videoIds.count, clusters: clusters)
    }
}

/// Union-find over `0..<count` with path halving and union by size.
struct DisjointSets {
    private var parent: [Int]
    private var size: [Int]

    init(count: Int) {
        parent = Array(0..<count)
        size = Array(repeating: 1, count: count)
    }

    mutating func find(_ x: Int) -> Int {
        var x = x
        while parent[x] != x {
            parent[x] = parent[parent[x]]
            x = parent[x]
        }
        return x
    }

    mutating func union(_ a: Int, _ b: Int) {
        var (ra, rb) = (find(a), find(b))
        if ra == rb { return }
        if size[ra] < size[rb] { swap(&ra, &rb) }
        parent[rb] = ra
        size[ra] += size[rb]
    }

    /// Every set, its elements ascending; sets ordered by their smallest element.
    mutating func groups() -> [[Int]] {
        var byRoot: [Int: [Int]] = [:]
        var order: [Int] = []
        for x in parent.indices {
            let r = find(x)
            if byRoot[r] == nil { order.append(r) }
            byRoot[r, default: []].append(x)
        }
        return order.map { byRoot[$0]! }
    }
}
