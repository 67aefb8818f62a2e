import XCTest
@testable import FluxIndex
import FluxStore

final class FileListTests: XCTestCase {
    let listURL = URL(fileURLWithPath: "/data/jobs/list.txt")

    func testLinesResolveAgainstTheListFolderAndBlankLinesAreSkipped() throws {
        let list = try FileList(data: Data("a.mp4\n\n  \n/abs/b.mp4\r\nsub/../c.mp4\n".utf8), url: listURL)
        XCTAssertEqual(list.lines, ["a.mp4", "/abs/b.mp4", "sub/../c.mp4"])
        XCTAssertEqual(list.paths, ["/data/jobs/a.mp4", "/abs/b.mp4", "/data/jobs/c.mp4"])
    }

    func testANonUTF8LineIsRefusedWithItsNumber() {
        var data = Data("ok.mp4\n".utf8)
        data.append(contentsOf: [0x66, 0xff, 0x2e, 0x6d, 0x70, 0x34, 0x0a])
        XCTAssertThrowsError(try FileList(data: data, url: listURL)) { error in
            XCTAssertEqual(error as? FileList.Failure, .notUTF8(path: listURL.path, line: 2))
        }
    }

    func testFNV1a64MatchesTheReferenceValues() {
        // Published FNV-1a 64 test vectors.
        XCTAssertEqual(FileList.fnv1a64("".utf8), 0xcbf2_9ce4_8422_2325)
        XCTAssertEqual(FileList.fnv1a64("a".utf8), 0xaf63_dc4c_8601_ec8c)
        XCTAssertEqual(FileList.fnv1a64("foobar".utf8), 0x8594_4171_f739_67e8)
    }

    func testShardsPartitionTheListAndDependOnTheLineOnly() throws {
        let lines = (0..<500).map { "videos/clip-\($0).mp4" }
        let list = try FileList(data: Data(lines.joined(separator: "\n").utf8), url: listURL)
        let n = 4
        var owners = [Int](repeating: 0, count: lines.count)
        for i in 0..<n {
            let selection = list.selection(shard: i, of: n)
            XCTAssertEqual(selection.shard, IndexShard(index: i, count: n, fileListDigest: list.digest))
            for (k, path) in list.paths.enumerated() where selection.contains(path) { owners[k] += 1 }
        }
        XCTAssertEqual(owners, [Int](repeating: 1, count: lines.count), "every file belongs to exactly one shard")
        // Balanced enough: no shard is empty or holds more than half.
        for i in 0..<n {
            let size = list.paths.filter { list.selection(shard: i, of: n).contains($0) }.count
            XCTAssert((60...250).contains(size), "shard \(i) holds \(size) of 500")
        }
        // The same list read from another folder keeps each line's shard (it hashes the line).
        let moved = try FileList(data: Data(lines.joined(separator: "\n").utf8), url: URL(fileURLWithPath: "/mnt/other/list.txt"))
        XCTAssertEqual(moved.digest, list.digest)
        for i in 0..<n {
            XCTAssertEqual(list.paths.map { list.selection(shard: i, of: n).contains($0) },
                           moved.paths.map { moved.selection(shard: i, of: n).contains($0) })
        }
    }

    func testShardSpecParsing() {
        XCTAssertEqual(IndexShard.parse("0/4")?.index, 0)
        XCTAssertEqual(IndexShard.parse("3/4")?.count, 4)
        for bad in ["4/4", "-1/4", "1/0", "1", "a/b", "1/2/3", "", "0/99999999999"] {
            XCTAssertNil(IndexShard.parse(bad), bad)
        }
    }

    func testAFolderIsNotAList() throws {
        let dir = FileManager.default.temporaryDirectory
        XCTAssertThrowsError(try FileList(url: dir)) { error in
            XCTAssert("\(error)".contains("it is a folder"), "\(error)")
        }
    }
}
