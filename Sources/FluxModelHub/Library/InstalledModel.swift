import Foundation
import FluxModels

/// One model folder in the library, as `fluxsearch models list` shows it.
public struct InstalledModel: Sendable {
    /// Whether the folder can be opened as a model.
    public enum State: Sendable {
        /// `config.json` parsed and `model.safetensors` is present.
        case ready(ModelConfiguration)
        /// The folder cannot be used; `reason` says why (shown in the listing, never thrown).
        case broken(reason: String)
    }

    /// The folder name, which is the name `--model` takes.
    public let name: String
    /// The model folder.
    public let url: URL
    public let state: State
    /// Total size of the regular files in the folder, in bytes.
    public let sizeBytes: Int64
    /// Whether this is the model recorded in the models folder's `default` file.
    public let isDefault: Bool
    /// The checkpoint file names recorded by the importer in `manifest.json`, or nil when the
    /// folder has no (readable) manifest.
    public let sourceFiles: [String]?

    /// The parsed configuration, or nil when the model is broken.
    public var configuration: ModelConfiguration? {
        if case .ready(let configuration) = state { return configuration }
        return nil
    }

    /// Why the model is broken, or nil when it is ready.
    public var brokenReason: String? {
        if case .broken(let reason) = state { return reason }
        return nil
    }

    public init(name: String, url: URL, state: State, sizeBytes: Int64, isDefault: Bool, sourceFiles: [String]?) {
        self.name = name
        self.url = url
        self.state = state
        self.sizeBytes = sizeBytes
        self.isDefault = isDefault
        self.sourceFiles = sourceFiles
    }
}
