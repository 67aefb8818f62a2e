import Foundation
import GRDB

extension IndexStore {
    /// The clips with these ids (e.g. FAISS hits), with their video path, in the order of `ids`.
    /// Ids no longer stored (a video re-indexed or removed since the search) are left out.
    public func clips(ids: [Int64]) throws -> [ClipInfo] {
        if ids.isEmpty { return [] }
        let byId = try read("read clips") { db -> [Int64: ClipInfo] in
            var out: [Int64: ClipInfo] = [:]
            for chunk in Array(Set(ids)).chunked(Self.sqlChunkSize) {
                let list = chunk.map { String($0) }.joined(separator: ",")
                for info in try ClipInfo.fetchAll(db, sql: """
                    SELECT \(ClipInfo.selection) FROM clip c JOIN video v ON v.id = c.videoId
                    WHERE c.id IN (\(list))
                    """) {
                    out[info.id] = info
                }
            }
            return out
        }
        return ids.compactMap { byId[$0] }
    }

    /// The clips of `budget` of these videos with their vectors, ordered by video, start, end:
    /// one read for many videos (hybrid search scores the videos only the transcripts found).
    public func clipsWithVectors(videoIds: [Int64], budget: Int) throws -> [(info: ClipInfo, vector: [Float])] {
        if videoIds.isEmpty { return [] }
        return try read("read clips and vectors of \(videoIds.count) videos") { db in
            var out: [(info: ClipInfo, vector: [Float])] = []
            for chunk in Array(Set(videoIds)).sorted().chunked(Self.sqlChunkSize) {
                let list = chunk.map { String($0) }.joined(separator: ",")
                let rows = try Row.fetchCursor(db, sql: """
                    SELECT \(ClipInfo.selection), c.embedding AS embedding FROM clip c INDEXED BY clip_by_video_budget
                    JOIN video v ON v.id = c.videoId
                    WHERE c.videoId IN (\(list)) AND c.budget = ? ORDER BY c.videoId, c.start, c."end"
                    """, arguments: [budget])
                while let row = try rows.next() {
                    let info = try ClipInfo(row: row)
                    out.append((info, try EmbeddingCodec.decode(row["embedding"], dimension: embedDimension,
                                                                context: "clip \(info.id)", databasePath: databaseURL.path)))
                }
            }
            return out
        }
    }

    /// Every clip (of `budget`, or of all budgets when nil) without vectors, ordered by path,
    /// start, end, budget — what `export` writes. Pair with ``videos()`` for the metadata.
    public func allClips(budget: Int? = nil) throws -> [ClipInfo] {
        try read("list clips") { db in
            let filter = budget == nil ? "" : "WHERE c.budget = ?"
            return try ClipInfo.fetchAll(db, sql: """
                SELECT \(ClipInfo.selection) FROM clip c JOIN video v ON v.id = c.videoId
                \(filter)
                ORDER BY v.path, c.start, c."end", c.budget
                """, arguments: budget.map { [$0] } ?? [])
        }
    }

    /// Streams every clip (of `budget`, or of all budgets when nil) in the order of
    /// ``allClips(budget:)``, in batches of at most `batchSize`, all from one snapshot — what
    /// `export` writes. With `includeVectors`, each batch also carries its vectors: row `i` of the
    /// `[Float]` (`batch.count · embedDimension` floats, row-major) belongs to clip `i`.
    ///
    /// `body` runs inside the read transaction: it must not call the store (GRDB database
    /// access is not reentrant); fetch what it needs, such as ``videos()``, beforehand.
    ///
    /// For example, `export --vectors`:
    /// ```swift
    /// let videos = Dictionary(uniqueKeysWithValues: try store.videos().map { ($0.id!, $0) })
    /// try store.forEachClip(budget: 1024, includeVectors: true) { clips, vectors in
    ///     for clip in clips { writeRow(clip, videos[clip.videoId]!) }
    ///     npy.append(vectors!)
    /// }
    /// ```
    public func forEachClip(budget: Int? = nil, includeVectors: Bool = false, batchSize: Int = 4096,
                            _ body: ([ClipInfo], [Float]?) throws -> Void) throws {
        let size = max(1, batchSize)
        try read("export clips") { db in
            let filter = budget == nil ? "" : "WHERE c.budget = ?"
            let rows = try Row.fetchCursor(db, sql: """
                SELECT \(ClipInfo.selection)\(includeVectors ? ", c.embedding AS embedding" : "")
                FROM clip c JOIN video v ON v.id = c.videoId
                \(filter)
                ORDER BY v.path, c.start, c."end", c.budget
                """, arguments: budget.map { [$0] } ?? [])
            var clips: [ClipInfo] = []
            var vectors: [Float] = []
            while let row = try rows.next() {
                let info = try ClipInfo(row: row)
                if includeVectors {
                    try row.withUnsafeData(named: "embedding") { data in
                        try EmbeddingCodec.append(data ?? Data(), dimension: embedDimension, to: &vectors,
                                                  context: "clip \(info.id)", databasePath: databaseURL.path)
                    }
                }
                clips.append(info)
                if clips.count == size {
                    try body(clips, includeVectors ? vectors : nil)
                    clips.removeAll(keepingCapacity: true)
                    vectors.removeAll(keepingCapacity: true)
                }
            }
            if !clips.isEmpty { try body(clips, includeVectors ? vectors : nil) }
        }
    }

    /// The clips of one video, ordered by budget, start, end.
    public func clips(videoId: Int64) throws -> [ClipInfo] {
        try read("list clips of video \(videoId)") { db in
            try ClipInfo.fetchAll(db, sql: """
                SELECT \(ClipInfo.selection) FROM clip c JOIN video v ON v.id = c.videoId
                WHERE c.videoId = ? ORDER BY c.budget, c.start, c."end"
                """, arguments: [videoId])
        }
    }

    /// The vectors of these clips (for rerank, refine, export). Missing ids are left out.
    public func vectors(clipIds: [Int64]) throws -> [Int64: [Float]] {
        if clipIds.isEmpty { return [:] }
        return try read("read vectors") { db in try vectors(clipIds: clipIds, db) }
    }

    /// Refine cache lookup: for each clip in `clipIds` (at any budget), the vector of the clip of
    /// the same video and time span at `budget`, when one is stored (keyed by the *given* id).
    /// Clips missing from the result must be re-encoded, then cached with
    /// ``upsertClips(_:videoId:)``.
    public func cachedVectors(forClips clipIds: [Int64], budget: Int) throws -> [Int64: [Float]] {
        if clipIds.isEmpty { return [:] }
        return try read("read cached vectors at budget \(budget)") { db in
            var out: [Int64: [Float]] = [:]
            for chunk in Array(Set(clipIds)).chunked(Self.sqlChunkSize) {
                let list = chunk.map { String($0) }.joined(separator: ",")
                let rows = try Row.fetchCursor(db, sql: """
                    SELECT a.id, b.embedding FROM clip a
                    JOIN clip b ON b.videoId = a.videoId AND b.start = a.start AND b."end" = a."end" AND b.budget = ?
                    WHERE a.id IN (\(list))
                    """, arguments: [budget])
                while let row = try rows.next() {
                    let id: Int64 = row[0]
                    out[id] = try EmbeddingCodec.decode(row[1], dimension: embedDimension,
                                                        context: "clip \(id)", databasePath: databaseURL.path)
                }
            }
            return out
        }
    }

    /// Every vector of `budget`, ordered by clip id, read in one snapshot.
    /// For large indexes prefer ``forEachEmbedding(budget:batchSize:_:)``.
    /// - Throws: ``StoreError/unknownBudget(budget:available:)``.
    public func embeddings(budget: Int) throws -> EmbeddingMatrix {
        var matrix = EmbeddingMatrix(dimension: embedDimension)
        try forEachEmbedding(budget: budget, batchSize: 4096) { batch in
            matrix.ids += batch.ids
            matrix.vectors += batch.vectors
        }
        return matrix
    }

    /// Streams every vector of `budget` in batches of at most `batchSize`, ordered by clip id,
    /// all from one snapshot (a concurrent writer does not change what is seen). Returns the
    /// budget's generation in that snapshot. `body` runs inside the read transaction and must
    /// not call the store.
    @discardableResult
    public func forEachEmbedding(budget: Int, batchSize: Int = 4096,
                                 _ body: (EmbeddingMatrix) throws -> Void) throws -> Int64 {
        try read("read vectors of budget \(budget)") { db in
            let generation = try Self.budgetState(budget, db).generation
            try streamEmbeddings(budget: budget, batchSize: batchSize, db, body)
            return generation
        }
    }

    // MARK: - Internals (run inside the caller's transaction)

    func vectors(clipIds: [Int64], _ db: Database) throws -> [Int64: [Float]] {
        var out: [Int64: [Float]] = [:]
        for chunk in Array(Set(clipIds)).chunked(Self.sqlChunkSize) {
            let list = chunk.map { String($0) }.joined(separator: ",")
            let rows = try Row.fetchCursor(db, sql: "SELECT id, embedding FROM clip WHERE id IN (\(list))")
            while let row = try rows.next() {
                let id: Int64 = row[0]
                out[id] = try EmbeddingCodec.decode(row[1], dimension: embedDimension,
                                                    context: "clip \(id)", databasePath: databaseURL.path)
            }
        }
        return out
    }

    func streamEmbeddings(budget: Int, batchSize: Int, _ db: Database,
                          _ body: (EmbeddingMatrix) throws -> Void) throws {
        let size = max(1, batchSize)
        var batch = EmbeddingMatrix(dimension: embedDimension)
        batch.ids.reserveCapacity(size)
        batch.vectors.reserveCapacity(size * embedDimension)
        let rows = try Row.fetchCursor(
            db, sql: "SELECT id, embedding FROM clip WHERE budget = ? ORDER BY id", arguments: [budget])
        while let row = try rows.next() {
            let id: Int64 = row[0]
            try row.withUnsafeData(atIndex: 1) { data in
                try EmbeddingCodec.append(data ?? Data(), dimension: embedDimension, to: &batch.vectors,
                                          context: "clip \(id)", databasePath: databaseURL.path)
            }
            batch.ids.append(id)
            if batch.count == size {
                try body(batch)
                batch.ids.removeAll(keepingCapacity: true)
                batch.vectors.removeAll(keepingCapacity: true)
            }
        }
        if batch.count > 0 { try body(batch) }
    }

    /// Clip ids of `budget`, in the caller's transaction (covered by index clip_on_budget_id).
    func clipIds(budget: Int, _ db: Database) throws -> [Int64] {
        try Int64.fetchAll(db, sql: "SELECT id FROM clip WHERE budget = ? ORDER BY id", arguments: [budget])
    }
}
