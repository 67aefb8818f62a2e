import Foundation
import FluxIngest
import FluxStore

/// What `fluxsearch similar` starts from: an indexed clip, or a video file (all of it, or a
/// span of it in seconds).
///
/// For example:
/// ```swift
/// let byId = SearchQuery.similar(.clip(42), includeSameVideo: false)
/// let byFile = SearchQuery.similar(.file(URL(fileURLWithPath: "ref.mp4"), window: TimeWindow(start: 12, end: 18)),
///                                  includeSameVideo: false)
/// ```
public enum SimilarTarget: Sendable, Equatable {
    /// An indexed clip (the `clip_id` of `query --json`): its stored vector at the searched
    /// budget is the query; nothing is decoded or encoded.
    case clip(Int64)
    /// A video file. Indexed, unchanged since and without `window`: its stored whole-video
    /// vector at the searched budget is the query. Otherwise the file (or `window`, seconds)
    /// is encoded as query by example (``SearchQuery/example(_:window:)``) does.
    case file(URL, window: TimeWindow?)

    /// How results name the query: "clip 42", or "video:PATH" with "@START-END" for a span.
    public var label: String {
        switch self {
        case .clip(let id): return "clip \(id)"
        case .file(let url, let window):
            let span = window.map { "@" + Self.seconds($0.start) + "-" + Self.seconds($0.end) } ?? ""
            return "video:" + url.relativePath + span
        }
    }

    /// Seconds without a trailing ".0": 12, 12.5.
    static func seconds(_ s: Double) -> String {
        s == s.rounded() && abs(s) < 1e15 ? String(Int64(s)) : String(s)
    }
}

/// Clips a search leaves out before ranking: the clip a "similar" query starts from and, by
/// default, every clip of its video. The pool is widened past them, so `k` results still come
/// back when the index has `k` others.
public struct SearchExclusion: Sendable, Equatable {
    /// Clip ids left out.
    public var clipIds: Set<Int64>
    /// Videos (ids) all of whose clips are left out.
    public var videoIds: Set<Int64>

    public init(clipIds: Set<Int64> = [], videoIds: Set<Int64> = []) {
        self.clipIds = clipIds
        self.videoIds = videoIds
    }

    /// Whether `clip` is left out.
    public func excludes(_ clip: ClipInfo) -> Bool {
        clipIds.contains(clip.id) || videoIds.contains(clip.videoId)
    }
}
