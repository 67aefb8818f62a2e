import Foundation

/// Which part of a distributed indexing job an index holds: shard ``index`` of ``count``
/// (0-based) of the file list whose digest is ``fileListDigest``.
///
/// `index --files LIST --shard I/N` records it in the shard's settings; `merge` uses it to
/// refuse shards of different jobs and to notice a shard given twice.
public struct IndexShard: Codable, Sendable, Equatable, CustomStringConvertible {
    /// 0-based shard number, `0 ..< count`.
    public var index: Int
    /// Number of shards the job was split into, ≥ 1.
    public var count: Int
    /// "fnv1a64:<16 hex digits>" of the file list's bytes: shards of one job share it.
    public var fileListDigest: String

    public init(index: Int, count: Int, fileListDigest: String) {
        self.index = index
        self.count = count
        self.fileListDigest = fileListDigest
    }

    /// "I/N".
    public var description: String { "\(index)/\(count)" }

    /// The largest shard count accepted: more shards than this is surely a typo.
    public static let maximumCount = 1_000_000

    /// Parses "I/N" with 0 ≤ I < N ≤ ``maximumCount``; nil otherwise.
    public static func parse(_ text: String) -> (index: Int, count: Int)? {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2,
              let i = Int(parts[0].trimmingCharacters(in: .whitespaces)),
              let n = Int(parts[1].trimmingCharacters(in: .whitespaces)),
              n >= 1, n <= maximumCount, i >= 0, i < n
        else { return nil }
        return (i, n)
    }
}
