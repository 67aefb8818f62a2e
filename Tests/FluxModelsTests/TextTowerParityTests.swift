import Foundation
import XCTest
import FluxCore
@testable import FluxModels

/// The Swift text tower against the PyTorch reference (Tools/reference/text_tower.py) on the
/// tiny models of Fixtures/text (Tools/fixtures/make_text_fixtures.py).
final class TextTowerParityTests: XCTestCase {
    static let models = ["tiny-causal", "tiny-bare", "tiny-noncausal"]
    /// Acceptance tolerance on the projected output.
    static let tolerance: Float = 1e-4

    func testOutputsMatchReference() throws {
        for model in Self.models {
            let (dir, spec) = try TextFixtures.towerCase(model)
            try checkOutputs(model, try TextTower.load(modelDirectory: dir), spec)
        }
    }

    /// tiny-causal's text tower in MobileCLIP's layout (Fixtures/import/inputs/mobileclip-like.pt),
    /// imported by the Swift importer, gives the reference outputs.
    func testOutputsMatchReferenceOnSwiftImportedModel() throws {
        let (_, spec) = try TextFixtures.towerCase("tiny-causal")
        let dir = try ImportFixtures.imported("mobileclip", self)
        try checkOutputs("tiny-causal (imported)", try TextTower.load(modelDirectory: dir), spec)
    }

    private func checkOutputs(_ model: String, _ tower: TextTower, _ spec: TextFixtures.TowerCase) throws {
        XCTAssertEqual(spec.tokens.count, spec.outputs.count)
        for (i, tokens) in spec.tokens.enumerated() {
            for extent in [TextTower.Extent.throughEndToken, .full] {
                let out = try tower.encode(tokens, extent: extent)
                let diff = maxAbsDiff(out, spec.outputs[i])
                XCTAssertLessThanOrEqual(diff, Self.tolerance, "\(model) sequence \(i) \(extent): maxdiff \(diff); first pairs \(Array(zip(out, spec.outputs[i]).prefix(4)))")
            }
            XCTAssertEqual(try tower.plan(tokens, extent: .full).pool, spec.pool[i], "\(model) sequence \(i): pooled position")
        }
    }

    /// Per-block residual stream of sequence 0 (llm.c-style golden state): all positions for
    /// the full run, the first positions for the truncated run.
    func testBlockTraceMatchesReference() throws {
        for model in Self.models {
            let (dir, spec) = try TextFixtures.towerCase(model)
            let tower = try TextTower.load(modelDirectory: dir)
            for extent in [TextTower.Extent.full, .throughEndToken] {
                let sequence = try tower.plan(spec.tokens[0], extent: extent)
                var seen: [String: [Float]] = [:]
                _ = tower.forward([sequence], tiled: tower.configuration.causal) { name, x in seen[name] = x.scalars }
                let C = tower.configuration.width, n = sequence.positions
                for name in spec.trace where name != "final" {
                    let expected = try TextFixtures.trace(model, name).scalars
                    guard let got = seen[name] else { XCTFail("\(model): no trace \(name)"); continue }
                    let diff = maxAbsDiff(Array(got[0..<(n * C)]), Array(expected[0..<(n * C)]))
                    XCTAssertLessThanOrEqual(diff, Self.tolerance, "\(model) \(extent) \(name): maxdiff \(diff)")
                }
            }
        }
    }

    func testConfigurationComesFromConfigJSON() throws {
        let tower = try TextTower.load(modelDirectory: TextFixtures.root.appendingPathComponent("tiny-bare"))
        let c = tower.configuration
        XCTAssertEqual([c.width, c.layers, c.heads, c.ffnDim, c.vocabSize, c.contextLength, c.projectionDim],
                       [24, 3, 3, 48, 200, 20, 12])
        XCTAssertEqual(tower.parameterCount, 20232)
        let noncausal = try TextTower.load(modelDirectory: TextFixtures.root.appendingPathComponent("tiny-noncausal"))
        XCTAssertFalse(noncausal.configuration.causal)
        // A non-causal tower attends to the padding, so it always runs the whole context.
        XCTAssertEqual(try noncausal.plan([126, 3, 127], extent: .throughEndToken).positions, 12)
    }
}
