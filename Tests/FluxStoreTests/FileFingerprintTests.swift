import Foundation
import XCTest
@testable import FluxStore

final class FileFingerprintTests: StoreTestCase {
    func testFNV1aReferenceValues() {
        func hash(_ s: String) -> String {
            var h = FNV1a64()
            h.combine(s)
            return h.hexDigest
        }
        // Published FNV-1a 64 test vectors.
        XCTAssertEqual(hash(""), "cbf29ce484222325")
        XCTAssertEqual(hash("a"), "af63dc4c8601ec8c")
        XCTAssertEqual(hash("foobar"), "85944171f73967e8")
    }

    func write(_ bytes: [UInt8], _ name: String) throws -> URL {
        let url = tempDir.appendingPathComponent(name)
        try Data(bytes).write(to: url)
        return url
    }

    func testSameContentSameHashAndStat() throws {
        let bytes = (0..<1000).map { UInt8($0 % 251) }
        let a = try FileFingerprint.compute(url: write(bytes, "a.bin"))
        let b = try FileFingerprint.compute(url: write(bytes, "b.bin"))
        XCTAssertEqual(a.size, 1000)
        XCTAssertEqual(a.contentHash, b.contentHash)
        XCTAssertEqual(a.contentHash.count, 16)
        let attributes = try FileManager.default.attributesOfItem(atPath: tempDir.appendingPathComponent("a.bin").path)
        let mtime = (attributes[.modificationDate] as! Date).timeIntervalSince1970
        XCTAssertEqual(a.mtime, mtime, accuracy: 0.001)
        XCTAssertEqual(try FileFingerprint.compute(url: tempDir.appendingPathComponent("a.bin")), a, "deterministic")
    }

    func testHeadAndTailChangesAreSeenMiddleOfLargeFilesIsNot() throws {
        let size = 3 * FileFingerprint.edgeBytes
        let bytes = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let base = try FileFingerprint.compute(url: write(bytes, "base.bin")).contentHash
        var head = bytes; head[10] ^= 1
        var tail = bytes; tail[size - 3] ^= 1
        var middle = bytes; middle[size / 2] ^= 1
        XCTAssertNotEqual(try FileFingerprint.compute(url: write(head, "head.bin")).contentHash, base)
        XCTAssertNotEqual(try FileFingerprint.compute(url: write(tail, "tail.bin")).contentHash, base)
        // By design only the edges are hashed; size and mtime catch most other edits.
        XCTAssertEqual(try FileFingerprint.compute(url: write(middle, "middle.bin")).contentHash, base)
        // Same edges, different size.
        XCTAssertNotEqual(try FileFingerprint.compute(url: write(bytes + [0], "longer.bin")), try FileFingerprint.compute(url: write(bytes, "base2.bin")))
    }

    func testSmallAndEmptyFiles() throws {
        let empty = try FileFingerprint.compute(url: write([], "empty.bin"))
        XCTAssertEqual(empty.size, 0)
        var h = FNV1a64()
        withUnsafeBytes(of: Int64(0).littleEndian) { h.combine($0) }
        XCTAssertEqual(empty.contentHash, h.hexDigest, "size only")
        // Between one and two edges: the tail hashes only bytes after the head.
        let bytes = (0..<(FileFingerprint.edgeBytes + 100)).map { UInt8($0 % 7) }
        var expected = FNV1a64()
        withUnsafeBytes(of: Int64(bytes.count).littleEndian) { expected.combine($0) }
        bytes.withUnsafeBytes { expected.combine($0) }
        XCTAssertEqual(try FileFingerprint.compute(url: write(bytes, "mid.bin")).contentHash, expected.hexDigest)
    }

    func testUnreadablePathsThrowIOErrors() throws {
        let missing = tempDir.appendingPathComponent("missing.mp4")
        XCTAssertEqual(assertStoreError { _ = try FileFingerprint.compute(url: missing) },
                       .io(path: missing.path, reason: "cannot open: No such file or directory"))
        XCTAssertEqual(assertStoreError { _ = try FileFingerprint.compute(url: self.tempDir) },
                       .io(path: tempDir.path, reason: "not a regular file"))
    }
}
