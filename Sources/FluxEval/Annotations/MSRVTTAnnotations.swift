import Foundation
import FluxCore

/// Reads the MSRVTT 1k-A test split (EVAL_PROTOCOL §1) in either published form:
///
/// - CLIP4Clip's JSFusion CSV, header `key,vid_key,video_id,sentence`, rows such as
///   `ret0,msr9770,video9770,a person is connecting something to system` (RFC 4180 quoting; a
///   `;`-separated copy with CRLF line ends is read too);
/// - the VINDLU / UMT JSON list `[{"video": "video9770.mp4", "caption": "…"}]`, where the
///   caption may be a list: several ground-truth captions for one video (§4.4).
///
/// Every caption is one query text (UMT's `build_data_multi_txt_gt`). CSV rows of the same
/// `video_id` are grouped under one gallery video (videos in order of first appearance, texts
/// in file order); a JSON entry is one gallery video with all its captions.
///
/// For example:
/// ```swift
/// let msrvtt = try MSRVTTAnnotations.load(URL(fileURLWithPath: "MSRVTT_JSFUSION_test.csv"))
/// msrvtt.videos.count   // 1000
/// msrvtt.texts.count    // 1000, diagonal pairing
/// ```
public enum MSRVTTAnnotations {
    /// Reads `url`: JSON when it starts with `[`, CSV otherwise.
    /// - Throws: ``AnnotationError``.
    public static func load(_ url: URL, name: String = "msrvtt") throws -> EvalDataset {
        let data = try AnnotationError.read(url)
        return try parse(data, path: url.path, name: name)
    }

    /// Parses annotation bytes; `path` is used in messages only.
    public static func parse(_ data: Data, path: String, name: String = "msrvtt") throws -> EvalDataset {
        var text = String(decoding: data, as: UTF8.self)
        if text.hasPrefix("\u{FEFF}") { text.removeFirst() }
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        let dataset: EvalDataset
        if trimmed.hasPrefix("[") {
            dataset = try parseJSON(Data(trimmed.utf8), path: path, name: name)
        } else {
            dataset = try parseCSV(text, path: path, name: name)
        }
        guard !dataset.texts.isEmpty else {
            throw AnnotationError.empty(path: path, reason: "the file has no captions")
        }
        return dataset
    }

    /// The JSFusion CSV. Needs a `video_id` (or `video`) column and a `sentence` (or
    /// `caption`) column; other columns are ignored.
    public static func parseCSV(_ text: String, path: String, name: String = "msrvtt") throws -> EvalDataset {
        let firstLine = text.prefix { $0 != "\n" && $0 != "\r\n" && $0 != "\r" }
        let delimiter: Character = !firstLine.contains(",") && firstLine.contains(";") ? ";" : ","
        var rows = DelimitedText.parse(text, delimiter: delimiter)
        let expected = "a CSV with the header key,vid_key,video_id,sentence (CLIP4Clip's MSRVTT_JSFUSION_test.csv) or a JSON list of {\"video\": …, \"caption\": …}"
        guard !rows.isEmpty else { throw AnnotationError.empty(path: path, reason: "the file is empty") }
        let header = rows.removeFirst().map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        guard let videoColumn = header.firstIndex(of: "video_id") ?? header.firstIndex(of: "video"),
              let textColumn = header.firstIndex(of: "sentence") ?? header.firstIndex(of: "caption") else {
            throw AnnotationError.unrecognised(path: path, expected: expected + " (the header is: \(header.joined(separator: ",")))")
        }
        var pairs: [(video: String, text: String)] = []
        for (i, row) in rows.enumerated() {
            if row.count == 1 && row[0].trimmingCharacters(in: .whitespaces).isEmpty { continue }
            guard row.count > max(videoColumn, textColumn) else {
                throw AnnotationError.invalidEntry(path: path, entry: i + 1,
                                                   reason: "row \(i + 2) has \(row.count) fields, the header \(header.count)")
            }
            let video = row[videoColumn].trimmingCharacters(in: .whitespaces)
            guard !video.isEmpty else {
                throw AnnotationError.invalidEntry(path: path, entry: i + 1, reason: "row \(i + 2) has an empty \(header[videoColumn])")
            }
            pairs.append((video, row[textColumn]))
        }
        return EvalDataset.grouping(name: name, format: .jsfusionCSV, pairs: pairs)
    }

    /// The VINDLU JSON list; `caption` is a string or a list of strings. Each entry is one
    /// gallery video, as in UMT's loader (entries are not merged by name).
    public static func parseJSON(_ data: Data, path: String, name: String = "msrvtt") throws -> EvalDataset {
        let entries = try VINDLUEntry.parseList(data, path: path)
        var texts: [String] = [], textVideo: [Int] = []
        for (v, e) in entries.enumerated() {
            for c in e.captions { texts.append(c); textVideo.append(v) }
        }
        return EvalDataset(name: name, format: .vindluJSON, videos: entries.map(\.video), texts: texts, textVideo: textVideo)
    }
}

/// One entry of a VINDLU / UMT / Singularity annotation list.
struct VINDLUEntry {
    var video: String
    var captions: [String]
    /// `orig_video` when present (the derived DiDeMo files keep the Flickr name there).
    var originalVideo: String?

    /// `[{"video": …, "caption": "…" or ["…", …]}, …]`; other keys (duration, orig_video) are ignored.
    static func parseList(_ data: Data, path: String) throws -> [VINDLUEntry] {
        let expected = "a JSON list of {\"video\": \"…\", \"caption\": \"…\" or [\"…\", …]} objects (VINDLU/UMT schema)"
        guard let object = try? JSONSerialization.jsonObject(with: data), let list = object as? [Any] else {
            throw AnnotationError.unrecognised(path: path, expected: expected)
        }
        return try list.enumerated().map { i, item in
            guard let dict = item as? [String: Any] else {
                throw AnnotationError.invalidEntry(path: path, entry: i, reason: "not an object; expected \(expected)")
            }
            guard let video = dict["video"] as? String, !video.isEmpty else {
                throw AnnotationError.invalidEntry(path: path, entry: i, reason: "no \"video\" string")
            }
            let original = (dict["orig_video"] as? String).flatMap { $0.isEmpty ? nil : $0 }
            if let caption = dict["caption"] as? String { return VINDLUEntry(video: video, captions: [caption], originalVideo: original) }
            if let captions = dict["caption"] as? [String] { return VINDLUEntry(video: video, captions: captions, originalVideo: original) }
            throw AnnotationError.invalidEntry(path: path, entry: i, reason: "\"caption\" of \(video) is neither a string nor a list of strings")
        }
    }
}
