import Foundation

/// Sidecar transcript files of a video: files in the same folder named STEM.srt, STEM.vtt,
/// STEM.json, and STEM.LANG.srt / STEM.LANG.vtt (LANG = 2–3 letters, optionally with a region
/// like en-US or pt_BR), where STEM is the video's file name without its extension. Sorted by
/// path. Case-insensitive extension match. Only regular files (follow symlinks to regular
/// files; ignore FIFOs, devices, folders).
public enum TranscriptSidecars {
    /// The sidecar files of `video`, sorted by path; [] when there are none or the folder
    /// cannot be listed. Names that are not valid UTF-8 are not found (a URL cannot hold them).
    public static func find(for video: URL) -> [URL] {
        let folder = video.deletingLastPathComponent()
        let stem = video.deletingPathExtension().lastPathComponent
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder.path) else { return [] }
        return names.filter { isSidecarName($0, stem: stem) }
            .map { folder.appendingPathComponent($0) }
            .filter {
                // stat follows links: a link to a regular file counts, a FIFO or folder does not.
                if case .success(let (kind, _)) = FileKind.of(FileSystemPath($0)) { return kind == .regular }
                return false
            }
            .sorted { $0.path < $1.path }
    }

    /// The video stems a sidecar's file name can belong to, longest first: "clip.en.srt" →
    /// ["clip.en", "clip"], "clip.srt" → ["clip"], "notes.txt" → []. Lets a caller that has
    /// listed a folder once match every video's sidecars without listing it again per video.
    public static func videoStems(ofSidecarName name: String) -> [String] {
        let parts = name.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count >= 2, ["srt", "vtt", "json"].contains(parts[parts.count - 1].lowercased()) else { return [] }
        let stem = parts.dropLast().joined(separator: ".")
        var stems = stem.isEmpty ? [] : [stem]
        if parts.count >= 3, ["srt", "vtt"].contains(parts[parts.count - 1].lowercased()), isLanguageTag(parts[parts.count - 2]) {
            let shorter = parts.dropLast(2).joined(separator: ".")
            if !shorter.isEmpty { stems.append(shorter) }
        }
        return stems.filter { isSidecarName(name, stem: $0) }
    }

    /// STEM.srt|vtt|json or STEM.LANG.srt|vtt (extension in any case).
    static func isSidecarName(_ name: String, stem: String) -> Bool {
        guard name.hasPrefix(stem + ".") else { return false }
        let rest = name.dropFirst(stem.count + 1)
        let parts = rest.split(separator: ".", omittingEmptySubsequences: false)
        switch parts.count {
        case 1: return ["srt", "vtt", "json"].contains(parts[0].lowercased())
        case 2: return ["srt", "vtt"].contains(parts[1].lowercased()) && isLanguageTag(parts[0])
        default: return false
        }
    }

    /// The LANG of NAME.LANG.srt / NAME.LANG.vtt, or nil. Without the video's name this is a
    /// guess from the name alone: "the.end.srt" reads as language "end".
    static func language(ofSidecarName name: String) -> String? {
        let parts = name.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count >= 3, ["srt", "vtt"].contains(parts[parts.count - 1].lowercased()) else { return nil }
        let tag = parts[parts.count - 2]
        return isLanguageTag(tag) ? String(tag) : nil
    }

    /// 2–3 ASCII letters, optionally "-" or "_" and a region of 2–4 ASCII letters or digits
    /// ("en", "fra", "en-US", "pt_BR", "es-419", "zh-Hant").
    static func isLanguageTag(_ tag: Substring) -> Bool {
        let pieces = tag.split(omittingEmptySubsequences: false) { $0 == "-" || $0 == "_" }
        guard pieces.count <= 2, (2...3).contains(pieces[0].count),
              pieces[0].allSatisfy({ $0.isASCII && $0.isLetter }) else { return false }
        guard pieces.count == 2 else { return true }
        return (2...4).contains(pieces[1].count) && pieces[1].allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) }
    }
}
