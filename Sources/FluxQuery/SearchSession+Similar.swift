import Foundation
import FluxStore

extension SearchSession {
    /// The query vector of a "similar" search at `budget` and the clips it leaves out.
    ///
    /// - A clip id: the stored vector of that clip's span at `budget` (the clip itself when it
    ///   is of that budget); no model forward.
    /// - A file: its stored whole-video vector when the file is indexed, unchanged since (same
    ///   fingerprint) and no `window` is given; else the file is encoded as query by example does.
    ///
    /// Left out: the clip the query starts from; with `includeSameVideo == false` (the default
    /// of `similar`) every clip of its video, for a file that is indexed (even if changed since).
    /// - Throws: ``QueryError/unknownClip(id:index:)``, ``QueryError/clipNotAtBudget(id:budget:available:)``,
    ///   ``QueryError/exampleNotFound(path:)``, and for encoding a file what ``SearchQuery/example(_:window:)`` throws.
    func similarVector(_ target: SimilarTarget, budget: Int, includeSameVideo: Bool) throws -> (vector: [Float], excluding: SearchExclusion) {
        switch target {
        case .clip(let id):
            guard let clip = try store.clips(ids: [id]).first else {
                throw QueryError.unknownClip(id: id, index: store.directory.path)
            }
            let sameSpan = try store.clips(videoId: clip.videoId).filter { $0.start == clip.start && $0.end == clip.end }
            guard let atBudget = sameSpan.first(where: { $0.budget == budget }),
                  let vector = try store.vectors(clipIds: [atBudget.id])[atBudget.id] else {
                let indexed = Set(try store.indexedBudgets())
                throw QueryError.clipNotAtBudget(id: id, budget: budget,
                                                 available: Set(sameSpan.map(\.budget)).intersection(indexed).sorted())
            }
            return (vector, exclusion(clipIds: [id, atBudget.id], videoId: clip.videoId, includeSameVideo: includeSameVideo))

        case .file(let url, let window):
            guard FileManager.default.fileExists(atPath: url.path) else { throw QueryError.exampleNotFound(path: url.path) }
            guard let video = try store.video(path: url.path), let videoId = video.id else {
                return (try exampleVector(url, window: window, budget: budget), SearchExclusion())
            }
            if window == nil, try FileFingerprint.compute(url: url) == video.fingerprint,
               let whole = try store.clips(videoId: videoId).first(where: { $0.kind == .video && $0.budget == budget }),
               let vector = try store.vectors(clipIds: [whole.id])[whole.id] {
                return (vector, exclusion(clipIds: [whole.id], videoId: videoId, includeSameVideo: includeSameVideo))
            }
            let vector = try exampleVector(url, window: window, budget: budget)
            var sameSpan: Set<Int64> = []
            if let w = window {
                sameSpan = Set(try store.clips(videoId: videoId)
                    .filter { $0.budget == budget && $0.start == w.start && $0.end == w.end }.map(\.id))
            }
            return (vector, exclusion(clipIds: sameSpan, videoId: videoId, includeSameVideo: includeSameVideo))
        }
    }

    private func exclusion(clipIds: Set<Int64>, videoId: Int64, includeSameVideo: Bool) -> SearchExclusion {
        SearchExclusion(clipIds: clipIds, videoIds: includeSameVideo ? [] : [videoId])
    }
}
