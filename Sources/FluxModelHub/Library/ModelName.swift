/// The rule for model names in the library: a name is one plain, visible folder name.
///
/// Names become folder names under the models folder, so anything that could escape that
/// folder (`/`, `..`) or hide among the library's own bookkeeping (hidden staging and download
/// folders, the `default` file) is refused.
public enum ModelName {
    /// The file in the models folder that records the default model; not usable as a name.
    public static let defaultFileName = "default"

    /// Returns why `name` is not a valid model name, or nil when it is.
    public static func problem(with name: String) -> String? {
        if name.isEmpty { return "the name is empty" }
        if name.contains("/") || name.contains("\\") { return "a name cannot contain '/' or '\\'" }
        if name.contains("..") { return "a name cannot contain '..'" }
        if name.hasPrefix(".") { return "a name cannot start with '.' (hidden names are the library's own staging and download folders)" }
        if name == defaultFileName { return "'\(defaultFileName)' is the file that records the default model" }
        if name.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) {
            return "a name cannot contain control characters"
        }
        if name.utf8.count > 200 { return "a name is at most 200 bytes long" }
        return nil
    }

    /// Throws ``ModelLibraryError/invalidName(_:reason:)`` unless `name` is valid.
    public static func validate(_ name: String) throws {
        if let reason = problem(with: name) { throw ModelLibraryError.invalidName(name, reason: reason) }
    }
}
