import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Figures for `fluxsearch bench import`: how long an import takes against reading the same
/// file, and how much memory it needs against the file's size.
public struct ImportBenchmark {
    public struct Report: Encodable {
        /// The checkpoint's size in bytes.
        public let fileBytes: Int
        /// Reading the file sequentially in 4 MiB chunks (page cache warm), best of the runs, seconds.
        public let rawReadSeconds: Double
        /// Opening it with the checkpoint reader and reading every tensor as Float32 once, seconds.
        public let readerSeconds: Double
        /// The whole import (read, convert, write model.safetensors, hash the inputs), seconds.
        public let importSeconds: Double
        /// Writing as many bytes as the file holds to a new file in the output's folder, then
        /// fsync (4 MiB chunks): the disk's share of any durable import, seconds.
        public let durableWriteSeconds: Double
        /// Resident memory before the import and the process's high-water mark after it, bytes.
        public let baselineRSSBytes: Int
        public let peakRSSBytes: Int
        /// Tensors written.
        public let tensors: Int

        enum CodingKeys: String, CodingKey {
            case fileBytes = "file_bytes", rawReadSeconds = "raw_read_seconds", readerSeconds = "reader_seconds"
            case importSeconds = "import_seconds", durableWriteSeconds = "durable_write_seconds", baselineRSSBytes = "baseline_rss_bytes", peakRSSBytes = "peak_rss_bytes", tensors
        }
    }

    public var checkpoint: URL
    public var options: CheckpointImportOptions
    /// Timed repetitions of the raw read (the best is kept).
    public var repetitions = 3

    public init(checkpoint: URL, options: CheckpointImportOptions) {
        self.checkpoint = checkpoint
        self.options = options
    }

    /// Runs the import first (so the memory high-water mark is the import's), then the reads.
    public func run() throws -> Report {
        let size = try rawRead()  // warms the page cache for every measurement below
        let baseline = Self.residentBytes()
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("bench-import-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: out) }
        var t = Date()
        let report = try CheckpointImporter.importCheckpoint(checkpoint, into: out, options: options)
        let importSeconds = Date().timeIntervalSince(t)
        let peak = Self.peakResidentBytes()

        t = Date()
        let reader = try PyTorchCheckpoint(contentsOf: checkpoint)
        for name in reader.tensorNames { _ = try reader.tensor(named: name) }
        let readerSeconds = Date().timeIntervalSince(t)

        var best = Double.infinity
        for _ in 0..<max(1, repetitions) {
            t = Date()
            _ = try rawRead()
            best = min(best, Date().timeIntervalSince(t))
        }
        let durable = try durableWrite(bytes: size, in: out.deletingLastPathComponent())
        return Report(fileBytes: size, rawReadSeconds: best, readerSeconds: readerSeconds, importSeconds: importSeconds,
                      durableWriteSeconds: durable, baselineRSSBytes: baseline, peakRSSBytes: peak, tensors: report.tensorCount)
    }

    /// Seconds to write `bytes` zero bytes to a new file in `folder` and fsync it.
    private func durableWrite(bytes: Int, in folder: URL) throws -> Double {
        let path = folder.appendingPathComponent("bench-write-\(UUID().uuidString)").path
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw CheckpointImportError.io(path: path, reason: String(cString: strerror(errno))) }
        defer { close(fd); unlink(path) }
        let chunk = [UInt8](repeating: 0, count: 4 << 20)
        let t = Date()
        var left = bytes
        while left > 0 {
            let n = chunk.withUnsafeBytes { write(fd, $0.baseAddress, min(left, $0.count)) }
            guard n > 0 else { throw CheckpointImportError.io(path: path, reason: String(cString: strerror(errno))) }
            left -= n
        }
        guard fsync(fd) == 0 else { throw CheckpointImportError.io(path: path, reason: String(cString: strerror(errno))) }
        return Date().timeIntervalSince(t)
    }

    /// Reads the whole file in 4 MiB chunks; returns its size in bytes.
    private func rawRead() throws -> Int {
        guard let h = FileHandle(forReadingAtPath: checkpoint.path) else {
            throw CheckpointImportError.io(path: checkpoint.path, reason: "cannot open it for reading")
        }
        defer { try? h.close() }
        var total = 0
        while let chunk = try h.read(upToCount: 4 << 20), !chunk.isEmpty { total += chunk.count }
        return total
    }

    /// VmRSS of this process, bytes (0 where /proc is missing).
    static func residentBytes() -> Int { procStatus("VmRSS:") }

    /// VmHWM (the resident high-water mark) of this process, bytes.
    static func peakResidentBytes() -> Int { procStatus("VmHWM:") }

    private static func procStatus(_ key: String) -> Int {
        guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
        for line in text.split(separator: "\n") where line.hasPrefix(key) {
            let kb = line.dropFirst(key.count).trimmingCharacters(in: .whitespaces).split(separator: " ").first.flatMap { Int($0) } ?? 0
            return kb * 1024
        }
        return 0
    }
}
