import Foundation
import GRDB

/// One clip vector: a row of table `clip`.
///
/// A clip is a time span of a video encoded at one budget. Rows are unique per
/// (videoId, start, end, budget) and **immutable** (a trigger rejects UPDATE): a re-encode deletes
/// the row and inserts a new one with a new id. The id is also the clip's FAISS id, and it is
/// never reused (AUTOINCREMENT), so an id always means the same vector.
public struct Clip: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "clip"

    /// Whole video, or a segment of it.
    public enum Kind: String, Codable, Sendable, CaseIterable, DatabaseValueConvertible {
        /// The whole video (every video has one per indexed budget).
        case video
        /// A time window (`index --segments`).
        case segment
    }

    public var id: Int64?
    public var videoId: Int64
    /// Seconds from the start of the video.
    public var start: Double
    /// Seconds; ≥ start.
    public var end: Double
    /// Token budget the vector was encoded at.
    public var budget: Int
    public var kind: Kind
    /// Float32 little-endian, `embedDimension` values (see ``vector(dimension:)``).
    public var embedding: Data

    public enum Columns {
        public static let id = Column(CodingKeys.id)
        public static let videoId = Column(CodingKeys.videoId)
        public static let start = Column(CodingKeys.start)
        public static let end = Column(CodingKeys.end)
        public static let budget = Column(CodingKeys.budget)
        public static let kind = Column(CodingKeys.kind)
        public static let embedding = Column(CodingKeys.embedding)
    }

    init(videoId: Int64, draft: ClipDraft) {
        self.videoId = videoId
        self.start = draft.start
        self.end = draft.end
        self.budget = draft.budget
        self.kind = draft.kind
        self.embedding = EmbeddingCodec.encode(draft.vector)
    }

    /// The decoded vector. Returns nil when the blob does not hold `dimension` floats.
    public func vector(dimension: Int) -> [Float]? {
        try? EmbeddingCodec.decode(embedding, dimension: dimension, context: "clip", databasePath: "")
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// A clip about to be stored: what the encoder produced for one time span at one budget.
public struct ClipDraft: Sendable, Equatable {
    public var start: Double
    public var end: Double
    public var budget: Int
    public var kind: Clip.Kind
    /// `embedDimension` floats (L2-normalised by the tower, so inner product = cosine).
    public var vector: [Float]

    public init(start: Double, end: Double, budget: Int, kind: Clip.Kind, vector: [Float]) {
        self.start = start
        self.end = end
        self.budget = budget
        self.kind = kind
        self.vector = vector
    }
}

/// A clip without its vector, joined with its video's path: what result lists and exports show.
public struct ClipInfo: Sendable, Equatable, FetchableRecord {
    public var id: Int64
    public var videoId: Int64
    /// The video's canonical path.
    public var path: String
    public var start: Double
    public var end: Double
    public var budget: Int
    public var kind: Clip.Kind
    /// The video's duration, seconds (nil when the decoder did not know it).
    public var videoDuration: Double?
    /// When the video was recorded, seconds since 1970 UTC: the container's creation time,
    /// else the file's modification time (what `--after`/`--before` and `--sort date` use).
    public var recordedAt: Double?

    public init(id: Int64, videoId: Int64, path: String, start: Double, end: Double, budget: Int, kind: Clip.Kind,
                videoDuration: Double? = nil, recordedAt: Double? = nil) {
        self.id = id
        self.videoId = videoId
        self.path = path
        self.start = start
        self.end = end
        self.budget = budget
        self.kind = kind
        self.videoDuration = videoDuration
        self.recordedAt = recordedAt
    }

    /// Decodes the columns selected by ``IndexStore``'s clip queries
    /// (`clip.id, videoId, video.path, start, end, budget, kind`).
    public init(row: Row) throws {
        id = row["id"]
        videoId = row["videoId"]
        path = row["path"]
        start = row["start"]
        end = row["end"]
        budget = row["budget"]
        kind = row["kind"]
        videoDuration = row["videoDuration"]
        recordedAt = row["recordedAt"]
    }

    /// The SELECT list matching ``init(row:)`` (tables aliased `c` = clip, `v` = video).
    static let selection = #"c.id AS id, c.videoId AS videoId, v.path AS path, c.start AS start, c."end" AS "end", c.budget AS budget, c.kind AS kind, v.duration AS videoDuration, COALESCE(v.creationTime, v.mtime) AS recordedAt"#
}

/// Many vectors of one budget as a flat row-major matrix: `ids.count × dimension` floats.
public struct EmbeddingMatrix: Sendable, Equatable {
    /// Clip ids (= FAISS ids), one per row.
    public var ids: [Int64]
    /// Row-major, `ids.count · dimension` floats.
    public var vectors: [Float]
    public var dimension: Int

    public init(ids: [Int64] = [], vectors: [Float] = [], dimension: Int) {
        self.ids = ids
        self.vectors = vectors
        self.dimension = dimension
    }

    public var count: Int { ids.count }

    /// Row `i` as an array.
    public func vector(at i: Int) -> [Float] { Array(vectors[(i * dimension)..<((i + 1) * dimension)]) }
}
