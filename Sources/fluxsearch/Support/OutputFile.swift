import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A file a command could not write. The message names the file, the reason and what to do;
/// thrown from `run()` it prints as `Error: MESSAGE` with exit status 1.
enum OutputFileError: Error, CustomStringConvertible {
    /// The target exists and is not a regular file (`kind`: "a symbolic link", "a directory", …).
    case notRegularFile(path: String, kind: String, option: String)
    /// The folder that should hold the target does not exist or is not a folder (`problem`:
    /// "does not exist" or "is not a folder").
    case badFolder(path: String, folder: String, problem: String, option: String)
    /// A system call failed: `step` says which ("cannot create a temporary file in /x"), `code` is the errno.
    case system(path: String, step: String, code: Int32, option: String)

    var description: String {
        switch self {
        case .notRegularFile(let path, let kind, let option):
            return "cannot write \(path): it is \(kind), not a regular file; name a regular file for \(option)"
        case .badFolder(let path, let folder, let problem, let option):
            return "cannot write \(path): \(folder) \(problem); create the folder or name a file in an existing folder for \(option)"
        case .system(let path, let step, let code, let option):
            let reason = String(cString: strerror(code))
            let advice: String
            switch code {
            case ENOSPC, EDQUOT: advice = "free some space or name a file on another disk for \(option)"
            case EACCES, EPERM, EROFS: advice = "name a file in a folder you can write for \(option)"
            default: advice = "check the folder, or name another file for \(option)"
            }
            return "cannot write \(path): \(step): \(reason); \(advice) (nothing was changed)"
        }
    }
}

/// Writes the files that commands produce at a user-named path (`export --output`,
/// `--vectors`, `eval --json`, `--per-query`, `--plot`, `tune --json`).
///
/// The bytes go to a hidden temporary file beside the target (`.NAME.tmp-UUID` in the same
/// folder), are flushed to disk, and the temporary file is renamed over the target, so the
/// target is either the old file or the complete new one. Only a missing target or a regular
/// file is replaced: a symbolic link, directory, device, FIFO or socket is refused (checked
/// with `lstat`, before anything is opened or written). On any failure the temporary file is
/// removed and the old target is left as it was.
enum OutputFile {
    /// Writes `data` to `path` as described above. `option` names the command-line option the
    /// path came from (e.g. "--output"), for the error message. Throws ``OutputFileError``.
    static func write(_ data: Data, to path: String, option: String) throws {
        let existingMode = try checkTarget(path, option: option)
        let url = URL(fileURLWithPath: path)
        let folder = url.deletingLastPathComponent().path
        try checkFolder(folder, path: path, option: option)

        let temporary = (folder as NSString).appendingPathComponent(".\(url.lastPathComponent).tmp-\(UUID().uuidString)")
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
        guard fd >= 0 else {
            throw OutputFileError.system(path: path, step: "cannot create a temporary file in \(folder)", code: errno, option: option)
        }
        var closed = false
        var renamed = false
        defer {
            if !closed { close(fd) }
            if !renamed { unlink(temporary) }
        }
        // Keep the permissions of a file that is replaced.
        if let existingMode { fchmod(fd, existingMode & 0o7777) }

        try data.withUnsafeBytes { (buffer: UnsafeRawBufferPointer) in
            var offset = 0
            while offset < buffer.count {
                let n = systemWrite(fd, buffer.baseAddress! + offset, buffer.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw OutputFileError.system(path: path, step: "writing \(buffer.count) bytes failed", code: errno, option: option)
                }
                offset += n
            }
        }
        guard fsync(fd) == 0 else {
            throw OutputFileError.system(path: path, step: "flushing to disk failed", code: errno, option: option)
        }
        closed = true
        guard close(fd) == 0 else {
            throw OutputFileError.system(path: path, step: "closing the temporary file failed", code: errno, option: option)
        }
        // The target may have changed while writing; check it again just before replacing it.
        _ = try checkTarget(path, option: option)
        guard rename(temporary, path) == 0 else {
            throw OutputFileError.system(path: path, step: "cannot replace it", code: errno, option: option)
        }
        renamed = true
        // Make the rename durable; a failure here loses nothing already written.
        let dfd = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dfd >= 0 { fsync(dfd); close(dfd) }
    }

    /// Checks, before a long run, that `path` could be written: it is missing or a regular
    /// file, and its folder exists. Throws the ``OutputFileError`` that ``write(_:to:option:)``
    /// would throw, so that hours of work are not lost to a bad output name. Nil and "-"
    /// (stdout) pass.
    static func precheck(_ path: String?, option: String) throws {
        guard let path, path != "-" else { return }
        _ = try checkTarget(path, option: option)
        try checkFolder(URL(fileURLWithPath: path).deletingLastPathComponent().path, path: path, option: option)
    }

    /// Writes UTF-8 `text`; see ``write(_:to:option:)``.
    static func write(_ text: String, to path: String, option: String) throws {
        try write(Data(text.utf8), to: path, option: option)
    }

    /// write(2), which the name `write` of this type hides.
    private static func systemWrite(_ fd: Int32, _ bytes: UnsafeRawPointer, _ count: Int) -> Int {
        #if canImport(Glibc)
        return Glibc.write(fd, bytes, count)
        #else
        return Darwin.write(fd, bytes, count)
        #endif
    }

    /// Refuses a target that exists and is not a regular file. Returns the mode of an existing
    /// regular file (to keep its permissions), nil when there is none.
    private static func checkTarget(_ path: String, option: String) throws -> mode_t? {
        var info = stat()
        guard lstat(path, &info) == 0 else {
            let code = errno
            if code == ENOENT { return nil }
            throw OutputFileError.system(path: path, step: "cannot look at it", code: code, option: option)
        }
        let kind: String
        switch info.st_mode & S_IFMT {
        case S_IFREG: return info.st_mode
        case S_IFLNK: kind = "a symbolic link"
        case S_IFDIR: kind = "a directory"
        case S_IFCHR: kind = "a character device"
        case S_IFBLK: kind = "a block device"
        case S_IFIFO: kind = "a FIFO (named pipe)"
        case S_IFSOCK: kind = "a socket"
        default: kind = "a special file"
        }
        throw OutputFileError.notRegularFile(path: path, kind: kind, option: option)
    }

    /// Checks that `folder`, where the target goes, exists and is a folder.
    private static func checkFolder(_ folder: String, path: String, option: String) throws {
        var info = stat()
        guard stat(folder, &info) == 0 else {
            let code = errno
            if code == ENOENT { throw OutputFileError.badFolder(path: path, folder: folder, problem: "does not exist", option: option) }
            throw OutputFileError.system(path: path, step: "cannot look at the folder \(folder)", code: code, option: option)
        }
        guard info.st_mode & S_IFMT == S_IFDIR else {
            throw OutputFileError.badFolder(path: path, folder: folder, problem: "is not a folder", option: option)
        }
    }
}
