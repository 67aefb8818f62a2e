import Foundation
import GRDB

/// Decoded facts about a video, stored with it (all optional: a decoder may not know some).
public struct VideoMetadata: Codable, Sendable, Equatable {
    /// Seconds.
    public var duration: Double?
    /// Frames per second (average).
    public var fps: Double?
    public var frameCount: Int?
    /// Coded width and height in pixels (before rotation).
    public var width: Int?
    public var height: Int?
    /// Codec name, e.g. "h264".
    public var codec: String?
    /// Display rotation in degrees (0, 90, 180, 270).
    public var rotation: Int?
    /// When the footage was recorded, seconds since 1970 UTC: the container's `creation_time`.
    public var creationTime: Double?

    public init(duration: Double? = nil, fps: Double? = nil, frameCount: Int? = nil, width: Int? = nil,
                height: Int? = nil, codec: String? = nil, rotation: Int? = nil, creationTime: Double? = nil) {
        self.duration = duration
        self.fps = fps
        self.frameCount = frameCount
        self.width = width
        self.height = height
        self.codec = codec
        self.rotation = rotation
        self.creationTime = creationTime
    }
}

/// One indexed video file: a row of table `video`.
///
/// `path` is unique, absolute and standardized (see ``IndexStore/canonicalPath(_:)``); the
/// fingerprint columns (`size`, `mtime`, `contentHash`) are those of the file version whose
/// clips are stored. Deleting a video deletes its clips (`ON DELETE CASCADE`).
public struct Video: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "video"

    /// Row id; nil before insertion.
    public var id: Int64?
    public var path: String
    public var size: Int64
    public var mtime: Double
    public var contentHash: String
    public var duration: Double?
    public var fps: Double?
    public var frameCount: Int?
    public var width: Int?
    public var height: Int?
    public var codec: String?
    public var rotation: Int?
    /// The container's recording time, seconds since 1970 UTC (nil: none, or indexed before
    /// schema v3). Filters by date use it, else ``mtime``.
    public var creationTime: Double?
    /// When its clips were stored.
    public var indexedAt: Date

    public enum Columns {
        public static let id = Column(CodingKeys.id)
        public static let path = Column(CodingKeys.path)
        public static let size = Column(CodingKeys.size)
        public static let mtime = Column(CodingKeys.mtime)
        public static let contentHash = Column(CodingKeys.contentHash)
        public static let duration = Column(CodingKeys.duration)
        public static let indexedAt = Column(CodingKeys.indexedAt)
        public static let creationTime = Column(CodingKeys.creationTime)
    }

    /// A video about to be stored. `path` is canonicalised by the store.
    public init(path: String, fingerprint: FileFingerprint, metadata: VideoMetadata = VideoMetadata(),
                indexedAt: Date = Date()) {
        self.path = path
        self.size = fingerprint.size
        self.mtime = fingerprint.mtime
        self.contentHash = fingerprint.contentHash
        self.indexedAt = indexedAt
        self.metadata = metadata
    }

    /// The stored file version.
    public var fingerprint: FileFingerprint {
        FileFingerprint(size: size, mtime: mtime, contentHash: contentHash)
    }

    /// The metadata columns as one value.
    public var metadata: VideoMetadata {
        get {
            VideoMetadata(duration: duration, fps: fps, frameCount: frameCount, width: width, height: height,
                          codec: codec, rotation: rotation, creationTime: creationTime)
        }
        set {
            duration = newValue.duration
            fps = newValue.fps
            frameCount = newValue.frameCount
            width = newValue.width
            height = newValue.height
            codec = newValue.codec
            rotation = newValue.rotation
            creationTime = newValue.creationTime
        }
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}
