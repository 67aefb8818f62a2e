import Foundation
import FluxModels
@testable import FluxModelHub

/// A fresh folder under the system temp folder, deleted by ``remove()``.
struct TemporaryFolder {
    let url: URL

    init(_ label: String = "hub") throws {
        url = FileManager.default.temporaryDirectory
            .appendingPathComponent("fluxmodelhub-\(label)-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    func remove() { try? FileManager.default.removeItem(at: url) }
}

/// Test data and model folders.
enum HubFixtures {
    /// `count` pseudo-random bytes from a fixed seed (deterministic across runs).
    static func randomBytes(_ count: Int, seed: UInt64) -> Data {
        var state = seed &* 0x9E37_79B9_7F4A_7C15 | 1
        var bytes = [UInt8](repeating: 0, count: count)
        for i in 0..<count {
            // xorshift64*
            state ^= state >> 12; state ^= state << 25; state ^= state >> 27
            bytes[i] = UInt8(truncatingIfNeeded: (state &* 0x2545_F491_4F6C_DD1D) >> 56)
        }
        return Data(bytes)
    }

    /// Writes a model folder the library lists as ready: a real config.json and a
    /// `model.safetensors` of `weightBytes` bytes (the library does not read the weights).
    static func writeModel(at url: URL, name: String = "tiny", weightBytes: Int = 1000, sources: [String]? = nil) throws {
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        var configuration = ModelDirectory.tinyConfiguration
        configuration.name = name
        try JSONEncoder().encode(configuration).write(to: url.appendingPathComponent(ModelDirectory.configName))
        try Data(count: weightBytes).write(to: url.appendingPathComponent(ModelDirectory.weightsName))
        if let sources {
            let manifest: [String: Any] = ["sources": sources.map { ["file": $0, "sha256": String(repeating: "0", count: 64)] }]
            try JSONSerialization.data(withJSONObject: manifest).write(to: url.appendingPathComponent("manifest.json"))
        }
    }

    static func fileSize(_ url: URL) -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: url.path))?[.size] as? NSNumber)?.intValue ?? -1
    }
}
