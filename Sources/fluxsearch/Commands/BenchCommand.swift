import ArgumentParser
import Foundation
import FluxCore

/// `fluxsearch bench …`: throughput figures, never pass/fail.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure throughput and print figures.",
        discussion: "Rates are reported as GFLOP/s (2 × multiply-accumulates) and as a fraction of one large square sgemm measured in the same run.",
        subcommands: [Kernels.self])
}

extension BenchCommand {
    struct Kernels: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "GEMM shapes of ViT-S/14 and ViT-B/14 at 1024 tokens, and the attention kernel, against the sgemm peak.")

        @OptionGroup var runtime: RuntimeOptions
        @OptionGroup var output: OutputOptions

        @Option(help: "Timed repetitions per kernel (after one warm-up run).")
        var repetitions = 5

        @Option(help: ArgumentHelp("Side of the square sgemm used as the peak reference.", valueName: "n"))
        var peakSize = 2048

        func validate() throws {
            guard repetitions >= 1 else { throw ValidationError("--repetitions must be at least 1.") }
            guard peakSize >= 64 else { throw ValidationError("--peak-size must be at least 64.") }
        }

        func run() throws {
            let policy = runtime.apply()
            var bench = KernelBenchmark()
            bench.repetitions = repetitions
            bench.peakSize = peakSize
            if !output.json {
                print("fluxsearch bench kernels — OpenBLAS \(ThreadPolicy.blasCoreName), \(policy.blasThreads) thread(s) (\(policy.source)), best of \(repetitions)")
                print(pad("kernel", 44) + lpad("ms best", 10) + lpad("ms median", 11) + lpad("GFLOP/s", 10) + lpad("of peak", 9))
            }
            var peak: Double = 0
            let report = bench.run { r in
                if peak == 0 { peak = r.gflops }
                guard !output.json else { return }
                print(pad(r.name, 44) + lpad(String(format: "%.2f", r.timing.best * 1e3), 10)
                      + lpad(String(format: "%.2f", r.timing.median * 1e3), 11)
                      + lpad(String(format: "%.1f", r.gflops), 10)
                      + lpad(String(format: "%.0f%%", 100 * r.gflops / peak), 9))
            }
            if output.json { try printJSON(report) }
        }
    }
}

func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s + " " : s + String(repeating: " ", count: n - s.count) }
func lpad(_ s: String, _ n: Int) -> String { s.count >= n ? " " + s : String(repeating: " ", count: n - s.count) + s }

/// Prints a value as pretty, key-sorted JSON on stdout.
func printJSON<T: Encodable>(_ value: T) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    print(String(decoding: try encoder.encode(value), as: UTF8.self))
}
