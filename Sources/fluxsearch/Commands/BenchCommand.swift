import ArgumentParser
import Foundation
import FluxCore
import FluxModels

/// `fluxsearch bench …`: throughput figures, never pass/fail.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure throughput and print figures.",
        discussion: "Rates are reported as GFLOP/s (2 × multiply-accumulates) and as a fraction of one large square sgemm measured in the same run.",
        subcommands: [Kernels.self, Encoder.self, Text.self, Decode.self, Query.self, Filter.self, Hybrid.self, Transcripts.self, Import.self])
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
                out("fluxsearch bench kernels — OpenBLAS \(ThreadPolicy.blasCoreName), \(policy.blasThreads) thread(s) (\(policy.source)), best of \(repetitions)")
                out(pad("kernel", 44) + lpad("ms best", 10) + lpad("ms median", 11) + lpad("GFLOP/s", 10) + lpad("of peak", 9))
            }
            var peak: Double = 0
            let report = bench.run { r in
                if peak == 0 { peak = r.gflops }
                guard !output.json else { return }
                out(pad(r.name, 44) + lpad(String(format: "%.2f", r.timing.best * 1e3), 10)
                      + lpad(String(format: "%.2f", r.timing.median * 1e3), 11)
                      + lpad(String(format: "%.1f", r.gflops), 10)
                      + lpad(String(format: "%.0f%%", 100 * r.gflops / peak), 9))
            }
            if output.json { try printJSON(report) }
        }
    }
}

extension BenchCommand {
    struct Encoder: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "ms per clip and GFLOP/s of a FluxViT tower (random weights) at several token budgets.",
            discussion: "A budget of N tokens runs N/256 unmasked frames at 224 px (2048 = 8×224²). GFLOP/s counts 2 × multiply-accumulates of every matrix product; the fraction is of a 2048³ sgemm measured in the same run. Run one --arch per process so that peak RSS is that tower's.")

        enum Arch: String, ExpressibleByArgument, CaseIterable {
            case fluxvitS = "fluxvit-s", fluxvitB = "fluxvit-b"
            var configuration: VisionConfiguration { self == .fluxvitS ? .fluxvitSmall : .fluxvitBase }
        }

        @OptionGroup var runtime: RuntimeOptions
        @OptionGroup var output: OutputOptions

        @Option(help: "Architecture: \(Arch.allCases.map(\.rawValue).joined(separator: ", ")).")
        var arch: Arch = .fluxvitS

        @Option(help: ArgumentHelp("Comma-separated token budgets (multiples of 256).", valueName: "n,m,..."))
        var tokens = "512,1024,2048"

        @Option(help: "Timed repetitions per budget (after one warm-up run).")
        var repetitions = 3

        func validate() throws {
            guard let list = Self.parse(tokens), !list.isEmpty, list.allSatisfy({ $0 >= 256 && $0 % 256 == 0 }) else {
                throw ValidationError("--tokens takes multiples of 256 separated by commas, e.g. 512,1024,2048 (got '\(tokens)').")
            }
            guard repetitions >= 1 else { throw ValidationError("--repetitions must be at least 1.") }
        }

        static func parse(_ text: String) -> [Int]? {
            let parts = text.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
            return parts.contains(where: { $0 == nil }) ? nil : parts.compactMap { $0 }
        }

        struct Report: Encodable {
            let arch: String
            let peakGflops: Double
            let blasThreads: Int
            let results: [VisionBenchmark.Result]
        }

        func run() throws {
            let policy = runtime.apply()
            var peakBench = KernelBenchmark()
            peakBench.repetitions = 3
            let peak = peakBench.measurePeak()
            let config = arch.configuration
            let tower = try VisionTower(configuration: config, embedDim: 512,
                                        weights: VisionTower.randomWeights(configuration: config, embedDim: 512))
            var bench = VisionBenchmark(tower: tower)
            bench.repetitions = repetitions
            if !output.json {
                out("fluxsearch bench encoder — \(arch.rawValue), random weights, \(policy.blasThreads) BLAS thread(s), best of \(repetitions); sgemm peak \(String(format: "%.1f", peak.gflops)) GFLOP/s")
                out(pad("tokens", 8) + pad("input", 12) + lpad("GMAC", 8) + lpad("ms/clip", 10) + lpad("GFLOP/s", 10) + lpad("of peak", 9) + lpad("peak RSS", 11))
            }
            var results: [VisionBenchmark.Result] = []
            for n in Self.parse(tokens) ?? [] {
                let r = try bench.run(tokens: n)
                results.append(r)
                if !output.json {
                    out(pad("\(r.tokens)", 8) + pad("\(r.frames)×\(r.size)²", 12) + lpad(String(format: "%.1f", r.gmacs), 8)
                          + lpad(String(format: "%.1f", r.msPerClip), 10) + lpad(String(format: "%.1f", r.gflops), 10)
                          + lpad(String(format: "%.0f%%", 100 * r.gflops / peak.gflops), 9)
                          + lpad(String(format: "%.0f MB", Double(r.peakResidentBytes) / 1e6), 11))
                }
            }
            if output.json {
                try printJSON(Report(arch: arch.rawValue, peakGflops: peak.gflops, blasThreads: policy.blasThreads, results: results))
            }
        }
    }
}
