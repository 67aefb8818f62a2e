import XCTest
import FluxCore
@testable import FluxModels

/// The Swift tower against our PyTorch reference on every committed fixture case: identical
/// kept-token sets, and max abs 1e-4 on the normalised embedding.
final class VisionTowerParityTests: XCTestCase {
    func testEveryFixtureCaseMatchesTheReference() throws {
        let cases = try VisionFixtureCase.all()
        XCTAssertGreaterThanOrEqual(cases.count, 10, "expected the committed vision fixtures in \(VisionFixtureCase.root.path)")
        for fixture in cases {
            try check(fixture)
        }
    }

    /// The same cases on models imported by the Swift importer from the official-layout
    /// checkpoints the fixture models were converted from (Fixtures/import/inputs).
    func testEveryFixtureCaseMatchesTheReferenceOnSwiftImportedModels() throws {
        var imported: [String: URL] = [:]
        for name in ["fluxvit-tiny", "internvideo2-tiny"] {
            imported["models/" + name] = try ImportFixtures.imported(name, self)
        }
        let cases = try VisionFixtureCase.all()
        XCTAssertGreaterThanOrEqual(cases.count, 10)
        for fixture in cases {
            try check(fixture, model: try XCTUnwrap(imported[fixture.spec.model], "no imported model for \(fixture.spec.model)"))
        }
    }

    private func check(_ fixture: VisionFixtureCase, model modelURL: URL? = nil) throws {
        let model = try ModelDirectory(modelURL ?? fixture.modelDirectory)
        let tower = try model.visionTower()
        let clips = fixture.input
        let c = tower.configuration
        let side = clips.shape[3] / c.patchSize

        if let expected = try fixture.npy("patch") {
            let b = clips.shape[0], t = clips.shape[2], perClip = 3 * t * clips.shape[3] * clips.shape[4]
            var got: [Float] = []
            for i in 0..<b { got += tower.patchEmbed(clips.data + i * perClip, frames: t, side: side).scalars }
            let diff = maxAbsDiff(got, expected.tensor.scalars)
            XCTAssertLessThan(diff, 1e-4, "\(fixture.name): patch embedding max abs diff \(diff)")
        }
        if let expected = try fixture.npy("pos") {
            let table = try tower.positions.table(frames: clips.shape[2], side: side)
            let diff = maxAbsDiff(table.scalars, expected.tensor.scalars)
            XCTAssertLessThan(diff, 1e-4, "\(fixture.name): position table max abs diff \(diff)")
        }

        let out = try tower.encode(clips, budget: fixture.spec.budget, projector: fixture.spec.projector)
        XCTAssertEqual(out.projector, fixture.spec.projector, fixture.name)
        if case .int64(let shape, let values)? = try fixture.npy("kept") {
            let expected = (0..<shape[0]).map { b in values[(b * shape[1])..<((b + 1) * shape[1])].map { Int($0) } }
            XCTAssertEqual(out.kept, expected, "\(fixture.name): kept tokens differ")
            if let k = fixture.spec.kept_per_clip { XCTAssertEqual(out.kept?.first?.count, k, fixture.name) }
        } else {
            XCTAssertNil(out.kept, "\(fixture.name): no selection expected")
        }
        if let expected = try fixture.npy("feature") {
            let diff = maxAbsDiff(out.features.scalars, expected.tensor.scalars)
            XCTAssertLessThan(diff, 1e-4, "\(fixture.name): projector feature max abs diff \(diff)")
        }
        let expected = try XCTUnwrap(try fixture.npy("embedding"), fixture.name)
        let diff = maxAbsDiff(try XCTUnwrap(out.embeddings).scalars, expected.tensor.scalars)
        print("vision parity \(fixture.name): embedding max abs diff \(diff)")
        XCTAssertLessThan(diff, 1e-4, "\(fixture.name): embedding max abs diff \(diff)")
    }
}
