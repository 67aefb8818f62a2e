import Foundation

/// Finds the file of each annotation video name under a videos folder (searched recursively,
/// hidden files skipped).
///
/// A name resolves, in this order, to: the path as given relative to the folder; a file of
/// exactly that name anywhere under it; a file with the same stem (``VideoName/stem(_:)``) —
/// preferring the name's own extension, then ``VideoName/videoExtensions`` in order, then a
/// bare trailing dot, then no extension. So `video7020` (the JSFusion CSV's id) finds
/// `video7020.mp4`, and the Flickr name `…_5762149bfc.` finds `…_5762149bfc.` as well as a
/// re-encoded `…_5762149bfc.mp4`.
///
/// For example:
/// ```swift
/// let locator = try VideoLocator(directory: URL(fileURLWithPath: "MSRVTT/videos/all"))
/// let (found, missing) = locator.resolve(dataset.videos)
/// ```
public struct VideoLocator: Sendable {
    public let directory: URL
    /// Every file under the folder, by file name.
    private var byName: [String: URL] = [:]
    /// Every file with a video extension (or none, or a bare dot), by stem.
    private var byStem: [String: [URL]] = [:]

    /// Scans `directory`.
    /// - Throws: ``AnnotationError/unreadable(path:reason:)`` when it is not a readable folder.
    public init(directory: URL) throws {
        self.directory = directory.standardizedFileURL
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: self.directory.path, isDirectory: &isDir), isDir.boolValue else {
            throw AnnotationError.unreadable(path: directory.path, reason: "no such folder; --videos takes the folder holding the dataset's video files")
        }
        guard let walker = FileManager.default.enumerator(at: self.directory, includingPropertiesForKeys: [.isRegularFileKey],
                                                          options: [.skipsHiddenFiles]) else {
            throw AnnotationError.unreadable(path: directory.path, reason: "cannot list the folder")
        }
        var files: [URL] = []
        for case let url as URL in walker {
            guard (try? url.resourceValues(forKeys: [.isRegularFileKey]))?.isRegularFile == true else { continue }
            files.append(url.standardizedFileURL)
        }
        files.sort { $0.path < $1.path }
        for url in files {
            let name = url.lastPathComponent
            if byName[name] == nil { byName[name] = url }
            byStem[VideoName.stem(name), default: []].append(url)
        }
    }

    /// Number of files found under the folder.
    public var fileCount: Int { byName.count }

    /// The file for an annotation name, or nil.
    public func resolve(_ name: String) -> URL? {
        let direct = directory.appendingPathComponent(name).standardizedFileURL
        var isDir: ObjCBool = false
        if !name.isEmpty, FileManager.default.fileExists(atPath: direct.path, isDirectory: &isDir), !isDir.boolValue {
            return direct
        }
        let base = name.split(separator: "/").last.map(String.init) ?? name
        if let exact = byName[base] { return exact }
        guard let candidates = byStem[VideoName.stem(base)], !candidates.isEmpty else { return nil }
        let own = base.hasSuffix(".") ? "" : URL(fileURLWithPath: base).pathExtension.lowercased()
        func preference(_ url: URL) -> Int {
            let fileName = url.lastPathComponent
            if fileName.hasSuffix(".") { return 1000 }
            let ext = url.pathExtension.lowercased()
            if ext.isEmpty { return 1001 }
            if ext == own { return -1 }
            return VideoName.videoExtensions.firstIndex(of: ext) ?? 2000
        }
        return candidates.min { preference($0) < preference($1) }
    }

    /// Resolves every name: `found[i]` is the file of `names[i]` or nil; `missing` lists the
    /// names without a file, in order.
    public func resolve(_ names: [String]) -> (found: [URL?], missing: [String]) {
        let found = names.map(resolve)
        return (found, zip(names, found).filter { $0.1 == nil }.map(\.0))
    }
}
