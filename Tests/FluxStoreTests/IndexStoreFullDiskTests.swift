import Foundation
import GRDB
import XCTest
@testable import FluxStore

/// A full disk (simulated with SQLite's `max_page_count`) fails one video, never corrupts.
final class IndexStoreFullDiskTests: StoreTestCase {
    func testFullDiskLosesOnlyTheVideoInFlightAndSaysWhatToDo() throws {
        let store = try makeStore()
        let pages = try store.dbPool.read { try Int.fetchOne($0, sql: "PRAGMA page_count") }!
        try store.dbPool.writeWithoutTransaction { try $0.execute(sql: "PRAGMA max_page_count = \(pages + 6)") }

        var stored = 0
        var failure: StoreError?
        for i in 0..<200 {
            do {
                try store.replaceVideo(video("/v/\(i).mp4", i), clips: clipDrafts(budgets: [256], segments: 30, seed: UInt64(i)))
                stored += 1
            } catch let error as StoreError {
                failure = error
                break
            }
        }
        let error = try XCTUnwrap(failure, "the page limit was never reached")
        guard case let .sqlite(operation, message) = error else { return XCTFail("\(error)") }
        XCTAssertEqual(operation, "store video /v/\(stored).mp4")
        XCTAssertTrue(message.hasPrefix("database or disk is full"), message)
        XCTAssertTrue(error.description.contains("hint: free disk space and run the command again"), error.description)

        XCTAssertEqual(try store.counts().videos, stored)
        XCTAssertNil(try store.video(path: "/v/\(stored).mp4"), "nothing of the video in flight")
        XCTAssertEqual(try store.integrityProblems(), [])

        // Space freed: the next run resumes with the file that failed.
        try store.dbPool.writeWithoutTransaction { try $0.execute(sql: "PRAGMA max_page_count = 1073741823") }
        XCTAssertEqual(try store.plan(path: "/v/\(stored).mp4", fingerprint: fingerprint(stored)),
                       .encode(budgets: [256], replacing: nil))
        try store.replaceVideo(video("/v/\(stored).mp4", stored), clips: clipDrafts(budgets: [256], seed: 1))
        XCTAssertEqual(try store.counts().videos, stored + 1)
    }
}
