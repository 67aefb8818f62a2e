import Foundation

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
