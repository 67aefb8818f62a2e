import ArgumentParser
import Foundation
import FluxIngest
import FluxQuery

/// `fluxsearch query "text"`: search an index.
struct QueryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "query",
        abstract: "Search an index with a sentence.",
        discussion: """
        The text is encoded with the model's text tower; FAISS returns a candidate pool; \
        candidates are reranked by dual softmax against the index's query bank (see README, \
        "Ranking"); the best clip of each video is kept.

        --refine-tokens M re-encodes the top results (--refine-top, default 10) from their \
        source files at the larger budget M, re-scores and re-ranks them, and caches the new \
        vectors in the index, so that later queries reuse them: index cheaply, look closer at \
        the shortlist.

        --video FILE searches by example: the clip (or --start/--end seconds of it) is \
        encoded at the searched budget and used as the query.

        Examples:
          fluxsearch query "a red ball bounces to the right"
          fluxsearch query "a red ball bounces" --refine-tokens 2048 --refine-top 5
          fluxsearch query --video holiday.mp4 --start 12 --end 18
          fluxsearch query "two blue squares" -k 5 --json
          fluxsearch query "a green triangle spins" --tokens 512 --rerank none
        """)

    @OptionGroup var indexOptions: IndexOptions
    @OptionGroup var modelOptions: ModelOptions
    @OptionGroup var runtime: RuntimeOptions

    @Argument(help: "What you are looking for.")
    var text: String?

    @Option(help: ArgumentHelp("Search by example: a video file whose clip is the query.", valueName: "file"), completion: .file())
    var video: String?

    @Option(help: ArgumentHelp("With --video: start of the example clip, seconds.", valueName: "s"))
    var start: Double?

    @Option(help: ArgumentHelp("With --video: end of the example clip, seconds.", valueName: "s"))
    var end: Double?

    @Option(help: ArgumentHelp("Re-encode the top results at this larger token budget and re-rank them.", valueName: "m"))
    var refineTokens: Int?

    @Option(help: ArgumentHelp("How many top results --refine-tokens re-encodes.", valueName: "p"))
    var refineTop = 10

    @Option(name: .short, help: "Results to show.")
    var k = 10

    @Option(help: ArgumentHelp("Search the vectors stored at this token budget (default: the largest).", valueName: "n"))
    var tokens: Int?

    @Option(help: "Reranking: dsl (dual softmax against the query bank; the default when the index has one) or none.")
    var rerank: RerankMode?

    @Option(help: ArgumentHelp("Temperature τ of the dual softmax (1 = raw cosines, as in the evaluation).", valueName: "τ"))
    var temperature: Float = 1

    @Flag(inversion: .prefixedNo, help: "Show only the best clip of each video.")
    var perVideo = true

    @Option(help: ArgumentHelp("Hide results scoring below this.", valueName: "score"))
    var minScore: Float?

    @Flag(help: "Print the result as one JSON document.")
    var json = false

    @Flag(help: "Print one JSON object per result line.")
    var jsonl = false

    /// Longest query accepted, characters: the text tower reads its first 77 tokens anyway.
    static let maxQueryLength = 10_000

    func validate() throws {
        if video == nil, text == nil,
           let dashed = CommandLine.arguments.dropFirst(2).first(where: { $0.hasPrefix("-") && !$0.hasPrefix("--") && $0.count > 2 }) {
            throw ValidationError("'\(dashed)' was read as options, not as the query; to search for text that starts with '-', put -- before it, after the options: fluxsearch query -k 5 -- \"\(dashed)\"")
        }
        if let text, text.count > Self.maxQueryLength {
            throw ValidationError("The query is \(text.count) characters long; the limit is \(Self.maxQueryLength) (the text tower reads only the first 77 tokens, about 300 characters).")
        }
        if video == nil, (text ?? "").trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            throw ValidationError("The query is empty; type what you are looking for, e.g. fluxsearch query \"a dog on a beach\".")
        }
        if video != nil && text != nil { throw ValidationError("Give either a text or --video, not both.") }
        if (start != nil || end != nil) && video == nil { throw ValidationError("--start and --end need --video.") }
        if let start, let end, end <= start { throw ValidationError("--end must be after --start.") }
        if let refineTokens, refineTokens < 1 { throw ValidationError("--refine-tokens must be positive.") }
        guard refineTop >= 1 else { throw ValidationError("--refine-top must be at least 1.") }
        guard k >= 1 else { throw ValidationError("-k must be at least 1.") }
        guard temperature > 0 else { throw ValidationError("--temperature must be positive.") }
        if json && jsonl { throw ValidationError("Choose one of --json and --jsonl.") }
    }

    struct Report: Encodable {
        let query: String
        let index: String
        let model: String
        let modelHash: String
        let result: QueryResult
        enum CodingKeys: String, CodingKey { case query, index, model, result; case modelHash = "model_hash" }
    }

    func run() throws {
        runtime.apply(.latency)
        let session = try SearchSession.open(index: indexOptions.url, model: try modelOptions.url(forIndex: indexOptions.url), log: { warn($0) })
        var options = QueryOptions()
        options.k = k; options.budget = tokens; options.rerank = rerank; options.temperature = temperature
        options.perVideo = perVideo; options.minScore = minScore
        options.refineTokens = refineTokens; options.refineTop = refineTop
        let query: SearchQuery = video.map { path in
            let window = (start != nil || end != nil) ? TimeWindow(start: start ?? 0, end: end ?? .greatestFiniteMagnitude) : nil
            return .example(URL(fileURLWithPath: path), window: window)
        } ?? .text(text ?? "")
        let result = try session.search(query, options: options)
        for f in result.refine?.failed ?? [] { warn("refine: \(f)") }
        if json {
            return try printJSON(Report(query: query.label, index: session.store.directory.path, model: session.settings.modelName,
                                        modelHash: session.settings.modelWeightHash, result: result))
        }
        if jsonl {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            for hit in result.hits { out(String(decoding: try encoder.encode(hit), as: UTF8.self)) }
            return
        }
        Self.printTable(result)
    }
}

extension RerankMode: ExpressibleByArgument {}
