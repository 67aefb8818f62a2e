import Foundation
import FluxIngest
import FluxModels

/// How an index cuts and samples every video, as recorded in its settings (the `sampling`
/// descriptor): the budget → frames × size table, the `--frames`/`--size` overrides and the
/// segmenting. Indexing writes it once; later `index` runs reuse it, and query by example and
/// refine sample by it, so a clip is encoded the same way whoever encodes it.
///
/// The JSON form (sorted keys, nil fields left out) is the descriptor string every existing
/// index holds, e.g.
/// `{"autoSegment":{"length":10,"stride":10},"autoSegmentAfter":60,"table":[{"budget":256,"frames":2,"size":224}]}`.
public struct IndexSampling: Codable, Sendable, Equatable {
    /// Budget → frames × size rows (the model's table when the index was created).
    public var table: [FlexiSamplingTable.Entry]
    /// `--frames`: frames per clip for every budget, overriding the table.
    public var frames: Int?
    /// `--size`: frame side in pixels for every budget, overriding the table.
    public var size: Int?
    /// `--segment`: windows for every video; nil = only videos longer than
    /// ``autoSegmentAfter`` seconds are segmented, into ``autoSegment`` windows.
    public var segments: SegmentWindows?
    public var autoSegmentAfter: Double
    public var autoSegment: SegmentWindows

    public init(table: [FlexiSamplingTable.Entry], frames: Int? = nil, size: Int? = nil, segments: SegmentWindows? = nil,
                autoSegmentAfter: Double = 60, autoSegment: SegmentWindows = SegmentWindows(length: 10, stride: 10)) {
        self.table = table
        self.frames = frames
        self.size = size
        self.segments = segments
        self.autoSegmentAfter = autoSegmentAfter
        self.autoSegment = autoSegment
    }

    /// The recorded form of an index's `sampling` settings, or nil when the string is not one
    /// (an eval index, or an index of an older format).
    public init?(descriptor: String) {
        guard let s = try? JSONDecoder().decode(IndexSampling.self, from: Data(descriptor.utf8)) else { return nil }
        self = s
    }

    /// The string recorded in the index's settings.
    public var descriptor: String {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        return String(decoding: (try? e.encode(self)) ?? Data(), as: UTF8.self)
    }

    /// The segmenting of every video.
    public var segmentPolicy: SegmentPolicy {
        SegmentPolicy(always: segments, autoAfter: autoSegmentAfter, auto: autoSegment)
    }

    /// What to sample for `budget` (patch side `patchSize` pixels).
    /// - Throws: ``FluxModels/SamplingError`` when the result cannot be encoded, or when the
    ///   budget asks for more tokens than the clip has (the vector would equal a smaller
    ///   budget's, at the larger budget's price).
    public func plan(budget: Int, patchSize: Int = 14) throws -> SamplingPlan {
        let plan = try FlexiSamplingTable(patchSize: patchSize, entries: table).plan(budget: budget, frames: frames, size: size)
        guard plan.pool >= budget else {
            throw SamplingError.invalidBudget(budget, reason: "the model samples \(plan.frames) frames × \(plan.size) px = \(plan.pool) tokens for it, so its vectors would equal those at \(plan.pool); use --tokens \(plan.pool) or less, or a larger pool with --frames/--size")
        }
        return plan
    }

    /// The largest budget ≤ `preferred` that this sampling can honour (≥ the smallest row's
    /// pool), for a default `--tokens`.
    public func defaultBudget(preferred: Int = 1024, patchSize: Int = 14) -> Int {
        if (try? plan(budget: preferred, patchSize: patchSize)) != nil { return preferred }
        let pools = table.compactMap { e in try? FlexiSamplingTable(patchSize: patchSize, entries: table).plan(budget: e.budget, frames: frames, size: size).pool }
        return pools.filter { $0 <= preferred }.max() ?? pools.min() ?? preferred
    }
}
