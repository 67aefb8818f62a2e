import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A folder of made-once files (thumbnails, sprites), named by keys the caller gives and
/// bounded in total size; the web server keeps one at `<index folder>/thumbs/`.
///
/// - **Atomic.** Every entry is written to a `.tmp-<UUID>` file in the same folder and renamed
///   onto its key, so a reader sees either no file or a complete one, never a partial write,
///   even with several processes on one folder. An empty file is treated as missing.
///   Leftover `.tmp-*` files (a process killed mid-write) are never served; the eviction sweep
///   deletes them once they are an hour old.
/// - **Bounded.** After each write, when the entries (files named by valid keys) add up to more
///   than ``maxBytes``, the least recently used are deleted until the total fits. "Used" is
///   the modification time, which a cache hit refreshes. Two processes evicting at once may
///   both delete; a file that is already gone is skipped.
/// - **Safe keys.** A key is 1…200 characters of `[A-Za-z0-9._-]` not starting with a dot, so
///   it names a plain file inside the folder: no `/`, no `..`, no hidden files. Anything else
///   is refused with ``ThumbnailError/invalidKey(key:reason:)`` before the disk is touched.
///
/// For example:
/// ```swift
/// let cache = try ThumbnailCache(directory: indexFolder.appendingPathComponent("thumbs"))
/// let jpeg = try cache.data(forKey: "clip-123.jpg") {
///     try Thumbnailer().thumbnail(of: videoURL, at: 12.5)
/// }
/// ```
///
/// A value without mutable state; it may be shared between threads.
///
/// ## Topics
/// ### Reading and writing
/// - ``data(forKey:make:)``
/// - ``cachedData(forKey:)``
/// - ``store(_:forKey:)``
/// ### Size
/// - ``maxBytes``
/// - ``totalBytes()``
/// - ``trim()``
/// ### Keys
/// - ``validate(key:)``
public struct ThumbnailCache: Sendable {
    /// The cache folder.
    public let directory: URL
    /// The most bytes the entries may take together after a write (default 256 MiB).
    public let maxBytes: Int

    /// 256 MiB.
    public static let defaultMaxBytes = 256 << 20
    /// The longest key, characters.
    public static let maxKeyLength = 200
    /// Prefix of the files being written (never a valid key, which cannot start with a dot).
    static let temporaryPrefix = ".tmp-"
    /// Age, seconds, after which the sweep deletes a leftover temporary file; far longer
    /// than any write takes, so another process's write in progress is never removed.
    static let staleTemporaryAge: Double = 3600

    /// Opens the cache at `directory`, creating the folder (and its parents) when needed.
    ///
    /// - Parameter maxBytes: the bound on the entries' total size, bytes (≥ 0).
    /// - Throws: ``ThumbnailError/cacheIO(operation:path:reason:)`` when the folder cannot be
    ///   made; ``ThumbnailError/invalidArgument(name:value:expected:)`` for a negative bound.
    public init(directory: URL, maxBytes: Int = ThumbnailCache.defaultMaxBytes) throws {
        guard maxBytes >= 0 else {
            throw ThumbnailError.invalidArgument(name: "maxBytes", value: String(maxBytes), expected: "0 or more bytes")
        }
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw ThumbnailError.cacheIO(operation: "create folder", path: directory.path, reason: Self.reason(error))
        }
        self.directory = directory
        self.maxBytes = maxBytes
    }

    // MARK: - Reading and writing

    /// The bytes stored under `key`, or the result of `make` after storing it there.
    ///
    /// A hit returns the file's bytes without calling `make` and marks the entry as just used.
    /// On a miss, `make` runs, its bytes are written atomically (and the cache trimmed to
    /// ``maxBytes``), then returned. Two processes missing the same key at once both make it;
    /// the last rename wins, and either result is complete.
    ///
    /// - Throws: ``ThumbnailError/invalidKey(key:reason:)`` (before `make` runs), whatever
    ///   `make` throws, and ``ThumbnailError/cacheIO(operation:path:reason:)`` when the entry
    ///   cannot be written (the made bytes are then lost; call `make` directly to serve them
    ///   without the cache).
    public func data(forKey key: String, make: () throws -> Data) throws -> Data {
        if let hit = try cachedData(forKey: key) { return hit }
        let made = try make()
        try store(made, forKey: key)
        return made
    }

    /// The bytes stored under `key`, or nil when there are none (or the file is empty). A hit
    /// refreshes the entry's modification time, which the eviction order follows.
    ///
    /// - Throws: ``ThumbnailError/invalidKey(key:reason:)``; ``ThumbnailError/cacheIO(operation:path:reason:)``
    ///   when the file exists but cannot be read.
    public func cachedData(forKey key: String) throws -> Data? {
        let url = try entryURL(key)
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            if Self.isMissingFile(error) { return nil }
            throw ThumbnailError.cacheIO(operation: "read", path: url.path, reason: Self.reason(error))
        }
        guard !data.isEmpty else { return nil }
        // Mark it used (atime and mtime = now). It may have been evicted meanwhile: no matter.
        _ = url.withUnsafeFileSystemRepresentation { path in path.map { utimensat(AT_FDCWD, $0, nil, 0) } }
        return data
    }

    /// Stores `data` under `key` (replacing what was there) with a temporary file and a rename,
    /// then trims the cache to ``maxBytes``.
    ///
    /// - Throws: ``ThumbnailError/invalidKey(key:reason:)``, ``ThumbnailError/cacheIO(operation:path:reason:)``.
    public func store(_ data: Data, forKey key: String) throws {
        let url = try entryURL(key)
        let temporary = directory.appendingPathComponent(Self.temporaryPrefix + UUID().uuidString)
        do {
            try data.write(to: temporary)
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw ThumbnailError.cacheIO(operation: "write", path: temporary.path, reason: Self.reason(error))
        }
        // rename(2) replaces an existing entry atomically (FileManager.moveItem would refuse).
        guard rename(temporary.path, url.path) == 0 else {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(at: temporary)
            throw ThumbnailError.cacheIO(operation: "rename", path: url.path, reason: reason)
        }
        try trim()
    }

    // MARK: - Size

    /// One entry of the folder: a file named by a valid key.
    struct Entry {
        var name: String
        var bytes: Int
        /// Modification time, seconds since 1970.
        var lastUse: Double
    }

    /// The entries, and the leftover temporary files older than ``staleTemporaryAge`` (paths).
    func scan() throws -> (entries: [Entry], staleTemporaries: [String]) {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        } catch {
            throw ThumbnailError.cacheIO(operation: "list", path: directory.path, reason: Self.reason(error))
        }
        let now = Date().timeIntervalSince1970
        var entries: [Entry] = [], stale: [String] = []
        for name in names {
            let isTemporary = name.hasPrefix(Self.temporaryPrefix)
            guard isTemporary || Self.keyProblem(name) == nil else { continue }  // not ours
            var info = stat()
            let path = directory.appendingPathComponent(name).path
            guard lstat(path, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { continue }
            let modified = Double(info.st_mtim.tv_sec) + Double(info.st_mtim.tv_nsec) / 1e9
            if isTemporary {
                if now - modified > Self.staleTemporaryAge { stale.append(path) }
            } else {
                entries.append(Entry(name: name, bytes: Int(info.st_size), lastUse: modified))
            }
        }
        return (entries, stale)
    }

    /// Bytes taken by the entries now (temporary files not counted).
    public func totalBytes() throws -> Int {
        try scan().entries.reduce(0) { $0 + $1.bytes }
    }

    /// Deletes the least recently used entries until the rest fit in ``maxBytes``, and
    /// temporary files left over for more than an hour. ``store(_:forKey:)`` calls it after
    /// every write; the cost is one `lstat` per file in the folder.
    ///
    /// - Returns: the keys deleted, oldest first.
    @discardableResult
    public func trim() throws -> [String] {
        let (entries, stale) = try scan()
        for path in stale { unlink(path) }
        var total = entries.reduce(0) { $0 + $1.bytes }
        guard total > maxBytes else { return [] }
        var deleted: [String] = []
        for entry in entries.sorted(by: { ($0.lastUse, $0.name) < ($1.lastUse, $1.name) }) {
            if total <= maxBytes { break }
            let path = directory.appendingPathComponent(entry.name).path
            if unlink(path) == 0 || errno == ENOENT {  // ENOENT: another process evicted it first
                total -= entry.bytes
                deleted.append(entry.name)
            }
        }
        return deleted
    }

    // MARK: - Keys

    /// Throws ``ThumbnailError/invalidKey(key:reason:)`` unless `key` is 1…200 characters of
    /// `[A-Za-z0-9._-]` that do not start with a dot.
    public static func validate(key: String) throws {
        if let problem = keyProblem(key) { throw ThumbnailError.invalidKey(key: key, reason: problem) }
    }

    /// What is wrong with `key`, or nil when it is valid.
    static func keyProblem(_ key: String) -> String? {
        if key.isEmpty { return "the key is empty" }
        if key.utf8.count > maxKeyLength { return "longer than \(maxKeyLength) characters" }
        if key.hasPrefix(".") { return "starts with a dot (hidden files and '..' are not entries)" }
        let allowed = key.utf8.allSatisfy { c in
            (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z")) || (c >= UInt8(ascii: "A") && c <= UInt8(ascii: "Z"))
                || (c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9"))
                || c == UInt8(ascii: ".") || c == UInt8(ascii: "_") || c == UInt8(ascii: "-")
        }
        return allowed ? nil : "only letters, digits, '.', '_' and '-' are allowed"
    }

    /// The file of `key` inside the folder, after validating the key.
    private func entryURL(_ key: String) throws -> URL {
        try Self.validate(key: key)
        return directory.appendingPathComponent(key)
    }

    private static func isMissingFile(_ error: Error) -> Bool {
        if let cocoa = error as? CocoaError, cocoa.code == .fileReadNoSuchFile || cocoa.code == .fileNoSuchFile { return true }
        if let posix = (error as NSError).userInfo[NSUnderlyingErrorKey] as? NSError,
           posix.domain == NSPOSIXErrorDomain, posix.code == Int(ENOENT) { return true }
        return false
    }

    private static func reason(_ error: Error) -> String {
        if let posix = (error as NSError).userInfo[NSUnderlyingErrorKey] as? NSError, posix.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(posix.code)))
        }
        return error.localizedDescription
    }
}
