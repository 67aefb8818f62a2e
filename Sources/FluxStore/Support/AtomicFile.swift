import Foundation

/// Small-file helpers for the files the store derives from SQLite (FAISS stamps).
enum AtomicFile {
    /// Writes `data` to `url` atomically: a temporary file in the same folder
    /// (`.<name>.tmp-<uuid>`, the pattern ``VectorIndex/write(to:)`` also uses), `fsync`, `rename`
    /// over `url`, then `fsync` of the folder. A crash leaves the old file or the new one.
    static func write(_ data: Data, to url: URL) throws {
        let directory = url.deletingLastPathComponent()
        let temp = directory.appendingPathComponent(".\(url.lastPathComponent).tmp-\(UUID().uuidString)")
        let fd = open(temp.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw StoreError.io(path: temp.path, reason: "cannot create: \(errnoText())") }
        var isOpen = true
        do {
            try data.withUnsafeBytes { raw in
                var done = 0
                while done < raw.count {
                    let n = Foundation.write(fd, raw.baseAddress! + done, raw.count - done)
                    if n < 0 {
                        if errno == EINTR { continue }
                        throw StoreError.io(path: temp.path, reason: "write failed: \(errnoText())")
                    }
                    done += n
                }
            }
            guard fsync(fd) == 0 else { throw StoreError.io(path: temp.path, reason: "fsync failed: \(errnoText())") }
            isOpen = false
            guard close(fd) == 0 else { throw StoreError.io(path: temp.path, reason: "close failed: \(errnoText())") }
            guard rename(temp.path, url.path) == 0 else {
                throw StoreError.io(path: url.path, reason: "rename failed: \(errnoText())")
            }
        } catch {
            if isOpen { close(fd) }
            unlink(temp.path)
            throw error
        }
        try syncDirectory(directory)
    }

    /// `fsync` of a folder, so a rename in it survives a power cut.
    static func syncDirectory(_ directory: URL) throws {
        let fd = open(directory.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw StoreError.io(path: directory.path, reason: "cannot open folder: \(errnoText())") }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw StoreError.io(path: directory.path, reason: "fsync failed: \(errnoText())") }
    }

    /// Deletes temporary files left by writers of `url` that died mid-write (`.<name>.tmp-*`).
    /// Call only while holding the exclusive ``FileLock`` that every writer of `url` holds.
    static func removeOrphanedTemporaries(of url: URL) {
        let directory = url.deletingLastPathComponent()
        let prefix = ".\(url.lastPathComponent).tmp-"
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory.path) else { return }
        for name in names where name.hasPrefix(prefix) {
            unlink(directory.appendingPathComponent(name).path)
        }
    }

    static func errnoText() -> String { String(cString: strerror(errno)) }
}

/// An advisory `flock(2)` on a lock file, shared or exclusive. Each acquisition opens its own
/// file description, so it excludes other threads of this process as well as other processes.
/// The kernel releases it when the process dies, so a killed writer never leaves it held.
struct FileLock {
    enum Mode { case shared, exclusive }

    let url: URL

    /// Runs `body` while holding the lock.
    func withLock<T>(_ mode: Mode, _ body: () throws -> T) throws -> T {
        let fd = open(url.path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw StoreError.io(path: url.path, reason: "cannot open lock file: \(AtomicFile.errnoText())")
        }
        defer { close(fd) }  // closing the description releases the lock
        while flock(fd, mode == .shared ? LOCK_SH : LOCK_EX) != 0 {
            guard errno == EINTR else {
                throw StoreError.io(path: url.path, reason: "flock failed: \(AtomicFile.errnoText())")
            }
        }
        return try body()
    }
}
