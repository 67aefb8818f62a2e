import ArgumentParser
import FluxCore

/// The `fluxsearch` command: each subcommand lives in Commands/ and calls library code.
@main
struct FluxSearch: ParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "fluxsearch",
        abstract: "Search your video library by typing a sentence.",
        discussion: """
        fluxsearch encodes videos with a FluxViT-CLIP vision tower under a token budget, \
        stores one vector per clip in FAISS with metadata in SQLite, and answers text \
        queries with a MobileCLIP-style text tower and dual-softmax reranking.

        Threads: OpenBLAS uses 1 thread for indexing and encoder work and every core for a \
        single query; FAISS's OpenMP pool uses 1. --threads N or FLUXSEARCH_THREADS=N sets \
        the BLAS count (see README, "Threads").
        """,
        version: version,
        subcommands: [IndexCommand.self, QueryCommand.self, SimilarCommand.self, DedupeCommand.self, InfoCommand.self, BankCommand.self, ExportCommand.self,
                      RemoveCommand.self, ReindexCommand.self, MergeCommand.self, EmbedCommand.self, ProbeCommand.self, TokenizeCommand.self, BenchCommand.self,
                      EvalCommand.self, TuneCommand.self, ModelsCommand.self, ServeCommand.self, DevCommand.self])

    /// ArgumentParser's `main` (parse, run, print `Error: …` and exit on a thrown error),
    /// after installing the standard-output check: SIGPIPE ignored, and an exit handler that
    /// turns a failed write to stdout into exit status 141 (closed pipe) or 1 (see StandardOutput.swift).
    static func main() {
        StandardOutput.install()
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            exit(withError: error)
        }
    }
}
