import Foundation
import FluxIngest
import FluxStore

/// The thumbnails of an index: a keyframe JPEG per clip (at its middle) and a hover-preview
/// sprite per video, kept in `<index>/thumbs` (a bounded ``FluxIngest/ThumbnailCache``). The
/// server makes them on first request; `index --thumbnails` makes them ahead. Keys use clip
/// and video ids, which are never reused, so a stored image never goes stale.
public struct IndexThumbnails: Sendable {
    /// Pixels: a thumbnail's width at most, and each sprite frame's width.
    public static let thumbnailWidth = 320
    public static let spriteFrameWidth = 160
    /// Frames in a sprite.
    public static let spriteFrames = 10
    /// Bytes kept by default.
    public static let defaultMaxBytes = 256 * 1024 * 1024

    public let cache: ThumbnailCache
    public let thumbnailer = Thumbnailer()

    /// The cache of the index folder `index`.
    public init(index: URL, maxBytes: Int = IndexThumbnails.defaultMaxBytes) throws {
        cache = try ThumbnailCache(directory: index.appendingPathComponent("thumbs"), maxBytes: maxBytes)
    }

    /// The JPEG of `clip` (whose file is at `path`), made and stored when missing.
    public func thumbnail(of clip: ClipInfo, path: String) throws -> Data {
        try cache.data(forKey: "clip-\(clip.id).jpg") {
            try thumbnailer.thumbnail(of: URL(fileURLWithPath: path), at: (clip.start + clip.end) / 2, maxWidth: Self.thumbnailWidth)
        }
    }

    /// The sprite of video `videoId` (whose file is at `path`), made and stored when missing.
    public func sprite(videoId: Int64, path: String) throws -> Data {
        try cache.data(forKey: "sprite-\(videoId).jpg") {
            try thumbnailer.sprite(of: URL(fileURLWithPath: path), frames: Self.spriteFrames, frameWidth: Self.spriteFrameWidth).jpeg
        }
    }

    /// Makes every missing thumbnail (each clip at the largest indexed budget) and sprite of the
    /// videos at `paths`. A file that fails is reported in the result, not thrown: indexing
    /// has already succeeded.
    /// - Returns: images made or found, and `path: reason` of the failures.
    public func makeAll(store: IndexStore, paths: [String], progress: (Int, Int) -> Void = { _, _ in }) throws -> (images: Int, failed: [String]) {
        guard let budget = try store.indexedBudgets().max() else { return (0, []) }
        var images = 0
        var failed: [String] = []
        for (i, path) in paths.enumerated() {
            progress(i, paths.count)
            guard let video = try store.video(path: path), let id = video.id else { continue }
            do {
                for clip in try store.clips(videoId: id) where clip.budget == budget {
                    _ = try thumbnail(of: clip, path: video.path)
                    images += 1
                }
                _ = try sprite(videoId: id, path: video.path)
                images += 1
            } catch {
                failed.append("\(path): \(error)")
            }
        }
        progress(paths.count, paths.count)
        return (images, failed)
    }
}
