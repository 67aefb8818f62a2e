import Foundation
import FluxIndex
import FluxIngest
import FluxStore
import Hummingbird

/// Keyframe JPEGs of clips and hover-preview sprites of videos, made on first request (or by
/// `index --thumbnails`) and kept in `<index>/thumbs`, bounded in size. Making them decodes
/// video, so it runs on a small pool of its own, off the server's event loops.
struct ThumbnailRoutes: Sendable {
    let media: MediaRoutes
    let thumbnails: IndexThumbnails
    let pool: WorkPool

    func add<Context: RequestContext>(to router: Router<Context>) {
        router.get("api/clips/:id/thumbnail.jpg") { _, context in
            let clip = try self.media.clipInfo(context)
            guard let video = try self.media.store.video(id: clip.videoId) else {
                throw APIError(.notFound, "the video of clip \(clip.id) is no longer in the index")
            }
            let (path, _) = try self.media.servableFile(video)
            return Self.jpeg(try await self.pool.run { try self.thumbnails.thumbnail(of: clip, path: path) })
        }
        router.get("api/videos/:id/sprite.jpg") { _, context in
            let video = try self.media.videoRecord(context)
            let (path, _) = try self.media.servableFile(video)
            return Self.jpeg(try await self.pool.run { try self.thumbnails.sprite(videoId: video.id ?? 0, path: path) })
        }
    }

    static func jpeg(_ data: Data) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "image/jpeg"
        // Clip and video ids are never reused, so the image of an id never changes.
        headers[.cacheControl] = "private, max-age=86400"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}

/// At most `width` blocking jobs at once (decoding for thumbnails), off the event loops.
final class WorkPool: @unchecked Sendable {
    private let queue: DispatchQueue
    private let slots: DispatchSemaphore

    init(label: String, width: Int) {
        queue = DispatchQueue(label: label, attributes: .concurrent)
        slots = DispatchSemaphore(value: width)
    }

    func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async { [slots] in
                slots.wait()
                defer { slots.signal() }
                continuation.resume(with: Result { try body() })
            }
        }
    }
}
