import Foundation
import FluxIndex
import FluxStore
import Hummingbird

/// Clip and video details and the video files themselves. Files are addressed by id only, and
/// only files that are in the index are served: never a path from the request, and never a
/// file that changed (or became a link elsewhere) since it was indexed.
struct MediaRoutes: Sendable {
    let store: IndexStore
    let fileIO = FileIO()

    struct ClipDetails: Encodable {
        let clipId: Int64, videoId: Int64, path: String, start: Double, end: Double, budget: Int, kind: String
        let thumbnail: String
        enum CodingKeys: String, CodingKey {
            case path, start, end, budget, kind, thumbnail
            case clipId = "clip_id", videoId = "video_id"
        }
    }

    struct VideoDetails: Encodable {
        let videoId: Int64, path: String
        let duration: Double?, fps: Double?, width: Int?, height: Int?, codec: String?, recordedAt: String?
        let stream: String, sprite: String, spriteFrames: Int
        enum CodingKeys: String, CodingKey {
            case path, duration, fps, width, height, codec, stream, sprite
            case videoId = "video_id", recordedAt = "recorded_at", spriteFrames = "sprite_frames"
        }
    }


    func add<Context: RequestContext>(to router: Router<Context>) {
        router.get("api/clips/:id") { _, context in try self.clip(context) }
        router.get("api/videos/:id") { _, context in try self.video(context) }
        router.get("api/videos/:id/stream") { request, context in try await self.stream(request, context) }
    }

    static func id(_ context: some RequestContext) throws -> Int64 {
        guard let text = context.parameters.get("id"), let id = Int64(text), id >= 0 else {
            throw APIError(.badRequest, "the id must be a whole number (the clip_id or video_id of a search result)")
        }
        return id
    }

    func clipInfo(_ context: some RequestContext) throws -> ClipInfo {
        let id = try Self.id(context)
        guard let clip = try store.clips(ids: [id]).first else {
            throw APIError(.notFound, "no clip with id \(id) in this index; ids are the clip_id of search results")
        }
        return clip
    }

    func clip(_ context: some RequestContext) throws -> Response {
        let c = try clipInfo(context)
        return try JSONCoding.response(ClipDetails(clipId: c.id, videoId: c.videoId, path: c.path, start: c.start, end: c.end,
                                                   budget: c.budget, kind: c.kind.rawValue, thumbnail: "/api/clips/\(c.id)/thumbnail.jpg"))
    }

    func videoRecord(_ context: some RequestContext) throws -> Video {
        let id = try Self.id(context)
        guard let video = try store.video(id: id) else {
            throw APIError(.notFound, "no video with id \(id) in this index; ids are the video_id of search results")
        }
        return video
    }

    func video(_ context: some RequestContext) throws -> Response {
        let v = try videoRecord(context)
        let id = v.id ?? 0
        let recorded = Date(timeIntervalSince1970: v.creationTime ?? v.mtime)
        return try JSONCoding.response(VideoDetails(
            videoId: id, path: v.path, duration: v.duration, fps: v.fps, width: v.width, height: v.height, codec: v.codec,
            recordedAt: ISO8601DateFormatter().string(from: recorded), stream: "/api/videos/\(id)/stream",
            sprite: "/api/videos/\(id)/sprite.jpg", spriteFrames: IndexThumbnails.spriteFrames))
    }

    /// The indexed file of `video`, if it is still the file that was indexed: a regular file
    /// (links resolved only to another indexed file), with the stored size and mtime.
    func servableFile(_ video: Video) throws -> (path: String, size: Int) {
        let path = video.path
        var st = stat()
        guard lstat(path, &st) == 0 else {
            throw APIError(.notFound, "the file of video \(video.id ?? 0) is gone from \(path); re-index or remove it")
        }
        var target = path
        if (st.st_mode & S_IFMT) == S_IFLNK {
            // A link: serve it only when it resolves to a file that is itself in the index.
            guard let resolved = realpath(path, nil) else {
                throw APIError(.notFound, "the file of video \(video.id ?? 0) is a broken link")
            }
            target = String(cString: resolved)
            free(resolved)
            guard try store.video(path: target) != nil else {
                throw APIError(.forbidden, "the file of video \(video.id ?? 0) is now a link to a file outside the index; it is not served")
            }
            guard stat(target, &st) == 0 else { throw APIError(.notFound, "the file of video \(video.id ?? 0) is gone") }
        }
        guard (st.st_mode & S_IFMT) == S_IFREG else {
            throw APIError(.forbidden, "the path of video \(video.id ?? 0) is no longer a regular file; it is not served")
        }
        guard Int64(st.st_size) == video.size, abs(Double(st.st_mtim.tv_sec) + Double(st.st_mtim.tv_nsec) / 1e9 - video.mtime) < 1e-3 else {
            throw APIError(.conflict, "the file of video \(video.id ?? 0) changed since it was indexed; run `fluxsearch index` on it again")
        }
        return (target, Int(st.st_size))
    }

    static func contentType(_ path: String) -> String {
        switch URL(fileURLWithPath: path).pathExtension.lowercased() {
        case "mp4", "m4v": return "video/mp4"
        case "webm": return "video/webm"
        case "mkv": return "video/x-matroska"
        case "mov": return "video/quicktime"
        case "avi": return "video/x-msvideo"
        case "ogv": return "video/ogg"
        case "ts", "m2ts", "mts": return "video/mp2t"
        default: return "application/octet-stream"
        }
    }

    func stream(_ request: Request, _ context: some RequestContext) async throws -> Response {
        let video = try videoRecord(context)
        let (path, size) = try servableFile(video)
        var headers = HTTPFields()
        headers[.acceptRanges] = "bytes"
        headers[.contentType] = Self.contentType(path)
        headers[.cacheControl] = "private, max-age=3600"
        switch RangeRequest.parse(request.headers[.range], size: size) {
        case .unsatisfiable:
            headers[.contentRange] = "bytes */\(size)"
            return try APIError(.rangeNotSatisfiable, "the range \(SearchParameters.clip(request.headers[.range] ?? "")) is outside the file's \(size) bytes")
                .response(from: request, context: context).with(extraHeaders: headers)
        case .whole:
            headers[.contentLength] = String(size)
            if size == 0 { return Response(status: .ok, headers: headers) }
            let body = try await fileIO.loadFile(path: path, range: 0...(size - 1), context: context)
            return Response(status: .ok, headers: headers, body: body)
        case .partial(let range):
            headers[.contentRange] = "bytes \(range.lowerBound)-\(range.upperBound)/\(size)"
            headers[.contentLength] = String(range.count)
            let body = try await fileIO.loadFile(path: path, range: range, context: context)
            return Response(status: .partialContent, headers: headers, body: body)
        }
    }
}

extension Response {
    /// This response with `extra` headers added (those it has keep their value).
    func with(extraHeaders extra: HTTPFields) -> Response {
        var r = self
        for field in extra where r.headers[field.name] == nil { r.headers.append(field) }
        return r
    }
}
