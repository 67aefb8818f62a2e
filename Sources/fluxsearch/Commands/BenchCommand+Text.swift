import ArgumentParser
import Foundation
import FluxCore
import FluxModels

extension BenchCommand {
    /// `fluxsearch bench text`: query latency of the text tower.
    struct Text: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Latency of one text encode (batch 1) for a short and a 77-token query.",
            discussion: """
            Without --model the tower is MobileCLIP-B-shaped (width 512, 12 layers, 8 heads, \
            FFN 2048, vocab 49408, context 77, projection 512) with random weights, built in \
            memory. The blocks run on 16-row tiles up to the end token, so a query of up to 16 \
            tokens computes 16 rows; the "full context" row computes all 77 positions (80 rows) \
            for the same short query, as upstream does. Times are per encode (batch 1), \
            tokenisation excluded, after one warm-up. BLAS uses every core by default (a latency workload); --threads 1 shows the single-core figure.
            """)

        @OptionGroup var runtime: RuntimeOptions
        @OptionGroup var output: OutputOptions

        @Option(help: ArgumentHelp("Bench this model's text tower instead of a random MobileCLIP-B.", valueName: "dir"),
                completion: .directory)
        var model: String?

        @Option(help: "Timed encodes per query.")
        var repetitions = 50

        @Option(help: ArgumentHelp("Ids in the short query, start and end included (16 is the latency target's bound).", valueName: "n"))
        var shortTokens = 16

        func validate() throws {
            guard repetitions >= 1 else { throw ValidationError("--repetitions must be at least 1.") }
            guard shortTokens >= 2 else { throw ValidationError("--short-tokens must be at least 2 (start and end tokens).") }
        }

        struct Report: Encodable {
            let model: String
            let blasThreads: Int
            let parameters: Int
            let results: [TextBenchmark.Result]
        }

        func run() throws {
            let policy = runtime.apply(.latency)
            let tower: TextTower
            let name: String
            if let model {
                tower = try TextTower.load(modelDirectory: URL(fileURLWithPath: model))
                name = model
            } else {
                tower = try TextTower.random(configuration: .mobileclipBase, seed: 1)
                name = "random MobileCLIP-B"
            }
            let context = tower.configuration.contextLength
            guard shortTokens <= context else {
                throw ValidationError("--short-tokens \(shortTokens) exceeds the model's context of \(context).")
            }
            var bench = TextBenchmark(tower: tower)
            bench.repetitions = repetitions
            if !output.json {
                out("fluxsearch bench text — \(name), \(tower.parameterCount) parameters, OpenBLAS \(ThreadPolicy.blasCoreName), \(policy.blasThreads) thread(s) (\(policy.source)), \(repetitions) encodes per row")
                out(pad("query", 34) + lpad("rows", 6) + lpad("p50 ms", 9) + lpad("p90 ms", 9) + lpad("best ms", 9) + lpad("GFLOP/s", 9))
            }
            let short = bench.query(tokens: shortTokens)
            let cases: [(String, [Int32], TextTower.Extent)] = [
                ("short (\(shortTokens) tokens)", short, .throughEndToken),
                ("short, full context (upstream)", short, .full),
                ("long (\(context) tokens)", bench.query(tokens: context), .throughEndToken),
            ]
            var results: [TextBenchmark.Result] = []
            for (label, ids, extent) in cases {
                let r = try bench.run(name: label, tokens: ids, extent: extent)
                results.append(r)
                guard !output.json else { continue }
                out(pad(label, 34) + lpad("\(r.rows)", 6) + lpad(String(format: "%.2f", r.p50 * 1e3), 9)
                      + lpad(String(format: "%.2f", r.p90 * 1e3), 9) + lpad(String(format: "%.2f", r.best * 1e3), 9)
                      + lpad(String(format: "%.1f", 2 * r.gmacs / r.p50), 9))
            }
            if output.json {
                try printJSON(Report(model: name, blasThreads: policy.blasThreads, parameters: tower.parameterCount, results: results))
            }
        }
    }
}
