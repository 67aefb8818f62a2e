import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The few file-system operations the library needs, with errno-level failure reasons.
///
/// `rename(2)` is used directly (not `FileManager.moveItem`) because installing must be one
/// atomic rename: `moveItem` silently falls back to copy-and-delete across file systems,
/// which would let a half-copied model appear under its final name.
enum FileSystemOps {
    /// The text of an errno value, e.g. "Not a directory".
    static func errnoText(_ code: Int32) -> String {
        String(cString: strerror(code))
    }

    /// Creates `folder` and its parents; throws ``ModelLibraryError/fileSystem(operation:path:reason:)``.
    static func makeFolder(_ folder: URL) throws {
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: folder.path, isDirectory: &isDir) {
            if isDir.boolValue { return }
            throw ModelLibraryError.fileSystem(operation: "create the folder", path: folder.path, reason: "a file with that name exists")
        }
        // Walk up to find the first missing ancestor so the message names the real culprit
        // (e.g. a parent that is a regular file → ENOTDIR).
        var missing: [URL] = []
        var cursor = folder
        while !FileManager.default.fileExists(atPath: cursor.path) {
            missing.append(cursor)
            let parent = cursor.deletingLastPathComponent()
            if parent.path == cursor.path { break }
            cursor = parent
        }
        for dir in missing.reversed() {
            if mkdir(dir.path, 0o755) != 0 {
                let code = errno
                if code == EEXIST { continue }
                throw ModelLibraryError.fileSystem(operation: "create the folder", path: dir.path, reason: errnoText(code))
            }
        }
    }

    /// Atomically renames `source` to `destination` (same file system). Fails when
    /// `destination` is a non-empty directory.
    static func move(_ source: URL, to destination: URL) throws {
        if rename(source.path, destination.path) != 0 {
            let code = errno
            let reason = code == EXDEV ? "\(errnoText(code)): both must be on one file system" : errnoText(code)
            throw ModelLibraryError.fileSystem(operation: "move \(source.lastPathComponent) to \(destination.lastPathComponent)",
                                               path: source.deletingLastPathComponent().path, reason: reason)
        }
    }

    /// Removes a file or folder tree; a missing item is not an error.
    static func remove(_ url: URL) throws {
        guard FileManager.default.fileExists(atPath: url.path) || isSymlink(url) else { return }
        do { try FileManager.default.removeItem(at: url) } catch {
            throw ModelLibraryError.fileSystem(operation: "remove", path: url.path, reason: error.localizedDescription)
        }
    }

    static func isSymlink(_ url: URL) -> Bool {
        var st = stat()
        return lstat(url.path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFLNK
    }

    /// Total size in bytes of the regular files under `folder` (symlinks are not followed).
    static func treeSize(_ folder: URL) -> Int64 {
        guard let walker = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: [.fileSizeKey, .isRegularFileKey],
                                                          options: [], errorHandler: { _, _ in true }) else { return 0 }
        var total: Int64 = 0
        for case let url as URL in walker {
            guard let values = try? url.resourceValues(forKeys: [.fileSizeKey, .isRegularFileKey]),
                  values.isRegularFile == true else { continue }
            total += Int64(values.fileSize ?? 0)
        }
        return total
    }
}
