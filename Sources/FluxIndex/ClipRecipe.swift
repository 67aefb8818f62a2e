import FluxIngest
import FluxModels

/// What to cut from one video file and how to sample each clip: one ``SamplingPlan`` per
/// token budget, and the span the clips cover.
///
/// For example, what `index --tokens 256,1024 --segment 10` cuts from every file:
/// ```swift
/// let recipe = ClipRecipe(plans: [try table.plan(budget: 256), try table.plan(budget: 1024)],
///                         span: .whole(firstSeconds: nil, segments: SegmentPolicy(always: SegmentWindows(length: 10, stride: 10))))
/// ```
public struct ClipRecipe: Sendable, Equatable {
    /// The part of the video that becomes clips.
    public enum Span: Sendable, Equatable {
        /// The whole video (only its first `firstSeconds` seconds when set: DiDeMo), sampled
        /// by the `middle` rule, then the segment windows `segments` gives for its duration.
        case whole(firstSeconds: Double?, segments: SegmentPolicy?)
        /// One window, in seconds (query by example of a part, refining a segment hit).
        case window(TimeWindow)
    }

    /// Frames × size to decode and the budget to encode at, one per budget, in order.
    public var plans: [SamplingPlan]
    public var span: Span
    /// Segment clips already stored (a resumed video): neither decoded nor encoded again.
    public var skip: Set<ClipSpan>

    public init(plans: [SamplingPlan], span: Span, skip: Set<ClipSpan> = []) {
        self.plans = plans
        self.span = span
        self.skip = skip
    }

    /// One plan, the whole video, no segments.
    public static func whole(_ plan: SamplingPlan, firstSeconds: Double? = nil) -> ClipRecipe {
        ClipRecipe(plans: [plan], span: .whole(firstSeconds: firstSeconds, segments: nil))
    }

    /// One plan over `window` when given, else the whole video.
    public static func clip(_ plan: SamplingPlan, window: TimeWindow?) -> ClipRecipe {
        window.map { ClipRecipe(plans: [plan], span: .window($0)) } ?? .whole(plan)
    }
}

/// A clip's budget and span, seconds: what identifies a stored clip of one video.
public struct ClipSpan: Hashable, Sendable {
    public var budget: Int
    public var start: Double
    public var end: Double

    public init(budget: Int, start: Double, end: Double) {
        self.budget = budget
        self.start = start
        self.end = end
    }
}

/// Which videos get segment clips besides their whole-video clip.
///
/// A segment that would cover the whole video (a video no longer than one segment) is not
/// cut: the whole-video clip already is that clip, so such a video gets its whole-video clip
/// only.
public struct SegmentPolicy: Sendable, Equatable {
    /// Windows for every video; nil = only videos longer than ``autoAfter`` are segmented.
    public var always: SegmentWindows?
    /// Videos longer than this (seconds) get ``auto`` windows even without ``always``.
    public var autoAfter: Double
    public var auto: SegmentWindows

    public init(always: SegmentWindows? = nil, autoAfter: Double = 60,
                auto: SegmentWindows = SegmentWindows(length: 10, stride: 10)) {
        self.always = always
        self.autoAfter = autoAfter
        self.auto = auto
    }

    /// The segment windows of a video of `duration` seconds (empty when it is not segmented).
    public func windows(duration: Double) -> [TimeWindow] {
        guard let w = always ?? (duration > autoAfter ? auto : nil) else { return [] }
        return w.windows(duration: duration)
    }
}
