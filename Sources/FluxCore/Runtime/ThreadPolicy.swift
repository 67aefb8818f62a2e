import CBLAS
import Foundation

/// How many threads the numeric libraries may use, decided once at start-up.
///
/// On the project's reference machines the two vCPUs are SMT siblings sharing one core's
/// FMA units: a second OpenBLAS thread adds no sgemm throughput, and FAISS's OpenMP pool
/// spinning next to OpenBLAS's pthreads made searches 5–22× slower
/// (../shared/spec/BUILD_NOTES.md §1–2). The policy therefore is:
///
/// - OpenBLAS, throughput work (indexing, evaluation, encoder benchmarks): 1 thread by
///   default; the spare core decodes video beside the encoder.
/// - OpenBLAS, latency work (encoding one query, `embed --text`, `bench text`): every core by
///   default. A short query streams all text-tower weights from memory once (151 MB for
///   MobileCLIP-B), which one core does at about 11 GB/s; two cores nearly halve it.
/// - FAISS / OpenMP: always 1 thread (applied by the store layer), with FAISS's BLAS
///   threshold at 1 so even single queries go through sgemm.
/// - Spare cores are used by the project's own pipeline (decoding next to encoding).
///
/// Override with `--threads N` on any command, or the `FLUXSEARCH_THREADS` environment
/// variable; the flag wins over the variable.
public struct ThreadPolicy: Equatable, Sendable {
    /// The environment variable that overrides the default.
    public static let environmentVariable = "FLUXSEARCH_THREADS"

    /// OpenBLAS threads.
    public let blasThreads: Int
    /// Where the setting came from: "default", "environment" or "--threads".
    public let source: String

    public init(blasThreads: Int, source: String) {
        self.blasThreads = blasThreads
        self.source = source
    }

    /// What a command mostly does, which decides the default thread count.
    public enum Workload: Sendable {
        /// Many clips or texts in a row: 1 BLAS thread, other cores for the pipeline.
        case throughput
        /// One small request whose latency matters: every core.
        case latency
    }

    /// Resolves the policy from a command-line value, the environment and the workload.
    /// Invalid or non-positive environment values are ignored (with the default used).
    public static func resolve(threads: Int?, workload: Workload = .throughput,
                               environment: [String: String] = ProcessInfo.processInfo.environment,
                               cores: Int = ProcessInfo.processInfo.activeProcessorCount) -> ThreadPolicy {
        if let threads, threads > 0 { return ThreadPolicy(blasThreads: threads, source: "--threads") }
        if let text = environment[environmentVariable], let n = Int(text.trimmingCharacters(in: .whitespaces)), n > 0 {
            return ThreadPolicy(blasThreads: n, source: "environment")
        }
        switch workload {
        case .throughput: return ThreadPolicy(blasThreads: 1, source: "default")
        case .latency: return ThreadPolicy(blasThreads: max(1, cores), source: "default for latency")
        }
    }

    /// Applies the OpenBLAS part of the policy to this process.
    public func applyBLAS() {
        openblas_set_num_threads(Int32(blasThreads))
    }

    /// OpenBLAS's build configuration string, e.g. "OpenBLAS 0.3.21 DYNAMIC_ARCH ... Cooperlake".
    public static var blasConfiguration: String {
        guard let p = openblas_get_config() else { return "unknown" }
        return String(cString: p)
    }

    /// The OpenBLAS kernel chosen for this CPU (e.g. "Cooperlake").
    public static var blasCoreName: String {
        guard let p = openblas_get_corename() else { return "unknown" }
        return String(cString: p)
    }

    /// OpenBLAS's current thread count.
    public static var currentBLASThreads: Int { Int(openblas_get_num_threads()) }
}
