import ArgumentParser
import Foundation
import FluxQuery

/// `fluxsearch dedupe`: the near-duplicate videos of an index (re-encodes, trims, copies).
struct DedupeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dedupe",
        abstract: "List the near-duplicate videos of an index.",
        discussion: """
        Compares the stored whole-video vectors of every pair of videos (a FAISS range search; \
        nothing is decoded or encoded) and groups videos whose cosine is at least the \
        threshold, directly or through each other: re-encodes, trims and byte copies of one \
        video end up in one cluster. Clusters are listed largest first. The first video of a \
        cluster is the longest (then the earliest indexed); each row gives its cosine with that \
        first video. Nothing is removed: pass the paths you do not want to `fluxsearch remove`.

        The default threshold was measured on the synthetic corpus with the demo model: there \
        it links every byte copy, 76-86 % of re-encodes, 49-62 % of 10-20 % trims and almost \
        no distinct videos. Other models and footage place duplicates and distinct \
        videos elsewhere, so check a few clusters and adjust --threshold (higher: fewer, surer \
        clusters).

        Examples:
          fluxsearch dedupe
          fluxsearch dedupe --index holiday --threshold 0.995 --json
        """)

    @OptionGroup var indexOptions: IndexOptions
    @OptionGroup var modelOptions: ModelOptions
    @OptionGroup var runtime: RuntimeOptions

    @Option(help: ArgumentHelp("Cosine in (0, 1] at or above which two videos are near-duplicates.", valueName: "s"))
    var threshold: Float = NearDuplicates.defaultThreshold

    @Option(help: ArgumentHelp("Compare the whole-video vectors stored at this token budget (default: the largest).", valueName: "n"))
    var tokens: Int?

    @Flag(help: "Print the result as one JSON document: index, model, model_hash and result (threshold, budget, videos_scanned, clusters).")
    var json = false

    func validate() throws {
        guard threshold > 0, threshold <= 1 else {
            throw ValidationError("--threshold takes a cosine above 0 and at most 1, e.g. \(NearDuplicates.defaultThreshold) (got \(threshold)).")
        }
        if let tokens, tokens < 1 { throw ValidationError("--tokens must be at least 1 (got \(tokens)).") }
    }

    /// `--json`: the report with the index and model it is about.
    struct Report: Encodable {
        let index: String
        let model: String
        let modelHash: String
        let result: DedupeReport
        enum CodingKeys: String, CodingKey { case index, model, result; case modelHash = "model_hash" }
    }

    func run() throws {
        runtime.apply(.throughput)
        let session = try SearchSession.open(index: indexOptions.url, model: try modelOptions.url(forIndex: indexOptions.url),
                                             log: { warn($0) })
        let report = try session.duplicateClusters(threshold: threshold, budget: tokens)
        if json {
            return try printJSON(Report(index: session.store.directory.path, model: session.settings.modelName,
                                        modelHash: session.settings.modelWeightHash, result: report))
        }
        Self.printTable(report)
    }

    /// One block per cluster: a header line, then one row per video (the first is the one the
    /// others are compared with).
    static func printTable(_ r: DedupeReport) {
        guard !r.clusters.isEmpty else {
            return out("no near-duplicate videos at threshold \(r.threshold) (\(r.videosScanned) videos, \(r.budget) tokens)")
        }
        let grouped = r.clusters.map(\.videos.count).reduce(0, +)
        out("\(r.clusters.count) cluster(s) of near-duplicate videos at threshold \(r.threshold): \(grouped) of \(r.videosScanned) videos, \(r.budget) tokens")
        for (i, cluster) in r.clusters.enumerated() {
            out("")
            out("cluster \(i + 1): \(cluster.videos.count) videos")
            out(pad("cosine", 8) + pad("length", 9) + "path")
            for (j, v) in cluster.videos.enumerated() {
                let cosine = j == 0 ? "first" : QueryCommand.fixed(v.similarity, 4)
                out(pad(cosine, 8) + pad(v.duration.map(formatDuration) ?? "?", 9) + displayLine(v.path))
            }
        }
    }
}
