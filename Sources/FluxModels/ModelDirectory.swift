import Foundation
import FluxCore

/// A model on disk: `config.json` (``ModelConfiguration``) and `model.safetensors` with the
/// official state-dict keys, as written by `Tools/convert_checkpoint.py` or the trainer.
public struct ModelDirectory {
    public let url: URL
    public let configuration: ModelConfiguration
    /// The memory-mapped weights.
    public let weights: SafetensorsFile
    /// The model's own budget → (frames, size) table (`sampling.json`, written by `tune`), or
    /// nil when it has none. Read once, when the directory is opened.
    public let ownSamplingTable: FlexiSamplingTable?
    /// The table every clip of this model is sampled by: its own, else
    /// ``FlexiSamplingTable/tokenOptimized``.
    public var samplingTable: FlexiSamplingTable { ownSamplingTable ?? .tokenOptimized }

    public static let configName = "config.json"
    public static let weightsName = "model.safetensors"

    /// Opens and validates a model directory; tensors are checked when a tower is loaded.
    public init(_ url: URL) throws {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDir), isDir.boolValue else {
            throw ModelLoadingError.missingFile(path: url.path, hint: "--model takes a directory holding \(Self.configName) and \(Self.weightsName)")
        }
        self.url = url
        configuration = try ModelConfiguration.load(from: url.appendingPathComponent(Self.configName))
        let weightsURL = url.appendingPathComponent(Self.weightsName)
        guard FileManager.default.fileExists(atPath: weightsURL.path) else {
            throw ModelLoadingError.missingFile(path: weightsURL.path, hint: "the model directory has config.json but no weights; convert a checkpoint with Tools/convert_checkpoint.py")
        }
        weights = try SafetensorsFile(contentsOf: weightsURL)
        ownSamplingTable = try FlexiSamplingTable.load(modelDirectory: url)
    }

    /// The vision tower with its vision_align head.
    public func visionTower() throws -> VisionTower {
        guard let v = configuration.vision else {
            throw ModelLoadingError.towerNotConfigured(path: url.appendingPathComponent(Self.configName).path, tower: "vision")
        }
        return try VisionTower(configuration: v, embedDim: configuration.embedDim, weights: weights)
    }

    /// A content hash of config.json and model.safetensors ("h64:…"), recorded by every index
    /// built with this model so that vectors of different models are never mixed.
    public func weightHash() throws -> String {
        var hash = ContentHash()
        do {
            try hash.update(contentsOf: url.appendingPathComponent(Self.configName))
            try hash.update(contentsOf: url.appendingPathComponent(Self.weightsName))
        } catch {
            throw ModelLoadingError.missingFile(path: url.path, hint: "cannot read the model files to hash them: \(error.localizedDescription)")
        }
        return hash.hex
    }
}
