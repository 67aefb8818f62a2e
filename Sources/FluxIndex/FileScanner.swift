import Foundation

/// Finds candidate video files under the paths a user gives. Whether a file really is a
/// video is decided by probing it with the decoder, not by its extension; this only skips
/// what is never a video: hidden files and folders (names starting with "."), and system
/// files such as Thumbs.db or desktop.ini.
public enum FileScanner {
    static let systemNames: Set<String> = ["thumbs.db", "desktop.ini", "icon\r", "ehthumbs.db"]

    /// Regular files under `paths` (files are taken as given), sorted, without duplicates.
    /// Missing paths are returned in `missing`.
    public static func scan(_ paths: [String], recursive: Bool = true) -> (files: [URL], missing: [String]) {
        var files: [URL] = [], missing: [String] = []
        var seen = Set<String>()
        let fm = FileManager.default
        for path in paths {
            let url = URL(fileURLWithPath: path).standardizedFileURL
            var isDir: ObjCBool = false
            guard fm.fileExists(atPath: url.path, isDirectory: &isDir) else { missing.append(path); continue }
            if !isDir.boolValue {
                if seen.insert(url.path).inserted { files.append(url) }
                continue
            }
            let options: FileManager.DirectoryEnumerationOptions = recursive ? [.skipsHiddenFiles] : [.skipsHiddenFiles, .skipsSubdirectoryDescendants]
            guard let walker = fm.enumerator(at: url, includingPropertiesForKeys: [.isRegularFileKey], options: options) else { continue }
            for case let file as URL in walker {
                let name = file.lastPathComponent
                if name.hasPrefix(".") || systemNames.contains(name.lowercased()) { continue }
                guard (try? file.resourceValues(forKeys: [.isRegularFileKey]))?.isRegularFile == true else { continue }
                let p = file.standardizedFileURL
                if seen.insert(p.path).inserted { files.append(p) }
            }
        }
        return (files.sorted { $0.path < $1.path }, missing)
    }
}
