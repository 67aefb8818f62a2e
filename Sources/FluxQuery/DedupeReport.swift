import Foundation

/// The near-duplicate videos of an index: what ``SearchSession/duplicateClusters(threshold:budget:)``
/// finds and `fluxsearch dedupe --json` prints (as its `result`).
///
/// JSON keys are stable snake_case:
/// ```json
/// {"threshold": 0.99, "budget": 256, "videos_scanned": 9,
///  "clusters": [{"videos": [{"video_id": 3, "path": "/v/a.mp4", "duration": 6.0, "similarity": 1.0},
///                           {"video_id": 7, "path": "/v/a-reencode.avi", "duration": 6.0, "similarity": 0.9978}]}]}
/// ```
///
/// ## Topics
/// - ``Cluster``
/// - ``Member``
public struct DedupeReport: Codable, Sendable, Equatable {
    /// One video of a cluster.
    public struct Member: Codable, Sendable, Equatable {
        public var videoId: Int64
        /// The video's canonical path.
        public var path: String
        /// Seconds, as the decoder reported it (nil when it did not know).
        public var duration: Double?
        /// Cosine of its whole-video vector with the cluster's first member's (1 for the first
        /// member itself). A member joined through another one (A ~ B ~ C) may score below the
        /// threshold here.
        public var similarity: Float

        public init(videoId: Int64, path: String, duration: Double?, similarity: Float) {
            self.videoId = videoId
            self.path = path
            self.duration = duration
            self.similarity = similarity
        }

        enum CodingKeys: String, CodingKey {
            case path, duration, similarity
            case videoId = "video_id"
        }

        /// Every key always: an unknown duration is `null`, not a missing key.
        public func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(videoId, forKey: .videoId)
            try c.encode(path, forKey: .path)
            try c.encode(duration, forKey: .duration)
            try c.encode(similarity, forKey: .similarity)
        }
    }

    /// Videos linked by whole-video cosines ≥ the threshold, directly or through each other.
    public struct Cluster: Codable, Sendable, Equatable {
        /// At least two. The first is the one to keep: the longest video (a trim is shorter than
        /// its source), ties by the earliest indexed, then the smallest path. The others follow
        /// by similarity to it, most similar first, ties by path.
        public var videos: [Member]

        public init(videos: [Member]) { self.videos = videos }

        /// The highest similarity of a member other than the first (0 for a lone video).
        public var bestSimilarity: Float { videos.dropFirst().map(\.similarity).max() ?? 0 }
    }

    /// The cosine at or above which two whole-video vectors were linked.
    public var threshold: Float
    /// The token budget whose whole-video vectors were compared.
    public var budget: Int
    /// Videos with a whole-video vector at ``budget``: the ones compared.
    public var videosScanned: Int
    /// Largest first; ties by ``Cluster/bestSimilarity`` (higher first), then by the smallest
    /// path in the cluster.
    public var clusters: [Cluster]

    public init(threshold: Float, budget: Int, videosScanned: Int, clusters: [Cluster]) {
        self.threshold = threshold
        self.budget = budget
        self.videosScanned = videosScanned
        self.clusters = clusters
    }

    enum CodingKeys: String, CodingKey {
        case threshold, budget, clusters
        case videosScanned = "videos_scanned"
    }
}
