import XCTest
@testable import FluxIngest

/// The bounded folder of made-once files: hits, LRU eviction, key validation, atomic writes.
final class ThumbnailCacheTests: XCTestCase {
    private var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("thumbcache-\(UUID().uuidString)").appendingPathComponent("thumbs")
    }

    override func tearDown() {
        try? FileManager.default.removeItem(at: folder.deletingLastPathComponent())
    }

    func testHitReturnsTheSameBytesWithoutMaking() throws {
        let cache = try ThumbnailCache(directory: folder)  // creates the folder and its parent
        var calls = 0
        let payload = Data((0..<5000).map { UInt8(truncatingIfNeeded: $0 &* 7) })
        let first = try cache.data(forKey: "clip-123.jpg") { calls += 1; return payload }
        let second = try cache.data(forKey: "clip-123.jpg") { calls += 1; return Data([1, 2, 3]) }
        XCTAssertEqual(calls, 1)
        XCTAssertEqual(first, payload)
        XCTAssertEqual(second, payload)
        XCTAssertEqual(try Data(contentsOf: folder.appendingPathComponent("clip-123.jpg")), payload)
        XCTAssertEqual(try cache.cachedData(forKey: "clip-123.jpg"), payload)
        XCTAssertNil(try cache.cachedData(forKey: "sprite-45.jpg"))
        XCTAssertEqual(try cache.totalBytes(), 5000)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path), ["clip-123.jpg"], "no temporary file left")
    }

    func testBoundEvictsTheLeastRecentlyUsed() throws {
        let cache = try ThumbnailCache(directory: folder, maxBytes: 250)
        let now = Date()
        try cache.store(Data(repeating: 1, count: 100), forKey: "a.jpg")
        try setModified("a.jpg", now.addingTimeInterval(-300))
        try cache.store(Data(repeating: 2, count: 100), forKey: "b.jpg")
        try setModified("b.jpg", now.addingTimeInterval(-200))
        // Reading a makes it the most recently used; b is now the oldest.
        XCTAssertNotNil(try cache.cachedData(forKey: "a.jpg"))
        try cache.store(Data(repeating: 3, count: 100), forKey: "c.jpg")  // 300 > 250: one must go
        XCTAssertEqual(try names(), ["a.jpg", "c.jpg"])
        XCTAssertEqual(try cache.totalBytes(), 200)

        // Without a read in between, the oldest write goes first.
        try setModified("a.jpg", now.addingTimeInterval(-100))
        try cache.store(Data(repeating: 4, count: 100), forKey: "d.jpg")
        XCTAssertEqual(try names(), ["c.jpg", "d.jpg"])
    }

    func testAnEntryLargerThanTheBoundEvictsEverything() throws {
        let cache = try ThumbnailCache(directory: folder, maxBytes: 50)
        try cache.store(Data(repeating: 1, count: 40), forKey: "small.jpg")
        let big = try cache.data(forKey: "big.jpg") { Data(repeating: 2, count: 80) }
        XCTAssertEqual(big.count, 80, "the made bytes are returned even when they cannot stay")
        XCTAssertEqual(try names(), [])
    }

    func testBadKeysAreRefused() throws {
        let cache = try ThumbnailCache(directory: folder)
        let bad = ["../x", "a/b", ".hidden", "", ".", "..", "a b", "clip\u{e9}.jpg", "x\0y", String(repeating: "k", count: 201), "/etc/passwd"]
        for key in bad {
            var made = false
            assertThumbnailError(try cache.data(forKey: key) { made = true; return Data([1]) }) {
                if case .invalidKey(let k, _) = $0 { return k == key } else { return false }
            }
            XCTAssertFalse(made, "make ran for '\(key)'")
            assertThumbnailError(try cache.store(Data([1]), forKey: key)) { if case .invalidKey = $0 { return true } else { return false } }
            assertThumbnailError(try cache.cachedData(forKey: key)) { if case .invalidKey = $0 { return true } else { return false } }
        }
        XCTAssertEqual(try names(), [])
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.deletingLastPathComponent().appendingPathComponent("x").path))
        for good in ["clip-123.jpg", "sprite-45.jpg", "A.b_c-D", "x", String(repeating: "k", count: 200)] {
            XCTAssertNoThrow(try ThumbnailCache.validate(key: good), good)
        }
        XCTAssertEqual(ThumbnailCache.keyProblem("a/b"), "only letters, digits, '.', '_' and '-' are allowed")
        XCTAssertEqual(ThumbnailCache.keyProblem(".hidden"), "starts with a dot (hidden files and '..' are not entries)")
        XCTAssertEqual(ThumbnailCache.keyProblem(""), "the key is empty")
    }

    func testLeftoverTemporaryFilesAreIgnoredAndSweptWhenOld() throws {
        let cache = try ThumbnailCache(directory: folder, maxBytes: 1000)
        // A writer killed mid-write leaves a partial `.tmp-*` file: never served, not counted.
        let fresh = folder.appendingPathComponent(".tmp-\(UUID().uuidString)")
        let old = folder.appendingPathComponent(".tmp-\(UUID().uuidString)")
        try Data(repeating: 0xFF, count: 700).write(to: fresh)
        try Data(repeating: 0xFF, count: 700).write(to: old)
        try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(-7200)], ofItemAtPath: old.path)
        var calls = 0
        let made = try cache.data(forKey: "clip-1.jpg") { calls += 1; return Data(repeating: 7, count: 600) }
        XCTAssertEqual(calls, 1)
        XCTAssertEqual(made.count, 600)
        XCTAssertEqual(try cache.totalBytes(), 600, "temporary files are not entries")
        XCTAssertEqual(try cache.cachedData(forKey: "clip-1.jpg"), made, "600 ≤ 1000 bytes: nothing evicted because of the leftovers")
        XCTAssertTrue(FileManager.default.fileExists(atPath: fresh.path), "a recent one may be another process's write in progress")
        XCTAssertFalse(FileManager.default.fileExists(atPath: old.path), "an hour-old one is swept")
    }

    func testEmptyOrForeignFilesAreNotServed() throws {
        let cache = try ThumbnailCache(directory: folder)
        _ = FileManager.default.createFile(atPath: folder.appendingPathComponent("empty.jpg").path, contents: Data())
        _ = FileManager.default.createFile(atPath: folder.appendingPathComponent(".DS_Store").path, contents: Data([1, 2]))
        let made = try cache.data(forKey: "empty.jpg") { Data([9, 9]) }
        XCTAssertEqual(made, Data([9, 9]))
        XCTAssertEqual(try cache.cachedData(forKey: "empty.jpg"), Data([9, 9]))
        XCTAssertEqual(try cache.totalBytes(), 2, "hidden files are not entries")
    }

    func testAFailedMakeStoresNothing() throws {
        let cache = try ThumbnailCache(directory: folder)
        struct Boom: Error {}
        XCTAssertThrowsError(try cache.data(forKey: "clip-9.jpg") { throw Boom() }) { XCTAssertTrue($0 is Boom) }
        XCTAssertEqual(try names(), [])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path), [])
    }

    func testConcurrentWritersNeverExposeAPartialFile() throws {
        // Many writers (standing in for processes: each write is its own temporary file and
        // rename) replace one key with one of two large payloads while readers read it.
        let cache = try ThumbnailCache(directory: folder)
        let payloads = [Data(repeating: 0xAA, count: 300_000), Data(repeating: 0x55, count: 200_000)]
        let lock = NSLock()
        var bad = 0, reads = 0
        DispatchQueue.concurrentPerform(iterations: 64) { i in
            if i % 2 == 0 {
                try? cache.store(payloads[(i / 2) % 2], forKey: "shared.jpg")
            } else if let data = try? cache.cachedData(forKey: "shared.jpg") {
                lock.lock()
                reads += 1
                if !payloads.contains(data) { bad += 1 }
                lock.unlock()
            }
        }
        XCTAssertEqual(bad, 0, "a reader saw a partial or mixed file (\(reads) reads)")
        XCTAssertTrue(payloads.contains(try XCTUnwrap(cache.cachedData(forKey: "shared.jpg"))))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path), ["shared.jpg"])
    }

    func testNegativeBoundIsRefused() {
        assertThumbnailError(try ThumbnailCache(directory: folder, maxBytes: -1)) {
            $0 == .invalidArgument(name: "maxBytes", value: "-1", expected: "0 or more bytes")
        }
    }

    func testUnwritableFolderGivesACacheError() throws {
        // A regular file where the folder should be.
        let parent = folder.deletingLastPathComponent()
        try FileManager.default.createDirectory(at: parent, withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: folder.path, contents: Data([1]))
        assertThumbnailError(try ThumbnailCache(directory: folder)) {
            if case .cacheIO(let operation, let path, _) = $0 { return operation == "create folder" && path == self.folder.path }
            return false
        }
    }

    // MARK: - Helpers

    /// The entries in the folder, sorted (hidden files left out).
    private func names() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { !$0.hasPrefix(".") }.sorted()
    }

    private func setModified(_ key: String, _ date: Date) throws {
        try FileManager.default.setAttributes([.modificationDate: date], ofItemAtPath: folder.appendingPathComponent(key).path)
    }
}
