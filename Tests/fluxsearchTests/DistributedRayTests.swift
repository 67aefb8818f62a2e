import XCTest

/// The acceptance test for distributed indexing, run by Tools/distributed/test_two_node.py:
/// a real two-node Ray cluster on 127.0.0.1 indexes generated clips in 4 shards with the tiny
/// model; the merged index must equal a single-process index of the same list (clips, vectors
/// bit for bit, failures), also when one worker node is SIGKILLed mid-job. The script starts
/// and stops the cluster itself. Ray comes from `Tools/setup --tests` (pinned); without it the
/// script exits 77 and this test is skipped.
final class DistributedRayTests: XCTestCase {
    func testTwoNodeRayJobEqualsASingleProcessIndexEvenWhenAWorkerNodeDies() throws {
        let repository = DemoModelTests.repository
        let r = try runProcess(URL(fileURLWithPath: "/usr/bin/env"),
                               ["python3", "Tools/distributed/test_two_node.py", "--fluxsearch", CLI.executable.path],
                               in: repository)
        if r.status == 77 { throw XCTSkip("Ray is not installed (Tools/setup --tests installs it): \(r.stderr)") }
        print(r.stdout)
        XCTAssertEqual(r.status, 0, "stdout:\n\(r.stdout)\nstderr:\n\(r.stderr.suffix(6000))")
        XCTAssertEqual(r.stdout.components(separatedBy: "PASS").count - 1 >= 2, true, r.stdout)
        XCTAssertFalse(r.stdout.contains("FAIL"), r.stdout)
    }
}
