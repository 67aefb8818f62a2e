import Foundation
import Crypto
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// SHA-256 of files on disk, read in 1 MiB chunks.
enum FileDigest {
    /// Adds the first `byteCount` bytes of the file (all of it when nil) to `hasher`.
    /// - Returns: the number of bytes hashed.
    @discardableResult
    static func update(_ hasher: inout SHA256, withFileAt url: URL, byteCount: Int64? = nil) throws -> Int64 {
        let fd = open(url.path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw readError(url, errno) }
        defer { _ = close(fd) }
        let chunk = 1 << 20
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunk, alignment: 16)
        defer { buffer.deallocate() }
        var done: Int64 = 0
        while byteCount.map({ done < $0 }) ?? true {
            let want = byteCount.map { min(chunk, Int($0 - done)) } ?? chunk
            let n = read(fd, buffer.baseAddress, want)
            if n < 0 {
                if errno == EINTR { continue }
                throw readError(url, errno)
            }
            if n == 0 { break }
            hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
            done += Int64(n)
        }
        return done
    }

    /// The hex SHA-256 and size in bytes of a whole file.
    static func sha256Hex(ofFileAt url: URL) throws -> (hex: String, bytes: Int64) {
        var hasher = SHA256()
        let bytes = try update(&hasher, withFileAt: url)
        return (hex(hasher.finalize()), bytes)
    }

    /// The hex SHA-256 of bytes in memory.
    static func sha256Hex(_ data: Data) -> String {
        hex(SHA256.hash(data: data))
    }

    static func hex<D: Sequence>(_ digest: D) -> String where D.Element == UInt8 {
        digest.map { String(format: "%02x", $0) }.joined()
    }

    private static func readError(_ url: URL, _ code: Int32) -> ModelDownloadError {
        .folderNotWritable(folder: url.deletingLastPathComponent().path, reason: "cannot read \(url.lastPathComponent): \(FileSystemOps.errnoText(code))")
    }
}
