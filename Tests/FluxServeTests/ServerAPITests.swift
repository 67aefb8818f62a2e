import XCTest
import FluxIndex
import FluxIngest
import FluxModels
import FluxQuery
import FluxStore
import FluxTestSupport
import Hummingbird
import HummingbirdTesting
@testable import FluxServe

/// The JSON API in-process (Hummingbird's router test client) against a small real index
/// (generated clips with segments, the tiny random model): every endpoint, Range requests,
/// 404 for unknown ids, bounded inputs rejected with 400, the token, and files that changed or
/// became links since indexing.
final class ServerAPITests: XCTestCase {
    static var fixtures: TestFixtures!
    static var model: ModelDirectory!
    static var index: URL { fixtures.url("index") }
    static var clips: URL { fixtures.url("clips") }
    static let assets = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Sources/FluxServe/Resources")

    override class func setUp() {
        super.setUp()
        do {
            fixtures = try TestFixtures()
            model = try fixtures.tinyModel()
            for colour in ["red", "green", "blue"] { try fixtures.clip("clips/\(colour).mp4", colour: colour, seconds: 3) }
            var request = Indexer.Request(budgets: [256])
            request.segments = SegmentWindows(length: 1, stride: 1)
            _ = try Indexer.open(index: index, modelURL: model.url, request: request).run(paths: [clips.path])
        } catch {
            XCTFail("setting up: \(error)")
        }
    }

    override class func tearDown() {
        fixtures?.remove()
        super.tearDown()
    }

    func server(token: String? = nil, allowIndex: [URL] = []) throws -> FluxServer {
        var c = ServerConfiguration(index: Self.index, model: Self.model.url)
        c.port = 0
        c.token = token
        c.indexableFolders = allowIndex
        return try FluxServer(configuration: c, assets: Self.assets)
    }

    func json(_ r: TestResponse) throws -> [String: Any] {
        try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.body.readableBytesView)) as? [String: Any], String(buffer: r.body))
    }

    func errorMessage(_ r: TestResponse) throws -> String {
        let e = try XCTUnwrap(try json(r)["error"] as? [String: Any])
        XCTAssertEqual(e["status"] as? Int, Int(r.status.code))
        return try XCTUnwrap(e["message"] as? String)
    }

    func stored() throws -> (store: IndexStore, clips: [ClipInfo]) {
        let store = try IndexStore.open(at: Self.index)
        return (store, try store.allClips(budget: 256))
    }

    func testSearchReturnsTheDocumentOfQueryJSON() async throws {
        let app = try server().application()
        let session = try SearchSession.open(index: Self.index, model: Self.model.url)
        var options = QueryOptions()
        options.k = 5
        options.collapseAbove = NearDuplicates.defaultThreshold
        let expected = try session.search(.text("a red box"), options: options)
        try await app.test(.router) { client in
            try await client.execute(uri: "/api/search?q=a%20red%20box&k=5", method: .get) { r in
                XCTAssertEqual(r.status, .ok)
                XCTAssertEqual(r.headers[.contentType], "application/json; charset=utf-8")
                let report = try JSONDecoder().decode(SearchReport.self, from: Data(r.body.readableBytesView))
                XCTAssertEqual(report.query, "a red box")
                XCTAssertEqual(report.index, Self.index.standardizedFileURL.path)
                XCTAssertEqual(report.result.hits.map(\.clipId), expected.hits.map(\.clipId))
                XCTAssertEqual(report.result.hits.map(\.score), expected.hits.map(\.score))
                XCTAssertNotNil(report.result.hits.first?.moments, "segments give moments")
                let raw = try self.json(r)
                XCTAssertEqual(Set(raw.keys), ["query", "index", "model", "model_hash", "result"])
            }
            // Filters, negatives, sort: echoed.
            try await client.execute(uri: "/api/search?q=box&minus=green&path=\(Self.clips.path)/red.mp4&kind=segment&sort=date&per_video=false", method: .get) { r in
                XCTAssertEqual(r.status, .ok, String(buffer: r.body))
                let report = try JSONDecoder().decode(SearchReport.self, from: Data(r.body.readableBytesView))
                XCTAssertTrue(report.result.hits.allSatisfy { $0.path.hasSuffix("red.mp4") && $0.kind == "segment" })
                XCTAssertEqual(report.result.terms?.map(\.weight), [1, -1])
                XCTAssertEqual(report.result.sort, .date)
                XCTAssertEqual(report.result.filter?.kind, .segment)
            }
        }
    }

    func testBoundedInputsAreRejectedWith400() async throws {
        let app = try server().application()
        let long = String(repeating: "a", count: 1001)
        let bad = ["/api/search", "/api/search?q=", "/api/search?q=\(long)", "/api/search?q=x&k=0", "/api/search?q=x&k=201",
                   "/api/search?q=x&k=ten", "/api/search?q=x&refine_tokens=512&refine_top=51", "/api/search?q=x&after=2024-13-01",
                   "/api/search?q=x&after=2024-06-01&before=2024-05-01", "/api/search?q=x&min_duration=-1",
                   "/api/search?q=x&kind=film", "/api/search?q=x&sort=size", "/api/search?q=x&path=relative/dir",
                   "/api/search?q=x&exclude_above=0.5", "/api/search?q=x&collapse=maybe", "/api/similar/abc", "/api/clips/-3"]
        try await app.test(.router) { client in
            for uri in bad {
                try await client.execute(uri: uri, method: .get) { r in
                    XCTAssertEqual(r.status, .badRequest, uri)
                    XCTAssertFalse(try self.errorMessage(r).isEmpty, uri)
                }
            }
        }
    }

    func testSimilarClipAndVideoDetails() async throws {
        let (store, clips) = try stored()
        let red = try XCTUnwrap(clips.first { $0.path.hasSuffix("red.mp4") && $0.kind == .video })
        let app = try server().application()
        try await app.test(.router) { client in
            try await client.execute(uri: "/api/similar/\(red.id)?k=10", method: .get) { r in
                XCTAssertEqual(r.status, .ok, String(buffer: r.body))
                let report = try JSONDecoder().decode(SearchReport.self, from: Data(r.body.readableBytesView))
                XCTAssertFalse(report.result.hits.isEmpty)
                XCTAssertFalse(report.result.hits.contains { $0.videoId == red.videoId })
            }
            try await client.execute(uri: "/api/similar/987654", method: .get) { r in
                XCTAssertEqual(r.status, .notFound)
                XCTAssertTrue(try self.errorMessage(r).contains("no clip with id 987654"))
            }
            try await client.execute(uri: "/api/clips/\(red.id)", method: .get) { r in
                let j = try self.json(r)
                XCTAssertEqual(j["clip_id"] as? Int, Int(red.id))
                XCTAssertEqual(j["path"] as? String, red.path)
                XCTAssertEqual(j["thumbnail"] as? String, "/api/clips/\(red.id)/thumbnail.jpg")
            }
            try await client.execute(uri: "/api/clips/987654", method: .get) { r in XCTAssertEqual(r.status, .notFound) }
            try await client.execute(uri: "/api/videos/\(red.videoId)", method: .get) { r in
                let j = try self.json(r)
                XCTAssertEqual(j["video_id"] as? Int, Int(red.videoId))
                XCTAssertEqual(try XCTUnwrap(j["duration"] as? Double), 3, accuracy: 0.2)
                XCTAssertEqual(j["stream"] as? String, "/api/videos/\(red.videoId)/stream")
            }
            try await client.execute(uri: "/api/videos/987654/stream", method: .get) { r in XCTAssertEqual(r.status, .notFound) }
            try await client.execute(uri: "/api/index", method: .get) { r in
                let j = try self.json(r)
                XCTAssertEqual(j["videos"] as? Int, 3)
                XCTAssertEqual(j["budgets"] as? [Int], [256])
                XCTAssertEqual(j["has_segments"] as? Bool, true)
                XCTAssertEqual(j["clips"] as? Int, try store.counts().clips)
            }
            try await client.execute(uri: "/api/no/such/route", method: .get) { r in
                XCTAssertEqual(r.status, .notFound)
                _ = try self.errorMessage(r)
            }
            try await client.execute(uri: "/api/openapi.json", method: .get) { r in
                XCTAssertEqual(r.status, .ok)
                XCTAssertNotNil(try self.json(r)["openapi"])
            }
            try await client.execute(uri: "/", method: .get) { r in
                XCTAssertEqual(r.status, .ok)
                XCTAssertTrue(r.headers[.contentType]?.hasPrefix("text/html") ?? false)
            }
        }
    }

    func testStreamingHonoursRanges() async throws {
        let (_, clips) = try stored()
        let red = try XCTUnwrap(clips.first { $0.path.hasSuffix("red.mp4") })
        let bytes = try Data(contentsOf: URL(fileURLWithPath: red.path))
        let n = bytes.count
        let app = try server().application()
        let uri = "/api/videos/\(red.videoId)/stream"
        try await app.test(.router) { client in
            try await client.execute(uri: uri, method: .get) { r in
                XCTAssertEqual(r.status, .ok)
                XCTAssertEqual(r.headers[.acceptRanges], "bytes")
                XCTAssertEqual(r.headers[.contentType], "video/mp4")
                XCTAssertEqual(Data(r.body.readableBytesView), bytes)
            }
            let cases: [(String, ClosedRange<Int>)] = [("bytes=0-99", 0...99), ("bytes=\(n / 2)-\(n / 2 + 999)", (n / 2)...(n / 2 + 999)),
                                                       ("bytes=-100", (n - 100)...(n - 1)), ("bytes=\(n - 10)-", (n - 10)...(n - 1))]
            for (header, range) in cases {
                try await client.execute(uri: uri, method: .get, headers: [.range: header]) { r in
                    XCTAssertEqual(r.status, .partialContent, header)
                    XCTAssertEqual(r.headers[.contentRange], "bytes \(range.lowerBound)-\(range.upperBound)/\(n)", header)
                    XCTAssertEqual(Data(r.body.readableBytesView), bytes.subdata(in: range.lowerBound..<(range.upperBound + 1)), header)
                }
            }
            try await client.execute(uri: uri, method: .get, headers: [.range: "bytes=\(n + 5)-"]) { r in
                XCTAssertEqual(r.status, .rangeNotSatisfiable)
                XCTAssertEqual(r.headers[.contentRange], "bytes */\(n)")
            }
        }
    }

    func testThumbnailsAndSpritesAreJPEGsCachedInTheIndex() async throws {
        let (_, clips) = try stored()
        let green = try XCTUnwrap(clips.first { $0.path.hasSuffix("green.mp4") && $0.kind == .segment })
        let app = try server().application()
        try await app.test(.router) { client in
            for uri in ["/api/clips/\(green.id)/thumbnail.jpg", "/api/videos/\(green.videoId)/sprite.jpg"] {
                let first = try await client.execute(uri: uri, method: .get) { r -> Data in
                    XCTAssertEqual(r.status, .ok, uri)
                    XCTAssertEqual(r.headers[.contentType], "image/jpeg", uri)
                    return Data(r.body.readableBytesView)
                }
                XCTAssertEqual(Array(first.prefix(2)), [0xFF, 0xD8], uri)
                XCTAssertEqual(Array(first.suffix(2)), [0xFF, 0xD9], uri)
                try await client.execute(uri: uri, method: .get) { r in XCTAssertEqual(Data(r.body.readableBytesView), first, uri) }
            }
            try await client.execute(uri: "/api/clips/987654/thumbnail.jpg", method: .get) { r in XCTAssertEqual(r.status, .notFound) }
            try await client.execute(uri: "/api/search?q=a%00b", method: .get) { r in XCTAssertEqual(r.status, .badRequest) }
        }
        let cached = try FileManager.default.contentsOfDirectory(atPath: Self.index.appendingPathComponent("thumbs").path)
        XCTAssertTrue(cached.contains("clip-\(green.id).jpg"), "\(cached)")
        XCTAssertTrue(cached.contains("sprite-\(green.videoId).jpg"), "\(cached)")
    }

    func testTokenIsRequiredWhenSet() async throws {
        let app = try server(token: "s3cret-token").application()
        try await app.test(.router) { client in
            try await client.execute(uri: "/api/index", method: .get) { r in
                XCTAssertEqual(r.status, .unauthorized)
                XCTAssertTrue(try self.errorMessage(r).contains("Bearer"))
            }
            try await client.execute(uri: "/api/index", method: .get, headers: [.authorization: "Bearer wrong-token!"]) { r in
                XCTAssertEqual(r.status, .unauthorized)
            }
            try await client.execute(uri: "/api/index", method: .get, headers: [.authorization: "Bearer s3cret-token"]) { r in
                XCTAssertEqual(r.status, .ok)
            }
            try await client.execute(uri: "/api/index?token=s3cret-token", method: .get) { r in XCTAssertEqual(r.status, .ok) }
        }
        var open = ServerConfiguration(index: Self.index, model: Self.model.url)
        open.host = "0.0.0.0"
        XCTAssertThrowsError(try open.validate()) { XCTAssertTrue("\($0)".contains("--token"), "\($0)") }
        open.token = "short"
        XCTAssertThrowsError(try open.validate())
    }

    func testPathTraversalNeverServesAFileOutsideTheIndex() async throws {
        let app = try server().application()
        let attempts = ["/api/videos/..%2F..%2F..%2Fetc%2Fpasswd/stream", "/api/videos/%2E%2E/stream", "/api/videos/%252E%252E%252Fetc/stream",
                        "/static/..%2F..%2FPackage.swift", "/static/%2e%2e/%2e%2e/Package.swift", "/static/%252e%252e%252fPackage.swift",
                        "/../../../../etc/passwd", "/api/clips/1%2F..%2F..%2Fetc%2Fpasswd", "/api/search?q=x&path=/../../etc",
                        "/api/videos/1/stream?path=/etc/passwd", "/api/jobs/..%2F..%2Fetc/events"]
        try await app.test(.router) { client in
            for uri in attempts {
                try await client.execute(uri: uri, method: .get) { r in
                    let body = String(buffer: r.body)
                    XCTAssertFalse(body.contains("root:"), uri)
                    XCTAssertFalse(body.contains("PackageDescription"), uri)
                    if uri.contains("/api/videos/1/stream") {
                        XCTAssertFalse(r.status == .ok && !(r.headers[.contentType] ?? "").hasPrefix("video/"), uri)
                    } else if !uri.hasPrefix("/api/search") {
                        XCTAssertTrue([.badRequest, .notFound, .forbidden].contains(r.status), "\(uri): \(r.status)")
                    }
                }
            }
        }
    }

    func testChangedRemovedAndRelinkedFilesAreNotServed() async throws {
        // A private index of its own, since files are changed.
        let f = try TestFixtures()
        defer { f.remove() }
        let model = try f.tinyModel()
        for name in ["a", "b", "c"] { try f.clip("v/\(name).mp4", colour: "red") }
        _ = try Indexer.open(index: f.url("index"), modelURL: model.url, request: Indexer.Request(budgets: [256])).run(paths: [f.url("v").path])
        let store = try IndexStore.open(at: f.url("index"))
        func id(_ name: String) throws -> Int64 { try XCTUnwrap(store.video(path: f.url("v/\(name).mp4").path)?.id) }
        let (a, b, c) = (try id("a"), try id("b"), try id("c"))
        try FileManager.default.removeItem(at: f.url("v/a.mp4"))
        try FileManager.default.removeItem(at: f.url("v/b.mp4"))
        try FileManager.default.createSymbolicLink(atPath: f.url("v/b.mp4").path, withDestinationPath: "/etc/passwd")
        try Data("changed".utf8).write(to: f.url("v/c.mp4"))
        var config = ServerConfiguration(index: f.url("index"), model: model.url)
        config.port = 0
        let app = try FluxServer(configuration: config, assets: Self.assets).application()
        try await app.test(.router) { client in
            try await client.execute(uri: "/api/videos/\(a)/stream", method: .get) { r in XCTAssertEqual(r.status, .notFound) }
            try await client.execute(uri: "/api/videos/\(b)/stream", method: .get) { r in
                XCTAssertEqual(r.status, .forbidden)
                XCTAssertFalse(String(buffer: r.body).contains("root:"))
            }
            try await client.execute(uri: "/api/videos/\(c)/stream", method: .get) { r in
                XCTAssertEqual(r.status, .conflict)
                XCTAssertTrue(try self.errorMessage(r).contains("changed since it was indexed"))
            }
        }
    }

    func testLargeBodiesAndForbiddenFoldersAreRefused() async throws {
        let app = try server(allowIndex: [Self.clips]).application()
        try await app.test(.router) { client in
            let big = ByteBuffer(repeating: UInt8(ascii: "a"), count: 10 * 1024 * 1024)
            try await client.execute(uri: "/api/jobs", method: .post, body: big) { r in
                XCTAssertTrue([.contentTooLarge, .badRequest].contains(r.status), "\(r.status)")
            }
            try await client.execute(uri: "/api/jobs", method: .post, body: ByteBuffer(string: #"{"path": "/etc"}"#)) { r in
                XCTAssertEqual(r.status, .forbidden)
            }
            try await client.execute(uri: "/api/jobs", method: .post, body: ByteBuffer(string: #"{"path": "\#(Self.clips.path)/../../"}"#)) { r in
                XCTAssertEqual(r.status, .forbidden, "a path that climbs out of the allowed folder")
            }
            try await client.execute(uri: "/api/jobs", method: .post, body: ByteBuffer(string: "not json")) { r in
                XCTAssertEqual(r.status, .badRequest)
            }
        }
    }

    func testAnIndexingJobStreamsProgressUntilDone() async throws {
        let app = try server(allowIndex: [Self.clips]).application()
        try await app.test(.router) { client in
            let id = try await client.execute(uri: "/api/jobs", method: .post,
                                              body: ByteBuffer(string: #"{"path": "\#(Self.clips.path)"}"#)) { r -> String in
                XCTAssertEqual(r.status, .accepted, String(buffer: r.body))
                return try XCTUnwrap(try self.json(r)["job_id"] as? String)
            }
            try await client.execute(uri: "/api/jobs/\(id)/events", method: .get) { r in
                XCTAssertEqual(r.headers[.contentType], "text/event-stream")
                let text = String(buffer: r.body)
                XCTAssertTrue(text.contains("event: progress"), text)
                XCTAssertTrue(text.contains("event: done\ndata: {\"failed\":0,\"indexed\":0,\"skipped\":3}"), text)
            }
        }
    }
}
