import Foundation
import FluxCore

/// Reads captions for the query bank from a file: one caption per line (`.txt`), an annotation
/// JSON list in the VINDLU schema (`[{"video": …, "caption": "…" or ["…", …]}]`), or a CSV whose
/// header has a `sentence` or `caption` column (the JSFusion MSRVTT file).
public enum CaptionFile {
    public enum Failure: Error, CustomStringConvertible, LocalizedError {
        case unreadable(path: String, reason: String)
        case unrecognised(path: String, reason: String)

        public var description: String {
            switch self {
            case .unreadable(let path, let reason): return "\(path): cannot read — \(reason)"
            case .unrecognised(let path, let reason): return "\(path): not a caption file — \(reason)"
            }
        }
        public var errorDescription: String? { description }
    }

    /// The captions in file order, trimmed, empty ones dropped.
    public static func read(_ url: URL) throws -> [String] {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw Failure.unreadable(path: url.path, reason: error.localizedDescription)
        }
        let text = String(decoding: data, as: UTF8.self)
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        let captions: [String]
        if url.pathExtension.lowercased() == "json" || trimmed.hasPrefix("[") {
            captions = try json(data, path: url.path)
        } else if url.pathExtension.lowercased() == "csv" {
            captions = try csv(text, path: url.path)
        } else {
            captions = text.split(whereSeparator: \.isNewline).map(String.init)
        }
        return captions.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.filter { !$0.isEmpty }
    }

    static func json(_ data: Data, path: String) throws -> [String] {
        guard let list = try? JSONSerialization.jsonObject(with: data) as? [[String: Any]] else {
            throw Failure.unrecognised(path: path, reason: "expected a JSON list of {\"video\": …, \"caption\": …} objects")
        }
        return list.flatMap { item -> [String] in
            if let s = item["caption"] as? String { return [s] }
            if let l = item["caption"] as? [String] { return l }
            if let s = item["description"] as? String { return [s] }   // LocalizingMoments test_data.json
            return []
        }
    }

    static func csv(_ text: String, path: String) throws -> [String] {
        var rows = DelimitedText.parse(text)
        guard !rows.isEmpty else { return [] }
        let header = rows.removeFirst().map { $0.lowercased() }
        guard let column = header.firstIndex(of: "sentence") ?? header.firstIndex(of: "caption") else {
            throw Failure.unrecognised(path: path, reason: "the CSV header has no 'sentence' or 'caption' column (it has: \(header.joined(separator: ", ")))")
        }
        return rows.compactMap { column < $0.count ? $0[column] : nil }
    }
}
