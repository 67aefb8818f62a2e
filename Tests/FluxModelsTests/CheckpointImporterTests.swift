import Foundation
import XCTest
import FluxCore
@testable import FluxModels

/// The Swift importer against the Python converter (Tools/convert_checkpoint.py) on every
/// official-layout fixture: the same tensors bit for bit, the same config.json, the same
/// manifest facts, and the same refusals.
final class CheckpointImporterTests: XCTestCase {
    func testEveryCaseMatchesThePythonConverter() throws {
        let cases = try ImportFixtures.cases()
        XCTAssertGreaterThanOrEqual(cases.count, 12)
        for c in cases {
            let out = try ImportFixtures.temporaryFolder(self).appendingPathComponent(c.name)
            let options = try ImportFixtures.options(for: c)
            if let error = c.error {
                XCTAssertThrowsError(try CheckpointImporter.importCheckpoint(ImportFixtures.input(c.inputs.checkpoint), into: out, options: options), c.name) {
                    XCTAssertTrue("\($0)".contains(error), "\(c.name): error '\($0)' does not mention '\(error)'")
                }
                XCTAssertFalse(FileManager.default.fileExists(atPath: out.path), "\(c.name): a failed import left \(out.path)")
                XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: out.deletingLastPathComponent().path), [], "\(c.name): staging left behind")
                continue
            }
            let report = try CheckpointImporter.importCheckpoint(ImportFixtures.input(c.inputs.checkpoint), into: out, options: options)
            let expected = ImportFixtures.root.appendingPathComponent(try XCTUnwrap(c.expected))
            try assertSameTensors(out, expected, c.name)
            let mine = try ModelConfiguration.load(from: out.appendingPathComponent("config.json"))
            let theirs = try ModelConfiguration.load(from: expected.appendingPathComponent("config.json"))
            XCTAssertEqual(mine, theirs, "\(c.name): config.json differs")
            XCTAssertEqual(report.configuration, theirs, c.name)
            // The parity models' expected folders are Fixtures/vision/models, converted from an
            // earlier torch.save of the same tensors (another file, so another hash).
            try assertSameManifest(out, expected, c.name, compareHashes: !(c.expected ?? "").hasPrefix("../"))
        }
    }

    /// Tensor names, dtypes, shapes and bytes equal.
    private func assertSameTensors(_ a: URL, _ b: URL, _ name: String) throws {
        let mine = try SafetensorsFile(contentsOf: a.appendingPathComponent("model.safetensors"))
        let theirs = try SafetensorsFile(contentsOf: b.appendingPathComponent("model.safetensors"))
        XCTAssertEqual(mine.names.sorted(), theirs.names.sorted(), "\(name): tensor names differ")
        var differing: [String] = []
        for key in theirs.names where mine.contains(key) {
            let x = try mine.info(named: key), y = try theirs.info(named: key)
            XCTAssertEqual(x.dtype, y.dtype, "\(name): \(key) dtype")
            XCTAssertEqual(x.shape, y.shape, "\(name): \(key) shape")
            if try mine.rawBytes(named: key) != theirs.rawBytes(named: key) { differing.append(key) }
        }
        XCTAssertEqual(differing, [], "\(name): tensors not bitwise equal")
    }

    private func assertSameManifest(_ a: URL, _ b: URL, _ name: String, compareHashes: Bool) throws {
        func load(_ u: URL) throws -> [String: Any] {
            try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: u.appendingPathComponent("manifest.json"))) as? [String: Any])
        }
        let mine = try load(a), theirs = try load(b)
        for key in ["kind", "dtype", "dropped", "vision_align", "tensors"] {
            XCTAssertEqual(mine[key].map { "\($0)" }, theirs[key].map { "\($0)" }, "\(name): manifest \(key)")
        }
        XCTAssertEqual(mine["pos_embed_resampled"] as? NSDictionary, theirs["pos_embed_resampled"] as? NSDictionary, "\(name): manifest pos_embed_resampled")
        XCTAssertEqual((mine["sources"] as? [[String: String]]).map { $0.map { $0["file"] ?? "" } },
                       (theirs["sources"] as? [[String: String]]).map { $0.map { $0["file"] ?? "" } }, "\(name): source files")
        guard compareHashes else { return }
        XCTAssertEqual((mine["sources"] as? [[String: String]])?.map { $0["sha256"] ?? "" },
                       (theirs["sources"] as? [[String: String]])?.map { $0["sha256"] ?? "" }, "\(name): source SHA-256")
    }
}
