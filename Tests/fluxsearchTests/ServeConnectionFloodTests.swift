import Foundation
import XCTest

/// `fluxsearch serve` under 1,000 concurrent connections (each sends a search, a stream
/// request for an id, or a traversal attempt): every answer is 200, 206, 404, 503 (busy) or
/// 400, no file outside the index comes back, and the server still answers and stops cleanly
/// on SIGTERM afterwards.
final class ServeConnectionFloodTests: XCTestCase {
    func testAThousandConcurrentConnectionsNeitherCrashNorLeak() throws {
        let dir = try temporaryDirectory(self)
        let clips = dir.appendingPathComponent("clips")
        try FileManager.default.createDirectory(at: clips, withIntermediateDirectories: true)
        for colour in ["red", "blue"] {
            try makeTestPatternClip(clips.appendingPathComponent("\(colour).mp4"), colour: colour, seconds: 2)
        }
        let index = dir.appendingPathComponent("index").path
        let model = DemoModelTests.model.path
        let built = try CLI.run(["index", clips.path, "--model", model, "--tokens", "256", "--index-dir", index])
        XCTAssertEqual(built.status, 0, built.stderr)

        let port = try BrowserPageTests.freePort()
        let server = Process()
        server.executableURL = CLI.executable
        server.arguments = ["serve", "--index-dir", index, "--model", model, "--port", "\(port)"]
        server.standardError = FileHandle.nullDevice
        server.standardOutput = FileHandle.nullDevice
        try server.run()
        defer { if server.isRunning { server.terminate() } }
        try BrowserPageTests.waitForServer(port: port, timeout: 60)

        let script = """
            import asyncio, sys
            port = int(sys.argv[1])
            paths = ["/api/search?q=a+box+{i}", "/api/videos/1/stream", "/api/videos/..%2F..%2F..%2Fetc%2Fpasswd/stream",
                     "/static/..%2F..%2Fetc%2Fpasswd", "/api/clips/{i}/thumbnail.jpg"]
            async def one(i):
                try:
                    r, w = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), 60)
                    path = paths[i % len(paths)].format(i=i)
                    w.write(f"GET {path} HTTP/1.1\\r\\nHost: x\\r\\nConnection: close\\r\\n\\r\\n".encode())
                    await w.drain()
                    data = await asyncio.wait_for(r.read(), 180)
                    w.close()
                    if b"root:" in data:
                        return "LEAK"
                    return data.split(b" ", 2)[1].decode() if data else "closed"
                except Exception as e:
                    return type(e).__name__
            async def main():
                results = await asyncio.gather(*(one(i) for i in range(1000)))
                counts = {}
                for s in results:
                    counts[s] = counts.get(s, 0) + 1
                print(" ".join(f"{k}:{v}" for k, v in sorted(counts.items())))
            asyncio.run(main())
            """
        let flood = try runProcess(URL(fileURLWithPath: "/usr/bin/env"), ["python3", "-c", script, "\(port)"])
        XCTAssertEqual(flood.status, 0, flood.stderr)
        print("1000 connections: \(flood.stdout)")
        let counts = Dictionary(uniqueKeysWithValues: flood.stdout.split(separator: " ").compactMap { pair -> (String, Int)? in
            let kv = pair.split(separator: ":")
            return kv.count == 2 ? (String(kv[0]), Int(kv[1].trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0) : nil
        })
        XCTAssertEqual(counts.values.reduce(0, +), 1000, flood.stdout)
        XCTAssertNil(counts["LEAK"], "a file outside the index was served")
        for status in counts.keys {
            XCTAssertTrue(["200", "206", "400", "404", "503"].contains(status), "unexpected answer \(status): \(flood.stdout)")
        }

        // Still answering, then a clean stop.
        let after = try runProcess(URL(fileURLWithPath: "/usr/bin/env"),
                                   ["python3", "-c", "import urllib.request,sys; print(urllib.request.urlopen(sys.argv[1]).status)",
                                    "http://127.0.0.1:\(port)/api/index"])
        XCTAssertEqual(after.stdout.trimmingCharacters(in: .whitespacesAndNewlines), "200", after.stderr)
        server.terminate()
        server.waitUntilExit()
        XCTAssertEqual(server.terminationStatus, 0)
    }
}
