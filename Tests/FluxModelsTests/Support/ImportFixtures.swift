import Foundation
import XCTest
import FluxCore
@testable import FluxModels

/// The import fixtures of Tools/fixtures/make_import_fixtures.py: official-layout checkpoints
/// at random weights (inputs/) and the Python converter's output for each case.
enum ImportFixtures {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/import")

    struct Case: Decodable {
        struct Inputs: Decodable {
            let checkpoint: String
            let text: String?
            let vision_base: String?
        }
        let name: String
        let inputs: Inputs
        let args: [String]
        let expected: String?
        let error: String?
    }

    static func cases() throws -> [Case] {
        struct File: Decodable { let cases: [Case] }
        return try JSONDecoder().decode(File.self, from: Data(contentsOf: root.appendingPathComponent("cases.json"))).cases
    }

    static func input(_ name: String) -> URL { root.appendingPathComponent("inputs").appendingPathComponent(name) }

    /// The converter's flags as importer options (the flags `models import` also takes).
    static func options(for c: Case) throws -> CheckpointImportOptions {
        var o = CheckpointImportOptions()
        var args = c.args[...]
        func value() throws -> String {
            guard let v = args.popFirst() else { throw NSError(domain: "ImportFixtures", code: 1, userInfo: [NSLocalizedDescriptionKey: "flag without value in \(c.args)"]) }
            return v
        }
        while let flag = args.popFirst() {
            switch flag {
            case "--name": o.name = try value()
            case "--num-heads": o.numHeads = Int(try value())
            case "--projector-heads": o.projectorHeads = Int(try value()) ?? 16
            case "--pos-frames": o.posFrames = Int(try value())
            case "--pos-grid": o.posGrid = Int(try value())
            case "--orig-t-size": o.origTSize = Int(try value())
            case "--projector-budgets": o.projectorBudgets = try value().split(separator: ",").compactMap { Int($0) }
            case "--text-heads": o.textHeads = Int(try value())
            case "--dtype": o.dtype = CheckpointImportOptions.StoredType(rawValue: try value()) ?? .f32
            case "--drop-unknown": o.dropUnknown = true
            case "--size": o.size = CheckpointImportOptions.Size(rawValue: try value())
            default: XCTFail("\(c.name): flag \(flag) is not mapped")
            }
        }
        if let t = c.inputs.text { o.text = input(t) }
        if let b = c.inputs.vision_base { o.visionBase = input(b) }
        return o
    }

    /// A fresh temporary folder, removed at the end of the test.
    static func temporaryFolder(_ test: XCTestCase) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("import-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        test.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }

    /// Imports case `name` into a temporary folder and returns the model directory.
    static func imported(_ name: String, _ test: XCTestCase) throws -> URL {
        guard let c = try cases().first(where: { $0.name == name }) else { throw NSError(domain: "ImportFixtures", code: 2) }
        let out = try temporaryFolder(test).appendingPathComponent(name)
        try CheckpointImporter.importCheckpoint(input(c.inputs.checkpoint), into: out, options: try options(for: c))
        return out
    }
}
