import Foundation

/// Why a models-folder operation failed. Each message says what failed, for which model or
/// folder, and what to do.
public enum ModelLibraryError: Error, CustomStringConvertible, LocalizedError, Equatable {
    /// The name is not usable as a model name (see ``ModelName``).
    case invalidName(String, reason: String)
    /// No model of that name is installed. `installed` lists the names that are.
    case notInstalled(String, installed: [String])
    /// `install` without `replace` onto a name that is already installed.
    case alreadyInstalled(String, url: URL)
    /// No `--model` was given and no default model is recorded.
    case noDefaultModel(installed: [String])
    /// A `--model` value that is a path names no directory.
    case noSuchModelDirectory(path: String)
    /// The staged folder given to `install` is not a hidden folder directly inside the models folder.
    case stagingOutsideLibrary(path: String, modelsFolder: String)
    /// The staged folder is not a usable model (no readable `config.json`).
    case stagedModelInvalid(path: String, reason: String)
    /// A file-system operation failed (permissions, a file where a folder should be, …).
    case fileSystem(operation: String, path: String, reason: String)

    public var description: String {
        switch self {
        case .invalidName(let name, let reason):
            return "'\(name)' is not a valid model name: \(reason). Use letters, digits, '-', '_' and '.', e.g. iv2-clip-s14."
        case .notInstalled(let name, let installed):
            let have = installed.isEmpty ? "no models are installed" : "installed: \(installed.joined(separator: ", "))"
            return "no model named '\(name)' is installed (\(have)). Run `fluxsearch models pull \(name)` for a known model, or `fluxsearch models import FILE --name \(name)` for a checkpoint you have."
        case .alreadyInstalled(let name, let url):
            return "a model named '\(name)' is already installed at \(url.path); pass --replace to overwrite it, remove it with `fluxsearch models remove \(name)`, or choose another --name."
        case .noDefaultModel(let installed):
            if installed.isEmpty {
                return "no model is installed. Run `fluxsearch models pull iv2-clip-s14`, or `fluxsearch models import FILE --name NAME` for a checkpoint you have."
            }
            return "no default model is set (installed: \(installed.joined(separator: ", "))). Pass --model NAME, or run `fluxsearch models default NAME`."
        case .noSuchModelDirectory(let path):
            return "\(path): no such model directory; --model takes a model name from `fluxsearch models list` or a directory holding config.json and model.safetensors."
        case .stagingOutsideLibrary(let path, let folder):
            return "\(path): cannot install from here; a model is installed from a hidden staging folder inside \(folder) (made by ModelLibrary.makeStagingURL(for:)), so that the final move is one atomic rename."
        case .stagedModelInvalid(let path, let reason):
            return "\(path): the staged model is not complete (\(reason)); nothing was installed. Run the import again."
        case .fileSystem(let operation, let path, let reason):
            return "\(path): cannot \(operation) (\(reason)). Check that the folder exists, is a folder, and is writable, or point FLUXSEARCH_CACHE at one that is."
        }
    }

    public var errorDescription: String? { description }
}
