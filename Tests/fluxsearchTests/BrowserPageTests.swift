import Foundation
import XCTest

/// The web page of `fluxsearch serve`, driven in headless Chromium (Debian's, through
/// Playwright's Python driver; `make test` installs both): on an index of synthetic test clips
/// built with the demo model, a sample query finds its clip first with a thumbnail, the
/// player plays from the span's start (within 0.5 s), a path filter and "similar" work.
/// Screenshots go to .build/test-artifacts/browser. SIGTERM then stops the server cleanly.
final class BrowserPageTests: XCTestCase {
    func testThePageFindsPlaysFiltersAndFindsSimilar() throws {
        let chromium = "/usr/bin/chromium"
        let playwright = try runProcess(URL(fileURLWithPath: "/usr/bin/env"), ["python3", "-c", "import playwright"])
        guard FileManager.default.isExecutableFile(atPath: chromium), playwright.status == 0 else {
            if ProcessInfo.processInfo.environment["CI"] != nil {
                XCTFail("the browser test needs Chromium and Playwright; `make test` installs them (Tools/setup --tests)")
            }
            throw XCTSkip("Chromium or Playwright is missing: run Tools/setup --tests")
        }
        let repository = DemoModelTests.repository
        let generate = try runProcess(URL(fileURLWithPath: "/usr/bin/env"), ["python3", "Tools/synth/generate.py", "--splits", "test"],
                                      in: repository)
        XCTAssertEqual(generate.status, 0, generate.stderr)
        let synth = repository.appendingPathComponent("Corpus/generated/synth/test")
        let dir = try temporaryDirectory(self)
        let clips = dir.appendingPathComponent("clips")
        try FileManager.default.createDirectory(at: clips, withIntermediateDirectories: true)
        // The four demo-query videos and the next twelve of the split, by file order.
        let queries = try DemoQueries.load()
        var names = queries.map(\.video)
        let all = try FileManager.default.contentsOfDirectory(atPath: synth.path).filter { $0.hasPrefix("synth-test-") }.sorted()
        for name in all where names.count < 16 && !names.contains(name) { names.append(name) }
        for name in names {
            try FileManager.default.copyItem(at: synth.appendingPathComponent(name), to: clips.appendingPathComponent(name))
        }
        let index = dir.appendingPathComponent("index").path
        let model = DemoModelTests.model.path
        let built = try CLI.run(["index", clips.path, "--model", model, "--tokens", "\(DemoQueries.tokens)", "--segment", "1.5:0.75",
                                 "--index-dir", index, "--json"])
        XCTAssertEqual(built.status, 0, built.stderr)

        let port = try Self.freePort()
        let server = Process()
        server.executableURL = CLI.executable
        server.arguments = ["serve", "--index-dir", index, "--model", model, "--port", "\(port)"]
        let serverErr = Pipe()
        server.standardError = serverErr
        server.standardOutput = FileHandle.nullDevice
        try server.run()
        defer { if server.isRunning { server.terminate() } }
        try Self.waitForServer(port: port, timeout: 60)

        let artifacts = repository.appendingPathComponent(".build/test-artifacts/browser")
        let (query, video) = queries[1]
        let check = try runProcess(URL(fileURLWithPath: "/usr/bin/env"),
                                   ["python3", "Tools/browser/check_page.py", "--url", "http://127.0.0.1:\(port)/", "--query", query,
                                    "--expect", video, "--artifacts", artifacts.path, "--chromium", chromium], in: repository)
        print(check.stdout + check.stderr)
        XCTAssertEqual(check.status, 0, check.stderr)
        for shot in ["results.png", "player.png", "similar.png"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: artifacts.appendingPathComponent(shot).path), shot)
        }

        // SIGTERM: the server stops after the requests in flight and exits 0.
        server.terminate()
        server.waitUntilExit()
        let log = String(decoding: serverErr.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        XCTAssertEqual(server.terminationStatus, 0, log)
        XCTAssertTrue(log.contains("serving \(URL(fileURLWithPath: index).standardizedFileURL.path) at http://127.0.0.1:\(port)/"), log)
    }

    /// A TCP port nobody listens on now (the kernel's pick for port 0).
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = 0
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) == 0 && getsockname(fd, $0, &len) == 0 }
        }
        guard bound else { throw CocoaError(.fileWriteUnknown) }
        return Int(UInt16(bigEndian: addr.sin_port))
    }

    /// Waits until something accepts connections on 127.0.0.1:`port`.
    static func waitForServer(port: Int, timeout: Double) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var addr = sockaddr_in()
            addr.sin_family = sa_family_t(AF_INET)
            addr.sin_addr.s_addr = inet_addr("127.0.0.1")
            addr.sin_port = in_port_t(UInt16(port).bigEndian)
            let ok = withUnsafePointer(to: &addr) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
            }
            close(fd)
            if ok { return }
            Thread.sleep(forTimeInterval: 0.2)
        }
        XCTFail("the server did not listen on port \(port) within \(timeout) s")
    }
}
