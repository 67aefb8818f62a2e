import FaissBridge
import Foundation

// MARK: - Errors

/// Everything that can go wrong in ``VectorIndex``.
///
/// This is the only place where FaissBridge status codes become Swift errors. Input that would
/// make FAISS read out of bounds is rejected here, before any C call.
public enum VectorIndexError: Error, Equatable, CustomStringConvertible, LocalizedError {
    /// A FaissBridge call returned an error. `operation` is what VectorIndex was doing
    /// ("create", "train", "add", "search", "remove", "setParameter", "write", "read");
    /// `message` is the C++ exception text, verbatim (FAISS's own message for FAISS failures).
    case faiss(operation: String, message: String)
    /// The requested dimension is not ≥ 1.
    case invalidDimension(Int)
    /// A flat row-major float buffer whose length is not a multiple of the index dimension.
    case vectorLengthMismatch(operation: String, dimension: Int, floatCount: Int)
    /// `add` got a different number of ids than vectors.
    case idCountMismatch(vectorCount: Int, idCount: Int)
    /// `search` got k < 1, or nq·k does not fit in memory arithmetic.
    case invalidK(Int)
    /// A file read back from disk uses a metric other than inner product or L2.
    case unsupportedMetric(raw: Int)
    /// A filesystem step of ``VectorIndex/write(to:)`` (rename, directory fsync) failed.
    case io(operation: String, path: String, message: String)

    /// One line: *what failed: subject — expected X, got Y*, plus an optional `hint:` line.
    /// FAISS's "Error in <function> at <file>:<line>:" prefix is dropped; see
    /// ``verboseDescription`` for the full text.
    public var description: String {
        let main: String
        switch self {
        case let .faiss(operation, message):
            main = "FAISS \(operation) failed: \(Self.condensed(message))"
        case let .invalidDimension(d):
            main = "invalid vector dimension: expected ≥ 1, got \(d)"
        case let .vectorLengthMismatch(operation, dimension, floatCount):
            main = "\(operation): vector buffer has wrong length — expected a multiple of dimension "
                + "\(dimension), got \(floatCount) floats"
        case let .idCountMismatch(vectorCount, idCount):
            main = "add: id count does not match vector count — expected \(vectorCount) ids, got \(idCount)"
        case let .invalidK(k):
            main = "search: invalid k — expected ≥ 1 (and nq·k addressable), got \(k)"
        case let .unsupportedMetric(raw):
            main = "read: unsupported metric — expected inner product (0) or L2 (1), got \(raw)"
        case let .io(operation, path, message):
            main = "\(operation) failed: \(path) — \(message)"
        }
        if let hint { return main + "\nhint: " + hint }
        return main
    }

    /// ``description`` with FAISS's message in full (function, source file and line).
    public var verboseDescription: String {
        guard case let .faiss(operation, message) = self else { return description }
        var text = "FAISS \(operation) failed: \(message)"
        if let hint { text += "\nhint: " + hint }
        return text
    }

    /// What to do about it, when there is something obvious.
    public var hint: String? {
        switch self {
        case let .faiss(_, message):
            if message.contains("is_trained") {
                return "train the index (train(_:)) with representative vectors before adding or searching"
            }
            if message.contains("could not parse index string") {
                return "use an index_factory description such as \"Flat\", \"HNSW32\", \"IVF64,Flat\" or \"IVF64,SQ8\""
            }
            if message.contains("could not set parameter") {
                return "IVF indexes take \"nprobe\", HNSW indexes take \"efSearch\""
            }
            return nil
        case .vectorLengthMismatch:
            return "vectors are passed flat and row-major: count × dimension floats"
        default:
            return nil
        }
    }

    public var errorDescription: String? { description }

    /// Strips the "Error in <function> at <file>:<line>: " prefix that FaissException adds.
    static func condensed(_ message: String) -> String {
        guard message.hasPrefix("Error in "), let at = message.range(of: " at ") else { return message }
        // After " at " comes "<file>:<line>: <message>"; the file path holds no ": ".
        guard let sep = message.range(of: ": ", range: at.upperBound..<message.endIndex) else { return message }
        return String(message[sep.upperBound...])
    }
}

// MARK: - Index

/// A FAISS vector index with caller-chosen `Int64` ids, owned by this object (freed in `deinit`).
///
/// Vectors are `Float` (float32), passed **flat and row-major**: `n` vectors of dimension `d` are
/// `n·d` consecutive floats. Scores follow the index's ``Metric``: inner product (larger is more
/// similar; equals cosine similarity for L2-normalised vectors) or squared Euclidean distance
/// (smaller is more similar).
///
/// Thread safety: all members may be called from any thread. Searches, ``count``, ``isTrained``
/// and ``write(to:)`` share a readers-writer lock and run concurrently; ``train(_:)``,
/// ``add(_:ids:)``, ``remove(ids:)`` and ``setParameter(_:_:)`` take it exclusively.
public final class VectorIndex: @unchecked Sendable {
    /// Similarity metric. Raw values match `fb_metric` / `faiss::MetricType`.
    public enum Metric: Int32, Sendable, CaseIterable, CustomStringConvertible {
        /// Inner product; larger is more similar.
        case innerProduct = 0
        /// Squared Euclidean distance; smaller is more similar.
        case l2 = 1

        public var description: String { self == .innerProduct ? "inner product" : "L2" }

        var bridgeValue: fb_metric { self == .innerProduct ? FB_METRIC_INNER_PRODUCT : FB_METRIC_L2 }
    }

    /// Result of a k-nearest-neighbour search of `queryCount` queries.
    public struct SearchResult: Sendable, Equatable {
        /// One neighbour: its id and its score under the index metric.
        public struct Hit: Sendable, Equatable {
            /// The id given to ``VectorIndex/add(_:ids:)-([Float],[Int64])``.
            public var id: Int64
            /// Inner product or squared L2 distance, per the index ``Metric``.
            public var score: Float

            public init(id: Int64, score: Float) {
                self.id = id
                self.score = score
            }
        }

        /// Number of queries (nq).
        public let queryCount: Int
        /// Neighbours requested per query.
        public let k: Int
        /// `[nq, k]` row-major: `distances[q * k + j]` is query `q`'s rank-`j` score, best first.
        /// Unspecified where the label is -1.
        public let distances: [Float]
        /// `[nq, k]` row-major ids; -1 where fewer than `k` results exist.
        public let labels: [Int64]

        /// The real hits of query `q` (labels -1 dropped), best first.
        public func hits(forQuery q: Int) -> [Hit] {
            precondition(q >= 0 && q < queryCount, "query index \(q) out of range 0..<\(queryCount)")
            return (q * k..<(q + 1) * k).compactMap { i in
                labels[i] < 0 ? nil : Hit(id: labels[i], score: distances[i])
            }
        }
    }

    // Internal, not private: the extensions in VectorIndex+*.swift call the bridge too.
    let handle: OpaquePointer
    let lock = ReadWriteLock()

    /// Vector dimension d (floats per vector).
    public let dimension: Int
    /// The metric scores are computed with.
    public let metric: Metric

    private init(handle: OpaquePointer) throws {
        let raw = Int(fb_metric_type(handle))
        guard let metric = Metric(rawValue: Int32(raw)) else {
            fb_free(handle)
            throw VectorIndexError.unsupportedMetric(raw: raw)
        }
        self.handle = handle
        self.dimension = Int(fb_dimension(handle))
        self.metric = metric
    }

    deinit { fb_free(handle) }

    /// Exact inner-product index: FAISS `IndexIDMap2(IndexFlatIP(dimension))`. Needs no training.
    /// - Parameter dimension: floats per vector, ≥ 1.
    public convenience init(flatInnerProduct dimension: Int) throws {
        guard dimension >= 1 else { throw VectorIndexError.invalidDimension(dimension) }
        var out: OpaquePointer?
        try Self.check(fb_new_flat_ip(Int64(dimension), &out), "create")
        try self.init(handle: out!)
    }

    /// An index built by `faiss::index_factory`, e.g. `"Flat"`, `"HNSW32"`, `"IVF64,Flat"`,
    /// `"IVF64,SQ8"`. Non-IVF indexes are wrapped in `IndexIDMap2` so ``add(_:ids:)`` works on all.
    /// IVF and other quantizer-based indexes must be trained (``train(_:)``) before adding.
    /// - Throws: ``VectorIndexError/faiss(operation:message:)`` with FAISS's parse error for a bad
    ///   description.
    public convenience init(factory: String, dimension: Int, metric: Metric = .innerProduct) throws {
        guard dimension >= 1 else { throw VectorIndexError.invalidDimension(dimension) }
        var out: OpaquePointer?
        try Self.check(fb_new_factory(Int64(dimension), factory, metric.bridgeValue, &out),
                       "create")
        try self.init(handle: out!)
    }

    /// Loads an index written by ``write(to:)`` (or any `faiss::write_index` file).
    public static func read(from url: URL) throws -> VectorIndex {
        var out: OpaquePointer?
        try check(fb_read_index(url.path, &out), "read")
        return try VectorIndex(handle: out!)
    }

    /// Writes the index to `url` atomically: into a temporary file in the same directory, which
    /// is fsync'ed and then renamed over `url` (and the directory fsync'ed). A crash leaves either
    /// the old file or the new one, never a partial index. Concurrent searches may continue.
    public func write(to url: URL) throws {
        let directory = url.deletingLastPathComponent()
        let temp = directory.appendingPathComponent(".\(url.lastPathComponent).tmp-\(UUID().uuidString)")
        do {
            try lock.withReadLock { try Self.check(fb_write_index(handle, temp.path), "write") }
            guard rename(temp.path, url.path) == 0 else {
                throw VectorIndexError.io(operation: "rename", path: url.path, message: Self.errnoText())
            }
        } catch {
            unlink(temp.path)
            throw error
        }
        let fd = open(directory.path, O_RDONLY | O_DIRECTORY)
        guard fd >= 0 else {
            throw VectorIndexError.io(operation: "open directory", path: directory.path, message: Self.errnoText())
        }
        defer { close(fd) }
        guard fsync(fd) == 0 else {
            throw VectorIndexError.io(operation: "fsync directory", path: directory.path, message: Self.errnoText())
        }
    }

    /// Number of stored vectors.
    public var count: Int { lock.withReadLock { Int(fb_ntotal(handle)) } }

    /// Whether the index is ready for ``add(_:ids:)`` (always true for Flat and HNSW).
    public var isTrained: Bool { lock.withReadLock { fb_is_trained(handle) == 1 } }

    // MARK: Mutation

    /// Trains the index (e.g. IVF k-means) on `vectors.count / dimension` row-major vectors.
    /// A no-op for indexes that need no training. FAISS warns on stderr when there are fewer than
    /// 39 training vectors per IVF list.
    public func train(_ vectors: [Float]) throws {
        try vectors.withUnsafeBufferPointer { try train($0) }
    }

    /// Pointer variant of ``train(_:)-([Float])``; the buffer is read only during the call.
    public func train(_ vectors: UnsafeBufferPointer<Float>) throws {
        let n = try vectorCount(vectors.count, "train")
        try lock.withWriteLock { try Self.check(fb_train(handle, Int64(n), vectors.baseAddress), "train") }
    }

    /// Adds `ids.count` row-major vectors (`ids.count · dimension` floats) under the given ids.
    /// Ids need not be contiguous; adding an id twice stores two vectors.
    public func add(_ vectors: [Float], ids: [Int64]) throws {
        try vectors.withUnsafeBufferPointer { v in
            try ids.withUnsafeBufferPointer { try add(v, ids: $0) }
        }
    }

    /// Pointer variant of ``add(_:ids:)-([Float],[Int64])``.
    public func add(_ vectors: UnsafeBufferPointer<Float>, ids: UnsafeBufferPointer<Int64>) throws {
        let n = try vectorCount(vectors.count, "add")
        guard ids.count == n else { throw VectorIndexError.idCountMismatch(vectorCount: n, idCount: ids.count) }
        if n == 0 { return }
        try lock.withWriteLock {
            try Self.check(fb_add_with_ids(handle, Int64(n), vectors.baseAddress, ids.baseAddress), "add")
        }
    }

    /// Removes every stored vector whose id is in `ids`; returns how many were removed (ids not
    /// present are ignored). Not supported by HNSW indexes (throws FAISS's error).
    @discardableResult
    public func remove(ids: [Int64]) throws -> Int {
        var removed: Int64 = 0
        try ids.withUnsafeBufferPointer { p in
            try lock.withWriteLock {
                try Self.check(fb_remove_ids(handle, Int64(p.count), p.baseAddress, &removed), "remove")
            }
        }
        return Int(removed)
    }

    /// Sets a search-time parameter through FAISS's `ParameterSpace`, e.g. `"nprobe"` (IVF lists
    /// scanned per query) or `"efSearch"` (HNSW candidate-list size).
    public func setParameter(_ name: String, _ value: Double) throws {
        try lock.withWriteLock { try Self.check(fb_set_param(handle, name, value), "setParameter") }
    }

    // MARK: Search

    /// k-nearest-neighbour search for `queries.count / dimension` row-major queries.
    /// - Parameter k: neighbours per query, ≥ 1. May exceed ``count``; the tail is then -1.
    /// - Returns: `[nq, k]` row-major distances and labels, best first per query.
    public func search(_ queries: [Float], k: Int) throws -> SearchResult {
        try queries.withUnsafeBufferPointer { try search($0, k: k) }
    }

    /// Pointer variant of ``search(_:k:)-([Float],_)``.
    public func search(_ queries: UnsafeBufferPointer<Float>, k: Int) throws -> SearchResult {
        try runSearch(queries, k: k) { handle, nq, d, l in fb_search(handle, nq, queries.baseAddress, Int64(k), d, l) }
    }

    /// Checks `queries` and `k`, allocates the `[nq, k]` outputs and runs `call` (a bridge
    /// search: handle, nq, distances, labels) under the shared lock.
    func runSearch(_ queries: UnsafeBufferPointer<Float>, k: Int,
                   _ call: (OpaquePointer, Int64, UnsafeMutablePointer<Float>?, UnsafeMutablePointer<Int64>?) -> Int32) throws -> SearchResult {
        let nq = try vectorCount(queries.count, "search")
        guard k >= 1 else { throw VectorIndexError.invalidK(k) }
        let (total, overflow) = nq.multipliedReportingOverflow(by: k)
        guard !overflow, total <= Int.max / 8 else { throw VectorIndexError.invalidK(k) }
        if nq == 0 { return SearchResult(queryCount: 0, k: k, distances: [], labels: []) }

        var distances = [Float](repeating: 0, count: total)
        var labels = [Int64](repeating: -1, count: total)
        try distances.withUnsafeMutableBufferPointer { d in
            try labels.withUnsafeMutableBufferPointer { l in
                try lock.withReadLock {
                    try Self.check(call(handle, Int64(nq), d.baseAddress, l.baseAddress), "search")
                }
            }
        }
        return SearchResult(queryCount: nq, k: k, distances: distances, labels: labels)
    }

    // MARK: Helpers

    func vectorCount(_ floatCount: Int, _ operation: String) throws -> Int {
        guard floatCount % dimension == 0 else {
            throw VectorIndexError.vectorLengthMismatch(operation: operation, dimension: dimension,
                                                        floatCount: floatCount)
        }
        return floatCount / dimension
    }

    /// Converts a FaissBridge status into a throw. Must run on the thread that made the call
    /// (the message is thread-local), which holds because every call here is synchronous.
    static func check(_ status: Int32, _ operation: String) throws {
        guard status == 0 else {
            throw VectorIndexError.faiss(operation: operation, message: String(cString: fb_last_error()))
        }
    }

    private static func errnoText() -> String { String(cString: strerror(errno)) }
}

/// pthread readers-writer lock: many readers or one writer.
final class ReadWriteLock: @unchecked Sendable {
    private let rw: UnsafeMutablePointer<pthread_rwlock_t>

    init() {
        rw = .allocate(capacity: 1)
        rw.initialize(to: pthread_rwlock_t())
        precondition(pthread_rwlock_init(rw, nil) == 0, "pthread_rwlock_init failed")
    }

    deinit {
        pthread_rwlock_destroy(rw)
        rw.deinitialize(count: 1)
        rw.deallocate()
    }

    func withReadLock<T>(_ body: () throws -> T) rethrows -> T {
        pthread_rwlock_rdlock(rw)
        defer { pthread_rwlock_unlock(rw) }
        return try body()
    }

    func withWriteLock<T>(_ body: () throws -> T) rethrows -> T {
        pthread_rwlock_wrlock(rw)
        defer { pthread_rwlock_unlock(rw) }
        return try body()
    }
}
