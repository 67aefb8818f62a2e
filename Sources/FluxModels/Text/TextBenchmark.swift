import FluxCore

/// The `bench text` suite: latency of one text-tower encode (one query, batch 1) at several
/// token counts, as p50 / p90 over many repetitions.
///
/// The acceptance target is MobileCLIP-B at ≤ 16 tokens: p50 under 15 ms. Each encode streams
/// every block weight once (12 × 3.1 M floats ≈ 151 MB for MobileCLIP-B), so short queries
/// are bound by memory bandwidth rather than by FLOPs.
public struct TextBenchmark {
    public struct Result: Codable, Sendable {
        /// What was measured, e.g. "16 tokens".
        public let name: String
        /// Ids in the query (start and end included).
        public let tokens: Int
        /// Rows the blocks computed: the positions through the end token (or the whole
        /// context), rounded up to whole 16-row tiles.
        public let rows: Int
        /// Multiply-accumulates of one encode, in G.
        public let gmacs: Double
        /// Seconds per encode.
        public let p50: Double
        public let p90: Double
        public let best: Double
        public let repetitions: Int
    }

    public let tower: TextTower
    /// Timed encodes per query (after one warm-up).
    public var repetitions = 50

    public init(tower: TextTower) { self.tower = tower }

    /// A query of `count` ids (2 … context): start, `count − 2` words, end. The ids are
    /// `BPETokenizer`'s specials when the vocabulary is CLIP's, else the two largest ids.
    public func query(tokens count: Int) -> [Int32] {
        let c = tower.configuration
        precondition(count >= 2 && count <= c.contextLength)
        let end = Int32(c.vocabSize - 1), start = end - 1
        var ids: [Int32] = [start]
        for i in 0..<(count - 2) { ids.append(Int32(320 + 37 * i) % max(start, 1)) }
        ids.append(end)
        return ids
    }

    /// Multiply-accumulates of one encode over `positions` positions (linears, QKᵀ and PV
    /// with the causal triangle counted in full, projection).
    public func macs(positions n: Int) -> Double {
        let c = tower.configuration
        let N = Double(n), C = Double(c.width), F = Double(c.ffnDim)
        let block = N * C * 3 * C + 2 * N * N * C + N * C * C + 2 * N * C * F
        return Double(c.layers) * block + C * Double(c.projectionDim)
    }

    /// Times `encode(ids, extent:)`.
    public func run(name: String, tokens ids: [Int32], extent: TextTower.Extent = .throughEndToken) throws -> Result {
        let plan = try tower.plan(ids, extent: extent)
        let samples = try Timing.measureThrowing(repetitions: repetitions) {
            _ = try tower.encode(ids, extent: extent)
        }.sorted()
        let rows = tower.rows(plan, tiled: tower.configuration.causal)
        return Result(name: name, tokens: ids.count, rows: rows,
                      gmacs: macs(positions: rows) / 1e9,
                      p50: Self.percentile(samples, 0.5), p90: Self.percentile(samples, 0.9),
                      best: samples.first ?? 0, repetitions: samples.count)
    }

    /// Nearest-rank percentile of sorted samples.
    public static func percentile(_ sorted: [Double], _ q: Double) -> Double {
        guard !sorted.isEmpty else { return 0 }
        let rank = Int((q * Double(sorted.count)).rounded(.up))
        return sorted[min(sorted.count, max(1, rank)) - 1]
    }
}
