import Foundation

/// Checks a zip archive's end records and central directory before ZIPFoundation reads them.
///
/// ZIPFoundation 0.9.20 converts offsets it reads from the file to `off_t` and adds sizes
/// without overflow checks, so a crafted archive whose (ZIP64) offsets or sizes exceed 2⁶³
/// stops the process (found by `Tools/fuzz/run.sh`). This walks the same records the same way
/// (end record found by scanning back from the end, ZIP64 end record just before its locator,
/// central directory entries in order until one does not parse) and refuses any offset or size
/// that points past the end of the file, so every value ZIPFoundation later computes with is
/// bounded by the file's size. Sizes in bytes.
enum ZipPreflight {
    /// The largest central directory read (torch.save writes a few hundred bytes per tensor).
    static let maximumCentralDirectoryBytes: UInt64 = 64 << 20

    static func check(_ url: URL, fileSize: UInt64) throws {
        let path = url.path
        func bad(_ reason: String) -> PyTorchCheckpointError { .notAZipArchive(path: path, reason: reason) }
        guard let file = FileHandle(forReadingAtPath: path) else { throw PyTorchCheckpointError.fileNotFound(path: path) }
        defer { try? file.close() }
        func read(_ offset: UInt64, _ count: Int) -> [UInt8]? {
            guard offset <= fileSize, UInt64(count) <= fileSize - offset else { return nil }
            if count == 0 { return [] }
            do {
                try file.seek(toOffset: offset)
                guard let data = try file.read(upToCount: count), data.count == count else { return nil }
                return [UInt8](data)
            } catch { return nil }
        }
        guard fileSize >= 22 else { throw bad("it is \(fileSize) bytes long, shorter than a zip end record") }

        // The end record: the last "PK\u{5}\u{6}" at or before fileSize - 22, scanning back.
        var eocd: UInt64?
        var end = fileSize - 22 + 4  // one past the last byte a signature may end at
        let window = 1 << 20
        while eocd == nil, end >= 4 {
            let start = end >= UInt64(window) ? end - UInt64(window) : 0
            guard let chunk = read(start, Int(end - start)) else { break }
            var i = chunk.count - 4
            while i >= 0 {
                if chunk[i] == 0x50, chunk[i + 1] == 0x4B, chunk[i + 2] == 0x05, chunk[i + 3] == 0x06 {
                    eocd = start + UInt64(i)
                    break
                }
                i -= 1
            }
            if start == 0 { break }
            end = start + 3  // overlap by 3 bytes so a signature across chunks is seen
        }
        guard let eocdOffset = eocd, let record = read(eocdOffset, 22) else { throw bad("no end-of-central-directory record") }
        var entries = UInt64(le16(record, 10))
        var cdSize = UInt64(le32(record, 12))
        var cdOffset = UInt64(le32(record, 16))

        // ZIP64: a locator 20 bytes before the end record and the record 56 bytes before it.
        if eocdOffset > 20 + 56, let locator = read(eocdOffset - 20, 20), le32(locator, 0) == 0x07064B50,
           let z = read(eocdOffset - 20 - 56, 56), le32(z, 0) == 0x06064B50 {
            let values = [le64(locator, 8), le64(z, 4), le64(z, 24), le64(z, 32), le64(z, 40), le64(z, 48)]
            guard values.allSatisfy({ $0 <= fileSize }) else {
                throw bad("its ZIP64 end record declares offsets, sizes or counts beyond the file's \(fileSize) bytes")
            }
            entries = le64(z, 32)
            cdSize = le64(z, 40)
            cdOffset = le64(z, 48)
        }
        guard cdOffset <= fileSize, cdSize <= fileSize - cdOffset else {
            throw bad("its central directory (offset \(cdOffset), \(cdSize) bytes) lies beyond the file's \(fileSize) bytes")
        }
        guard cdSize <= maximumCentralDirectoryBytes else { throw bad("its central directory is \(cdSize) bytes, more than a checkpoint needs") }

        // Central directory entries, as ZIPFoundation iterates them.
        var position = cdOffset
        var index: UInt64 = 0
        while index < entries, let h = read(position, 46), le32(h, 0) == 0x02014B50 {
            let nameLength = Int(le16(h, 28)), extraLength = Int(le16(h, 30)), commentLength = Int(le16(h, 32))
            guard let extra = read(position + 46 + UInt64(nameLength), extraLength) else {
                throw bad("central directory entry \(index) runs past the end of the file")
            }
            let compressed = le32(h, 20), uncompressed = le32(h, 24)
            var local = UInt64(le32(h, 42))
            var e = 0
            while e + 4 <= extra.count {
                let id = le16(extra, e), length = Int(le16(extra, e + 2))
                if id == 0x0001 {
                    var k = e + 4
                    while k + 8 <= min(extra.count, e + 4 + length) {
                        guard le64(extra, k) <= fileSize else {
                            throw bad("central directory entry \(index) declares a ZIP64 offset or size of \(le64(extra, k)) bytes in a file of \(fileSize)")
                        }
                        k += 8
                    }
                    var f = e + 4
                    func next() -> UInt64? { guard f + 8 <= extra.count else { return nil }; defer { f += 8 }; return le64(extra, f) }
                    // ZIP64 fields appear in this order, each only when its 32-bit field is 0xFFFFFFFF.
                    if uncompressed == 0xFFFF_FFFF { _ = next() }
                    if compressed == 0xFFFF_FFFF { _ = next() }
                    if local == 0xFFFF_FFFF, let v = next() { local = v }
                }
                e += 4 + length
            }
            // 32-bit sizes cannot overflow ZIPFoundation's arithmetic; they are checked against
            // the file with a specific message when an entry is read (CheckpointZipReader).
            guard local < fileSize else {
                throw bad("central directory entry \(index) points at offset \(local), beyond the file's \(fileSize) bytes")
            }
            position += 46 + UInt64(nameLength) + UInt64(extraLength) + UInt64(commentLength)
            index += 1
        }
    }

    private static func le16(_ b: [UInt8], _ i: Int) -> UInt16 { UInt16(b[i]) | UInt16(b[i + 1]) << 8 }
    private static func le32(_ b: [UInt8], _ i: Int) -> UInt32 { (0..<4).reduce(0) { $0 | UInt32(b[i + $1]) << (8 * $1) } }
    private static func le64(_ b: [UInt8], _ i: Int) -> UInt64 { (0..<8).reduce(0) { $0 | UInt64(b[i + $1]) << (8 * $1) } }
}
