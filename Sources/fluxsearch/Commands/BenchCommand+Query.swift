import ArgumentParser
import Foundation
import FluxModels
import FluxQuery

extension BenchCommand {
    struct Query: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Warm query latency (text encode + search + dual-softmax rerank) and IVF recall@10 against flat, at several index sizes.",
            discussion: "Random unit vectors (dim 512), queries near stored vectors, a 100-candidate pool reranked against a 1000-caption bank. With --text (default) each query also encodes a 12-token text with a random MobileCLIP-B text tower. BLAS uses every core (a latency workload) unless --threads says otherwise.")

        @OptionGroup var runtime: RuntimeOptions
        @OptionGroup var output: OutputOptions

        @Option(help: ArgumentHelp("Comma-separated index sizes.", valueName: "n,m,..."))
        var vectors = "10000,100000"

        @Option(help: "Queries per size.")
        var queries = 100

        @Option(help: "IVF lists scanned per query.")
        var nprobe = 16

        @Flag(inversion: .prefixedNo, help: "Include a MobileCLIP-B text encode in each query.")
        var text = true

        var sizes: [Int] { vectors.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) } }

        func validate() throws {
            guard !sizes.isEmpty, sizes.allSatisfy({ $0 >= 1000 }) else {
                throw ValidationError("--vectors takes sizes of at least 1000, e.g. 10000,100000,1000000.")
            }
            guard queries >= 1 else { throw ValidationError("--queries must be at least 1.") }
        }

        func run() throws {
            let policy = runtime.apply(.latency)
            var bench = QueryBenchmark()
            bench.queries = queries
            bench.nprobe = nprobe
            if text { bench.textTower = try TextTower.random(configuration: .mobileclipBase, seed: 1) }
            if !output.json {
                out("fluxsearch bench query — dim 512, pool 100, bank 1000, \(text ? "with" : "without") text encode, \(policy.blasThreads) BLAS thread(s), \(queries) queries")
                out(pad("vectors", 10) + pad("index", 16) + lpad("p50 ms", 9) + lpad("p99 ms", 9) + lpad("search p50", 12) + lpad("recall@10", 11) + lpad("build s", 9))
            }
            var all: [QueryBenchmark.Result] = []
            for n in sizes {
                for r in try bench.run(vectors: n, progress: { if !output.json { note("  \($0)…") } }) {
                    all.append(r)
                    if !output.json {
                        out(pad("\(r.vectors)", 10) + pad(r.index, 16) + lpad(String(format: "%.2f", r.p50), 9)
                              + lpad(String(format: "%.2f", r.p99), 9) + lpad(String(format: "%.2f", r.searchP50), 12)
                              + lpad(String(format: "%.3f", r.recallAt10), 11) + lpad(String(format: "%.1f", r.buildSeconds), 9))
                    }
                }
            }
            if output.json { try printJSON(all) }
        }
    }
}

extension BenchCommand {
    struct Filter: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Latency of a filtered query (--path on one folder of ten) against the same query unfiltered, in one run.",
            discussion: "Writes a temporary index of VIDEOS × CLIPS clustered unit vectors (dim 512) spread over ten folders, then times vector queries (k 10, one result per video, no rerank) through the real store, FAISS mirror and retriever, with and without a --path filter that lets through a tenth of the clips. Reports p50/p99 of both and their ratio.")

        @OptionGroup var runtime: RuntimeOptions
        @OptionGroup var output: OutputOptions

        @Option(help: "Videos in the index.")
        var videos = 2000

        @Option(help: "Clips per video (one whole-video vector, the rest segments).")
        var clips = 50

        @Option(help: "Queries (each run filtered and unfiltered).")
        var queries = 100

        func validate() throws {
            guard videos >= 10, videos <= 1_000_000 else { throw ValidationError("--videos must be between 10 and 1000000.") }
            guard clips >= 2, clips <= 1000 else { throw ValidationError("--clips must be between 2 and 1000.") }
            guard queries >= 1, queries <= 10_000 else { throw ValidationError("--queries must be between 1 and 10000.") }
        }

        func run() throws {
            let policy = runtime.apply(.latency)
            var bench = FilterBenchmark()
            bench.videos = videos; bench.clipsPerVideo = clips; bench.queries = queries
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("fluxsearch-bench-filter-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: dir) }
            let r = try bench.run(in: dir, progress: { if !output.json { note("  \($0)…") } })
            if output.json { return try printJSON(r) }
            out("fluxsearch bench filter — \(r.vectors) vectors (dim 512), filter selects \(r.selected) (\(String(format: "%.1f", r.selectivity * 100)) %), \(queries) queries, \(policy.blasThreads) BLAS thread(s)")
            out(pad("", 12) + lpad("p50 ms", 9) + lpad("p99 ms", 9))
            out(pad("unfiltered", 12) + lpad(String(format: "%.2f", r.unfilteredP50), 9) + lpad(String(format: "%.2f", r.unfilteredP99), 9))
            out(pad("filtered", 12) + lpad(String(format: "%.2f", r.filteredP50), 9) + lpad(String(format: "%.2f", r.filteredP99), 9))
            out("filtered / unfiltered (p50): \(String(format: "%.2f", r.ratio))×; build \(String(format: "%.1f", r.buildSeconds)) s; short results: \(r.shortResults)")
        }
    }
}
