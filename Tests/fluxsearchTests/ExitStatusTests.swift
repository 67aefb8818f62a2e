import XCTest

/// Exit statuses scripts can trust: 64 for invalid arguments (found before any work), 1 for
/// failures while running, each with a message that names the thing; and `bank add` refuses
/// an index built with another model.
final class ExitStatusTests: XCTestCase {
    func testInvalidArgumentsExit64AndRuntimeFailuresExit1() throws {
        let dir = try temporaryDirectory(self)
        let badBudget = try CLI.run(["index", dir.path, "--tokens", "0,512"])
        XCTAssertEqual(badBudget.status, 64, badBudget.stderr)
        XCTAssertTrue(badBudget.stderr.contains("--tokens takes positive token budgets separated by commas"), badBudget.stderr)

        let noIndex = try CLI.run(["query", "a dog", "--index-dir", dir.appendingPathComponent("none").path])
        XCTAssertEqual(noIndex.status, 1, noIndex.stderr)
        XCTAssertTrue(noIndex.stderr.contains("no index at"), noIndex.stderr)

        // An int64 array where clips are expected: found at run time, so 1, not 64.
        let npy = dir.appendingPathComponent("ints.npy")
        var header = "{'descr': '<i8', 'fortran_order': False, 'shape': (1,), }"
        header += String(repeating: " ", count: (64 - (10 + header.utf8.count + 1) % 64) % 64) + "\n"
        var data = Data([0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(header.utf8.count & 0xff), UInt8(header.utf8.count >> 8)])
        data += Data(header.utf8) + Data(count: 8)
        try data.write(to: npy)
        let ints = try CLI.run(["embed", "--tensor", npy.path])
        XCTAssertEqual(ints.status, 1, ints.stderr)
        XCTAssertTrue(ints.stderr.contains("expected a float32 array"), ints.stderr)

        let gt = dir.appendingPathComponent("gt.txt")
        try Data("0 1 x".utf8).write(to: gt)
        let sim = dir.appendingPathComponent("sim.npy")
        try Self.float32NPY(rows: 2, cols: 3).write(to: sim)
        let badGT = try CLI.run(["eval", "scores", "--sim", sim.path, "--gt", gt.path])
        XCTAssertEqual(badGT.status, 1, badGT.stderr)
        XCTAssertTrue(badGT.stderr.contains("entry 2 ('x') is not a video index"), badGT.stderr)
    }

    func testBankAddRefusesAnIndexOfAnotherModel() throws {
        let dir = try temporaryDirectory(self)
        let clip = dir.appendingPathComponent("clips/a.mp4")
        try FileManager.default.createDirectory(at: clip.deletingLastPathComponent(), withIntermediateDirectories: true)
        let ff = try runProcess(URL(fileURLWithPath: "/usr/bin/ffmpeg"),
                                ["-y", "-loglevel", "error", "-f", "lavfi", "-i", "testsrc2=size=160x120:rate=10:duration=1",
                                 "-c:v", "libx264", "-pix_fmt", "yuv420p", clip.path])
        XCTAssertEqual(ff.status, 0, ff.stderr)
        let one = dir.appendingPathComponent("one").path, two = dir.appendingPathComponent("two").path
        XCTAssertEqual(try CLI.run(["dev", "random-model", "--output", one]).status, 0)
        XCTAssertEqual(try CLI.run(["dev", "random-model", "--output", two, "--seed", "2"]).status, 0)
        let index = dir.appendingPathComponent("index").path
        let indexed = try CLI.run(["index", clip.deletingLastPathComponent().path, "--model", one, "--tokens", "256", "--index-dir", index])
        XCTAssertEqual(indexed.status, 0, indexed.stderr)
        let captions = dir.appendingPathComponent("bank.txt")
        try Data("a red square\n".utf8).write(to: captions)
        let refused = try CLI.run(["bank", "add", "--from", captions.path, "--model", two, "--index-dir", index])
        XCTAssertEqual(refused.status, 1, refused.stderr)
        XCTAssertTrue(refused.stderr.contains("the index was built with model tiny-random"), refused.stderr)
        let list = try CLI.run(["bank", "list", "--index-dir", index, "--json"])
        struct Entry: Decodable { let text: String }
        XCTAssertEqual(try JSONDecoder().decode([Entry].self, from: Data(list.stdout.utf8)).count, 0, "nothing was added: \(list.stdout)")
    }

    /// A little-endian float32 .npy of the given shape, all zeros.
    static func float32NPY(rows: Int, cols: Int) -> Data {
        var header = "{'descr': '<f4', 'fortran_order': False, 'shape': (\(rows), \(cols)), }"
        header += String(repeating: " ", count: (64 - (10 + header.utf8.count + 1) % 64) % 64) + "\n"
        var data = Data([0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(header.utf8.count & 0xff), UInt8(header.utf8.count >> 8)])
        data += Data(header.utf8) + Data(count: rows * cols * 4)
        return data
    }
}
