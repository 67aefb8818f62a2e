import ArgumentParser
import Foundation
import FluxIndex
import FluxStore

/// `fluxsearch info`: what an index holds.
struct InfoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info",
        abstract: "Show an index's model, budgets, counts, sizes and failures.")

    @OptionGroup var indexOptions: IndexOptions
    @OptionGroup var output: OutputOptions

    @Flag(help: "List every file that failed to index, with the reason.")
    var errors = false

    struct Report: Encodable {
        let index: String
        let model: String
        let modelHash: String
        let embedDimension: Int
        let faiss: String
        let budgets: [Budget]
        let videos: Int
        let clips: Int
        /// Files that could not be indexed; `not_video` and `warnings` count the other records
        /// (`failure_list` holds all three, told apart by `stage`: "not-video", "warning").
        let failures: Int
        let notVideo: Int
        let warnings: Int
        let bankSize: Int
        let transcripts: TranscriptCounts
        let bytes: Bytes
        let failureList: [Failure]?
        /// "I/N" when the index is a shard of a distributed job.
        let shard: String?
        /// Shard indexes merged into this one.
        let mergedShards: Int
        /// `effective_tokens`: what the encoder keeps per clip, min(tokens, pool); nil when the
        /// index does not record its sampling.
        struct Budget: Encodable { let tokens: Int; let role: String; let clips: Int; let frames: Int?; let size: Int?
            let pool: Int?; let effectiveTokens: Int? }
        struct Bytes: Encodable { let database: Int; let faiss: Int }
        struct Failure: Encodable { let path: String; let stage: String; let reason: String }
    }

    func run() throws {
        let overview = try IndexOverview.read(index: indexOptions.url)
        let (settings, counts, budgets, sizes, failures) = (overview.settings, overview.counts, overview.budgets, overview.sizes,
                                                            overview.failures)
        let report = Report(
            index: overview.directory.path, model: settings.modelName, modelHash: settings.modelWeightHash,
            embedDimension: settings.embedDimension, faiss: settings.faissFactory,
            budgets: budgets.map { b in
                let plan = overview.plan(budget: b.tokens)
                return .init(tokens: b.tokens, role: b.role.rawValue, clips: b.clipCount, frames: plan?.frames, size: plan?.size,
                             pool: plan?.pool, effectiveTokens: plan.map { min($0.pool, b.tokens) })
            },
            videos: counts.videos, clips: counts.clips,
            failures: failures.filter { $0.stage != Indexer.notVideoStage && $0.stage != Indexer.warningStage }.count,
            notVideo: failures.filter { $0.stage == Indexer.notVideoStage }.count,
            warnings: failures.filter { $0.stage == Indexer.warningStage }.count, bankSize: counts.bankEntries,
            transcripts: overview.transcripts,
            bytes: .init(database: Int(sizes.database), faiss: Int(sizes.faissFiles.values.reduce(0, +))),
            failureList: errors ? failures.map { .init(path: $0.path, stage: $0.stage, reason: $0.reason) } : nil,
            shard: overview.shard?.description, mergedShards: overview.mergedShards.count)
        if output.json { return try printJSON(report) }
        out("index    \(report.index)")
        out("model    \(report.model) (weights \(report.modelHash.prefix(24)))")
        out("vectors  \(report.embedDimension)-d, FAISS \(report.faiss)")
        out("budgets  " + (report.budgets.isEmpty ? "none" : report.budgets.map { b in
            let sampled = b.frames.map { f in " (\(f) × \(b.size ?? 0) px, pool \(b.pool ?? 0)\(b.effectiveTokens.map { $0 < b.tokens ? ", keeps \($0)" : "" } ?? ""))" } ?? ""
            return "\(b.tokens) tokens\(sampled): \(b.clips) clips\(b.role == "cache" ? " (refine cache)" : "")"
        }.joined(separator: "; ")))
        out("videos   \(counts.videos), clips \(counts.clips), query bank \(counts.bankEntries) captions")
        let t = overview.transcripts
        out("text     " + (t.cues == 0 && t.failed == 0 ? "no transcripts (add .srt, .vtt or JSON beside the videos and index again)"
            : "\(t.cues) cue(s) in \(t.transcripts) transcript(s) of \(t.videos) video(s)" + (t.failed > 0 ? ", \(t.failed) unreadable (see --errors)" : "")))
        if let shard = overview.shard {
            out("shard    \(shard) of file list \(shard.fileListDigest) (merge it with `fluxsearch merge`)")
        }
        if !overview.mergedShards.isEmpty {
            let jobs = Set(overview.mergedShards.compactMap { $0.shard.map { "\($0.count) of \($0.fileListDigest)" } })
            out("merged   \(overview.mergedShards.count) shard(s)" + (jobs.count == 1 ? " (of \(jobs.first!))" : ""))
        }
        out("size     database \(formatBytes(report.bytes.database)), FAISS \(formatBytes(report.bytes.faiss))")
        // Three kinds of records: failures, files that are no video, damaged files indexed anyway.
        let groups: [(String, [Report.Failure])] = [
            ("failures", failures.filter { $0.stage != Indexer.notVideoStage && $0.stage != Indexer.warningStage }),
            ("not video", failures.filter { $0.stage == Indexer.notVideoStage }),
            ("warnings", failures.filter { $0.stage == Indexer.warningStage }),
        ].map { ($0.0, $0.1.map { Report.Failure(path: $0.path, stage: $0.stage, reason: $0.reason) }) }
        for (name, list) in groups {
            let label = pad(name, 8)  // "failures " lines up with "index    ", "size     "
            if list.isEmpty {
                if name == "failures" { out(label + "none") }
            } else if errors {
                out(label + "\(list.count):")
                for f in list { out("  \(displayLine(f.path)): \(f.reason)" + (name == "failures" ? " [\(f.stage)]" : "")) }
            } else {
                out(label + "\(list.count) (list them with --errors)")
            }
        }
    }
}
