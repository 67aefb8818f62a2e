import Foundation
import FluxModels

/// A retrieval test set: a gallery of videos, the query texts, and which video each text
/// describes (UMT's `txt2img`; `img2txt` is ``videoTexts``).
///
/// Texts are kept raw; `pre_text` (EVAL_PROTOCOL §3.4) is applied when they are encoded
/// (``preTextTexts`` shows what the tokenizer gets). For paragraph retrieval (DiDeMo) each
/// video has exactly one text: its sentences joined with a single space.
///
/// For example, three captions over two videos:
/// ```swift
/// let d = EvalDataset(name: "toy", format: .vindluJSON, videos: ["a.mp4", "b.mp4"],
///                     texts: ["a cat", "a dog", "a kitten"], textVideo: [0, 1, 0])
/// d.videoTexts   // [[0, 2], [1]]
/// ```
public struct EvalDataset: Sendable, Equatable {
    /// Which reader produced the dataset.
    public enum Format: String, Codable, Sendable, CaseIterable {
        /// CLIP4Clip's `MSRVTT_JSFUSION_test.csv` (`key,vid_key,video_id,sentence`).
        case jsfusionCSV = "jsfusion-csv"
        /// VINDLU / UMT / Singularity JSON list of `{"video": …, "caption": "…" or ["…", …]}`.
        case vindluJSON = "vindlu-json"
        /// LocalizingMoments `test_data.json` (one moment description per entry).
        case localizingMoments = "localizing-moments-json"
        /// Ground truth given directly (the diagonal, or a list of video indices).
        case indices
    }

    /// "msrvtt", "didemo", … (used in reports and cache folder names).
    public var name: String
    public var format: Format
    /// Video names as the annotation spells them, one per gallery video, in order.
    public var videos: [String]
    /// Query texts in annotation order, raw.
    public var texts: [String]
    /// `textVideo[t]`: index into ``videos`` of the video text t describes.
    public var textVideo: [Int]
    /// Sentences per video in the annotation, before paragraphs were joined (otherwise the
    /// number of texts of each video).
    public var sentencesPerVideo: [Int]
    /// Things the reader noticed and the report should say (e.g. split-list names without
    /// annotations).
    public var notes: [String]

    public init(name: String, format: Format, videos: [String], texts: [String], textVideo: [Int],
                sentencesPerVideo: [Int]? = nil, notes: [String] = []) {
        precondition(texts.count == textVideo.count, "EvalDataset: \(texts.count) texts but \(textVideo.count) text→video entries")
        precondition(textVideo.allSatisfy { $0 >= 0 && $0 < videos.count }, "EvalDataset: a text points outside the \(videos.count) videos")
        self.name = name
        self.format = format
        self.videos = videos
        self.texts = texts
        self.textVideo = textVideo
        if let sentencesPerVideo {
            precondition(sentencesPerVideo.count == videos.count, "EvalDataset: sentence counts for \(sentencesPerVideo.count) of \(videos.count) videos")
            self.sentencesPerVideo = sentencesPerVideo
        } else {
            var counts = [Int](repeating: 0, count: videos.count)
            for v in textVideo { counts[v] += 1 }
            self.sentencesPerVideo = counts
        }
        self.notes = notes
    }

    /// Sentences in the annotation (before paragraphs were joined).
    public var sentenceCount: Int { sentencesPerVideo.reduce(0, +) }

    /// `videoTexts[v]`: the texts describing video v, in text order (UMT's `img2txt`).
    public var videoTexts: [[Int]] {
        var out = [[Int]](repeating: [], count: videos.count)
        for (t, v) in textVideo.enumerated() { out[v].append(t) }
        return out
    }

    /// The texts as the tokenizer receives them: `pre_text` applied.
    public var preTextTexts: [String] { texts.map(CaptionNormalizer.preText) }

    /// The dataset restricted to the videos `keep` (indices into ``videos``, in the order
    /// given) and their texts, which keep their relative order.
    public func restricted(toVideos keep: [Int]) -> EvalDataset {
        var newIndex = [Int?](repeating: nil, count: videos.count)
        for (i, v) in keep.enumerated() { newIndex[v] = i }
        var texts: [String] = [], textVideo: [Int] = []
        for (t, v) in self.textVideo.enumerated() {
            if let i = newIndex[v] { texts.append(self.texts[t]); textVideo.append(i) }
        }
        return EvalDataset(name: name, format: format, videos: keep.map { videos[$0] }, texts: texts,
                           textVideo: textVideo, sentencesPerVideo: keep.map { sentencesPerVideo[$0] }, notes: notes)
    }

    /// The diagonal pairing of a square score matrix: text i describes video i.
    public static func diagonal(count: Int, name: String = "scores") -> EvalDataset {
        EvalDataset(name: name, format: .indices, videos: (0..<count).map { "video \($0)" },
                    texts: (0..<count).map { "text \($0)" }, textVideo: Array(0..<count))
    }

    /// A pairing given as one video index per text (`videoCount` videos).
    public static func indices(_ textVideo: [Int], videoCount: Int, name: String = "scores") -> EvalDataset {
        EvalDataset(name: name, format: .indices, videos: (0..<videoCount).map { "video \($0)" },
                    texts: textVideo.indices.map { "text \($0)" }, textVideo: textVideo)
    }

    /// Groups (video, text) pairs by video, videos in order of first appearance, texts in
    /// pair order.
    static func grouping(name: String, format: Format, pairs: [(video: String, text: String)], notes: [String] = []) -> EvalDataset {
        var videoIndex: [String: Int] = [:], videos: [String] = []
        var texts: [String] = [], textVideo: [Int] = []
        for (video, text) in pairs {
            let v: Int
            if let known = videoIndex[video] { v = known } else {
                v = videos.count
                videoIndex[video] = v
                videos.append(video)
            }
            texts.append(text)
            textVideo.append(v)
        }
        return EvalDataset(name: name, format: format, videos: videos, texts: texts, textVideo: textVideo, notes: notes)
    }
}
