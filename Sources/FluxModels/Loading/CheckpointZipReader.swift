import Foundation
import ZIPFoundation
import CFluxZlib

/// Reads entries of a `torch.save` zip archive by name, through ZIPFoundation.
///
/// `torch.save` writes stored (uncompressed) entries, with ZIP64 records for archives over
/// 4 GiB. Before anything is allocated for an entry, its declared size is checked against the
/// file's size (an entry cannot be larger than the archive that holds it) and against the
/// caller's limit; each entry's CRC-32 is checked after reading. Sizes in bytes.
final class CheckpointZipReader {
    /// The archive's path, for messages.
    let path: String
    /// Entry names in archive order.
    let entryNames: [String]
    /// The archive's size in bytes.
    let fileSize: UInt64

    private let archive: Archive
    private let entries: [String: Entry]

    /// Opens the archive at `url` and reads its central directory.
    /// - Throws: ``PyTorchCheckpointError/fileNotFound(path:)``,
    ///   ``PyTorchCheckpointError/notAZipArchive(path:reason:)``.
    init(url: URL) throws {
        path = url.path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue else {
            throw PyTorchCheckpointError.fileNotFound(path: path)
        }
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.uint64Value ?? 0
        fileSize = size
        try ZipPreflight.check(url, fileSize: size)
        do {
            archive = try Archive(url: url, accessMode: .read)
        } catch {
            throw PyTorchCheckpointError.notAZipArchive(path: path, reason: "ZIPFoundation cannot read its central directory (\(error))")
        }
        var names: [String] = []
        var map: [String: Entry] = [:]
        for entry in archive where entry.type == .file {
            names.append(entry.path)
            map[entry.path] = entry
        }
        guard !names.isEmpty else {
            throw PyTorchCheckpointError.notAZipArchive(path: path, reason: "the archive lists no file entries")
        }
        entryNames = names
        entries = map
    }

    /// Whether the archive has an entry of that exact name.
    func contains(_ name: String) -> Bool { entries[name] != nil }

    /// The size an entry declares, in bytes, after the bounds checks; nil if absent.
    func declaredSize(of name: String, maximumEntryBytes: UInt64 = .max) throws -> UInt64? {
        guard let entry = entries[name] else { return nil }
        return try checkedSize(entry, maximumEntryBytes: maximumEntryBytes)
    }

    /// A copy of the entry's bytes. Throws ``PyTorchCheckpointError/missingEntry(path:entry:)``,
    /// ``PyTorchCheckpointError/entrySizeOutOfRange(path:entry:declared:limit:)`` before
    /// allocating anything for a size the archive cannot hold, and
    /// ``PyTorchCheckpointError/corruptEntry(path:entry:reason:)`` for an entry that cannot be
    /// read back whole (a CRC-32 mismatch, a bad local header, a short entry).
    func read(_ name: String, maximumEntryBytes: UInt64 = .max) throws -> Data {
        guard let entry = entries[name] else { throw PyTorchCheckpointError.missingEntry(path: path, entry: name) }
        let size = try checkedSize(entry, maximumEntryBytes: maximumEntryBytes)
        var bytes = Data()
        bytes.reserveCapacity(Int(size))
        var crc: CRC32 = 0
        do {
            // 1 MiB chunks, and the CRC-32 from zlib (several times faster than a table loop):
            // storages are hundreds of MB in real checkpoints.
            var running = crc32(0, nil, 0)
            _ = try archive.extract(entry, bufferSize: 1 << 20, skipCRC32: true) { chunk in
                guard UInt64(bytes.count + chunk.count) <= size else { throw ReadError.longerThanDeclared }
                chunk.withUnsafeBytes { raw in
                    if let base = raw.bindMemory(to: Bytef.self).baseAddress {
                        running = crc32(running, base, uInt(raw.count))
                    }
                }
                bytes.append(chunk)
            }
            crc = CRC32(truncatingIfNeeded: running)
        } catch ReadError.longerThanDeclared {
            throw PyTorchCheckpointError.corruptEntry(path: path, entry: name, reason: "it holds more than the \(size) bytes it declares")
        } catch {
            throw PyTorchCheckpointError.corruptEntry(path: path, entry: name, reason: "\(error)")
        }
        guard crc == entry.checksum else {
            throw PyTorchCheckpointError.corruptEntry(path: path, entry: name,
                                                      reason: String(format: "CRC-32 %08x, but the archive declares %08x", crc, entry.checksum))
        }
        guard UInt64(bytes.count) == size else {
            throw PyTorchCheckpointError.corruptEntry(path: path, entry: name,
                                                      reason: "it holds \(bytes.count) bytes but declares \(size)")
        }
        return bytes
    }

    private enum ReadError: Error { case longerThanDeclared }

    /// The entry's uncompressed size, refused when no archive of this size can hold it or
    /// when it exceeds the caller's limit.
    private func checkedSize(_ entry: Entry, maximumEntryBytes: UInt64) throws -> UInt64 {
        let limit = min(fileSize, maximumEntryBytes)
        let declared = max(entry.uncompressedSize, entry.isCompressed ? 0 : entry.compressedSize)
        guard declared <= limit else {
            throw PyTorchCheckpointError.entrySizeOutOfRange(path: path, entry: entry.path, declared: declared, limit: limit)
        }
        return entry.uncompressedSize
    }
}
