import Foundation
import NIOCore
import NIOPosix
import NIOHTTP1
@testable import FluxModelHub

/// A local HTTP/1.1 server on 127.0.0.1 that serves files from memory and mimics the
/// Hugging Face resolve → CDN redirect, for the download tests (no outside network).
///
/// - `HEAD`/`GET /{owner}/{repo}/resolve/{rev}/{path}` → 302 to `http://{cdnHost}:{port}/cdn/…`
///   with `X-Linked-Etag`, `X-Linked-Size`, `X-Repo-Commit` (401 when a token is required and
///   missing, 404 for an unknown file);
/// - `GET /cdn/{owner}/{repo}/{rev}/{path}` and `GET /{plain path}` serve the bytes, with
///   `Range: bytes=N-` (206 + Content-Range; 416 past the end).
/// Options: require a bearer token, cut the connection after N body bytes (once), serve
/// corrupted bytes (all files, or those whose path contains a fragment; the announced
/// `X-Linked-Etag` stays the true one), ignore ranges. It records every request and counts body bytes sent.
final class FakeModelHost: @unchecked Sendable {
    struct Request: Sendable {
        let method: String
        let uri: String
        let host: String?
        let headers: [String: String]
    }

    /// Mutable server state, shared with the channel handlers under a lock.
    final class State: @unchecked Sendable {
        private let lock = NSLock()
        var hfFiles: [String: Data] = [:]      // "owner/repo/rev/path"
        var plainFiles: [String: Data] = [:]   // "/path"
        var requiredToken: String?
        var cutAfterBytes: Int?                // one-shot: the next GET body stops after this many bytes
        var corrupt = false
        var corruptPathsContaining: String?    // corrupt only the files whose URL path contains this
        var ignoreRange = false
        var commit = "0123456789abcdef0123456789abcdef01234567"
        var cdnHost = "localhost"
        var requests: [Request] = []
        var bodyBytesSent = 0
        var port = 0

        func with<T>(_ body: (State) -> T) -> T {
            lock.lock(); defer { lock.unlock() }
            return body(self)
        }
    }

    let state = State()
    private let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    private var channel: Channel?
    private(set) var port = 0

    init() throws {
        let state = self.state
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.pipeline.configureHTTPServerPipeline(withErrorHandling: true).flatMap {
                    channel.pipeline.addHandler(FakeModelHostHandler(state: state))
                }
            }
        let channel = try bootstrap.bind(host: "127.0.0.1", port: 0).wait()
        self.channel = channel
        port = channel.localAddress?.port ?? 0
        state.with { $0.port = port }
    }

    /// `http://127.0.0.1:PORT`.
    var baseURL: String { "http://127.0.0.1:\(port)" }

    func stop() {
        try? channel?.close().wait()
        channel = nil
        try? group.syncShutdownGracefully()
    }

    // Convenience accessors (locked).
    func addHuggingFace(repo: String, revision: String, path: String, data: Data) {
        state.with { $0.hfFiles["\(repo)/\(revision)/\(path)"] = data }
    }
    func addPlain(path: String, data: Data) { state.with { $0.plainFiles[path] = data } }
    var requests: [Request] { state.with { $0.requests } }
    var bodyBytesSent: Int { state.with { $0.bodyBytesSent } }
    func configure(_ change: @escaping (State) -> Void) { state.with(change) }

    static func sha256Hex(_ data: Data) -> String {
        FileDigest.sha256Hex(data)
    }
}

/// One connection's handler: collects a request, then answers it from ``FakeModelHost/State``.
private final class FakeModelHostHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    let state: FakeModelHost.State
    private var head: HTTPRequestHead?

    init(state: FakeModelHost.State) { self.state = state }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head): self.head = head
        case .body: break
        case .end:
            if let head { respond(context: context, to: head) }
            head = nil
        }
    }

    private struct Reply {
        var status: HTTPResponseStatus
        var headers: [(String, String)] = []
        var body = Data()
        var cutAfter: Int?
    }

    private func respond(context: ChannelHandlerContext, to head: HTTPRequestHead) {
        let isHead = head.method == .HEAD
        var reply = state.with { state -> Reply in
            var headers: [String: String] = [:]
            for (name, value) in head.headers { headers[name.lowercased()] = value }
            state.requests.append(.init(method: "\(head.method)", uri: head.uri, host: headers["host"], headers: headers))
            return Self.route(head: head, headers: headers, state: state)
        }
        if isHead { reply.cutAfter = nil }
        var responseHeaders = HTTPHeaders(reply.headers)
        responseHeaders.replaceOrAdd(name: "Content-Length", value: "\(reply.body.count)")
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: reply.status, headers: responseHeaders))), promise: nil)
        if isHead || reply.body.isEmpty {
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
            return
        }
        if let cut = reply.cutAfter {
            let prefix = reply.body.prefix(cut)
            state.with { $0.bodyBytesSent += prefix.count }
            context.writeAndFlush(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(bytes: prefix)))), promise: nil)
            // Give the client time to take the bytes before the connection drops, as a
            // network that dies mid-transfer would.
            let channel = context.channel
            context.eventLoop.scheduleTask(in: .milliseconds(150)) { channel.close(promise: nil) }
            return
        }
        state.with { $0.bodyBytesSent += reply.body.count }
        context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(bytes: reply.body)))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }

    private static func route(head: HTTPRequestHead, headers: [String: String], state: FakeModelHost.State) -> Reply {
        let path = head.uri.split(separator: "?", maxSplits: 1).first.map(String.init) ?? head.uri
        let parts = path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        // Hugging Face resolve URL: /owner/repo/resolve/rev/path...
        if parts.count >= 5, parts[2] == "resolve" {
            if let token = state.requiredToken, headers["authorization"] != "Bearer \(token)" {
                return Reply(status: .unauthorized, headers: [("X-Error-Code", "GatedRepo")])
            }
            let key = ([parts[0], parts[1], parts[3]] + parts[4...]).joined(separator: "/")
            guard let data = state.hfFiles[key] else {
                return Reply(status: .notFound, headers: [("X-Error-Code", "EntryNotFound")])
            }
            let sha = FakeModelHost.sha256Hex(data)
            return Reply(status: .found, headers: [
                ("Location", "http://\(state.cdnHost):\(state.port)/cdn/\(key)"),
                ("X-Linked-Etag", "\"\(sha)\""),
                ("ETag", "\"\(sha)\""),
                ("X-Linked-Size", "\(data.count)"),
                ("X-Repo-Commit", state.commit),
            ])
        }
        let data: Data?
        if parts.first == "cdn" {
            data = state.hfFiles[parts.dropFirst().joined(separator: "/")]
        } else {
            data = state.plainFiles[path]
        }
        guard var body = data else { return Reply(status: .notFound) }
        let corruptThis = state.corrupt || state.corruptPathsContaining.map { path.contains($0) } == true
        if corruptThis, !body.isEmpty {
            body[body.count / 2] ^= 0xFF
        }
        var reply = Reply(status: .ok, headers: [("Accept-Ranges", "bytes")], body: body)
        if let range = headers["range"], !state.ignoreRange,
           range.hasPrefix("bytes="), range.hasSuffix("-"),
           let start = Int(range.dropFirst(6).dropLast()) {
            if start >= body.count {
                return Reply(status: .rangeNotSatisfiable, headers: [("Content-Range", "bytes */\(body.count)")])
            }
            reply.status = .partialContent
            reply.headers.append(("Content-Range", "bytes \(start)-\(body.count - 1)/\(body.count)"))
            reply.body = body.subdata(in: start..<body.count)
        }
        if head.method == .GET, let cut = state.cutAfterBytes {
            reply.cutAfter = min(cut, reply.body.count)
            state.cutAfterBytes = nil
        }
        return reply
    }
}
