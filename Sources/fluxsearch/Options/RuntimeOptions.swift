import ArgumentParser
import FluxCore
import FluxStore

/// Options every compute-heavy command shares.
struct RuntimeOptions: ParsableArguments {
    @Option(help: ArgumentHelp(
        "OpenBLAS threads (default: 1 for indexing and encoder work, all cores for single queries; or $FLUXSEARCH_THREADS). FAISS's OpenMP pool always uses 1.",
        valueName: "n"))
    var threads: Int?

    func validate() throws {
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1 (got \(threads)).") }
    }

    /// Applies the thread policy once, before any numeric work; returns what was applied.
    @discardableResult
    func apply(_ workload: ThreadPolicy.Workload = .throughput) -> ThreadPolicy {
        let policy = ThreadPolicy.resolve(threads: threads, workload: workload)
        policy.applyBLAS()
        FaissThreads.setOpenMPThreads(1)
        FaissThreads.setBLASThreshold(1)
        return policy
    }
}

/// `--json` for commands that print results.
struct OutputOptions: ParsableArguments {
    @Flag(help: "Print machine-readable JSON on stdout instead of a table.")
    var json = false
}
