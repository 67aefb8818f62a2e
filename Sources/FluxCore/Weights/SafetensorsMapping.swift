import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A whole file mapped read-only (`PROT_READ`, `MAP_PRIVATE`), unmapped on deinit.
///
/// ``TensorStorage`` values that borrow the mapping hold a reference to it, so the pages stay
/// valid for as long as any tensor uses them, even after the ``SafetensorsFile`` is gone.
/// Writing through a pointer into the mapping crashes (the pages are read-only).
///
/// The mapping reflects the file as it is on disk: if another process truncates the file
/// while it is mapped, touching the lost pages raises SIGBUS. ``SafetensorsWriter`` replaces
/// files by rename, which leaves existing mappings on the old inode intact.
final class SafetensorsMapping: @unchecked Sendable {
    /// First byte of the file.
    let base: UnsafeRawPointer
    /// File size in bytes (at least `minimumSize` passed to `init`, so never 0).
    let size: Int

    /// Opens, stats and maps `path`. Files smaller than `minimumSize` bytes throw
    /// ``WeightFileError/truncated(path:what:needed:available:)`` with `what`.
    init(path: String, minimumSize: Int, what: String) throws {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            let err = errno
            if err == ENOENT { throw WeightFileError.fileNotFound(path: path) }
            throw WeightFileError.io(path: path, reason: "cannot open: \(String(cString: strerror(err)))")
        }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else {
            throw WeightFileError.io(path: path, reason: "cannot stat: \(String(cString: strerror(errno)))")
        }
        guard (st.st_mode & S_IFMT) == S_IFREG else {
            throw WeightFileError.io(path: path, reason: "not a regular file")
        }
        let size = Int(st.st_size)
        guard size >= max(minimumSize, 1) else {
            throw WeightFileError.truncated(path: path, what: what, needed: minimumSize, available: size)
        }
        guard let p = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0),
              p != UnsafeMutableRawPointer(bitPattern: -1) else {  // MAP_FAILED
            throw WeightFileError.io(path: path, reason: "cannot mmap \(size) bytes: \(String(cString: strerror(errno)))")
        }
        self.base = UnsafeRawPointer(p)
        self.size = size
    }

    deinit {
        munmap(UnsafeMutableRawPointer(mutating: base), size)
    }

    /// The whole file.
    var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: size) }
}
