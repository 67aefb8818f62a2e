import Foundation

/// Reads the source checkpoint names from a model's `manifest.json` (written by the importer).
///
/// The listing only needs the names, so this reads leniently and never fails: the manifest's
/// format belongs to the importer, and a listing must not break because it changed. Accepted
/// shapes of the top-level `sources` (or `source_files`) value:
/// - an array of strings (file names or paths);
/// - an array of objects with a `file`, `name`, `path` or `url` string.
/// Paths and URLs are shown by their last component.
enum ManifestSourceFiles {
    static let manifestName = "manifest.json"

    /// The source file names, or nil when there is no manifest or it has no recognisable list.
    static func read(modelFolder: URL) -> [String]? {
        let url = modelFolder.appendingPathComponent(manifestName)
        guard let data = try? Data(contentsOf: url),
              let object = try? JSONSerialization.jsonObject(with: data),
              let top = object as? [String: Any] else { return nil }
        guard let list = (top["sources"] ?? top["source_files"]) as? [Any] else { return nil }
        let names = list.compactMap { item -> String? in
            if let s = item as? String { return lastComponent(s) }
            if let o = item as? [String: Any] {
                for key in ["file", "name", "path", "url"] {
                    if let s = o[key] as? String, !s.isEmpty { return lastComponent(s) }
                }
            }
            return nil
        }
        return names
    }

    private static func lastComponent(_ s: String) -> String {
        let trimmed = s.hasSuffix("/") ? String(s.dropLast()) : s
        return trimmed.split(separator: "/").last.map(String.init) ?? trimmed
    }
}
