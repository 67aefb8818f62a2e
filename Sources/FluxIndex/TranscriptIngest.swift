import Foundation
import FluxIngest
import FluxStore

/// Reads the text of an indexed video and stores it with its timings: sidecar transcripts
/// beside the file (``FluxIngest/TranscriptSidecars``) and text subtitle streams inside it
/// (``FluxIngest/SubtitleStreams``).
///
/// A sidecar that cannot be read is stored as a transcript with its error and no cues (so an
/// unchanged bad file is not re-read on every run) and reported as a failure of that sidecar;
/// the video itself stays indexed. A stream that cannot be read is a warning of the video.
struct TranscriptIngest {
    let store: IndexStore

    /// The stage recorded for a sidecar that failed (``IndexStore/recordFailure(path:stage:reason:)``).
    static let failureStage = "transcript"

    /// What reading one video's text did.
    struct Outcome {
        /// Transcripts read fine, and their cues.
        var transcripts = 0
        var cues = 0
        var failed: [Indexer.Summary.Failed] = []
        var warnings: [String] = []
    }

    /// A sidecar as it is on disk now: a later run re-reads the video's sidecars when the set of
    /// stamps differs from the stored one (a file added, changed or removed).
    struct Stamp: Hashable {
        var path: String
        var size: Int64?
        var mtime: Double?
    }

    static func stamp(_ url: URL) -> Stamp {
        var info = stat()
        guard stat(url.path, &info) == 0 else { return Stamp(path: url.path, size: nil, mtime: nil) }
        let mtime = Double(info.st_mtim.tv_sec) + Double(info.st_mtim.tv_nsec) / 1e9
        return Stamp(path: url.path, size: Int64(info.st_size), mtime: mtime)
    }

    /// The kinds of text of stored video `videoId` (file `url`) to read again: everything when
    /// its text was never read, the sidecars when they changed, nothing otherwise.
    /// `sidecars`: the video's sidecar files now (``TranscriptSidecars``).
    func pending(videoId: Int64, sidecars: [URL]) throws -> Set<TranscriptKind> {
        let (read, stored) = try store.transcripts(videoId: videoId)
        guard read else { return Set(TranscriptKind.allCases) }
        let now = Set(sidecars.map(Self.stamp))
        let before = Set(stored.filter { $0.kind == .sidecar }.map { Stamp(path: $0.source, size: $0.size, mtime: $0.mtime) })
        return now == before ? [] : [.sidecar]
    }

    /// Reads the text of `kinds` of video `videoId` (file `url`, with sidecar files `sidecars`)
    /// and replaces what the index stores of those kinds.
    /// - Parameter hasStreams: whether the container has subtitle streams (nil: unknown, look).
    ///   Stream cues come measured from the container's start, the clips' time origin too.
    func ingest(videoId: Int64, url: URL, sidecars: [URL], kinds: Set<TranscriptKind>, hasStreams: Bool? = nil) throws -> Outcome {
        let (batch, outcome) = Self.read(url: url, sidecars: sidecars, kinds: kinds, hasStreams: hasStreams)
        try store.replaceTranscripts(videoId: videoId, batch)
        return outcome
    }

    /// Reads the text of `kinds` of the video at `url` (with sidecar files `sidecars`): what to
    /// store, in one batch with the sidecars' failure records, and what to report.
    static func read(url: URL, sidecars: [URL], kinds: Set<TranscriptKind>, hasStreams: Bool?) -> (TranscriptBatch, Outcome) {
        var outcome = Outcome()
        var batch = TranscriptBatch(drafts: [], kinds: kinds)
        if kinds.contains(.sidecar) {
            for sidecar in sidecars {
                let s = stamp(sidecar)
                do {
                    let t = try TranscriptReader.read(sidecar: sidecar)
                    batch.drafts.append(draft(t, kind: .sidecar, stamp: s))
                    batch.cleared.append(sidecar.path)
                } catch {
                    let reason = "\(error)"
                    batch.drafts.append(TranscriptDraft(source: sidecar.path, kind: .sidecar, format: sidecar.pathExtension.lowercased(),
                                                        size: s.size, mtime: s.mtime, error: reason, cues: []))
                    batch.failures.append(IndexingFailure(path: sidecar.path, stage: failureStage, reason: reason))
                    outcome.failed.append(.init(path: sidecar.path, reason: reason))
                }
            }
        }
        if kinds.contains(.stream), hasStreams != false {
            do {
                for t in try SubtitleStreams.read(url) { batch.drafts.append(draft(t, kind: .stream, stamp: nil)) }
            } catch {
                outcome.warnings.append("its subtitle streams could not be read (\(error)); the picture is indexed, the subtitles are not")
            }
        }
        outcome.transcripts = batch.drafts.filter { $0.error == nil }.count
        outcome.cues = batch.drafts.reduce(0) { $0 + $1.cues.count }
        return (batch, outcome)
    }

    /// A parsed transcript as stored; cues before the start are clamped to 0, and cues that
    /// are not a span are left out.
    static func draft(_ t: Transcript, kind: TranscriptKind, stamp: Stamp?) -> TranscriptDraft {
        let cues = t.cues.compactMap { c -> CueDraft? in
            let start = max(0, c.start), end = max(0, c.end)
            guard start.isFinite, end.isFinite, end >= start else { return nil }
            return CueDraft(start: start, end: end, text: c.text)
        }
        return TranscriptDraft(source: t.source, kind: kind, format: t.format, language: t.language, encoding: t.encoding,
                               size: stamp?.size, mtime: stamp?.mtime, cues: cues)
    }
}
