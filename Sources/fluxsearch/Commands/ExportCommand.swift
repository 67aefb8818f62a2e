import ArgumentParser
import Foundation
import FluxCore
import FluxIndex

/// `fluxsearch export`: every clip with its video's metadata, and optionally the vectors.
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write every clip of an index with its metadata (JSON, JSON lines or CSV), and optionally its vectors as .npy.",
        discussion: """
        Keys (all formats): clip_id, path, start, end, budget, kind, duration, fps, width, height, codec. \
        With --vectors FILE.npy, the float32 matrix [clips, dim] is written in the same row order \
        (pass --tokens to export a single budget's vectors).
        """)

    enum Format: String, ExpressibleByArgument, CaseIterable { case json, jsonl, csv }

    @OptionGroup var indexOptions: IndexOptions

    @Option(help: "Output format: json, jsonl or csv.")
    var format: Format = .jsonl

    @Option(help: ArgumentHelp("Write to this file instead of standard output.", valueName: "file"))
    var output: String?

    @Option(help: ArgumentHelp("Also write the vectors as a float32 .npy, rows in export order.", valueName: "file.npy"))
    var vectors: String?

    @Option(help: ArgumentHelp("Only clips of this token budget.", valueName: "n"))
    var tokens: Int?

    struct Row: Encodable {
        let clip_id: Int64, path: String, start: Double, end: Double, budget: Int, kind: String
        let duration: Double?, fps: Double?, width: Int?, height: Int?, codec: String?
    }

    func run() throws {
        try OutputFile.precheck(output, option: "--output")
        try OutputFile.precheck(vectors, option: "--vectors")
        let (clips, matrix, dim) = try IndexMaintenance.clips(index: indexOptions.url, budget: tokens, vectors: vectors != nil)
        let rows = clips.map { e in
            Row(clip_id: e.clip.id, path: e.clip.path, start: e.clip.start, end: e.clip.end, budget: e.clip.budget,
                kind: e.clip.kind.rawValue, duration: e.video?.duration, fps: e.video?.fps, width: e.video?.width,
                height: e.video?.height, codec: e.video?.codec)
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var text = ""
        switch format {
        case .json:
            encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
            text = String(decoding: try encoder.encode(rows), as: UTF8.self) + "\n"
        case .jsonl:
            for r in rows { text += String(decoding: try encoder.encode(r), as: UTF8.self) + "\n" }
        case .csv:
            text = "clip_id,path,start,end,budget,kind,duration,fps,width,height,codec\n"
            for r in rows {
                let fields: [String] = ["\(r.clip_id)", csvField(r.path), "\(r.start)", "\(r.end)", "\(r.budget)", r.kind,
                                        r.duration.map { "\($0)" } ?? "", r.fps.map { "\($0)" } ?? "",
                                        r.width.map(String.init) ?? "", r.height.map(String.init) ?? "", csvField(r.codec ?? "")]
                text += fields.joined(separator: ",") + "\n"
            }
        }
        if let output {
            try OutputFile.write(text, to: output, option: "--output")
            note("wrote \(rows.count) clip(s) to \(output)")
        } else {
            out(text, terminator: "")
        }
        if let vectors {
            try OutputFile.write(NPY.encode(matrix, shape: [rows.count, dim]), to: vectors, option: "--vectors")
            note("wrote vectors [\(rows.count), \(dim)] to \(vectors)")
        }
    }

    func csvField(_ s: String) -> String {
        s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
    }
}
