import Foundation

/// Raw, dual softmax, or both (`--dsl off|on|both`).
public enum DSLMode: String, Codable, Sendable, CaseIterable {
    /// Only the dual-softmax results (the headline numbers of FluxViT Table 9 / IV2 MODEL_ZOO).
    case on
    /// Only plain cosine.
    case off
    /// Both, side by side (the default).
    case both

    public var includesRaw: Bool { self != .on }
    public var includesDSL: Bool { self != .off }
}

/// The raw and dual-softmax scorings of one similarity matrix.
public struct ScoringResult: Sendable, Equatable {
    public var raw: RetrievalEvaluation?
    public var dsl: RetrievalEvaluation?
    public var dslScale: Double

    /// Scores `s` (`[Nv, Nt]`) against `textVideo` as `mode` asks.
    public static func score(_ s: ScoreMatrix, textVideo: [Int], mode: DSLMode, dslScale: Double) -> ScoringResult {
        ScoringResult(raw: mode.includesRaw ? RetrievalMetrics.evaluate(s, textVideo: textVideo) : nil,
                      dsl: mode.includesDSL ? RetrievalMetrics.evaluate(s, textVideo: textVideo, dslScale: dslScale) : nil,
                      dslScale: dslScale)
    }
}

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

// MARK: - Human table

extension EvalReport {
    /// The coverage line, e.g. "3 videos missing: evaluated on 997 of 1000".
    public var coverageLine: String {
        let found = counts.foundVideos, total = counts.annotatedVideos
        guard counts.missingVideos > 0 else { return "all \(total) annotated videos found" }
        return "\(counts.missingVideos) video\(counts.missingVideos == 1 ? "" : "s") missing: evaluated on \(found) of \(total)"
            + (counts.droppedTexts > 0 ? " (\(counts.droppedTexts) text\(counts.droppedTexts == 1 ? "" : "s") of missing videos left out)" : "")
    }

    /// The report as the CLI prints it.
    public var table: String {
        var lines: [String] = []
        var head = "fluxsearch \(command) — \(dataset)"
        if let annotations { head += ", \(URL(fileURLWithPath: annotations).lastPathComponent) (\(format))" }
        if let similarity { head += ", \(URL(fileURLWithPath: similarity).lastPathComponent)" }
        lines.append(head)
        if let model { lines.append("model \(model.name) \(model.hash)") }
        var rules = "ranks: candidates scored strictly higher (ties optimistic)"
        if settings.dsl.includesDSL { rules += " · DSL scale \(Self.number(settings.dslScale))" }
        if let t = settings.textNormalization { rules += " · text \(t)" }
        if let f = settings.frameSampling { rules += " · frames \(f)" }
        lines.append(rules)
        if similarity == nil {
            lines.append("videos: \(counts.annotatedVideos) annotated, \(counts.foundVideos) found — \(coverageLine)")
        }
        for note in notes { lines.append("note: \(note)") }
        for run in runs {
            lines.append("")
            var title: String
            if let s = run.sampling {
                title = "\(s.budget) tokens · \(s.frames) frame\(s.frames == 1 ? "" : "s") × \(s.size) px · pool \(s.pool)"
                    + (s.selects ? " → selection keeps \(s.budget)" : " (unmasked)") + " · \(s.source)"
            } else {
                title = "similarity matrix"
            }
            title += " · \(run.texts) texts × \(run.videos) videos"
            if let c = run.cache { title += " · \(c.encoded) encoded, \(c.reused) cached" }
            lines.append(title)
            if !run.failedVideos.isEmpty {
                lines.append("\(run.failedVideos.count) video(s) failed to decode/encode and are left out: "
                             + run.failedVideos.prefix(3).map { "\($0.video) (\($0.reason))" }.joined(separator: "; ")
                             + (run.failedVideos.count > 3 ? "; …" : ""))
            }
            lines += Self.metricsTable(raw: run.raw, dsl: run.dsl, dslScale: settings.dslScale)
        }
        lines.append("")
        if similarity == nil {
            lines.append(String(format: "timings: setup %.1f s, text %.1f s, videos %.1f s, scoring %.2f s, total %.1f s",
                                timings.setupSeconds, timings.textSeconds, timings.videosSeconds, timings.scoringSeconds,
                                timings.totalSeconds))
        } else {
            lines.append(String(format: "timings: load %.2f s, scoring %.2f s, total %.2f s",
                                timings.setupSeconds, timings.scoringSeconds, timings.totalSeconds))
        }
        return lines.joined(separator: "\n")
    }

    /// The side-by-side block: one row per direction, raw columns then DSL columns.
    static func metricsTable(raw: DirectionalMetrics?, dsl: DirectionalMetrics?, dslScale: Double) -> [String] {
        let blocks: [(String, DirectionalMetrics)] = [("raw cosine", raw), ("dual softmax (DSL, scale \(number(dslScale)))", dsl)]
            .compactMap { name, m in m.map { (name, $0) } }
        let columns = ["R@1", "R@5", "R@10", "MdR", "MnR"]
        let cell = 8, blockWidth = columns.count * cell, gap = "   "
        var header = pad("", 14), sub = pad("direction", 14)
        for (i, (name, _)) in blocks.enumerated() {
            header += (i > 0 ? gap : "") + pad(name, blockWidth)
            sub += (i > 0 ? gap : "") + columns.map { lpad($0, cell) }.joined()
        }
        var lines = [header.trimmingTrailingSpaces, sub]
        for (label, pick) in [("text→video", { (m: DirectionalMetrics) in m.textToVideo }),
                              ("video→text", { (m: DirectionalMetrics) in m.videoToText })] {
            var line = pad(label, 14)
            for (i, (_, m)) in blocks.enumerated() {
                let s = pick(m)
                line += (i > 0 ? gap : "") + [String(format: "%.2f", s.r1), String(format: "%.2f", s.r5), String(format: "%.2f", s.r10),
                                             String(format: "%.1f", s.medianRank), String(format: "%.2f", s.meanRank)]
                    .map { lpad($0, cell) }.joined()
            }
            lines.append(line)
        }
        var queries: [String] = []
        if let m = raw ?? dsl {
            queries.append("queries: \(m.textToVideo.queries) text→video, \(m.videoToText.queries) video→text")
            let ties = blocks.map { name, m in (name, m.textToVideo.tiedQueries + m.videoToText.tiedQueries) }.filter { $0.1 > 0 }
            if !ties.isEmpty {
                queries.append("ties: " + ties.map { "\($0.1) queries in \($0.0) had a wrong candidate scored equal to the ground truth" }.joined(separator: "; "))
            }
        }
        return lines + queries
    }

    static func number(_ x: Double) -> String { x == x.rounded() && abs(x) < 1e15 ? String(Int(x)) : String(x) }
    static func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s : s + String(repeating: " ", count: n - s.count) }
    static func lpad(_ s: String, _ n: Int) -> String { s.count >= n ? " " + s : String(repeating: " ", count: n - s.count) + s }
}

extension String {
    var trimmingTrailingSpaces: String {
        var s = self
        while s.hasSuffix(" ") { s.removeLast() }
        return s
    }
}

// MARK: - Per-query lines

/// `--per-query OUT`: one JSON object per query and direction (JSON Lines).
///
/// Keys: `budget` (nil for `eval scores`), `direction` ("t2v"/"v2t"), `query` (text or video
/// index within the run), `text` / `video` (the query), `ground_truth` (names), `rank_raw`,
/// `rank_dsl` (0-based, nil when not computed), `top_raw`, `top_dsl` (name of the top candidate).
public enum PerQueryWriter {
    public static func lines(dataset: EvalDataset, scoring: ScoringResult, budget: Int?) throws -> [String] {
        struct Line: Encodable {
            let budget: Int?, direction: String, query: Int, text: String?, video: String?
            let groundTruth: [String], rankRaw: Int?, rankDSL: Int?, topRaw: String?, topDSL: String?
            enum CodingKeys: String, CodingKey {
                case budget, direction, query, text, video
                case groundTruth = "ground_truth", rankRaw = "rank_raw", rankDSL = "rank_dsl", topRaw = "top_raw", topDSL = "top_dsl"
            }
            func encode(to encoder: Encoder) throws {
                var c = encoder.container(keyedBy: CodingKeys.self)
                try c.encode(budget, forKey: .budget); try c.encode(direction, forKey: .direction); try c.encode(query, forKey: .query)
                try c.encodeIfPresent(text, forKey: .text); try c.encodeIfPresent(video, forKey: .video)
                try c.encode(groundTruth, forKey: .groundTruth)
                try c.encode(rankRaw, forKey: .rankRaw); try c.encode(rankDSL, forKey: .rankDSL)
                try c.encode(topRaw, forKey: .topRaw); try c.encode(topDSL, forKey: .topDSL)
            }
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var out: [String] = []
        for t in dataset.texts.indices {
            let v = dataset.textVideo[t]
            let line = Line(budget: budget, direction: "t2v", query: t, text: dataset.texts[t], video: nil,
                            groundTruth: [dataset.videos[v]],
                            rankRaw: scoring.raw?.textToVideoRanks[t], rankDSL: scoring.dsl?.textToVideoRanks[t],
                            topRaw: scoring.raw.map { dataset.videos[$0.textToVideoTop[t]] },
                            topDSL: scoring.dsl.map { dataset.videos[$0.textToVideoTop[t]] })
            out.append(String(decoding: try encoder.encode(line), as: UTF8.self))
        }
        let videoTexts = dataset.videoTexts
        for v in dataset.videos.indices where !videoTexts[v].isEmpty {
            let line = Line(budget: budget, direction: "v2t", query: v, text: nil, video: dataset.videos[v],
                            groundTruth: videoTexts[v].map { dataset.texts[$0] },
                            rankRaw: scoring.raw?.videoToTextRanks[v] ?? nil, rankDSL: scoring.dsl?.videoToTextRanks[v] ?? nil,
                            topRaw: scoring.raw.map { dataset.texts[$0.videoToTextTop[v]] },
                            topDSL: scoring.dsl.map { dataset.texts[$0.videoToTextTop[v]] })
            out.append(String(decoding: try encoder.encode(line), as: UTF8.self))
        }
        return out
    }
}
