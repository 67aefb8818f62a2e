import Foundation

/// Reads the DiDeMo paragraph-to-video test set (EVAL_PROTOCOL §2) from either form:
///
/// - LocalizingMoments `test_data.json`: one entry per moment description, keys
///   `annotation_id, description, video, times, num_segments, dl_link`; optionally filtered by
///   a split list (collaborative-experts `test_list.txt`, 1004 Flickr names, one per line);
/// - the VINDLU / UMT JSON list `[{"video": "<stem>.mp4", "caption": ["sent1", …]}]`.
///
/// Each video becomes one query text: its sentences joined with a single space in annotation
/// order (UMT/IV2 `preprocess_para_retrieval_data`, CLIP4Clip's `" ".join`). `pre_text` is
/// applied when the paragraph is encoded, so the sentence-final periods disappear then.
/// Frames come from the first 30 s only (``FrameSampler/didemo(frames:)``).
///
/// Split-list names are matched to annotation names exactly, else by stem
/// (``VideoName/key(_:)``), because the VINDLU files rename every video to `.mp4` and 27 Flickr
/// names end in a bare dot. Exact names win: 33 test videos exist in two versions (`.mov` and
/// `.mp4`, …) annotated separately, so a stem alone is not unique. Videos come in split-list
/// order when a list is given, else in annotation order.
///
/// For example:
/// ```swift
/// let didemo = try DiDeMoAnnotations.load(URL(fileURLWithPath: "didemo_test_data.json"),
///                                         splitList: URL(fileURLWithPath: "didemo_test_list.txt"))
/// didemo.texts.count      // 1004 paragraphs
/// didemo.sentenceCount    // 3932 sentences
/// ```
public enum DiDeMoAnnotations {
    /// Reads `url`, filtered by the names in `splitList` when given.
    /// - Throws: ``AnnotationError``.
    public static func load(_ url: URL, splitList: URL? = nil, name: String = "didemo") throws -> EvalDataset {
        let data = try AnnotationError.read(url)
        let names = try splitList.map { try readSplitList($0) }
        return try parse(data, path: url.path, splitList: names, splitListPath: splitList?.path, name: name)
    }

    /// One name per line; blank lines and surrounding whitespace are ignored.
    public static func readSplitList(_ url: URL) throws -> [String] {
        let text = String(decoding: try AnnotationError.read(url), as: UTF8.self)
        let names = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard !names.isEmpty else { throw AnnotationError.empty(path: url.path, reason: "the split list names no videos") }
        return names
    }

    /// Parses annotation bytes (either format); `path` is used in messages only.
    public static func parse(_ data: Data, path: String, splitList: [String]? = nil, splitListPath: String? = nil,
                             name: String = "didemo") throws -> EvalDataset {
        let expected = "LocalizingMoments test_data.json (a list of {\"video\", \"description\", …}) or a VINDLU JSON list of {\"video\", \"caption\": [sentences]}"
        guard let object = try? JSONSerialization.jsonObject(with: data), let list = object as? [Any] else {
            throw AnnotationError.unrecognised(path: path, expected: expected)
        }
        // One unit per gallery video: its name, the names a split list may use for it, its sentences.
        struct Unit { var name: String; var aliases: [String]; var sentences: [String] }
        var units: [Unit] = []
        let format: EvalDataset.Format
        if let first = list.first as? [String: Any], first["description"] != nil {
            format = .localizingMoments
            var unitOf: [String: Int] = [:]
            for (i, item) in list.enumerated() {
                guard let dict = item as? [String: Any], let video = dict["video"] as? String, !video.isEmpty else {
                    throw AnnotationError.invalidEntry(path: path, entry: i, reason: "no \"video\" string")
                }
                guard let description = dict["description"] as? String else {
                    throw AnnotationError.invalidEntry(path: path, entry: i, reason: "no \"description\" string for \(video)")
                }
                if let u = unitOf[video] { units[u].sentences.append(description) } else {
                    unitOf[video] = units.count
                    units.append(Unit(name: video, aliases: [video], sentences: [description]))
                }
            }
        } else {
            format = .vindluJSON
            // Each entry is one gallery video (UMT does not merge entries). A derived file's
            // `orig_video` keeps the Flickr name, which tells apart the 33 test videos whose
            // .mov and .mp4 (or .avi, .mts, bare-dot) versions are annotated separately.
            units = try VINDLUEntry.parseList(data, path: path).map { e in
                Unit(name: e.originalVideo ?? e.video, aliases: [e.originalVideo, e.video].compactMap { $0 }, sentences: e.captions)
            }
        }

        var notes: [String] = []
        var chosen = Array(units.indices)
        if let splitList {
            // Exact names first; a stem (another extension, a bare dot) only when no unit has
            // the exact name — several units can share a stem.
            var byName: [String: [Int]] = [:], byAlias: [String: [Int]] = [:], byStem: [String: [Int]] = [:]
            for (i, u) in units.enumerated() {
                byName[u.name, default: []].append(i)
                for a in Set(u.aliases) where a != u.name { byAlias[a, default: []].append(i) }
                byStem[VideoName.key(u.name), default: []].append(i)
            }
            var taken = Set<Int>(), absent: [String] = []
            chosen = []
            for n in splitList {
                let free = { (i: Int) in !taken.contains(i) }
                let pick = byName[n]?.first(where: free) ?? byAlias[n]?.first(where: free) ?? byStem[VideoName.key(n)]?.first(where: free)
                guard let i = pick else { absent.append(n); continue }
                taken.insert(i)
                chosen.append(i)
            }
            if !absent.isEmpty {
                notes.append("\(absent.count) split-list name(s) have no annotation and are left out: "
                             + absent.prefix(5).joined(separator: ", ") + (absent.count > 5 ? ", …" : ""))
            }
        }
        guard !chosen.isEmpty else {
            throw AnnotationError.empty(path: path, reason: splitList == nil ? "the file has no videos"
                                        : "none of the split list's names (\(splitListPath ?? "split list")) is annotated")
        }
        return EvalDataset(name: name, format: format, videos: chosen.map { units[$0].name },
                           texts: chosen.map { units[$0].sentences.joined(separator: " ") }, textVideo: Array(chosen.indices),
                           sentencesPerVideo: chosen.map { units[$0].sentences.count }, notes: notes)
    }
}

/// How annotation video names are compared with each other and with files.
public enum VideoName {
    /// Extensions tried when a name's file is not found as spelled (lower case).
    public static let videoExtensions = ["mp4", "avi", "mov", "m4v", "webm", "mkv", "3gp", "3g2", "mpg", "mpeg",
                                         "wmv", "mts", "m2ts", "flv", "ogv"]

    /// The name without folders and without its video extension: `video7020.mp4` → `video7020`,
    /// `…_5762149bfc.` (a Flickr name with a bare trailing dot) → `…_5762149bfc`,
    /// `clip.v2.MOV` → `clip.v2`. A name whose extension is not a video extension keeps it.
    public static func stem(_ name: String) -> String {
        let base = name.split(separator: "/", omittingEmptySubsequences: true).last.map(String.init) ?? name
        if base.hasSuffix(".") { return String(base.dropLast()) }
        guard let dot = base.lastIndex(of: "."), dot != base.startIndex else { return base }
        let ext = base[base.index(after: dot)...].lowercased()
        return videoExtensions.contains(ext) ? String(base[..<dot]) : base
    }

    /// The matching key: the stem.
    public static func key(_ name: String) -> String { stem(name) }
}
