import Foundation
import XCTest
@testable import FluxStore

/// Base class of the store tests: a fresh temporary folder per test (removed afterwards) and
/// small factories for settings, videos, clips and vectors.
class StoreTestCase: XCTestCase {
    /// Embedding dimension of the test indexes.
    static let dimension = 8

    private(set) var tempDir: URL!

    /// `<tempDir>/index`, not created: the store creates it.
    var indexDir: URL { tempDir.appendingPathComponent("index") }

    override func setUpWithError() throws {
        try super.setUpWithError()
        tempDir = FileManager.default.temporaryDirectory
            .appendingPathComponent("FluxStoreTests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: tempDir, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        if let tempDir { try? FileManager.default.removeItem(at: tempDir) }
        try super.tearDownWithError()
    }

    func makeSettings(model: String = "fluxvit-test", hash: String = "sha256:aaaa", dimension: Int = StoreTestCase.dimension,
                      preprocessing: String = #"{"mean":[0.5,0.5,0.5],"size":224}"#,
                      sampling: String = #"{"frames":8,"segments":null}"#, factory: String = "Flat") -> IndexSettings {
        IndexSettings(modelName: model, modelWeightHash: hash, embedDimension: dimension,
                      preprocessing: preprocessing, sampling: sampling, faissFactory: factory)
    }

    func makeStore(budgets: [Int] = [256], factory: String = "Flat") throws -> IndexStore {
        try IndexStore.create(at: indexDir, settings: makeSettings(factory: factory), budgets: budgets)
    }

    /// A synthetic fingerprint; `version` changes the content hash.
    func fingerprint(_ i: Int, version: Int = 0) -> FileFingerprint {
        FileFingerprint(size: Int64(1000 + i), mtime: 1_700_000_000 + Double(i) + 0.25,
                        contentHash: String(format: "%016llx", UInt64(i * 1000 + version)))
    }

    func video(_ path: String, _ i: Int = 0, version: Int = 0) -> Video {
        Video(path: path, fingerprint: fingerprint(i, version: version),
              metadata: VideoMetadata(duration: 12.5, fps: 30, frameCount: 375, width: 640, height: 360,
                                      codec: "h264", rotation: 0))
    }

    /// For each budget: a whole-video clip (0–12 s) and `segments` segment clips of 4 s.
    func clipDrafts(budgets: [Int], segments: Int = 2, seed: UInt64) -> [ClipDraft] {
        var out: [ClipDraft] = []
        var s = seed
        for b in budgets {
            out.append(ClipDraft(start: 0, end: 12, budget: b, kind: .video, vector: unitVector(seed: s)))
            s &+= 1
            for j in 0..<segments {
                out.append(ClipDraft(start: Double(j) * 4, end: Double(j + 1) * 4, budget: b, kind: .segment,
                                     vector: unitVector(seed: s)))
                s &+= 1
            }
        }
        return out
    }

    func unitVector(seed: UInt64, dimension: Int = StoreTestCase.dimension) -> [Float] {
        var rng = StoreTestRandom(seed: seed)
        var v = (0..<dimension).map { _ in rng.nextFloat() }
        let norm = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
        for i in v.indices { v[i] /= norm }
        return v
    }

    /// Names in `dir` (hidden ones included).
    func listing(_ dir: URL) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []).sorted()
    }

    /// Asserts `body` throws a ``StoreError`` and returns it.
    @discardableResult
    func assertStoreError(file: StaticString = #filePath, line: UInt = #line,
                          _ body: () throws -> Void) -> StoreError? {
        var caught: StoreError?
        XCTAssertThrowsError(try body(), file: file, line: line) { error in
            guard let e = error as? StoreError else {
                return XCTFail("expected StoreError, got \(type(of: error)): \(error)", file: file, line: line)
            }
            caught = e
        }
        return caught
    }
}

/// Deterministic SplitMix64.
struct StoreTestRandom {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [-1, 1).
    mutating func nextFloat() -> Float { Float(next() >> 40) / Float(1 << 23) - 1 }

    /// Uniform in 0..<n.
    mutating func next(below n: Int) -> Int { Int(next() % UInt64(n)) }
}
