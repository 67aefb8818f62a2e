import Foundation
import GRDB
import XCTest
@testable import FluxStore

/// Transcripts in the store: replace by kind, FTS5 search (stemming, diacritics, BM25 order,
/// highlights, filters), and the FTS index kept in step through cascades.
final class TranscriptStoreTests: StoreTestCase {
    private func sidecar(_ path: String, _ cues: [(Double, Double, String)], size: Int64 = 10, mtime: Double = 1) -> TranscriptDraft {
        TranscriptDraft(source: path, kind: .sidecar, format: "srt", encoding: "utf-8", size: size, mtime: mtime,
                        cues: cues.map { CueDraft(start: $0.0, end: $0.1, text: $0.2) })
    }

    private func ftsRows(_ store: IndexStore) throws -> Int {
        try store.database.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM cue_fts WHERE cue_fts MATCH 'eggs OR bread OR cafe OR running'") ?? 0 }
    }

    func testReplaceSearchAndCascade() throws {
        let store = try makeStore()
        let a = try store.replaceVideo(video("/v/a.mp4", 1), clips: clipDrafts(budgets: [256], seed: 1))
        let b = try store.replaceVideo(video("/v/b.mp4", 2), clips: clipDrafts(budgets: [256], seed: 9))
        XCTAssertFalse(try store.hasTranscripts())
        XCTAssertFalse(try store.transcripts(videoId: a.id!).read)

        try store.replaceTranscripts(videoId: a.id!, [sidecar("/v/a.srt", [(1, 2.5, "Whisk two eggs"), (3, 4, "then bake the bread")])])
        try store.replaceTranscripts(videoId: b.id!, [
            sidecar("/v/b.srt", [(0, 1, "She was running to the café")]),
            TranscriptDraft(source: "stream:2", kind: .stream, format: "subrip", language: "fra",
                            cues: [CueDraft(start: 5, end: 6, text: "Un œuf, deux œufs")]),
        ])
        XCTAssertTrue(try store.hasTranscripts())
        let (read, stored) = try store.transcripts(videoId: b.id!)
        XCTAssertTrue(read)
        XCTAssertEqual(stored.map(\.source), ["/v/b.srt", "stream:2"])
        XCTAssertEqual(stored.map(\.cueCount), [1, 1])
        XCTAssertEqual(stored.last?.language, "fra")

        // Porter stemming ("run" finds "running") and folded diacritics ("cafe" finds "café").
        let run = try store.searchCues(#""run""#, limit: 10)
        XCTAssertEqual(run.map(\.text), ["She was running to the café"])
        XCTAssertEqual(run.first?.fragments, [TextFragment(text: "She was ", match: false), TextFragment(text: "running", match: true),
                                              TextFragment(text: " to the café", match: false)])
        XCTAssertEqual(try store.searchCues(#""cafe""#, limit: 10).map(\.videoId), [b.id!])
        // BM25: the cue with both words first; spans as stored.
        let both = try store.searchCues(#""eggs" OR "bread" OR "bake""#, limit: 10)
        XCTAssertEqual(both.map(\.text), ["then bake the bread", "Whisk two eggs"])
        XCTAssertEqual(both.map(\.start), [3, 1])
        XCTAssertEqual(both.last?.end, 2.5)
        // A path filter limits the videos searched.
        var onlyB = ClipFilter()
        onlyB.paths = [.prefix("/v/b.mp4")]
        XCTAssertEqual(try store.searchCues(#""eggs" OR "running""#, limit: 10, filter: onlyB).map(\.videoId), [b.id!])

        // Replacing the sidecars keeps the stream, and the FTS index follows.
        try store.replaceTranscripts(videoId: b.id!, [sidecar("/v/b.srt", [(0, 1, "Nothing here")], mtime: 2)], kinds: [.sidecar])
        XCTAssertEqual(try store.transcripts(videoId: b.id!).transcripts.map(\.source), ["/v/b.srt", "stream:2"])
        XCTAssertTrue(try store.searchCues(#""running""#, limit: 10).isEmpty)
        XCTAssertEqual(try store.searchCues(#""œuf""#, limit: 10).count, 1)

        // Re-indexing a video (cascade) and removing one drop their cues from the FTS index too.
        XCTAssertEqual(try ftsRows(store), 2)
        _ = try store.replaceVideo(video("/v/a.mp4", 1, version: 1), clips: clipDrafts(budgets: [256], seed: 3))
        XCTAssertEqual(try ftsRows(store), 0)
        XCTAssertTrue(try store.searchCues(#""eggs""#, limit: 10).isEmpty)
        try store.removeVideos(paths: ["/v/b.mp4"])
        XCTAssertFalse(try store.hasTranscripts())
        let integrity = try store.database.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM cue") ?? -1 }
        XCTAssertEqual(integrity, 0)
    }

    func testBadDraftsAreRefusedAndErrorsStored() throws {
        let store = try makeStore()
        let a = try store.replaceVideo(video("/v/a.mp4", 1), clips: clipDrafts(budgets: [256], seed: 1))
        XCTAssertThrowsError(try store.replaceTranscripts(videoId: a.id!, [sidecar("/v/a.srt", [(3, 2, "backwards")])]))
        XCTAssertThrowsError(try store.replaceTranscripts(videoId: a.id!, [sidecar("/v/a.srt", [(.nan, 2, "nan")])]))
        XCTAssertThrowsError(try store.replaceTranscripts(videoId: a.id!, [sidecar("/v/a.srt", [])], kinds: [.stream]))
        XCTAssertThrowsError(try store.replaceTranscripts(videoId: 999, []))
        var failed = sidecar("/v/a.srt", [])
        failed.error = "line 3: cannot read the timing"
        try store.replaceTranscripts(videoId: a.id!, [failed])
        let stored = try store.transcripts(videoId: a.id!)
        XCTAssertTrue(stored.read)
        XCTAssertEqual(stored.transcripts.first?.error, "line 3: cannot read the timing")
        XCTAssertEqual(try store.transcriptCounts().failed, 1)
        XCTAssertFalse(try store.hasTranscripts())
    }

    func testFragmentsOfHighlightMarkers() {
        XCTAssertEqual(IndexStore.fragments(marked: "\u{1}Eggs\u{2} and \u{1}bread\u{2}"),
                       [TextFragment(text: "Eggs", match: true), TextFragment(text: " and ", match: false), TextFragment(text: "bread", match: true)])
        XCTAssertEqual(IndexStore.fragments(marked: "plain"), [TextFragment(text: "plain", match: false)])
    }
}
