import Foundation
import FluxStore

/// A fixed list of files to index (`index --files LIST`): one path per line, UTF-8, blank lines
/// ignored, relative paths resolved against the list's own folder (so workers with different
/// working directories agree). Every worker of a distributed job reads the same list and keeps
/// the files of its shard (``ShardSelection``).
public struct FileList: Sendable {
    /// The list file as given.
    public let url: URL
    /// The lines as written (blank lines dropped, a trailing `\r` removed), in list order.
    public let lines: [String]
    /// Each line's absolute path, standardized (`.` and `..` removed; symlinks kept).
    public let paths: [String]
    /// "fnv1a64:<16 hex digits>" of the list's bytes: shards of one job share it.
    public let digest: String

    /// Why a list cannot be used.
    public enum Failure: Error, CustomStringConvertible, LocalizedError, Equatable {
        case unreadable(path: String, reason: String)
        case notUTF8(path: String, line: Int)
        case tooLarge(path: String, bytes: Int)

        public var description: String {
            switch self {
            case .unreadable(let path, let reason):
                return "cannot read the file list \(path): \(reason); pass a text file with one video path per line"
            case .notUTF8(let path, let line):
                return "the file list \(path) is not UTF-8 at line \(line); write the list as UTF-8 text (one path per line)"
            case .tooLarge(let path, let bytes):
                return "the file list \(path) is \(bytes) bytes, more than the 4 GiB a list may hold; split the job into several lists"
            }
        }

        public var errorDescription: String? { description }
    }

    /// Reads `url` (a regular file, or a pipe such as `<(find …)`; a folder or device is refused).
    public init(url: URL) throws {
        let path = url.path
        var info = stat()
        guard stat(path, &info) == 0 else { throw Failure.unreadable(path: path, reason: String(cString: strerror(errno))) }
        let kind = info.st_mode & S_IFMT
        guard kind == S_IFREG || kind == S_IFIFO else {
            throw Failure.unreadable(path: path, reason: kind == S_IFDIR ? "it is a folder" : "it is not a regular file")
        }
        let data: Data
        do {
            let handle = try FileHandle(forReadingFrom: url)
            defer { try? handle.close() }
            data = try handle.readToEnd() ?? Data()
        } catch {
            throw Failure.unreadable(path: path, reason: error.localizedDescription)
        }
        guard data.count < 1 << 32 else { throw Failure.tooLarge(path: path, bytes: data.count) }
        try self.init(data: data, url: url)
    }

    /// Parses list bytes as read from `url` (which decides how relative lines resolve).
    public init(data: Data, url: URL) throws {
        self.url = url
        digest = Self.digestString(of: data)
        let base = url.deletingLastPathComponent()
        var lines: [String] = [], paths: [String] = []
        var number = 0
        for raw in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            number += 1
            var bytes = raw[...]
            if bytes.last == UInt8(ascii: "\r") { bytes = bytes.dropLast() }
            guard let line = String(bytes: bytes, encoding: .utf8) else { throw Failure.notUTF8(path: url.path, line: number) }
            if line.trimmingCharacters(in: .whitespaces).isEmpty { continue }
            lines.append(line)
            let resolved = line.hasPrefix("/") ? URL(fileURLWithPath: line) : base.appendingPathComponent(line)
            paths.append(IndexStore.canonicalPath(resolved.path))
        }
        self.lines = lines
        self.paths = paths
    }

    /// FNV-1a 64 of `bytes`: stable across machines, runs and Swift versions (unlike `Hasher`).
    public static func fnv1a64<S: Sequence>(_ bytes: S) -> UInt64 where S.Element == UInt8 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in bytes { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01b3 }
        return h
    }

    static func digestString(of data: Data) -> String {
        "fnv1a64:" + String(format: "%016llx", fnv1a64(data))
    }

    /// The shard of line `line` among `count`: FNV-1a 64 of its UTF-8 bytes, modulo `count`.
    public static func shard(ofLine line: String, count: Int) -> Int {
        Int(fnv1a64(line.utf8) % UInt64(count))
    }

    /// The selection of shard `index` of `count` of this list.
    public func selection(shard index: Int, of count: Int) -> ShardSelection {
        var keys: [String: String] = [:]
        for (line, path) in zip(lines, paths) { keys[path] = line }
        return ShardSelection(shard: IndexShard(index: index, count: count, fileListDigest: digest), keys: keys)
    }
}

/// Which files of a run belong to one shard: a file named by a list line belongs where that
/// line hashes (``FileList/shard(ofLine:count:)``); a file found inside a listed folder, where
/// its own absolute path hashes. Transcript sidecars are not sharded: each shard reads the
/// sidecars of its own videos.
public struct ShardSelection: Sendable {
    public let shard: IndexShard
    /// Absolute path → the list line that named it.
    let keys: [String: String]

    /// Whether the file at `path` (absolute, standardized) is this shard's.
    public func contains(_ path: String) -> Bool {
        FileList.shard(ofLine: keys[path] ?? path, count: shard.count) == shard.index
    }
}
