import XCTest

/// Every main command's `--help`, compared in full with the files in HelpSnapshots/, so that a
/// change to what a user reads shows up in review. After a deliberate change, run
/// `make help-snapshots` and commit the new files with it.
final class HelpSnapshotTests: XCTestCase {
    static let folder = testsRoot.appendingPathComponent("fluxsearchTests/HelpSnapshots")

    func testHelpScreensMatchTheirSnapshots() throws {
        let list = try String(contentsOf: Self.folder.appendingPathComponent("commands.txt"), encoding: .utf8)
        let commands = list.split(separator: "\n").map(String.init).filter { !$0.isEmpty }
        XCTAssertGreaterThanOrEqual(commands.count, 15)
        for name in commands {
            let file = Self.folder.appendingPathComponent(name.replacingOccurrences(of: " ", with: "-") + ".txt")
            let expected = try String(contentsOf: file, encoding: .utf8)
            let arguments = name == "fluxsearch" ? [] : name.split(separator: " ").map(String.init)
            // A fixed width: ArgumentParser wraps help text to $COLUMNS.
            let r = try CLI.run(arguments + ["--help"], environment: ["COLUMNS": "100"])
            XCTAssertEqual(r.status, 0, "\(name) --help: \(r.stderr)")
            if r.stdout != expected {
                let a = expected.split(separator: "\n", omittingEmptySubsequences: false)
                let b = r.stdout.split(separator: "\n", omittingEmptySubsequences: false)
                let i = zip(a, b).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(a.count, b.count)
                XCTFail("""
                    `fluxsearch \(name) --help` differs from \(file.lastPathComponent) at line \(i + 1):
                      snapshot: \(i < a.count ? String(a[i]) : "<end>")
                      now:      \(i < b.count ? String(b[i]) : "<end>")
                    If the change is meant, run `make help-snapshots` and commit the files.
                    """)
            }
        }
    }
}
