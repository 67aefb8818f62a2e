import Foundation
import FluxIngest

/// The transcript sidecars of the videos of one indexing run, matched from the files the scan
/// already listed, so that a folder of many videos is not listed again for each video. A video
/// named on the command line (its folder was not scanned) has its folder listed instead
/// (``FluxIngest/TranscriptSidecars/find(for:)``).
struct SidecarFinder {
    /// "folder/stem" → sidecar files.
    private var byStem: [String: [URL]] = [:]
    /// Paths given on the command line.
    private let explicit: Set<String>

    init(scanned sidecars: [URL], explicit: Set<String>) {
        self.explicit = explicit
        for url in sidecars {
            let folder = url.deletingLastPathComponent().path
            for stem in TranscriptSidecars.videoStems(ofSidecarName: url.lastPathComponent) {
                byStem[folder + "/" + stem, default: []].append(url)
            }
        }
    }

    /// The sidecar files of `video`, sorted by path.
    func sidecars(of video: URL) -> [URL] {
        if explicit.contains(video.standardizedFileURL.path) { return TranscriptSidecars.find(for: video) }
        let key = video.deletingLastPathComponent().path + "/" + video.deletingPathExtension().lastPathComponent
        return (byStem[key] ?? []).sorted { $0.path < $1.path }
    }
}
