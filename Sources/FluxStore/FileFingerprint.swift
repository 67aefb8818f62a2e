import Foundation

/// What identifies one version of a video file cheaply: its size, its modification time and a
/// 64-bit hash of its first and last 64 KiB.
///
/// ``IndexStore/fingerprintStatus(path:fingerprint:)`` compares it with the stored one: all three
/// equal means *unchanged* (skip the file); any difference means *changed* (re-encode). A `touch`
/// therefore re-encodes a file, which is the safe side.
///
/// For example:
/// ```swift
/// let fp = try FileFingerprint.compute(url: URL(fileURLWithPath: "/videos/a.mp4"))
/// switch try store.fingerprintStatus(path: "/videos/a.mp4", fingerprint: fp) { … }
/// ```
public struct FileFingerprint: Sendable, Hashable, Codable, CustomStringConvertible {
    /// Bytes hashed at each end of the file.
    public static let edgeBytes = 64 * 1024

    /// File size in bytes.
    public var size: Int64
    /// Modification time, seconds since 1970 with nanosecond precision (`st_mtim`).
    public var mtime: Double
    /// 16 lowercase hex digits: FNV-1a 64 over the size (8 bytes, little-endian), the first
    /// `min(size, 64 KiB)` bytes and the last `min(size − 64 KiB, 64 KiB)` bytes not already hashed.
    public var contentHash: String

    public init(size: Int64, mtime: Double, contentHash: String) {
        self.size = size
        self.mtime = mtime
        self.contentHash = contentHash
    }

    public var description: String { "\(size) bytes, mtime \(mtime), hash \(contentHash)" }

    /// Reads the file's size and mtime (`fstat`) and hashes its head and tail.
    /// - Throws: ``StoreError/io(path:reason:)`` when the file cannot be opened, is not a regular
    ///   file, or a read fails.
    public static func compute(url: URL) throws -> FileFingerprint {
        try url.path.withCString { try compute(fileSystemPath: $0, display: url.path) }
    }

    /// ``compute(url:)`` for a path given as the system's bytes (a name that is not UTF-8),
    /// shown in errors as `display`. O_NONBLOCK: a FIFO swapped in since the scan cannot
    /// block the open.
    public static func compute(fileSystemPath: UnsafePointer<CChar>, display path: String) throws -> FileFingerprint {
        let fd = open(fileSystemPath, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else { throw StoreError.io(path: path, reason: "cannot open: \(errnoText())") }
        defer { close(fd) }

        var info = stat()
        guard fstat(fd, &info) == 0 else { throw StoreError.io(path: path, reason: "cannot stat: \(errnoText())") }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            throw StoreError.io(path: path, reason: "not a regular file")
        }
        let size = Int64(info.st_size)
        #if os(Linux)
        let mtime = Double(info.st_mtim.tv_sec) + Double(info.st_mtim.tv_nsec) / 1e9
        #else
        let mtime = Double(info.st_mtimespec.tv_sec) + Double(info.st_mtimespec.tv_nsec) / 1e9
        #endif

        var hasher = FNV1a64()
        withUnsafeBytes(of: size.littleEndian) { hasher.combine($0) }

        let edge = Int64(edgeBytes)
        let headLength = Int(min(size, edge))
        let tailStart = max(Int64(headLength), size - edge)
        let tailLength = Int(size - tailStart)
        var buffer = [UInt8](repeating: 0, count: edgeBytes)
        try readFully(fd, path: path, offset: 0, count: headLength, into: &buffer)
        buffer.withUnsafeBytes { hasher.combine(UnsafeRawBufferPointer(rebasing: $0[0..<headLength])) }
        if tailLength > 0 {
            try readFully(fd, path: path, offset: tailStart, count: tailLength, into: &buffer)
            buffer.withUnsafeBytes { hasher.combine(UnsafeRawBufferPointer(rebasing: $0[0..<tailLength])) }
        }
        return FileFingerprint(size: size, mtime: mtime, contentHash: hasher.hexDigest)
    }

    private static func readFully(_ fd: Int32, path: String, offset: Int64, count: Int,
                                  into buffer: inout [UInt8]) throws {
        var done = 0
        try buffer.withUnsafeMutableBytes { raw in
            while done < count {
                let n = pread(fd, raw.baseAddress! + done, count - done, off_t(offset) + off_t(done))
                if n < 0 {
                    if errno == EINTR { continue }
                    throw StoreError.io(path: path, reason: "read failed: \(errnoText())")
                }
                if n == 0 { throw StoreError.io(path: path, reason: "file shrank while being read") }
                done += n
            }
        }
    }

    private static func errnoText() -> String { String(cString: strerror(errno)) }
}

/// 64-bit FNV-1a (Fowler–Noll–Vo), byte at a time. Not cryptographic; enough to tell two
/// versions of a file apart together with its size and mtime.
struct FNV1a64 {
    static let offsetBasis: UInt64 = 0xcbf2_9ce4_8422_2325
    static let prime: UInt64 = 0x0000_0100_0000_01b3

    private(set) var value: UInt64 = FNV1a64.offsetBasis

    mutating func combine(_ bytes: UnsafeRawBufferPointer) {
        var h = value
        for byte in bytes {
            h ^= UInt64(byte)
            h = h &* Self.prime
        }
        value = h
    }

    mutating func combine(_ string: String) {
        Array(string.utf8).withUnsafeBytes { combine($0) }
    }

    /// 16 lowercase hex digits, zero-padded.
    var hexDigest: String {
        let hex = String(value, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}
