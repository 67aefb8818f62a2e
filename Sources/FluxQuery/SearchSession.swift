import Foundation
import FluxCore
import FluxIndex
import FluxIngest
import FluxModels
import FluxStore

/// What a search looks for.
public enum SearchQuery: Sendable, Equatable {
    /// A sentence, encoded with the model's text tower.
    case text(String)
    /// A video file (its whole length, or `window` in seconds) encoded at the searched budget:
    /// query by example.
    case example(URL, window: TimeWindow?)
    /// "Find similar": the stored vector of an indexed clip (or an indexed file's), else the
    /// file encoded as ``example(_:window:)`` does; the clip itself and, unless
    /// `includeSameVideo`, every clip of its video are left out (see ``SimilarTarget``).
    /// Ranks by plain cosine unless ``QueryOptions/rerank`` asks for the dual softmax (the query
    /// bank holds captions, not videos).
    case similar(SimilarTarget, includeSameVideo: Bool)

    /// The query as the first term of query arithmetic.
    var termSource: QueryTerm.Source {
        switch self {
        case .text(let t): return .text(t)
        case .example(let url, let window): return .example(.file(url, window: window))
        case .similar(let target, _): return .example(target)
        }
    }

    /// How results name the query: the text, or "video:PATH".
    public var label: String {
        switch self {
        case .text(let t): return t
        case .example(let url, _): return "video:" + url.relativePath
        case .similar(let target, _): return "similar:" + target.label
        }
    }
}

/// The one road from a query to results, for the CLI and the server alike: opened on an index
/// and a model, it owns the compatibility check between them, the text encoder, the FAISS
/// mirror, the query bank, refining and the timings.
///
/// For example:
/// ```swift
/// let session = try SearchSession.open(index: indexURL, model: modelURL)
/// var options = QueryOptions()
/// options.k = 5; options.refineTokens = 2048
/// let result = try session.search(.text("a red ball bounces"), options: options)
/// ```
///
/// Not thread-safe: use one session per thread (encoders and the mirror are loaded lazily).
public final class SearchSession {
    public let model: ModelDirectory
    public let store: IndexStore
    /// The index's settings, read when the session opened.
    public let settings: IndexSettings

    private let log: @Sendable (String) -> Void
    private var textEncoderCache: TextEncoder?
    /// The vision tower, once something needed it (tests check that "similar" did not).
    private(set) var embedderCache: VideoEmbedder?
    private var retrieverCache: Retriever?
    /// IVF lists scanned per query (`query --nprobe`); nil uses the index's setting
    /// (``IndexSettings/nprobe``). Takes effect at the next search.
    public var nprobe: Int? {
        didSet { retrieverCache?.mirror.nprobe = nprobe }
    }

    init(model: ModelDirectory, store: IndexStore, settings: IndexSettings, log: @escaping @Sendable (String) -> Void) {
        self.model = model
        self.store = store
        self.settings = settings
        self.log = log
    }

    /// Opens the index folder `index` and the model directory `model`, and checks that the
    /// index holds this model's vectors.
    /// - Parameter log: receives notes worth telling a user (a FAISS file rebuilt, …).
    /// - Throws: ``FluxStore/StoreError`` for the index, ``FluxModels/ModelLoadingError`` for the
    ///   model, ``QueryError/modelMismatch(index:model:)`` when they do not belong together.
    public static func open(index: URL, model: URL, log: @escaping @Sendable (String) -> Void = { _ in }) throws -> SearchSession {
        let store = try IndexStore.open(at: index)
        let settings = try store.settings()
        let model = try ModelDirectory(model)
        let hash = try model.weightHash()
        guard hash == settings.modelWeightHash else {
            throw QueryError.modelMismatch(index: "\(settings.modelName) (\(settings.modelWeightHash.prefix(16)))",
                                           model: "\(model.configuration.name) (\(hash.prefix(16))) at \(model.url.path)")
        }
        return SearchSession(model: model, store: store, settings: settings, log: log)
    }

    // MARK: - Search

    /// Encodes `query`, searches the index, reranks, and (with ``QueryOptions/refineTokens``)
    /// re-encodes the shortlist at the larger budget. Timings cover every stage.
    /// - Throws: ``QueryError`` (empty query, budget not indexed, empty index, unknown clip,
    ///   missing example file), and for query by example or refine ``FluxIngest/DecodeError``, ``FluxModels/SamplingError``.
    public func search(_ query: SearchQuery, options: QueryOptions) throws -> QueryResult {
        let source = try resolveSource(query, options: options)
        if source != .visual, case .text(let text) = query {
            return try hybridSearch(text, source: source, options: options)
        }
        var result = try visualSearch(query, options: options).result
        if options.source == .both, case .text = query {
            result.warnings = (result.warnings ?? []) + ["the index has no transcripts, so only the picture was searched; add .srt, .vtt or JSON transcripts beside the videos and run `fluxsearch index` again"]
        }
        return result
    }

    /// The picture-only search: the query's vector against the clips' vectors. Returns the
    /// result and the query's unit vector (with its terms).
    func visualSearch(_ query: SearchQuery, options: QueryOptions) throws -> (result: QueryResult, vector: [Float]) {
        let t0 = Timing.now()
        let retriever = try self.retriever()
        try options.filter.validate()
        var q: [Float]
        var options = options
        var exclusion = SearchExclusion()
        switch query {
        case .text(let text):
            q = try retriever.encodeQuery(text)
        case .example(let url, let window):
            q = try exampleVector(url, window: window, budget: try retriever.resolveBudget(options.budget))
        case .similar(let target, let includeSameVideo):
            let budget = try retriever.resolveBudget(options.budget)
            (q, exclusion) = try similarVector(target, budget: budget, includeSameVideo: includeSameVideo)
            options.budget = budget
            options.rerank = options.rerank ?? RerankMode.none
        }
        var label = query.label
        if !options.terms.isEmpty {
            q = try combine(q, terms: options.terms, budget: try retriever.resolveBudget(options.budget))
            label += " " + options.terms.map(\.label).joined(separator: " ")
        }
        let excludeVectors = try options.exclude.map { try retriever.encodeQuery($0) }
        let encodeMs = (Timing.now() - t0) * 1e3
        var result = try retriever.search(vector: q, label: label, options: options, excluding: exclusion,
                                          excludeVectors: excludeVectors)
        if !options.terms.isEmpty { result.terms = [QueryTerm(query.termSource, weight: 1)] + options.terms }
        result.timings.encodeMs = encodeMs
        result.timings.totalMs += encodeMs
        if let tokens = options.refineTokens {
            try retriever.refine(&result, query: q, plan: try plan(budget: tokens),
                                 top: options.refineTop, embedder: try embedder())
        }
        return (result, q)
    }

    /// `q` with the query-arithmetic `terms` added (weight 1 for `q`), unit length.
    func combine(_ q: [Float], terms: [QueryTerm], budget: Int) throws -> [Float] {
        var parts: [(vector: [Float], weight: Float)] = [(q, 1)]
        for term in terms { parts.append((try termVector(term.source, budget: budget), term.weight)) }
        return try QueryArithmetic.combine(parts)
    }

    /// The unit vector of one query-arithmetic term at `budget`.
    func termVector(_ source: QueryTerm.Source, budget: Int) throws -> [Float] {
        switch source {
        case .text(let text): return try retriever().encodeQuery(text)
        case .example(let target): return try similarVector(target, budget: budget, includeSameVideo: true).vector
        }
    }

    /// The unit vector of `url` (all of it, or `window` in seconds) encoded at `budget` as
    /// indexing encodes a clip: query by example.
    func exampleVector(_ url: URL, window: TimeWindow?, budget: Int) throws -> [Float] {
        try embedder().embed(url, plan: try plan(budget: budget), window: window)
    }

    /// How this index samples a clip at `budget`: by its recorded sampling (its table and
    /// `--frames`/`--size`), so that query by example and refine encode a clip exactly as
    /// indexing did; by the model's table for an index that does not record one.
    /// - Throws: ``FluxModels/SamplingError`` for a budget that cannot be sampled so (or that
    ///   asks for more tokens than the clip has).
    public func plan(budget: Int) throws -> SamplingPlan {
        if let recorded = IndexSampling(descriptor: settings.sampling) {
            return try recorded.plan(budget: budget, patchSize: model.samplingTable.patchSize)
        }
        return try model.samplingTable.plan(budget: budget)
    }

    // MARK: - Query bank

    /// Adds captions to the index's query bank and encodes every caption not yet encoded, so
    /// that the next query does not pay for it. Returns how many were new and the bank's size.
    public func addToBank(_ captions: [String], source: String) throws -> (added: Int, size: Int) {
        let added = try store.addBankEntries(texts: captions, source: source)
        let retriever = try self.retriever()
        retriever.invalidateBank()
        let size = try retriever.bank().count / max(store.embedDimension, 1)
        return (added, size)
    }

    // MARK: - Parts, loaded on first use

    /// The text encoder (with the `pre_text` caption normalisation queries get).
    public func textEncoder() throws -> TextEncoder {
        if let textEncoderCache { return textEncoderCache }
        let encoder = TextEncoder(tokenizer: try BPETokenizer(), tower: try model.textTower())
        textEncoderCache = encoder
        return encoder
    }

    /// The vision side: query by example and refine.
    public func embedder() throws -> VideoEmbedder {
        if let embedderCache { return embedderCache }
        let embedder = VideoEmbedder(tower: try model.visionTower())
        embedderCache = embedder
        return embedder
    }

    func retriever() throws -> Retriever {
        if let retrieverCache { return retrieverCache }
        let r = Retriever(store: store, mirror: VectorMirror(store: store, nprobe: nprobe, log: log), encoder: try textEncoder())
        retrieverCache = r
        return r
    }
}
