import Foundation
import XCTest
@testable import FluxStore

/// A query process reading while `index` writes: readers never fail and see only committed states.
final class IndexStoreConcurrencyTests: StoreTestCase {
    func testReadersDuringWritesSeeOnlyCommittedStates() throws {
        let writerStore = try makeStore(budgets: [256])
        // The reader opens its own store (its own connection pool), as a separate process would.
        let readerStore = try IndexStore.open(at: indexDir)
        let mirror = VectorMirror(store: readerStore)
        let videoCount = 120
        let clipsPerVideo = 3

        let done = DispatchSemaphore(value: 0)
        let writerError = LockedBox<Error?>(nil)
        let writer = Thread { [self] in
            defer { done.signal() }
            do {
                for i in 0..<videoCount {
                    // Mostly new videos; every 4th re-encodes an earlier one (its clip ids vanish).
                    let n = i % 4 == 3 ? i / 2 : i
                    try writerStore.replaceVideo(video("/v/\(n).mp4", n, version: i),
                                                 clips: clipDrafts(budgets: [256], seed: UInt64(i * 10)))
                    if i % 10 == 0 { try writerStore.recordFailure(path: "/bad/\(i).mp4", stage: "decode", reason: "x") }
                }
            } catch {
                writerError.value = error
            }
        }
        writer.start()

        var reads = 0
        var searches = 0
        var lastVideos = 0
        let query = unitVector(seed: 77)
        var writerFinished = false
        while !writerFinished {
            writerFinished = done.wait(timeout: .now()) == .success
            // One snapshot: counts agree with each other.
            let counts = try readerStore.counts()
            XCTAssertEqual(counts.clipsPerBudget[256], counts.videos * clipsPerVideo, "torn read")
            XCTAssertGreaterThanOrEqual(counts.videos, lastVideos, "went back in time")
            lastVideos = counts.videos

            // Search sees a committed state; resolved clips have whole videos behind them.
            // (The clip count never decreases here: a re-encode replaces 3 clips by 3.)
            let available = try mirror.load(budget: 256).count
            let hits = try mirror.search(budget: 256, query: query, k: 5)
            XCTAssertGreaterThanOrEqual(hits.count, min(5, available))
            // (0 when the video was re-encoded between the two reads; never part of a video.)
            for clip in try readerStore.clips(ids: hits.map(\.clipId)) {
                let n = try readerStore.clips(videoId: clip.videoId).count
                XCTAssertTrue(n == 0 || n == clipsPerVideo, "video \(clip.videoId) has \(n) clips")
            }
            _ = try readerStore.failures()
            _ = try readerStore.videos()
            reads += 1
            searches += hits.isEmpty ? 0 : 1
        }
        XCTAssertNil(writerError.value)
        let final = try readerStore.counts()
        XCTAssertEqual(final.videos, Set((0..<videoCount).map { $0 % 4 == 3 ? $0 / 2 : $0 }).count)
        XCTAssertEqual(try mirror.load(budget: 256).count, final.videos * clipsPerVideo)
        XCTAssertGreaterThan(reads, 5, "the reader ran while the writer wrote")
        XCTAssertEqual(try readerStore.integrityProblems(), [])
    }
}

/// A value shared between threads.
final class LockedBox<T>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: T
    init(_ value: T) { stored = value }
    var value: T {
        get { lock.withLock { stored } }
        set { lock.withLock { stored = newValue } }
    }
}
