import Foundation
import XCTest
import FluxCore
@testable import FluxModels

/// Computing only up to the end token gives the pooled output of the full 77-position run,
/// bit for bit, and nothing after the end token changes it.
final class TextTowerTruncationTests: XCTestCase {
    /// Width, heads and FFN of MobileCLIP-B (so that OpenBLAS runs the same kernels as the real
    /// model), two layers and a small vocabulary to keep the debug-build test quick.
    static let mobileclipShaped = TextConfiguration(vocabSize: 1000, contextLength: 77, width: 512, layers: 2,
                                                    heads: 8, ffnDim: 2048, projectionDim: 512)

    func testTruncatedRunIsBitwiseIdenticalToFullRun() throws {
        let towers = [try TextTower.random(configuration: Self.mobileclipShaped, seed: 3),
                      try TextTower.load(modelDirectory: TextFixtures.root.appendingPathComponent("tiny-causal"))]
        // OpenBLAS picks other kernels and thread splits for other row counts; the tiles make
        // that irrelevant, with one thread or several.
        let saved = ThreadPolicy.currentBLASThreads
        defer { ThreadPolicy(blasThreads: saved, source: "restore").applyBLAS() }
        for (tower, threads) in [(towers[0], 1), (towers[0], 2), (towers[1], 2)] {
            ThreadPolicy(blasThreads: threads, source: "test").applyBLAS()
            let c = tower.configuration
            let eot = Int32(c.vocabSize - 1), sot = eot - 1
            for length in [2, 3, 8, 16, 17, 40, 76, 77] {
                let words = (0..<(length - 2)).map { Int32((97 * $0 + 13) % (c.vocabSize - 2)) }
                let ids = TextFixtures.padded([sot] + words + [eot], to: c.contextLength)
                let truncated = try tower.encode(ids, extent: .throughEndToken)
                let full = try tower.encode(ids, extent: .full)
                XCTAssertEqual(truncated.map(\.bitPattern), full.map(\.bitPattern),
                               "width \(c.width), \(length) tokens: maxdiff \(maxAbsDiff(truncated, full))")
                XCTAssertEqual(try tower.plan(ids, extent: .throughEndToken).positions, length)
            }
        }
    }

    func testNothingAfterTheEndTokenChangesTheOutput() throws {
        let tower = try TextTower.random(configuration: Self.mobileclipShaped, seed: 4)
        let eot: Int32 = 999, sot: Int32 = 998
        let query: [Int32] = [sot, 320, 786, 533, 1, 42, eot]
        let padded = try tower.encode(TextFixtures.padded(query), extent: .full)
        for junk in [[Int32](repeating: 7, count: 70), (0..<70).map { Int32($0 * 13 % 997) }] {
            let withJunk = query + junk
            XCTAssertEqual(try tower.encode(withJunk, extent: .full).map(\.bitPattern), padded.map(\.bitPattern))
            XCTAssertEqual(try tower.encode(withJunk).map(\.bitPattern), padded.map(\.bitPattern))
        }
        // A later, second end token does not move the pooled position (first occurrence).
        XCTAssertEqual(try tower.encode(query + [5, eot]).map(\.bitPattern), padded.map(\.bitPattern))
    }

    func testBatchMatchesSingleQueries() throws {
        let tower = try TextTower.load(modelDirectory: TextFixtures.root.appendingPathComponent("tiny-causal"))
        let spec = try TextFixtures.towerCase("tiny-causal").spec
        let batch = try tower.encode(batch: spec.tokens)
        for (i, tokens) in spec.tokens.enumerated() {
            let single = try tower.encode(tokens)
            XCTAssertLessThanOrEqual(maxAbsDiff(batch[i], single), 1e-5, "sequence \(i)")
            XCTAssertLessThanOrEqual(maxAbsDiff(batch[i], spec.outputs[i]), TextTowerParityTests.tolerance)
        }
    }
}
