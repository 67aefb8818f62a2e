import Foundation
import FluxCore

/// Writes a model directory (config.json, model.safetensors, manifest.json) so that it
/// appears whole or not at all: everything goes into a hidden sibling folder, which is renamed
/// to the final name last. A failure (a full disk, Ctrl-C, a bad tensor) leaves no folder
/// under the final name; the hidden one is removed on a thrown error.
enum ModelDirectoryWriter {
    static func write(configuration: ModelConfiguration, tensors: OrderedTensors, dtype: CheckpointImportOptions.StoredType,
                      manifest: ImportManifest, to output: URL) throws {
        let fm = FileManager.default
        let final = output.standardizedFileURL
        if fm.fileExists(atPath: final.path) || (try? fm.destinationOfSymbolicLink(atPath: final.path)) != nil {
            throw CheckpointImportError.outputExists(path: final.path)
        }
        let parent = final.deletingLastPathComponent()
        do {
            try fm.createDirectory(at: parent, withIntermediateDirectories: true)
        } catch {
            throw CheckpointImportError.io(path: parent.path, reason: "cannot create the folder (\(error.localizedDescription))")
        }
        let staging = parent.appendingPathComponent(".\(final.lastPathComponent).importing-\(UUID().uuidString.prefix(8))")
        do {
            try fm.createDirectory(at: staging, withIntermediateDirectories: false)
        } catch {
            throw CheckpointImportError.io(path: staging.path, reason: "cannot create the folder (\(error.localizedDescription))")
        }
        var done = false
        defer { if !done { try? fm.removeItem(at: staging) } }

        // Hash the inputs on the other core while the tensors are converted and written.
        let hashing = DispatchGroup()
        let box = ManifestBox(manifest)
        DispatchQueue.global().async(group: hashing) {
            do { try box.value.resolveDigests() } catch { box.error = error }
        }

        let encoding: SafetensorsWriter.FloatEncoding = dtype == .f32 ? .f32 : dtype == .f16 ? .f16 : .bf16
        var writer = SafetensorsWriter(metadata: ["format": "pt"])
        for (name, ref) in tensors.entries {
            writer.add(name, shape: ref.shape, encoding: encoding, produce: ref.produce)
        }
        let writeError: Error?
        do {
            try writer.write(to: staging.appendingPathComponent(ModelDirectory.weightsName))
            writeError = nil
        } catch {
            writeError = error
        }
        hashing.wait()
        if let writeError { throw writeError }
        if let digestError = box.error { throw digestError }
        let manifest = box.value

        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try writeJSON(configuration, encoder: encoder, to: staging.appendingPathComponent(ModelDirectory.configName))
        try writeJSON(manifest, encoder: encoder, to: staging.appendingPathComponent("manifest.json"))
        guard rename(staging.path, final.path) == 0 else {
            let reason = String(cString: strerror(errno))
            throw CheckpointImportError.io(path: final.path, reason: "cannot move the finished model into place (\(reason))")
        }
        done = true
    }

    private static func writeJSON<T: Encodable>(_ value: T, encoder: JSONEncoder, to url: URL) throws {
        do {
            var data = try encoder.encode(value)
            data.append(0x0A)
            try data.write(to: url, options: .atomic)
        } catch {
            throw CheckpointImportError.io(path: url.path, reason: error.localizedDescription)
        }
    }

    /// The manifest, handed to the hashing thread and back (joined by the group's wait).
    private final class ManifestBox: @unchecked Sendable {
        var value: ImportManifest
        var error: Error?
        init(_ value: ImportManifest) { self.value = value }
    }
}
