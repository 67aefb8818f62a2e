import Foundation
import XCTest
@testable import FluxCore

/// Committed fixtures live beside the tests: Tests/FluxCoreTests/Fixtures/<group>/<name>.npy.
/// They are produced by the NumPy scripts in Tools/fixtures/.
enum Fixtures {
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures")

    static func url(_ group: String, _ name: String) -> URL {
        root.appendingPathComponent(group).appendingPathComponent(name + ".npy")
    }

    /// A float32 fixture as a tensor (int64 fixtures are converted).
    static func tensor(_ group: String, _ name: String) throws -> Tensor {
        try NPY.read(url(group, name)).tensor
    }

    /// An int64 fixture as Ints.
    static func ints(_ group: String, _ name: String) throws -> [Int] {
        switch try NPY.read(url(group, name)) {
        case .int64(_, let v): return v.map { Int($0) }
        case .float32(_, let v): return v.map { Int($0) }
        }
    }
}

/// Fails unless every element satisfies |a − e| ≤ rtol·|e| + atol, printing the worst element.
func assertClose(_ actual: [Float], _ expected: [Float], rtol: Float = 1e-5, atol: Float = 1e-6,
                 _ label: String = "", file: StaticString = #filePath, line: UInt = #line) {
    guard actual.count == expected.count else {
        XCTFail("\(label): count \(actual.count) != expected \(expected.count)", file: file, line: line)
        return
    }
    var worst = -1, worstExcess: Float = 0, maxAbs: Float = 0
    for i in 0..<actual.count {
        let d = abs(actual[i] - expected[i])
        maxAbs = max(maxAbs, d)
        let excess = d - (rtol * abs(expected[i]) + atol)
        if !(excess <= 0) && (worst < 0 || excess > worstExcess || excess.isNaN) { worst = i; worstExcess = excess }
    }
    if worst >= 0 {
        XCTFail("\(label): element \(worst) is \(actual[worst]), expected \(expected[worst]) (max abs diff \(maxAbs), rtol \(rtol), atol \(atol))",
                file: file, line: line)
    }
}

/// A temporary directory removed at the end of the test.
func temporaryDirectory(_ test: XCTestCase) throws -> URL {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("fluxsearch-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    test.addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
    return dir
}

/// SplitMix64: a small seeded generator for reproducible test data.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// Uniform in [0, 1).
    mutating func uniform() -> Float { Float(next() >> 40) / Float(1 << 24) }
    /// Uniform in 0..<n.
    mutating func int(_ n: Int) -> Int { Int(next() % UInt64(n)) }
}

/// A tensor of uniform values in [−scale, scale].
func randomTensor(_ shape: [Int], _ rng: inout SplitMix64, scale: Float = 1) -> Tensor {
    Tensor(shape: shape, values: (0..<shape.reduce(1, *)).map { _ in Float.random(in: -1...1, using: &rng) * scale })
}
