import Foundation
import Crypto
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// SHA-256 of files on disk, read in 1 MiB chunks (constant memory). The importer's manifest
/// and the model downloader (which hashes a partial file before resuming) both use it.
public enum FileSHA256 {
    /// A file that cannot be opened or read; `reason` is the system's message.
    public struct ReadError: Error {
        public let url: URL
        public let reason: String
    }

    /// Adds the first `byteCount` bytes of the file (all of it when nil) to `hasher`.
    /// - Returns: the number of bytes hashed.
    @discardableResult
    public static func update(_ hasher: inout SHA256, withFileAt url: URL, byteCount: Int64? = nil) throws -> Int64 {
        let fd = open(url.path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw ReadError(url: url, reason: String(cString: strerror(errno))) }
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
                throw ReadError(url: url, reason: String(cString: strerror(errno)))
            }
            if n == 0 { break }
            hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
            done += Int64(n)
        }
        return done
    }

    /// The lowercase hex SHA-256 and the size in bytes of a whole file.
    public static func hex(ofFileAt url: URL) throws -> (hex: String, bytes: Int64) {
        var hasher = SHA256()
        let bytes = try update(&hasher, withFileAt: url)
        return (hex(hasher.finalize()), bytes)
    }

    /// Lowercase hex of a digest's bytes.
    public static func hex<D: Sequence>(_ digest: D) -> String where D.Element == UInt8 {
        digest.map { String(format: "%02x", $0) }.joined()
    }
}
