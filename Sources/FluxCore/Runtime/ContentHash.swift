import Foundation

/// A fast, stable 64-bit content hash (not cryptographic): identifies model weights and
/// files, so an index never mixes vectors from different models.
///
/// Reads 8-byte little-endian words, each mixed as `h = (h ^ w) · p` then `h ^= h >> 29`,
/// then the tail bytes, then the length. About 5–10× faster than byte-wise FNV-1a.
public struct ContentHash: Sendable {
    private var h: UInt64 = 0xCBF2_9CE4_8422_2325
    private var length: UInt64 = 0
    private static let prime: UInt64 = 0x0000_0100_0000_01B3

    public init() {}

    /// Feeds bytes.
    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        var i = 0
        let n = bytes.count
        var hh = h
        while i + 8 <= n {
            let w = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: i, as: UInt64.self))
            hh = (hh ^ w) &* Self.prime
            hh ^= hh >> 29
            i += 8
        }
        while i < n {
            hh = (hh ^ UInt64(bytes[i])) &* Self.prime
            i += 1
        }
        h = hh
        length &+= UInt64(n)
    }

    /// Feeds a file's contents, read in 4 MiB chunks.
    public mutating func update(contentsOf url: URL) throws {
        let handle = try FileHandle(forReadingFrom: url)
        defer { try? handle.close() }
        while let chunk = try handle.read(upToCount: 4 << 20), !chunk.isEmpty {
            chunk.withUnsafeBytes { update($0) }
        }
    }

    /// "h64:" + 16 hex digits.
    public var hex: String {
        var x = (h ^ length) &* Self.prime
        x ^= x >> 31
        return "h64:" + String(format: "%016llx", x)
    }
}
