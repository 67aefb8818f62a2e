import Foundation

/// Renders an ``EditList`` as an editor's edit list and writes it.
public enum EditListWriter {
    /// The document's bytes (UTF-8).
    /// - Throws: ``EditListError`` when the list is empty, a clip is invalid (relative path,
    ///   non-positive rate, non-finite times, end before start) or the format cannot hold it
    ///   (EDL: over 999 clips or past 24 hours of timecode).
    public static func render(_ list: EditList, as format: EditListFormat) throws -> Data {
        try list.validate()
        let text: String
        switch format {
        case .edl: text = try EDLWriter.render(list)
        case .fcpxml: text = try FCPXMLWriter.render(list)
        case .otio: text = OTIOWriter.render(list)
        case .csv: text = CSVWriter.render(list)
        }
        return Data(text.utf8)
    }

    /// Writes atomically (temporary file in the same folder, then rename) — never leaves a half file.
    /// - Throws: ``EditListError`` from ``render(_:as:)``, or
    ///   ``EditListError/writeFailed(path:reason:)`` naming the file.
    public static func write(_ list: EditList, to url: URL, format: EditListFormat) throws {
        let data = try render(list, as: format)
        try AtomicFile.save(data, to: url)
    }
}

/// Whole-file replacement: readers see the old file or the new one, never a part.
enum AtomicFile {
    static func save(_ data: Data, to url: URL) throws {
        let path = url.path
        func failure(_ what: String) -> EditListError {
            .writeFailed(path: path, reason: "\(what): \(String(cString: strerror(errno)))")
        }
        // Same folder as the target, so rename(2) stays on one file system and is atomic.
        let temporary = url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).\(UUID().uuidString).tmp").path
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw failure("cannot create a temporary file beside it") }
        var closed = false
        defer {
            if !closed { close(fd) }
        }
        do {
            try data.withUnsafeBytes { (buffer: UnsafeRawBufferPointer) in
                guard let base = buffer.baseAddress else { return }   // nothing to write
                var offset = 0
                while offset < buffer.count {
                    let n = write(fd, base + offset, buffer.count - offset)
                    if n < 0 {
                        if errno == EINTR { continue }
                        throw failure("writing failed")
                    }
                    offset += n
                }
            }
            guard fsync(fd) == 0 else { throw failure("fsync failed") }
            closed = true
            guard close(fd) == 0 else { throw failure("close failed") }
            guard rename(temporary, path) == 0 else { throw failure("cannot rename the temporary file into place") }
        } catch {
            unlink(temporary)
            throw error
        }
    }
}
