import Foundation

/// Everything an evaluation did, as printed (``table``) and written with `--json` (Codable,
/// snake_case keys).
public struct EvalReport: Codable, Sendable {
    /// "eval msrvtt", "eval didemo", "eval scores".
    public var command: String
    public var dataset: String
    /// Annotation format (``EvalDataset/Format`` raw value).
    public var format: String
    public var annotations: String?
    public var splitList: String?
    public var videosDirectory: String?
    /// `eval scores`: the similarity file.
    public var similarity: String?
    public var model: ModelInfo?
    public var settings: Settings
    public var counts: Counts
    /// Annotated videos with no file under the videos folder (all of them, in annotation order).
    public var missingVideos: [String]
    public var notes: [String]
    /// One per token budget (one for `eval scores`).
    public var runs: [Run]
    public var timings: Timings

    public init(command: String, dataset: String, format: String, annotations: String?, splitList: String?, videosDirectory: String?, similarity: String?, model: ModelInfo?, settings: Settings, counts: Counts, missingVideos: [String], notes: [String], runs: [Run], timings: Timings) {
        self.command = command
        self.dataset = dataset
        self.format = format
        self.annotations = annotations
        self.splitList = splitList
        self.videosDirectory = videosDirectory
        self.similarity = similarity
        self.model = model
        self.settings = settings
        self.counts = counts
        self.missingVideos = missingVideos
        self.notes = notes
        self.runs = runs
        self.timings = timings
    }

    public struct ModelInfo: Codable, Sendable, Equatable {
        public var name: String
        /// ``FluxModels/ModelDirectory/weightHash()``.
        public var hash: String
        public var path: String

        public init(name: String, hash: String, path: String) {
            self.name = name
            self.hash = hash
            self.path = path
        }
    }

    public struct Settings: Codable, Sendable, Equatable {
        public var dsl: DSLMode
        public var dslScale: Double
        /// How ties rank: "optimistic: rank = candidates scored strictly higher".
        public var rankRule: String
        /// How several captions per video are scored.
        public var multiCaption: String
        /// "pre_text" for encoded text; nil for `eval scores`.
        public var textNormalization: String?
        /// "middle", with the trim for DiDeMo; nil for `eval scores`.
        public var frameSampling: String?
        public var resize: String?
        /// The eval index root, or nil without a cache.
        public var cache: String?

        public init(dsl: DSLMode, dslScale: Double, rankRule: String, multiCaption: String, textNormalization: String?, frameSampling: String?, resize: String?, cache: String?) {
            self.dsl = dsl
            self.dslScale = dslScale
            self.rankRule = rankRule
            self.multiCaption = multiCaption
            self.textNormalization = textNormalization
            self.frameSampling = frameSampling
            self.resize = resize
            self.cache = cache
        }

        enum CodingKeys: String, CodingKey {
            case dsl, resize, cache
            case dslScale = "dsl_scale", rankRule = "rank_rule", multiCaption = "multi_caption"
            case textNormalization = "text_normalization", frameSampling = "frame_sampling"
        }
    }

    public struct Counts: Codable, Sendable, Equatable {
        public var annotatedVideos: Int
        public var annotatedTexts: Int
        public var sentences: Int
        /// Annotated videos found under the videos folder.
        public var foundVideos: Int
        public var missingVideos: Int
        /// Texts left out because their video is missing.
        public var droppedTexts: Int

        public init(annotatedVideos: Int, annotatedTexts: Int, sentences: Int, foundVideos: Int, missingVideos: Int, droppedTexts: Int) {
            self.annotatedVideos = annotatedVideos
            self.annotatedTexts = annotatedTexts
            self.sentences = sentences
            self.foundVideos = foundVideos
            self.missingVideos = missingVideos
            self.droppedTexts = droppedTexts
        }

        enum CodingKeys: String, CodingKey {
            case sentences
            case annotatedVideos = "annotated_videos", annotatedTexts = "annotated_texts", foundVideos = "found_videos"
            case missingVideos = "missing_videos", droppedTexts = "dropped_texts"
        }
    }

    public struct FailedVideo: Codable, Sendable, Equatable {
        public var video: String
        public var reason: String

        public init(video: String, reason: String) {
            self.video = video
            self.reason = reason
        }
    }

    public struct Run: Codable, Sendable, Equatable {
        /// nil for `eval scores`.
        public var sampling: EvalSampling?
        public var pool: Int?
        public var tokenSelection: Bool?
        /// Videos and texts actually scored (found and encoded).
        public var videos: Int
        public var texts: Int
        /// Found videos that could not be decoded or encoded (left out of this run).
        public var failedVideos: [FailedVideo]
        public var raw: DirectionalMetrics?
        public var dsl: DirectionalMetrics?
        public var cache: CacheInfo?
        public var timings: RunTimings

        public init(sampling: EvalSampling?, pool: Int?, tokenSelection: Bool?, videos: Int, texts: Int, failedVideos: [FailedVideo], raw: DirectionalMetrics?, dsl: DirectionalMetrics?, cache: CacheInfo?, timings: RunTimings) {
            self.sampling = sampling
            self.pool = pool
            self.tokenSelection = tokenSelection
            self.videos = videos
            self.texts = texts
            self.failedVideos = failedVideos
            self.raw = raw
            self.dsl = dsl
            self.cache = cache
            self.timings = timings
        }

        enum CodingKeys: String, CodingKey {
            case sampling, pool, videos, texts, raw, dsl, cache, timings
            case tokenSelection = "token_selection", failedVideos = "failed_videos"
        }
    }

    public struct CacheInfo: Codable, Sendable, Equatable {
        /// The eval index folder (nil when a temporary one was used).
        public var path: String?
        /// Videos encoded in this run, and taken from the cache.
        public var encoded: Int
        public var reused: Int

        public init(path: String?, encoded: Int, reused: Int) {
            self.path = path
            self.encoded = encoded
            self.reused = reused
        }
    }

    public struct RunTimings: Codable, Sendable, Equatable {
        /// Decode + encode of the videos not cached, and reading the vectors.
        public var videosSeconds: Double
        public var scoringSeconds: Double

        public init(videosSeconds: Double, scoringSeconds: Double) {
            self.videosSeconds = videosSeconds
            self.scoringSeconds = scoringSeconds
        }

        enum CodingKeys: String, CodingKey { case videosSeconds = "videos_s", scoringSeconds = "scoring_s" }
    }

    public struct Timings: Codable, Sendable, Equatable {
        /// Annotations, folder scan, model loading and hashing.
        public var setupSeconds: Double
        public var textSeconds: Double
        public var videosSeconds: Double
        public var scoringSeconds: Double
        public var totalSeconds: Double

        public init(setupSeconds: Double, textSeconds: Double, videosSeconds: Double, scoringSeconds: Double, totalSeconds: Double) {
            self.setupSeconds = setupSeconds
            self.textSeconds = textSeconds
            self.videosSeconds = videosSeconds
            self.scoringSeconds = scoringSeconds
            self.totalSeconds = totalSeconds
        }

        enum CodingKeys: String, CodingKey {
            case setupSeconds = "setup_s", textSeconds = "text_s", videosSeconds = "videos_s"
            case scoringSeconds = "scoring_s", totalSeconds = "total_s"
        }
    }

    enum CodingKeys: String, CodingKey {
        case command, dataset, format, annotations, similarity, model, settings, counts, notes, runs, timings
        case splitList = "split_list", videosDirectory = "videos_directory", missingVideos = "missing_videos"
    }

    /// Standard settings text.
    public static let rankRule = "optimistic: rank = number of candidates scored strictly higher than the ground truth (0-based); MdR = median + 1, MnR = mean + 1"
    public static let multiCaption = "UMT: text→video ranks every text against all videos; video→text ranks each video's best text against all texts"

    /// The report as JSON (pretty, sorted keys).
    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }
}
