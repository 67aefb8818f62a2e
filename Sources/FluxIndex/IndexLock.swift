import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The writer's lock of an index folder: `index.lock`, held with `flock` for as long as this
/// object lives, with the holder's pid written in it. A second `index` on the same folder
/// fails at once with the first one's pid instead of encoding every file twice; the kernel
/// drops the lock when its process dies, so a killed indexer never leaves a stale lock.
public final class IndexLock {
    /// The lock file.
    public let url: URL
    private let fd: Int32

    /// Why the lock could not be taken.
    public enum Failure: Error, CustomStringConvertible, LocalizedError, Equatable {
        /// Another process holds it.
        case busy(index: String, pid: Int32?)
        /// The folder or the lock file cannot be made or opened.
        case unusable(index: String, reason: String)

        public var description: String {
            switch self {
            case .busy(let index, let pid):
                return "another fluxsearch is indexing \(index)\(pid.map { " (pid \($0))" } ?? ""); wait for it to finish, or stop it, then run this again"
            case .unusable(let index, let reason):
                return "cannot lock \(index) for writing: \(reason); check that the folder is writable"
            }
        }

        public var errorDescription: String? { description }
    }

    /// Creates `directory` when needed and takes its lock without waiting.
    /// - Throws: ``Failure/busy(index:pid:)`` when another process holds it.
    public init(directory: URL) throws {
        let path = directory.path
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw Failure.unusable(index: path, reason: error.localizedDescription)
        }
        url = directory.appendingPathComponent("index.lock")
        let fd = open(url.path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o644)
        guard fd >= 0 else { throw Failure.unusable(index: path, reason: String(cString: strerror(errno))) }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let code = errno
            let holder = Self.readPid(fd)
            close(fd)
            if code == EWOULDBLOCK { throw Failure.busy(index: path, pid: holder) }
            throw Failure.unusable(index: path, reason: String(cString: strerror(code)))
        }
        self.fd = fd
        let text = "\(getpid())\n"
        _ = ftruncate(fd, 0)
        _ = text.withCString { pwrite(fd, $0, strlen($0), 0) }
    }

    deinit {
        _ = ftruncate(fd, 0)
        flock(fd, LOCK_UN)
        close(fd)
    }

    private static func readPid(_ fd: Int32) -> Int32? {
        var buffer = [CChar](repeating: 0, count: 32)
        let n = pread(fd, &buffer, 31, 0)
        guard n > 0 else { return nil }
        return Int32(String(cString: buffer).trimmingCharacters(in: .whitespacesAndNewlines))
    }
}
