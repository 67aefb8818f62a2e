import Foundation
import FluxIndex
import FluxStore
import Hummingbird

/// `/api/index` (what the index holds and what failed) and indexing jobs on configured folders
/// with their progress as server-sent events.
struct IndexRoutes: Sendable {
    let store: IndexStore
    let configuration: ServerConfiguration
    let jobs: JobManager

    struct IndexInfo: Encodable {
        let index: String, model: String, modelHash: String
        let budgets: [Int], videos: Int, clips: Int, segments: Int, hasSegments: Bool
        let failures: [Failure]
        struct Failure: Encodable { let path: String; let stage: String; let reason: String }
        enum CodingKeys: String, CodingKey {
            case index, model, budgets, videos, clips, segments, failures
            case modelHash = "model_hash", hasSegments = "has_segments"
        }
    }

    func add<Context: RequestContext>(to router: Router<Context>) {
        router.get("api/index") { _, _ in try self.info() }
        router.post("api/jobs") { request, context in try await self.startJob(request, context) }
        router.get("api/jobs/:job") { _, context in
            guard let id = context.parameters.get("job"), let job = self.jobs.job(id) else {
                throw APIError(.notFound, "no indexing job with that id")
            }
            return try JSONCoding.response(job.snapshot())
        }
        router.get("api/jobs/:job/events") { _, context in
            guard let id = context.parameters.get("job"), let job = self.jobs.job(id) else {
                throw APIError(.notFound, "no indexing job with that id")
            }
            return Self.events(of: job)
        }
    }

    func info() throws -> Response {
        let settings = try store.settings()
        let counts = try store.counts()
        let budgets = try store.indexedBudgets()
        let segments = try budgets.max().map { try store.clipIds(budget: $0, matching: ClipFilter(kind: .segment)).count } ?? 0
        let failures = try store.failures().map { IndexInfo.Failure(path: $0.path, stage: $0.stage, reason: $0.reason) }
        return try JSONCoding.response(IndexInfo(
            index: store.directory.path, model: settings.modelName, modelHash: settings.modelWeightHash, budgets: budgets,
            videos: counts.videos, clips: counts.clips, segments: segments, hasSegments: segments > 0, failures: failures))
    }

    func startJob(_ request: Request, _ context: some RequestContext) async throws -> Response {
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: configuration.maxBodyBytes)
        } catch {
            throw APIError(.contentTooLarge, "the request body is over \(configuration.maxBodyBytes) bytes; send only {\"path\": \"/folder\"}")
        }
        guard let body = try? JSONDecoder().decode(JobRequest.self, from: Data(buffer.readableBytesView)) else {
            throw APIError(.badRequest, "the body must be JSON: {\"path\": \"/a/folder/to/index\"}")
        }
        try SearchParameters.checkPrintable(body.path, "path")
        guard body.path.hasPrefix("/"), body.path.count <= 4096 else {
            throw APIError(.badRequest, "path must be an absolute folder")
        }
        let target = URL(fileURLWithPath: body.path).standardizedFileURL.resolvingSymlinksInPath()
        let allowed = configuration.indexableFolders.contains { root in
            let r = root.standardizedFileURL.resolvingSymlinksInPath().path
            return target.path == r || target.path.hasPrefix(r.hasSuffix("/") ? r : r + "/")
        }
        guard allowed else {
            throw APIError(.forbidden, "this server may index only inside the folders given to `fluxsearch serve --allow-index DIR`")
        }
        let job = try jobs.start(path: target.path, index: configuration.index, model: configuration.model)
        return try JSONCoding.response(["job_id": job.id], status: .accepted)
    }

    /// Progress events until the job ends: `progress` every half second while it changes, then
    /// `done` (or `error`).
    static func events(of job: IndexJob) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/event-stream"
        headers[.cacheControl] = "no-store"
        let body = ResponseBody { writer in
            var last = ""
            while true {
                let s = job.snapshot()
                let data = String(decoding: try JSONCoding.encoder.encode(s.progress), as: UTF8.self)
                if data != last {
                    try await writer.write(ByteBuffer(string: "event: progress\ndata: \(data)\n\n"))
                    last = data
                }
                if let summary = s.summary {
                    let done = String(decoding: try JSONCoding.encoder.encode(summary), as: UTF8.self)
                    try await writer.write(ByteBuffer(string: "event: done\ndata: \(done)\n\n"))
                    break
                }
                if let message = s.error {
                    let e = String(decoding: try JSONCoding.encoder.encode(["message": message]), as: UTF8.self)
                    try await writer.write(ByteBuffer(string: "event: error\ndata: \(e)\n\n"))
                    break
                }
                try await Task.sleep(nanoseconds: 500_000_000)
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: headers, body: body)
    }
}

/// The body of `POST /api/jobs`.
struct JobRequest: Decodable { let path: String }

/// One indexing run started from the web, on its own thread.
final class IndexJob: @unchecked Sendable {
    struct Progress: Encodable { var done = 0, total = 0; var current = ""; var etaS: Double?
        enum CodingKeys: String, CodingKey { case done, total, current; case etaS = "eta_s" } }
    struct Summary: Encodable { let indexed: Int, skipped: Int, failed: Int }
    struct Snapshot: Encodable {
        let jobId: String, path: String, progress: Progress, summary: Summary?, error: String?
        enum CodingKeys: String, CodingKey { case path, progress, summary, error; case jobId = "job_id" }
    }

    let id: String
    let path: String
    private let lock = NSLock()
    private var progress = Progress()
    private var summary: Summary?
    private var error: String?

    init(id: String, path: String) {
        self.id = id
        self.path = path
    }

    func snapshot() -> Snapshot {
        lock.withLock { Snapshot(jobId: id, path: path, progress: progress, summary: summary, error: error) }
    }

    var isRunning: Bool { lock.withLock { summary == nil && error == nil } }

    func run(index: URL, model: URL) {
        do {
            let indexer = try Indexer.open(index: index, modelURL: model, request: Indexer.Request())
            let s = try indexer.run(paths: [path]) { p in
                let eta = p.filesDone > 0 && p.filesTotal > p.filesDone
                    ? p.elapsed / Double(p.filesDone) * Double(p.filesTotal - p.filesDone) : nil
                self.lock.withLock {
                    self.progress = Progress(done: p.filesDone, total: p.filesTotal, current: p.currentFile, etaS: eta)
                }
            }
            lock.withLock {
                progress.done = progress.total
                summary = Summary(indexed: s.indexed.count, skipped: s.skipped.count, failed: s.failed.count)
            }
        } catch {
            lock.withLock { self.error = "\(error)" }
        }
    }
}

/// The indexing jobs of this server: one runs at a time (an index has one writer).
final class JobManager: @unchecked Sendable {
    private let lock = NSLock()
    private var jobs: [String: IndexJob] = [:]

    func job(_ id: String) -> IndexJob? { lock.withLock { jobs[id] } }

    func start(path: String, index: URL, model: URL) throws -> IndexJob {
        let job = try lock.withLock { () -> IndexJob in
            if jobs.values.contains(where: \.isRunning) {
                throw APIError(.conflict, "an indexing job is already running; wait for it to finish")
            }
            let job = IndexJob(id: UUID().uuidString.lowercased(), path: path)
            jobs[job.id] = job
            return job
        }
        let thread = Thread { job.run(index: index, model: model) }
        thread.name = "fluxsearch.serve.index"
        thread.start()
        return job
    }
}
