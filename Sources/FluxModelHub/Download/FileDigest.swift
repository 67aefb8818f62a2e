import Foundation
import Crypto
import FluxModels

/// ``FileSHA256`` (FluxModels) with read failures as ``ModelDownloadError``s.
enum FileDigest {
    /// Adds the first `byteCount` bytes of the file (all of it when nil) to `hasher`.
    /// - Returns: the number of bytes hashed.
    @discardableResult
    static func update(_ hasher: inout SHA256, withFileAt url: URL, byteCount: Int64? = nil) throws -> Int64 {
        do { return try FileSHA256.update(&hasher, withFileAt: url, byteCount: byteCount) } catch let e as FileSHA256.ReadError {
            throw readError(e)
        }
    }

    /// The hex SHA-256 and size in bytes of a whole file.
    static func sha256Hex(ofFileAt url: URL) throws -> (hex: String, bytes: Int64) {
        do { return try FileSHA256.hex(ofFileAt: url) } catch let e as FileSHA256.ReadError {
            throw readError(e)
        }
    }

    /// The hex SHA-256 of bytes in memory.
    static func sha256Hex(_ data: Data) -> String {
        FileSHA256.hex(SHA256.hash(data: data))
    }

    static func hex<D: Sequence>(_ digest: D) -> String where D.Element == UInt8 { FileSHA256.hex(digest) }

    private static func readError(_ e: FileSHA256.ReadError) -> ModelDownloadError {
        .folderNotWritable(folder: e.url.deletingLastPathComponent().path, reason: "cannot read \(e.url.lastPathComponent): \(e.reason)")
    }
}
