import Foundation
import FluxStore

extension SearchSession {
    /// The result as an edit list for a video editor, in result order: each hit's moments
    /// (best first), or the hit's own span when it has none. Each clip carries its source's
    /// frame rate and duration from the index (25 fps when the index does not know the rate),
    /// the hit's rank and score, and the matching cues' text as its note.
    /// - Throws: ``FluxStore/StoreError`` when the index cannot be read.
    public func editList(for result: QueryResult) throws -> EditList {
        var clips: [EditListClip] = []
        var videos: [Int64: Video?] = [:]
        for hit in result.hits {
            if videos[hit.videoId] == nil { videos[hit.videoId] = .some(try store.video(id: hit.videoId)) }
            let video = videos[hit.videoId] ?? nil
            let rate = FrameRate(fps: video?.metadata.fps ?? 25)
            let duration = video?.metadata.duration ?? hit.duration
            let spans: [(start: Double, end: Double, cues: [CueMatch])] = hit.moments.flatMap { $0.isEmpty ? nil : $0 }
                .map { $0.map { ($0.start, $0.end, $0.cues ?? []) } }
                ?? [(hit.start, hit.end, hit.cues ?? [])]
            for span in spans {
                let note = span.cues.isEmpty ? nil : span.cues.map { $0.text.replacingOccurrences(of: "\n", with: " ") }.joined(separator: " / ")
                clips.append(EditListClip(path: hit.path, start: span.start, end: span.end, frameRate: rate, sourceDuration: duration,
                                          rank: hit.rank, score: hit.score, note: note))
            }
        }
        return EditList(title: result.query, clips: clips)
    }
}
