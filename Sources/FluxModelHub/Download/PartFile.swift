import Foundation
import Crypto
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The `NAME.part` file a download is written to, with the running SHA-256 of its contents.
///
/// Plain POSIX calls are used so that write failures keep their errno: ENOSPC must become
/// "disk full in FOLDER", not a generic write error.
final class PartFile {
    let url: URL
    private var fd: Int32 = -1
    private(set) var size: Int64 = 0
    private(set) var hasher = SHA256()

    /// The folder messages name (the downloads folder).
    var folder: String { url.deletingLastPathComponent().path }

    init(url: URL) { self.url = url }

    deinit { if fd >= 0 { _ = close(fd) } }

    /// Opens (creating if needed) the part file for appending and hashes what it already
    /// holds, so a resumed download is verified end to end.
    func openForResume() throws {
        fd = open(url.path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw writeError(errno) }
        // Two pulls appending to one part would interleave bytes; the second one stops here.
        // The lock goes with the descriptor, so a killed process never leaves it behind.
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let code = errno
            _ = close(fd)
            fd = -1
            if code == EWOULDBLOCK { throw ModelDownloadError.partInUse(path: url.path) }
            throw writeError(code)
        }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw writeError(errno) }
        // A character device (a part path pointing at /dev/full, say) has no bytes to resume.
        let existing = (st.st_mode & S_IFMT) == S_IFREG ? Int64(st.st_size) : 0
        try hashExisting(byteCount: existing)
        size = existing
    }

    private func hashExisting(byteCount: Int64) throws {
        hasher = SHA256()
        try FileDigest.update(&hasher, withFileAt: url, byteCount: byteCount)
    }

    /// Empties the file (the server ignored the range, or the part is longer than the file).
    func truncate() throws {
        guard ftruncate(fd, 0) == 0 else { throw writeError(errno) }
        size = 0
        hasher = SHA256()
    }

    /// Appends `bytes` and adds them to the hash.
    func append(_ bytes: UnsafeRawBufferPointer) throws {
        var offset = 0
        while offset < bytes.count {
            let n = write(fd, bytes.baseAddress.map { $0 + offset }, bytes.count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                throw writeError(errno)
            }
            offset += n
        }
        hasher.update(bufferPointer: bytes)
        size += Int64(bytes.count)
    }

    /// Flushes to disk and closes; the bytes must be durable before the rename that marks
    /// the file complete.
    func closeDurably() throws {
        guard fd >= 0 else { return }
        if fsync(fd) != 0, errno != EINVAL, errno != EROFS { throw writeError(errno) }
        let result = close(fd)
        fd = -1
        if result != 0 { throw writeError(errno) }
    }

    /// Closes without flushing (after a failure).
    func abandon() {
        if fd >= 0 { _ = close(fd) }
        fd = -1
    }

    /// The hex SHA-256 of everything written.
    func digestHex() -> String {
        FileDigest.hex(hasher.finalize())
    }

    func writeError(_ code: Int32) -> ModelDownloadError {
        if code == ENOSPC || code == EDQUOT {
            return .diskFull(folder: folder, neededBytes: nil, availableBytes: nil)
        }
        return .folderNotWritable(folder: folder, reason: "\(url.lastPathComponent): \(FileSystemOps.errnoText(code))")
    }

    /// Free bytes available to this user on the file system holding `folder`, or nil.
    static func availableBytes(in folder: URL) -> Int64? {
        var vfs = statvfs()
        guard statvfs(folder.path, &vfs) == 0 else { return nil }
        return Int64(vfs.f_bavail) * Int64(vfs.f_frsize)
    }
}
