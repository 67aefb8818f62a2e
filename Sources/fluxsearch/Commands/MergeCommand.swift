import ArgumentParser
import Foundation
import FluxIndex

/// `fluxsearch merge SHARD... --into DIR`
struct MergeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Merge shard indexes (from `index --files LIST --shard I/N`) into one index.",
        discussion: """
        Copies every video, clip vector (byte for byte), transcript, failure record and query-bank \
        caption of each shard into the --into index (created when missing), then builds its FAISS \
        files from the merged vectors. Shards must come from one job: same model and weights, \
        preprocessing, sampling, token budgets and file list; anything else is refused before a \
        row is written, as is the same shard number given twice.

        Each shard is copied in one transaction and recorded, so an interrupted merge is finished \
        by running the same command again; shards merged already are skipped. Shards missing from \
        a job are reported (merge them later the same way). A video in two shards keeps the row \
        of the shard named last.

        Exit status: 0 when merged, 1 when refused or failed.

        Examples:
          fluxsearch merge shards/shard-*-of-4 --into Indexes/library
          fluxsearch merge shards/* --into big --faiss "IVF4096_HNSW32,PQ64" --json
        """)

    @Argument(help: ArgumentHelp("Shard index folders.", valueName: "shard"), completion: .directory)
    var shards: [String] = []

    @Option(help: ArgumentHelp("The merged index folder.", valueName: "dir"), completion: .directory)
    var into: String

    @Option(help: ArgumentHelp("FAISS index type of a new merged index (default: the shards'), e.g. Flat or IVF4096_HNSW32,PQ64.", valueName: "factory"))
    var faiss: String?

    @Flag(help: "Print the report as JSON on stdout.")
    var json = false

    func validate() throws {
        if shards.isEmpty { throw ValidationError("Name the shard index folders to merge, e.g. `fluxsearch merge shards/* --into DIR`.") }
        if into.isEmpty { throw ValidationError("--into needs a folder.") }
    }

    func run() throws {
        var merger = IndexMerger(shards: shards.map { URL(fileURLWithPath: $0) }, into: URL(fileURLWithPath: into))
        merger.faissFactory = faiss
        let report = try merger.run { line in if !json { note(line) } }
        if json { return try printJSON(report) }
        for s in report.shards {
            out("\(s.mergedNow ? "merged" : "already merged") \(displayLine(s.path))\(s.shard.map { " (shard \($0))" } ?? ""): "
                + "\(s.videos) video(s), \(s.clips) clip vector(s), \(s.failures) failure record(s)")
        }
        out("→ \(displayLine(report.into)): \(report.videos) video(s), \(report.clips) clip vector(s), \(report.failures) failure record(s) in \(String(format: "%.1f", report.seconds)) s")
        if !report.missingShards.isEmpty {
            warn("shard(s) \(report.missingShards.map(String.init).joined(separator: ", ")) of the job are not merged yet; merge them with the same command when they are done")
        }
    }
}
