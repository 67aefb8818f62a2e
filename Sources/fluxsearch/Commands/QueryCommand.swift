import ArgumentParser
import Foundation
import FluxIngest
import FluxQuery
import FluxStore

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

        Filters (--path, --after, --before, --min-duration, --max-duration, --kind) are applied \
        inside the vector search: when k clips match, k come back. --path takes a folder or \
        file (anything under it), or a glob (* also crosses /; a glob without / matches file \
        names anywhere). Dates are the container's recording time, else the file's modification \
        time; local time unless a zone is given (2024-05-01, 2024-05-01T18:30Z).

        Query arithmetic: --plus and --minus add or subtract texts, --plus-video and \
        --minus-video a video (PATH, PATH@START-END in seconds, or an indexed clip id); prefix a \
        weight with * ("0.5*people"). The query is the unit-length sum of the terms' unit \
        vectors times their weights (the main query has weight 1). --exclude TEXT drops hits \
        that look more like TEXT than like the query (or, with --exclude-above S, whose cosine \
        with TEXT is above S).

        Transcripts: when the index holds subtitles or transcripts (sidecar .srt, .vtt or JSON \
        files, or text subtitle streams; see `fluxsearch index --help`), a text query searches \
        both the picture and the words said, and fuses the two rankings by reciprocal rank \
        (score = Σ 1/(60 + rank) over the two lists; README, "Transcripts"). Each result then \
        says why it matched: its picture rank and score, its transcript rank, and the \
        matching cues with the query's words marked. --source visual|text|both chooses.

        --export FILE writes the results' moments (each hit's, best first; its own span when \
        it has none) as an edit list: CMX 3600 .edl (one timecode rate for the whole list, the \
        first clip's), Final Cut Pro .fcpxml (1.8), OpenTimelineIO .otio, or .csv — in and out \
        points in whole frames of each source's rate, the query as a marker or comment.

        Each result lists its best --moments spans of the video (adjacent high-scoring segments \
        merged; needs an index built with --segments). Near-identical results (cosine ≥ \
        --collapse-above) fold into the best one. --sort reorders the k results; each keeps its \
        relevance rank.

        Scores: with dual softmax, cosine × weight (the weight is at most 1, so scores are \
        small: compare them within one query); with --rerank none, the cosine (-1 to 1). \
        --min-score applies to that score.

        Examples:
          fluxsearch query "a red ball bounces to the right"
          fluxsearch query "a dog on a beach" --minus "people" --plus-video ref.mp4@12-18
          fluxsearch query "sunset" --path ~/Videos/2024 --after 2024-06-01 --min-duration 30
          fluxsearch query "a cat" --exclude "a dog" --sort date
          fluxsearch query "the recipe calls for two eggs" --source both
          fluxsearch query "goal celebration" -k 20 --export goals.fcpxml
          fluxsearch query "a red ball bounces" --refine-tokens 2048 --refine-top 5
          fluxsearch query --video holiday.mp4 --start 12 --end 18
          fluxsearch query "two blue squares" -k 5 --json
          fluxsearch query "a green triangle spins" --tokens 512 --rerank none
        """)

    @OptionGroup var indexOptions: IndexOptions
    @OptionGroup var modelOptions: ModelOptions
    @OptionGroup var runtime: RuntimeOptions
    @OptionGroup(title: "Filters") var filters: FilterOptions

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

    @Option(help: ArgumentHelp("IVF lists scanned per query, for an IVF index (default: the index's setting from index --nprobe, else an eighth of the lists, at least 8). More lists: better recall, slower.", valueName: "n"))
    var nprobe: Int?

    @Option(help: "Reranking: dsl (dual softmax against the query bank; the default when the index has one) or none.")
    var rerank: RerankMode?

    @Option(help: ArgumentHelp("Temperature τ of the dual softmax (1 = raw cosines, as in the evaluation).", valueName: "τ"))
    var temperature: Float = 1

    @Flag(inversion: .prefixedNo, help: "Show only the best clip of each video.")
    var perVideo = true

    @Option(help: ArgumentHelp("Hide results scoring below this (the score column: cosine × dual-softmax weight, or the cosine with --rerank none).", valueName: "score"))
    var minScore: Float?

    @Option(help: ArgumentHelp("Add a text to the query ([WEIGHT*]TEXT; repeatable).", valueName: "text"))
    var plus: [String] = []

    @Option(help: ArgumentHelp("Subtract a text from the query ([WEIGHT*]TEXT; repeatable).", valueName: "text"))
    var minus: [String] = []

    @Option(help: ArgumentHelp("Add a video: [WEIGHT*]PATH[@START-END] or an indexed clip id (repeatable).", valueName: "video"), completion: .file())
    var plusVideo: [String] = []

    @Option(help: ArgumentHelp("Subtract a video: [WEIGHT*]PATH[@START-END] or an indexed clip id (repeatable).", valueName: "video"), completion: .file())
    var minusVideo: [String] = []

    @Option(help: ArgumentHelp("Drop results that look like this text (repeatable).", valueName: "text"))
    var exclude: [String] = []

    @Option(help: ArgumentHelp("With --exclude: drop a result when its cosine with the text is above this (default: above its cosine with the query).", valueName: "cosine"))
    var excludeAbove: Float?

    @Option(help: ArgumentHelp("Best spans of each result's video to show (0: none; needs --segments at index time).", valueName: "n"))
    var moments = 3

    @Option(help: ArgumentHelp("Fold results whose vectors have at least this cosine with a better result into it.", valueName: "cosine"))
    var collapseAbove: Float = NearDuplicates.defaultThreshold

    @Flag(help: "Do not fold near-identical results.")
    var noCollapse = false

    @Option(help: "Order of the results: relevance, date (newest first), path or duration (longest first).")
    var sort: ResultSort = .relevance

    @Option(help: "What to search: visual (the picture), text (transcripts) or both, fused by reciprocal rank (default: both when the index has transcripts).")
    var source: SearchSource?

    @Option(help: ArgumentHelp("Also write the results' moments as an edit list for a video editor: .edl (CMX 3600), .fcpxml (Final Cut Pro XML), .otio (OpenTimelineIO) or .csv, chosen by the file's extension.", valueName: "file"), completion: .file())
    var export: String?

    @Option(help: ArgumentHelp("The --export format when the file's extension does not say: edl, fcpxml, otio or csv.", valueName: "format"))
    var exportFormat: EditListFormat?

    @Flag(help: "Print the result as one JSON document.")
    var json = false

    @Flag(help: "Print one JSON object per result line.")
    var jsonl = false

    /// Longest query accepted, characters: the text tower reads its first 77 tokens anyway.
    static let maxQueryLength = 10_000

    func validate() throws {
        if let nprobe, nprobe < 1 { throw ValidationError("--nprobe must be at least 1 (got \(nprobe)).") }
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
        guard moments >= 0, moments <= 100 else { throw ValidationError("--moments must be between 0 and 100.") }
        guard collapseAbove > -1, collapseAbove <= 1 else { throw ValidationError("--collapse-above is a cosine: give a number in (-1, 1], e.g. 0.99.") }
        if let excludeAbove, !(excludeAbove >= -1 && excludeAbove <= 1) {
            throw ValidationError("--exclude-above is a cosine: give a number between -1 and 1.")
        }
        if excludeAbove != nil && exclude.isEmpty { throw ValidationError("--exclude-above needs --exclude TEXT.") }
        if let source, source != .visual, video != nil {
            throw ValidationError("--source \(source.rawValue) needs a text query: a video has no words to look up in transcripts.")
        }
        if let source, source != .visual, !perVideo {
            throw ValidationError("--source \(source.rawValue) groups results per video; drop --no-per-video, or use --source visual.")
        }
        _ = try terms()
        if exportFormat != nil && export == nil { throw ValidationError("--export-format needs --export FILE.") }
        if let export {
            guard export != "-" else { throw ValidationError("--export needs a file name (the results are printed on standard output already).") }
            guard exportFormat != nil || EditListFormat(fileName: export) != nil else {
                throw ValidationError("--export \(export): cannot tell the format from the name; end it with .edl, .fcpxml, .otio or .csv, or add --export-format")
            }
            try OutputFile.precheck(export, option: "--export")
        }
    }

    /// --plus, --minus, --plus-video and --minus-video as weighted terms.
    func terms() throws -> [QueryTerm] {
        func weighted(_ typed: String, sign: Float, option: String) throws -> (Float, String) {
            let (w, rest) = QueryTerm.splitWeight(typed)
            if let w, !(w > 0) { throw ValidationError("\(option) '\(typed)': the weight must be positive (the option gives the sign).") }
            guard !rest.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
                throw ValidationError("\(option) is empty; give a text, e.g. \(option) \"people\".")
            }
            return (sign * (w ?? 1), rest)
        }
        var terms: [QueryTerm] = []
        for (list, sign, option) in [(plus, Float(1), "--plus"), (minus, Float(-1), "--minus")] {
            for typed in list {
                let (w, text) = try weighted(typed, sign: sign, option: option)
                terms.append(QueryTerm(.text(text), weight: w))
            }
        }
        for (list, sign, option) in [(plusVideo, Float(1), "--plus-video"), (minusVideo, Float(-1), "--minus-video")] {
            for typed in list {
                let (w, rest) = try weighted(typed, sign: sign, option: option)
                terms.append(QueryTerm(.example(try SimilarTarget.parse(rest)), weight: w))
            }
        }
        return terms
    }

    func run() throws {
        runtime.apply(.latency)
        let session = try SearchSession.open(index: indexOptions.url, model: try modelOptions.url(forIndex: indexOptions.url), log: { warn($0) })
        session.nprobe = nprobe
        var options = QueryOptions()
        options.k = k; options.budget = tokens; options.rerank = rerank; options.temperature = temperature
        options.perVideo = perVideo; options.minScore = minScore
        options.refineTokens = refineTokens; options.refineTop = refineTop
        options.filter = try filters.filter(); options.terms = try terms()
        options.exclude = exclude; options.excludeAbove = excludeAbove
        options.moments = moments; options.collapseAbove = noCollapse ? nil : collapseAbove; options.sort = sort
        options.source = source
        let query: SearchQuery = video.map { path in
            let window = (start != nil || end != nil) ? TimeWindow(start: start ?? 0, end: end ?? .greatestFiniteMagnitude) : nil
            return .example(URL(fileURLWithPath: path), window: window)
        } ?? .text(text ?? "")
        let result = try session.search(query, options: options)
        for f in result.refine?.failed ?? [] { warn("refine: \(f)") }
        for w in result.warnings ?? [] { warn(w) }
        if let export, let format = exportFormat ?? EditListFormat(fileName: export) {
            if result.hits.isEmpty {
                warn("--export \(displayLine(export)): no results, so no edit list was written")
            } else {
                let list = try session.editList(for: result)
                try OutputFile.write(try EditListWriter.render(list, as: format), to: export, option: "--export")
                note("wrote \(list.clips.count) clip(s) as \(format.rawValue) to \(displayLine(export))")
            }
        }
        if json {
            return try printJSON(SearchReport(result, query: query.label, session: session))
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
extension ResultSort: ExpressibleByArgument {}
extension SearchSource: ExpressibleByArgument {}
extension EditListFormat: ExpressibleByArgument {}

