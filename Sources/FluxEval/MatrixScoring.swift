import Foundation
import FluxCore

/// Scores a precomputed similarity matrix with this evaluator's metrics (`eval scores`), so
/// that systems can be compared on identical scores: `S[v, t]` is ranked exactly as
/// ``EvalRunner`` ranks its own (raw and dual softmax, same tie rule).
///
/// For example:
/// ```swift
/// let scored = try MatrixScoring(sim: URL(fileURLWithPath: "sim.npy"), rows: .videos, truth: .diagonal)
///     .run(dsl: .both, dslScale: 1)
/// print(scored.report.table)
/// ```
public struct MatrixScoring {
    /// Which way the matrix is laid out.
    public enum Rows: String, Sendable, CaseIterable {
        case videos, texts
    }

    /// Where the ground truth comes from.
    public enum Truth {
        /// Text i describes video i (a square matrix).
        case diagonal
        /// One video index per text (0-based): a text file of integers or an int64 `.npy`.
        case indices(URL)
        /// An annotation file read as `kind`; `splitList` filters DiDeMo videos.
        case annotations(URL, kind: AnnotationKind, splitList: URL?)
    }

    /// Everything a run produced.
    public struct Outcome {
        public var report: EvalReport
        /// The ground truth the matrix was scored against.
        public var dataset: EvalDataset
        public var scoring: ScoringResult
    }

    public var sim: URL
    public var rows: Rows
    public var truth: Truth

    public init(sim: URL, rows: Rows = .videos, truth: Truth = .diagonal) {
        self.sim = sim
        self.rows = rows
        self.truth = truth
    }

    /// Reads the matrix and the ground truth, checks their shapes agree, and scores.
    /// - Throws: ``EvalError/shapeMismatch(reason:)`` (with a hint when the matrix looks
    ///   transposed), ``AnnotationError``, ``FluxCore/WeightFileError`` for the `.npy`.
    public func run(dsl: DSLMode, dslScale: Double) throws -> Outcome {
        let t0 = Timing.now()
        let path = sim.relativePath
        var s = try ScoreMatrix.load(npy: sim)
        if rows == .texts { s = s.transposed() }
        let flip = " (it looks transposed: try --rows \(rows == .videos ? "texts" : "videos"))"
        let dataset: EvalDataset
        switch truth {
        case .annotations(let url, let kind, let splitList):
            dataset = try kind.load(url, splitList: splitList)
        case .indices(let url):
            let indices = try Self.readIndices(url)
            if indices.count != s.cols {
                let hint = indices.count == s.rows && (indices.max() ?? 0) < s.cols ? flip : ""
                throw EvalError.shapeMismatch(reason: "\(path) is \(s.rows) × \(s.cols) (rows = \(rows.rawValue)), but --gt gives a video for \(indices.count) texts\(hint)")
            }
            if let bad = indices.firstIndex(where: { $0 >= s.rows }) {
                throw EvalError.shapeMismatch(reason: "--gt entry \(bad) names video \(indices[bad]), but \(path) has \(s.rows) videos (rows = \(rows.rawValue))")
            }
            dataset = EvalDataset.indices(indices, videoCount: s.rows)
        case .diagonal:
            guard s.rows == s.cols else {
                throw EvalError.shapeMismatch(reason: "\(path) is \(s.rows) videos × \(s.cols) texts; the diagonal default needs a square matrix — pass --annotations or --gt")
            }
            dataset = EvalDataset.diagonal(count: s.rows)
        }
        guard s.rows == dataset.videos.count, s.cols == dataset.texts.count else {
            let hint = s.cols == dataset.videos.count && s.rows == dataset.texts.count ? flip : ""
            throw EvalError.shapeMismatch(reason: "\(path) is \(s.rows) × \(s.cols) (rows = \(rows.rawValue)), the ground truth has \(dataset.videos.count) videos × \(dataset.texts.count) texts\(hint)")
        }
        let loaded = Timing.now()
        let scoring = ScoringResult.score(s, textVideo: dataset.textVideo, mode: dsl, dslScale: dslScale)
        let scored = Timing.now()
        let report = EvalReport(
            command: "eval scores", dataset: datasetName, format: dataset.format.rawValue, annotations: annotationsPath,
            splitList: splitListPath, videosDirectory: nil, similarity: path, model: nil,
            settings: EvalReport.Settings(dsl: dsl, dslScale: dslScale, rankRule: EvalReport.rankRule,
                                          multiCaption: EvalReport.multiCaption, textNormalization: nil, frameSampling: nil,
                                          resize: nil, cache: nil),
            counts: EvalReport.Counts(annotatedVideos: dataset.videos.count, annotatedTexts: dataset.texts.count,
                                      sentences: dataset.sentenceCount, foundVideos: dataset.videos.count, missingVideos: 0,
                                      droppedTexts: 0),
            missingVideos: [], notes: dataset.notes,
            runs: [EvalReport.Run(sampling: nil, pool: nil, tokenSelection: nil, videos: dataset.videos.count,
                                  texts: dataset.texts.count, failedVideos: [], raw: scoring.raw?.metrics,
                                  dsl: scoring.dsl?.metrics, cache: nil,
                                  timings: EvalReport.RunTimings(videosSeconds: 0, scoringSeconds: scored - loaded))],
            timings: EvalReport.Timings(setupSeconds: loaded - t0, textSeconds: 0, videosSeconds: 0,
                                        scoringSeconds: scored - loaded, totalSeconds: Timing.now() - t0))
        return Outcome(report: report, dataset: dataset, scoring: scoring)
    }

    private var datasetName: String {
        switch truth {
        case .diagonal: return "diagonal"
        case .indices: return "gt indices"
        case .annotations(_, let kind, _): return kind.rawValue
        }
    }

    private var annotationsPath: String? {
        if case .annotations(let url, _, _) = truth { return url.relativePath }
        return nil
    }

    private var splitListPath: String? {
        if case .annotations(_, _, let split) = truth { return split?.relativePath }
        return nil
    }

    /// One video index per text from `url`: an int64 (or integral float32) `.npy`, else text
    /// with indices separated by whitespace or commas.
    /// - Throws: ``EvalError/shapeMismatch(reason:)`` naming the file and the bad entry.
    public static func readIndices(_ url: URL) throws -> [Int] {
        let path = url.relativePath
        if url.pathExtension.lowercased() == "npy" {
            switch try NPY.read(url) {
            case .int64(_, let v): return v.map { Int($0) }
            case .float32(_, let v):
                guard v.allSatisfy({ $0 == $0.rounded() }) else {
                    throw EvalError.shapeMismatch(reason: "\(path): --gt needs integer video indices; save them as int64")
                }
                return v.map { Int($0) }
            }
        }
        let text: String
        do { text = try String(contentsOf: url, encoding: .utf8) } catch {
            throw EvalError.shapeMismatch(reason: "\(path): cannot read --gt (\(error.localizedDescription)); check the path")
        }
        return try text.split(whereSeparator: { $0.isWhitespace || $0 == "," }).enumerated().map { i, field in
            guard let v = Int(field), v >= 0 else {
                throw EvalError.shapeMismatch(reason: "\(path): entry \(i) ('\(field)') is not a video index ≥ 0; give one 0-based index per text")
            }
            return v
        }
    }
}

/// How an annotation file is read.
public enum AnnotationKind: String, Sendable, CaseIterable {
    /// Every caption is a query (JSFusion CSV or VINDLU JSON).
    case msrvtt
    /// One paragraph per video (LocalizingMoments or VINDLU JSON); a split list may filter it.
    case didemo

    /// The dataset in `url`; `splitList` applies to ``didemo`` only.
    public func load(_ url: URL, splitList: URL? = nil) throws -> EvalDataset {
        switch self {
        case .msrvtt: return try MSRVTTAnnotations.load(url)
        case .didemo: return try DiDeMoAnnotations.load(url, splitList: splitList)
        }
    }
}
