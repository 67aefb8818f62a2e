import Foundation
import CZlib

/// Reads entries of a `torch.save` zip archive by name.
///
/// Why not ZIPFoundation: on Linux, ZIPFoundation 0.9.x ships a C module named `CZlib`, the
/// same name as this package's own zlib system-library target, and clang refuses the two
/// module maps in one target ("redefinition of module 'CZlib'"). Using it would mean renaming
/// our module. This reader covers what `torch.save` writes and nothing more: stored
/// (uncompressed) entries, ZIP64 records for archives or entries over 4 GiB, no encryption,
/// one disk. The file is memory-mapped; an entry is copied out only when read.
///
/// Every declared size and offset is checked before use: the central directory must lie
/// inside the file, each entry's local header and data must lie before the central directory,
/// a stored entry's uncompressed size must equal its compressed size, and the CRC-32 is
/// verified on read. Sizes and offsets are in bytes.
final class CheckpointZipReader {
    /// One central-directory record, sizes in bytes.
    struct Entry {
        let name: String
        let method: UInt16
        let crc32: UInt32
        let compressedSize: UInt64
        let uncompressedSize: UInt64
        let localHeaderOffset: UInt64
    }

    /// The most entries accepted (a checkpoint has one per storage plus a handful).
    static let maximumEntries = 1 << 20

    /// The archive's path, for messages.
    let path: String
    /// Entry names in central-directory order.
    let entryNames: [String]

    private let data: Data
    private let entries: [String: Entry]
    /// Where the central directory starts: entry data must end before it.
    private let centralDirectoryOffset: UInt64

    var fileSize: UInt64 { UInt64(data.count) }

    /// Opens `url`. Throws ``PyTorchCheckpointError/fileNotFound(path:)`` or
    /// ``PyTorchCheckpointError/notAZipArchive(path:reason:)`` (also for a truncated file).
    init(url: URL) throws {
        let path = url.path
        self.path = path
        guard FileManager.default.fileExists(atPath: path) else { throw PyTorchCheckpointError.fileNotFound(path: path) }
        let mapped: Data
        do { mapped = try Data(contentsOf: url, options: .alwaysMapped) } catch {
            throw PyTorchCheckpointError.notAZipArchive(path: path, reason: "cannot read it: \(error.localizedDescription)")
        }
        data = mapped
        func fail(_ reason: String) -> PyTorchCheckpointError { .notAZipArchive(path: path, reason: reason) }

        // End of central directory: 22 bytes + a comment of up to 65535 bytes, at the end.
        let size = mapped.count
        guard size >= 22 else { throw fail("it is \(size) bytes long, shorter than an empty zip") }
        var eocd = -1
        var p = size - 22
        while p >= max(0, size - 22 - 65535) {
            if Self.u32(mapped, p) == 0x0605_4b50 { eocd = p; break }
            p -= 1
        }
        guard eocd >= 0 else { throw fail("no end-of-central-directory record; the file is truncated or not a zip archive") }
        var count = UInt64(Self.u16(mapped, eocd + 10))
        var cdSize = UInt64(Self.u32(mapped, eocd + 12))
        var cdOffset = UInt64(Self.u32(mapped, eocd + 16))
        var cdEnd = UInt64(eocd)
        if count == 0xFFFF || cdSize == 0xFFFF_FFFF || cdOffset == 0xFFFF_FFFF {
            // ZIP64: a 20-byte locator just before the EOCD points at the ZIP64 EOCD record.
            guard eocd >= 20, Self.u32(mapped, eocd - 20) == 0x0706_4b50 else { throw fail("a ZIP64 archive without its locator") }
            let record = Self.u64(mapped, eocd - 20 + 8)
            guard eocd - 20 >= 56, record <= UInt64(eocd - 20 - 56), Self.u32(mapped, Int(record)) == 0x0606_4b50 else {
                throw fail("the ZIP64 end-of-central-directory record is missing or out of range")
            }
            count = Self.u64(mapped, Int(record) + 32)
            cdSize = Self.u64(mapped, Int(record) + 40)
            cdOffset = Self.u64(mapped, Int(record) + 48)
            cdEnd = record
        }
        guard cdOffset <= cdEnd, cdSize <= cdEnd - cdOffset else {
            throw fail("the central directory (\(cdSize) bytes at \(cdOffset)) lies outside the file; the file is truncated")
        }
        guard count <= UInt64(Self.maximumEntries), count * 46 <= cdSize else {
            throw fail("the central directory declares \(count) entries in \(cdSize) bytes")
        }
        centralDirectoryOffset = cdOffset

        var names: [String] = []
        var map: [String: Entry] = [:]
        var q = Int(cdOffset)
        let end = Int(cdOffset + cdSize)
        for _ in 0..<count {
            guard q + 46 <= end, Self.u32(mapped, q) == 0x0201_4b50 else { throw fail("a central-directory record is damaged") }
            let flags = Self.u16(mapped, q + 8)
            let method = Self.u16(mapped, q + 10)
            let crc = Self.u32(mapped, q + 16)
            var csize = UInt64(Self.u32(mapped, q + 20))
            var usize = UInt64(Self.u32(mapped, q + 24))
            let nameLength = Int(Self.u16(mapped, q + 28))
            let extraLength = Int(Self.u16(mapped, q + 30))
            let commentLength = Int(Self.u16(mapped, q + 32))
            var offset = UInt64(Self.u32(mapped, q + 42))
            let recordEnd = q + 46 + nameLength + extraLength + commentLength
            guard recordEnd <= end else { throw fail("a central-directory record runs past the directory") }
            guard flags & 1 == 0 else { throw fail("encrypted entries") }
            let name = String(decoding: mapped[q + 46 ..< q + 46 + nameLength], as: UTF8.self)
            // ZIP64 extended information (id 1): the 0xFFFFFFFF fields, in this order.
            var e = q + 46 + nameLength
            let extraEnd = e + extraLength
            while e + 4 <= extraEnd {
                let id = Self.u16(mapped, e), length = Int(Self.u16(mapped, e + 2))
                guard e + 4 + length <= extraEnd else { throw fail("a damaged extra field in '\(name)'") }
                if id == 1 {
                    var f = e + 4
                    let fieldEnd = e + 4 + length
                    if usize == 0xFFFF_FFFF {
                        guard f + 8 <= fieldEnd else { throw fail("a short ZIP64 field in '\(name)'") }
                        usize = Self.u64(mapped, f); f += 8
                    }
                    if csize == 0xFFFF_FFFF {
                        guard f + 8 <= fieldEnd else { throw fail("a short ZIP64 field in '\(name)'") }
                        csize = Self.u64(mapped, f); f += 8
                    }
                    if offset == 0xFFFF_FFFF {
                        guard f + 8 <= fieldEnd else { throw fail("a short ZIP64 field in '\(name)'") }
                        offset = Self.u64(mapped, f); f += 8
                    }
                }
                e += 4 + length
            }
            if map[name] == nil { names.append(name) }
            map[name] = Entry(name: name, method: method, crc32: crc, compressedSize: csize,
                              uncompressedSize: usize, localHeaderOffset: offset)
            q = recordEnd
        }
        guard !names.isEmpty else { throw fail("the archive has no entries") }
        entryNames = names
        entries = map
    }

    /// Whether the archive has an entry of that exact name.
    func contains(_ name: String) -> Bool { entries[name] != nil }

    /// The size an entry declares, in bytes, after the bounds checks; nil if absent.
    func declaredSize(of name: String, maximumEntryBytes: UInt64 = .max) throws -> UInt64? {
        guard let entry = entries[name] else { return nil }
        return UInt64(try dataRange(entry, maximumEntryBytes: maximumEntryBytes).count)
    }

    /// A copy of the entry's bytes. Throws ``PyTorchCheckpointError/missingEntry(path:entry:)``,
    /// ``PyTorchCheckpointError/entrySizeOutOfRange(path:entry:declared:limit:)`` before
    /// allocating anything for a size the archive cannot hold, and
    /// ``PyTorchCheckpointError/corruptEntry(path:entry:reason:)`` for a bad local header,
    /// a compressed entry or a CRC mismatch.
    func read(_ name: String, maximumEntryBytes: UInt64 = .max) throws -> Data {
        guard let entry = entries[name] else { throw PyTorchCheckpointError.missingEntry(path: path, entry: name) }
        let range = try dataRange(entry, maximumEntryBytes: maximumEntryBytes)
        let bytes = Data(data[range])
        let crc = bytes.withUnsafeBytes { raw -> UInt32 in
            var c: uLong = crc32(0, nil, 0)
            guard let base = raw.baseAddress?.assumingMemoryBound(to: Bytef.self) else { return UInt32(c) }
            var done = 0
            while done < raw.count {  // zlib takes 32-bit lengths
                let n = min(raw.count - done, 1 << 30)
                c = crc32(c, base + done, uInt(n))
                done += n
            }
            return UInt32(truncatingIfNeeded: c)
        }
        guard crc == entry.crc32 else {
            throw PyTorchCheckpointError.corruptEntry(path: path, entry: name,
                                                      reason: String(format: "CRC-32 %08x, but the archive declares %08x", crc, entry.crc32))
        }
        return bytes
    }

    private func dataRange(_ entry: Entry, maximumEntryBytes: UInt64) throws -> Range<Int> {
        let name = entry.name
        func corrupt(_ reason: String) -> PyTorchCheckpointError { .corruptEntry(path: path, entry: name, reason: reason) }
        let limit = min(centralDirectoryOffset, maximumEntryBytes)
        guard entry.compressedSize <= limit else {
            throw PyTorchCheckpointError.entrySizeOutOfRange(path: path, entry: name, declared: entry.compressedSize, limit: limit)
        }
        guard entry.uncompressedSize <= limit else {
            throw PyTorchCheckpointError.entrySizeOutOfRange(path: path, entry: name, declared: entry.uncompressedSize, limit: limit)
        }
        guard entry.method == 0 else {
            throw corrupt("it is compressed (method \(entry.method)); torch.save writes stored entries — re-save the checkpoint with torch.save")
        }
        guard entry.uncompressedSize == entry.compressedSize else {
            throw corrupt("a stored entry declares \(entry.uncompressedSize) bytes uncompressed but \(entry.compressedSize) stored")
        }
        let header = entry.localHeaderOffset
        guard header <= centralDirectoryOffset, centralDirectoryOffset - header >= 30,
              Self.u32(data, Int(header)) == 0x0403_4b50 else {
            throw corrupt("its local header is missing or lies outside the file")
        }
        let start = header + 30 + UInt64(Self.u16(data, Int(header) + 26)) + UInt64(Self.u16(data, Int(header) + 28))
        guard start <= centralDirectoryOffset, entry.compressedSize <= centralDirectoryOffset - start else {
            throw PyTorchCheckpointError.entrySizeOutOfRange(path: path, entry: name, declared: entry.compressedSize,
                                                             limit: centralDirectoryOffset > start ? centralDirectoryOffset - start : 0)
        }
        return Int(start) ..< Int(start + entry.compressedSize)
    }

    // Little-endian loads; callers have checked that the bytes exist.
    private static func u16(_ d: Data, _ o: Int) -> UInt16 {
        UInt16(d[d.startIndex + o]) | UInt16(d[d.startIndex + o + 1]) << 8
    }
    private static func u32(_ d: Data, _ o: Int) -> UInt32 {
        UInt32(u16(d, o)) | UInt32(u16(d, o + 2)) << 16
    }
    private static func u64(_ d: Data, _ o: Int) -> UInt64 {
        UInt64(u32(d, o)) | UInt64(u32(d, o + 4)) << 32
    }
}
