import ArgumentParser
import Foundation
import FluxQuery

/// `fluxsearch similar CLIP_ID | PATH[@START-END]`: find clips like an indexed clip or a video.
struct SimilarCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "similar",
        abstract: "Find clips like an indexed clip or a video file.",
        discussion: """
        A number is a clip id: the clip_id of a hit of `fluxsearch query TEXT --json`. Its \
        stored vector at the searched budget is the query; nothing is decoded or encoded.

        Anything else is a video file, optionally with a span in seconds (PATH@START-END). An \
        indexed file, unchanged since and without a span, uses its stored whole-video vector; \
        otherwise the file (or the span) is encoded as `query --video` does. Write ./12 for a \
        file named 12.

        The clip itself is never a result; nor, unless --include-same-video, is any other clip \
        of its video. Scores are plain cosines (1 = the same vector). The filters are those of \
        `query` (see `fluxsearch query --help`).

        Examples:
          fluxsearch similar 42
          fluxsearch similar holiday.mp4
          fluxsearch similar holiday.mp4@12-18 -k 5 --json
          fluxsearch similar 42 --path ~/Videos/2023 --sort date
        """)

    @OptionGroup var indexOptions: IndexOptions
    @OptionGroup var modelOptions: ModelOptions
    @OptionGroup var runtime: RuntimeOptions
    @OptionGroup(title: "Filters") var filters: FilterOptions

    @Argument(help: ArgumentHelp("An indexed clip id, or a video file with an optional span in seconds.",
                                 valueName: "clip-id|path[@start-end]"), completion: .file())
    var target: String

    @Option(name: .short, help: "Results to show.")
    var k = 10

    @Option(help: ArgumentHelp("Search the vectors stored at this token budget (default: the largest).", valueName: "n"))
    var tokens: Int?

    @Flag(help: "Also show other clips of the clip's own video.")
    var includeSameVideo = false

    @Flag(inversion: .prefixedNo, help: "Show only the best clip of each video.")
    var perVideo = true

    @Option(help: ArgumentHelp("Hide results scoring below this cosine.", valueName: "score"))
    var minScore: Float?

    @Option(help: "Order of the results: relevance, date (newest first), path or duration (longest first).")
    var sort: ResultSort = .relevance

    @Flag(help: "Print the result as one JSON document (the keys of `query --json`).")
    var json = false

    func validate() throws {
        _ = try SimilarTarget.parse(target)
        guard k >= 1 else { throw ValidationError("-k must be at least 1.") }
    }

    func run() throws {
        runtime.apply(.latency)
        let target = try SimilarTarget.parse(target)
        let session = try SearchSession.open(index: indexOptions.url, model: try modelOptions.url(forIndex: indexOptions.url),
                                             log: { warn($0) })
        var options = QueryOptions()
        options.k = k; options.budget = tokens; options.perVideo = perVideo; options.minScore = minScore
        options.filter = try filters.filter(); options.sort = sort
        let query = SearchQuery.similar(target, includeSameVideo: includeSameVideo)
        let result = try session.search(query, options: options)
        for w in result.warnings ?? [] { warn(w) }
        if json {
            return try printJSON(SearchReport(result, query: query.label, session: session))
        }
        QueryCommand.printTable(result)
    }
}
