import Foundation
import XCTest
@testable import FluxStore

/// Deterministic SplitMix64, so every run sees the same vectors.
private struct SplitMix64 {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// Uniform in [-1, 1).
    mutating func nextFloat() -> Float { Float(next() >> 40) / Float(1 << 23) - 1 }
}

/// `n` L2-normalised random vectors of dimension `d`, row-major.
private func randomUnitVectors(_ n: Int, _ d: Int, seed: UInt64) -> [Float] {
    var rng = SplitMix64(state: seed)
    var out = [Float](repeating: 0, count: n * d)
    for i in 0..<n {
        var norm: Float = 0
        for j in 0..<d {
            let v = rng.nextFloat()
            out[i * d + j] = v
            norm += v * v
        }
        norm = norm.squareRoot()
        for j in 0..<d { out[i * d + j] /= norm }
    }
    return out
}

final class VectorIndexTests: XCTestCase {
    var tempDir: URL!

    override func setUpWithError() throws {
        tempDir = FileManager.default.temporaryDirectory
            .appendingPathComponent("VectorIndexTests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: tempDir, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: tempDir)
    }

    /// Asserts that `body` throws `.faiss(operation:message:)` and returns the message.
    @discardableResult
    func assertFaissError(_ operation: String, file: StaticString = #filePath, line: UInt = #line,
                          _ body: () throws -> Void) -> String {
        var message = ""
        XCTAssertThrowsError(try body(), file: file, line: line) { error in
            guard case let .faiss(op, msg)? = error as? VectorIndexError else {
                return XCTFail("expected VectorIndexError.faiss, got \(error)", file: file, line: line)
            }
            XCTAssertEqual(op, operation, file: file, line: line)
            XCTAssertFalse(msg.isEmpty, file: file, line: line)
            message = msg
        }
        return message
    }

    func assertError(_ expected: VectorIndexError, file: StaticString = #filePath, line: UInt = #line,
                     _ body: () throws -> Void) {
        XCTAssertThrowsError(try body(), file: file, line: line) { error in
            XCTAssertEqual(error as? VectorIndexError, expected, file: file, line: line)
        }
    }

    /// Fraction of the first `n` stored vectors (ids 1000+i) whose own vector finds them at rank 0.
    func selfHitRate(_ index: VectorIndex, _ vectors: [Float], n: Int) throws -> Double {
        let d = index.dimension
        let result = try index.search(Array(vectors[0..<(n * d)]), k: 1)
        let hits = (0..<n).filter { result.labels[$0] == Int64(1000 + $0) }.count
        return Double(hits) / Double(n)
    }

    // MARK: Flat

    func testFlatSearchScoresAreHandCheckedInnerProducts() throws {
        let index = try VectorIndex(flatInnerProduct: 4)
        XCTAssertEqual(index.dimension, 4)
        XCTAssertEqual(index.metric, .innerProduct)
        XCTAssertTrue(index.isTrained)
        XCTAssertEqual(index.count, 0)
        try index.add([1, 0, 0, 0,
                       0, 1, 0, 0,
                       0.5, 0.5, 0.5, 0.5],
                      ids: [10, 20, 30])
        XCTAssertEqual(index.count, 3)

        // q0 = (1, 2, 0, 4): ·id10 = 1, ·id20 = 2, ·id30 = 0.5 + 1 + 0 + 2 = 3.5
        // q1 = (0, 0, -1, 0): ·id10 = 0, ·id20 = 0, ·id30 = -0.5; k = 5 > count → -1 tail.
        let r = try index.search([1, 2, 0, 4,
                                  0, 0, -1, 0], k: 5)
        XCTAssertEqual(r.queryCount, 2)
        XCTAssertEqual(r.k, 5)
        XCTAssertEqual(Array(r.labels[0..<3]), [30, 20, 10])
        XCTAssertEqual(Array(r.distances[0..<3]), [3.5, 2, 1])
        XCTAssertEqual(Array(r.labels[3..<5]), [-1, -1])
        XCTAssertEqual(Set(r.labels[5..<7]), [10, 20])
        XCTAssertEqual(Array(r.distances[5..<8]), [0, 0, -0.5])
        XCTAssertEqual(r.labels[7], 30)
        XCTAssertEqual(Array(r.labels[8..<10]), [-1, -1])
        XCTAssertEqual(r.hits(forQuery: 0), [.init(id: 30, score: 3.5), .init(id: 20, score: 2), .init(id: 10, score: 1)])
        XCTAssertEqual(r.hits(forQuery: 1).count, 3)
    }

    func testFlatTopOneOfStoredVectorIsItself() throws {
        let d = 32, n = 500
        let vectors = randomUnitVectors(n, d, seed: 1)
        let index = try VectorIndex(flatInnerProduct: d)
        try index.add(vectors, ids: (0..<n).map { Int64(1000 + $0) })
        XCTAssertEqual(index.count, n)
        XCTAssertEqual(try selfHitRate(index, vectors, n: n), 1.0)
        // Self score of a unit vector is 1.
        let r = try index.search(Array(vectors[0..<d]), k: 2)
        XCTAssertEqual(r.distances[0], 1, accuracy: 1e-5)
        XCTAssertLessThan(r.distances[1], r.distances[0])
    }

    func testL2MetricGivesSquaredDistances() throws {
        let index = try VectorIndex(factory: "Flat", dimension: 2, metric: .l2)
        XCTAssertEqual(index.metric, .l2)
        try index.add([0, 0, 3, 4, 1, 1], ids: [1, 2, 3])
        let r = try index.search([0, 0], k: 3)
        XCTAssertEqual(r.labels, [1, 3, 2])
        XCTAssertEqual(r.distances, [0, 2, 25])
    }

    func testEmptyInputsAreNoOps() throws {
        let index = try VectorIndex(flatInnerProduct: 3)
        try index.add([], ids: [])
        XCTAssertEqual(index.count, 0)
        let r = try index.search([], k: 4)
        XCTAssertEqual(r.queryCount, 0)
        XCTAssertEqual(r.labels, [])
        XCTAssertEqual(try index.remove(ids: []), 0)
        // Searching an empty index gives only -1 labels.
        XCTAssertEqual(try index.search([1, 0, 0], k: 2).labels, [-1, -1])
    }

    // MARK: Remove

    func testRemovedIdsNeverComeBack() throws {
        let d = 16, n = 200
        let vectors = randomUnitVectors(n, d, seed: 2)
        let index = try VectorIndex(flatInnerProduct: d)
        try index.add(vectors, ids: (0..<n).map { Int64(1000 + $0) })
        let gone: [Int64] = (0..<10).map { Int64(1000 + $0 * 7) }
        XCTAssertEqual(try index.remove(ids: gone + [42, 99_999]), 10) // 42, 99999 not present
        XCTAssertEqual(index.count, n - 10)
        XCTAssertEqual(try index.remove(ids: gone), 0)

        let r = try index.search(vectors, k: n) // every query ranks every remaining vector
        let returned = Set(r.labels.filter { $0 >= 0 })
        XCTAssertTrue(returned.isDisjoint(with: gone))
        XCTAssertEqual(returned.count, n - 10)
        XCTAssertEqual(r.labels.filter { $0 == -1 }.count, n * 10)
        // A kept vector still finds itself.
        XCTAssertEqual(r.labels[1 * n], 1001)
    }

    // MARK: Persistence

    func testWriteReadRoundTripGivesIdenticalResults() throws {
        let d = 24, n = 300
        let vectors = randomUnitVectors(n, d, seed: 3)
        let queries = randomUnitVectors(20, d, seed: 4)
        for factory in ["Flat", "IVF4,Flat"] {
            let index = try VectorIndex(factory: factory, dimension: d)
            try index.train(vectors)
            try index.add(vectors, ids: (0..<n).map { Int64(5000 + 3 * $0) })
            let isIVF = factory.hasPrefix("IVF")
            if isIVF { try index.setParameter("nprobe", 2) }
            let before = try index.search(queries, k: 10)

            let url = tempDir.appendingPathComponent("\(factory).faiss")
            try index.write(to: url)
            try index.write(to: url) // overwriting an existing file works
            let loaded = try VectorIndex.read(from: url)
            XCTAssertEqual(loaded.count, n)
            XCTAssertEqual(loaded.dimension, d)
            XCTAssertEqual(loaded.metric, .innerProduct)
            XCTAssertTrue(loaded.isTrained)
            if isIVF { try loaded.setParameter("nprobe", 2) } // nprobe is not stored in the file
            let after = try loaded.search(queries, k: 10)
            XCTAssertEqual(after.labels, before.labels, factory)
            XCTAssertEqual(after.distances, before.distances, factory)
            XCTAssertFalse(before.labels.contains(-1))
        }
        // No temporary files are left next to the index.
        let names = try FileManager.default.contentsOfDirectory(atPath: tempDir.path).sorted()
        XCTAssertEqual(names, ["Flat.faiss", "IVF4,Flat.faiss"])
    }

    func testFailedWriteLeavesNoFileAndReportsPath() throws {
        let index = try VectorIndex(flatInnerProduct: 4)
        let url = tempDir.appendingPathComponent("missing-dir/ix.faiss")
        let message = assertFaissError("write") { try index.write(to: url) }
        XCTAssertTrue(message.contains("could not open"), message)
        XCTAssertTrue(message.contains("missing-dir"), message)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: tempDir.path), [])
    }

    func testReadingNonexistentFileThrowsFaissMessage() {
        let url = tempDir.appendingPathComponent("nope.faiss")
        let message = assertFaissError("read") { _ = try VectorIndex.read(from: url) }
        XCTAssertTrue(message.contains("could not open"), message)
        XCTAssertTrue(message.contains(url.path), message)
        XCTAssertTrue(message.contains("No such file or directory"), message)
    }

    // MARK: IVF / SQ / HNSW

    func testIVFFlatTrainAddSearchAndNprobe() throws {
        let d = 16, n = 400
        let vectors = randomUnitVectors(n, d, seed: 5)
        let index = try VectorIndex(factory: "IVF4,Flat", dimension: d)
        XCTAssertFalse(index.isTrained)
        try index.train(vectors)
        XCTAssertTrue(index.isTrained)
        try index.add(vectors, ids: (0..<n).map { Int64(1000 + $0) })
        XCTAssertEqual(index.count, n)

        try index.setParameter("nprobe", 4) // all lists: exact search
        XCTAssertEqual(try selfHitRate(index, vectors, n: n), 1.0)
        let exact = try VectorIndex(flatInnerProduct: d)
        try exact.add(vectors, ids: (0..<n).map { Int64(1000 + $0) })
        let q = randomUnitVectors(10, d, seed: 6)
        let a = try index.search(q, k: 5), b = try exact.search(q, k: 5)
        XCTAssertEqual(a.labels, b.labels)
        for (x, y) in zip(a.distances, b.distances) { XCTAssertEqual(x, y, accuracy: 1e-5) }

        // nprobe = 1 scans one list: a query still finds itself (its own list is the nearest centroid).
        try index.setParameter("nprobe", 1)
        XCTAssertEqual(try selfHitRate(index, vectors, n: 50), 1.0)
        let message = assertFaissError("setParameter") { try index.setParameter("noSuchParameter", 3) }
        XCTAssertTrue(message.contains("could not set parameter noSuchParameter"), message)
        XCTAssertEqual(VectorIndexError.faiss(operation: "setParameter", message: message).hint,
                       "IVF indexes take \"nprobe\", HNSW indexes take \"efSearch\"")
    }

    func testIVFScalarQuantizerTrains() throws {
        let d = 32, n = 700 // ≥ 39 · 16 training points: no FAISS warning
        let vectors = randomUnitVectors(n, d, seed: 7)
        let index = try VectorIndex(factory: "IVF16,SQ8", dimension: d)
        XCTAssertFalse(index.isTrained)
        try index.train(vectors)
        XCTAssertTrue(index.isTrained)
        try index.add(vectors, ids: (0..<n).map { Int64(1000 + $0) })
        XCTAssertEqual(index.count, n)
        try index.setParameter("nprobe", 16)
        XCTAssertGreaterThanOrEqual(try selfHitRate(index, vectors, n: 200), 0.95)
        XCTAssertEqual(try index.remove(ids: [1000, 1001]), 2)
        XCTAssertEqual(index.count, n - 2)
    }

    func testHNSWIsWrappedAndSearches() throws {
        let d = 16, n = 300
        let vectors = randomUnitVectors(n, d, seed: 8)
        let index = try VectorIndex(factory: "HNSW32", dimension: d)
        XCTAssertTrue(index.isTrained)
        // Arbitrary (non-sequential) ids only work because of the IDMap2 wrapper.
        try index.add(vectors, ids: (0..<n).map { Int64(1000 + $0) })
        try index.setParameter("efSearch", 64)
        XCTAssertGreaterThanOrEqual(try selfHitRate(index, vectors, n: 100), 0.98)
        let message = assertFaissError("remove") { try index.remove(ids: [1000]) }
        XCTAssertTrue(message.contains("not implemented"), message)
        XCTAssertEqual(index.count, n)
    }

    // MARK: Errors from C++

    func testAddingToUntrainedIVFThrowsFaissMessage() throws {
        let index = try VectorIndex(factory: "IVF4,Flat", dimension: 8)
        let message = assertFaissError("add") { try index.add(randomUnitVectors(3, 8, seed: 9), ids: [1, 2, 3]) }
        XCTAssertTrue(message.contains("is_trained"), message)
        XCTAssertEqual(index.count, 0)
        // The index is still usable afterwards.
        try index.train(randomUnitVectors(200, 8, seed: 10))
        try index.add(randomUnitVectors(3, 8, seed: 9), ids: [1, 2, 3])
        XCTAssertEqual(index.count, 3)
    }

    func testSearchingUntrainedIVFThrowsFaissMessage() throws {
        let index = try VectorIndex(factory: "IVF4,Flat", dimension: 8)
        // FAISS 1.7.3 itself returns empty results here; the bridge rejects it as newer FAISS does.
        let message = assertFaissError("search") { _ = try index.search([Float](repeating: 0.5, count: 8), k: 3) }
        XCTAssertTrue(message.contains("not trained"), message)
        XCTAssertTrue(message.contains("is_trained"), message)
        XCTAssertFalse(message.contains("C++ exception"), message)
    }

    func testBogusFactoryStringThrowsFaissMessage() {
        let message = assertFaissError("create") { _ = try VectorIndex(factory: "Bogus,Thing", dimension: 8) }
        XCTAssertTrue(message.contains("could not parse index string Bogus,Thing"), message)
    }

    func testTrainingWithTooFewPointsThrows() throws {
        let index = try VectorIndex(factory: "IVF16,Flat", dimension: 8)
        let message = assertFaissError("train") { try index.train(randomUnitVectors(5, 8, seed: 11)) }
        XCTAssertTrue(message.contains("5"), message)
        XCTAssertFalse(index.isTrained)
    }

    // MARK: Validation in Swift

    func testInputValidationThrowsBeforeCallingFaiss() throws {
        assertError(.invalidDimension(0)) { _ = try VectorIndex(flatInnerProduct: 0) }
        assertError(.invalidDimension(-3)) { _ = try VectorIndex(factory: "Flat", dimension: -3) }

        let index = try VectorIndex(flatInnerProduct: 4)
        assertError(.vectorLengthMismatch(operation: "add", dimension: 4, floatCount: 7)) {
            try index.add([Float](repeating: 0, count: 7), ids: [1, 2])
        }
        assertError(.idCountMismatch(vectorCount: 2, idCount: 3)) {
            try index.add([Float](repeating: 0, count: 8), ids: [1, 2, 3])
        }
        assertError(.vectorLengthMismatch(operation: "train", dimension: 4, floatCount: 5)) {
            try index.train([Float](repeating: 0, count: 5))
        }
        assertError(.vectorLengthMismatch(operation: "search", dimension: 4, floatCount: 3)) {
            _ = try index.search([1, 2, 3], k: 1)
        }
        assertError(.invalidK(0)) { _ = try index.search([1, 2, 3, 4], k: 0) }
        assertError(.invalidK(-1)) { _ = try index.search([1, 2, 3, 4], k: -1) }
        assertError(.invalidK(Int.max)) { _ = try index.search([1, 2, 3, 4, 5, 6, 7, 8], k: Int.max) }
        XCTAssertEqual(index.count, 0)
    }

    func testErrorDescriptions() {
        let full = "Error in virtual void faiss::IndexIVF::add_core(faiss::Index::idx_t, const float*, "
            + "const idx_t*, const idx_t*) at /build/faiss/faiss/IndexIVF.cpp:219: Error: 'is_trained' failed"
        let e = VectorIndexError.faiss(operation: "add", message: full)
        XCTAssertEqual(e.description, "FAISS add failed: Error: 'is_trained' failed\n"
            + "hint: train the index (train(_:)) with representative vectors before adding or searching")
        XCTAssertEqual(e.verboseDescription, "FAISS add failed: \(full)\n"
            + "hint: train the index (train(_:)) with representative vectors before adding or searching")
        XCTAssertEqual(e.errorDescription, e.description)
        XCTAssertEqual(VectorIndexError.faiss(operation: "read", message: "plain").description,
                       "FAISS read failed: plain")
        XCTAssertEqual(VectorIndexError.invalidDimension(0).description,
                       "invalid vector dimension: expected ≥ 1, got 0")
        XCTAssertEqual(VectorIndexError.vectorLengthMismatch(operation: "add", dimension: 4, floatCount: 7).description,
                       "add: vector buffer has wrong length — expected a multiple of dimension 4, got 7 floats\n"
                       + "hint: vectors are passed flat and row-major: count × dimension floats")
        XCTAssertEqual(VectorIndexError.idCountMismatch(vectorCount: 2, idCount: 3).description,
                       "add: id count does not match vector count — expected 2 ids, got 3")
        XCTAssertEqual(VectorIndexError.invalidK(0).description,
                       "search: invalid k — expected ≥ 1 (and nq·k addressable), got 0")
        XCTAssertEqual(VectorIndexError.unsupportedMetric(raw: 3).description,
                       "read: unsupported metric — expected inner product (0) or L2 (1), got 3")
        XCTAssertEqual(VectorIndexError.io(operation: "rename", path: "/x/ix.faiss", message: "Permission denied").description,
                       "rename failed: /x/ix.faiss — Permission denied")
        XCTAssertEqual((VectorIndexError.invalidK(0) as Error).localizedDescription,
                       VectorIndexError.invalidK(0).description)
    }

    func testRealFaissErrorDescriptionIsCondensed() {
        do {
            _ = try VectorIndex(factory: "Bogus,Thing", dimension: 8)
            XCTFail("expected an error")
        } catch let error as VectorIndexError {
            XCTAssertTrue(error.description.hasPrefix("FAISS create failed: could not parse index string Bogus,Thing"),
                          error.description)
            XCTAssertTrue(error.verboseDescription.contains("index_factory"), error.verboseDescription)
        } catch {
            XCTFail("unexpected \(error)")
        }
    }

    // MARK: Concurrency and threads

    func testConcurrentSearchesWithWriterAreConsistent() throws {
        let d = 16, n = 300
        let vectors = randomUnitVectors(n, d, seed: 12)
        let index = try VectorIndex(flatInnerProduct: d)
        try index.add(vectors, ids: (0..<n).map { Int64(1000 + $0) })
        let expected = try index.search(Array(vectors[0..<(20 * d)]), k: 1).labels
        let failures = LockedCounter()
        DispatchQueue.concurrentPerform(iterations: 8) { i in
            do {
                if i == 0 {
                    // A writer adding zero vectors (score 0 < self score 1) while others search.
                    try index.add([Float](repeating: 0, count: 10 * d), ids: (0..<10).map { Int64(90_000 + $0) })
                } else {
                    let r = try index.search(Array(vectors[0..<(20 * d)]), k: 1)
                    if r.labels != expected { failures.increment() }
                }
            } catch {
                failures.increment()
            }
        }
        XCTAssertEqual(failures.value, 0)
        XCTAssertEqual(index.count, n + 10)
    }

    func testOpenMPThreadSettingReachesOtherThreads() throws {
        let original = FaissThreads.openMPThreads
        defer { FaissThreads.setOpenMPThreads(original) }
        FaissThreads.setOpenMPThreads(1)
        XCTAssertEqual(FaissThreads.openMPThreads, 1)
        // libgomp keeps this per thread; the bridge must re-apply it on a fresh thread.
        let seen = LockedCounter()
        let done = DispatchSemaphore(value: 0)
        Thread {
            seen.add(FaissThreads.openMPThreads)
            done.signal()
        }.start()
        XCTAssertEqual(done.wait(timeout: .now() + 10), .success)
        XCTAssertEqual(seen.value, 1)
        FaissThreads.setOpenMPThreads(0) // clamped to 1
        XCTAssertEqual(FaissThreads.openMPThreads, 1)
    }

    func testBLASThresholdRoundTrips() {
        let original = FaissThreads.blasThreshold
        defer { FaissThreads.setBLASThreshold(original) }
        FaissThreads.setBLASThreshold(1)
        XCTAssertEqual(FaissThreads.blasThreshold, 1)
        FaissThreads.setBLASThreshold(37)
        XCTAssertEqual(FaissThreads.blasThreshold, 37)
    }
}

private final class LockedCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    func increment() { add(1) }
    func add(_ n: Int) { lock.lock(); count += n; lock.unlock() }
    var value: Int { lock.lock(); defer { lock.unlock() }; return count }
}
