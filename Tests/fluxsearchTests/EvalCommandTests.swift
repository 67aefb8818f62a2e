import XCTest
import FluxCore

/// `fluxsearch eval msrvtt|didemo|scores` and `fluxsearch tune` through the built binary, on
/// generated clips and a tiny random-weight model.
final class EvalCommandTests: XCTestCase {
    var dir: URL!
    var clips: URL { dir.appendingPathComponent("clips") }
    var model: String { dir.appendingPathComponent("model").path }
    var cache: String { dir.appendingPathComponent("cache").path }

    override func setUpWithError() throws {
        dir = try temporaryDirectory(self)
        try FileManager.default.createDirectory(at: clips, withIntermediateDirectories: true)
    }

    func makeModel() throws -> String {
        let r = try CLI.run(["dev", "random-model", "--output", model])
        XCTAssertEqual(r.status, 0, r.stderr)
        // "wrote DIR (tiny-random, weights h64:…)"
        return String(r.stdout.split(separator: " ").last!.dropLast(2))
    }

    func makeClip(_ name: String, colour: String, seconds: Int = 1) throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/ffmpeg")
        p.arguments = ["-y", "-loglevel", "error", "-f", "lavfi",
                       "-i", "testsrc2=size=96x72:rate=10:duration=\(seconds),drawbox=x=20:y=20:w=40:h=30:color=\(colour):t=fill",
                       "-c:v", "libx264", "-pix_fmt", "yuv420p", "-f", "mp4", clips.appendingPathComponent(name).path]
        try p.run(); p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0, "ffmpeg \(name)")
    }

    /// A JSFusion-format CSV over five generated clips and one video that does not exist.
    func writeMSRVTT() throws -> String {
        let colours = ["red", "green", "blue", "yellow", "white"]
        for c in colours { try makeClip("video_\(c).mp4", colour: c) }
        var csv = "key,vid_key,video_id,sentence\n"
        for (i, c) in colours.enumerated() { csv += "ret\(i),msr\(i),video_\(c),\"a \(c) box, moving on a test pattern\"\n" }
        csv += "ret5,msr5,video_gone,a video nobody has\n"
        let url = dir.appendingPathComponent("MSRVTT_test.csv")
        try Data(csv.utf8).write(to: url)
        return url.path
    }

    struct Report: Decodable {
        struct Model: Decodable { let name: String; let hash: String }
        struct Counts: Decodable { let annotated_videos: Int; let annotated_texts: Int; let found_videos: Int; let missing_videos: Int; let dropped_texts: Int; let sentences: Int }
        struct Stats: Decodable { let queries: Int; let r1: Double; let r5: Double; let r10: Double; let mdr: Double; let mnr: Double; let tied_queries: Int }
        struct Metrics: Decodable { let t2v: Stats; let v2t: Stats }
        struct Sampling: Decodable { let budget: Int; let frames: Int; let size: Int; let first_seconds: Double? }
        struct Cache: Decodable { let path: String?; let encoded: Int; let reused: Int }
        struct Run: Decodable { let sampling: Sampling?; let videos: Int; let texts: Int; let token_selection: Bool?; let raw: Metrics?; let dsl: Metrics?; let cache: Cache? }
        struct Settings: Decodable { let dsl: String; let dsl_scale: Double; let rank_rule: String; let frame_sampling: String?; let text_normalization: String? }
        struct Timings: Decodable { let total_s: Double; let text_s: Double; let videos_s: Double }
        let command: String
        let model: Model?
        let counts: Counts
        let missing_videos: [String]
        let settings: Settings
        let runs: [Run]
        let timings: Timings
    }

    func decode(_ text: String) throws -> Report { try JSONDecoder().decode(Report.self, from: Data(text.utf8)) }

    // MARK: - eval msrvtt

    func testEvalMSRVTTEndToEndWithAJSFusionCSV() throws {
        let hash = try makeModel()
        let csv = try writeMSRVTT()
        let json = dir.appendingPathComponent("report.json").path
        let perQuery = dir.appendingPathComponent("per-query.jsonl").path
        let plot = dir.appendingPathComponent("r1.svg").path
        let r = try CLI.run(["eval", "msrvtt", "--annotations", csv, "--videos", clips.path, "--model", model,
                             "--tokens", "16,32", "--frames", "2", "--size", "56", "--cache-dir", cache,
                             "--json", json, "--per-query", perQuery, "--plot", plot])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("warning: 1 of 6 annotated videos have no file under \(clips.path): video_gone"), r.stderr)
        let out = r.stdout
        XCTAssertTrue(out.hasPrefix("fluxsearch eval msrvtt — msrvtt, MSRVTT_test.csv (jsfusion-csv)\nmodel tiny-random \(hash)\n"), out)
        XCTAssertTrue(out.contains("videos: 6 annotated, 5 found — 1 video missing: evaluated on 5 of 6 (1 text of missing videos left out)"), out)
        XCTAssertTrue(out.contains("16 tokens · 2 frames × 56 px · pool 32 → selection keeps 16 · --frames/--size · 5 texts × 5 videos · 5 encoded, 0 cached"), out)
        XCTAssertTrue(out.contains("32 tokens · 2 frames × 56 px · pool 32 (unmasked) · --frames/--size · 5 texts × 5 videos · 5 encoded, 0 cached"), out)
        XCTAssertTrue(out.contains("raw cosine"), out)
        XCTAssertTrue(out.contains("dual softmax (DSL, scale 1)"), out)
        XCTAssertTrue(out.contains("direction          R@1     R@5    R@10     MdR     MnR        R@1     R@5    R@10     MdR     MnR"), out)
        XCTAssertEqual(out.components(separatedBy: "\ntext→video").count - 1, 2, out)
        XCTAssertEqual(out.components(separatedBy: "\nvideo→text").count - 1, 2, out)
        XCTAssertTrue(out.contains("queries: 5 text→video, 5 video→text"), out)
        XCTAssertTrue(out.contains("timings: setup "), out)

        let report = try decode(try String(contentsOfFile: json, encoding: .utf8))
        XCTAssertEqual(report.command, "eval msrvtt")
        XCTAssertEqual(report.model?.name, "tiny-random")
        XCTAssertEqual(report.model?.hash, hash)
        XCTAssertEqual(report.missing_videos, ["video_gone"])
        XCTAssertEqual([report.counts.annotated_videos, report.counts.annotated_texts, report.counts.found_videos,
                        report.counts.missing_videos, report.counts.dropped_texts, report.counts.sentences], [6, 6, 5, 1, 1, 6])
        XCTAssertEqual(report.settings.dsl, "both")
        XCTAssertEqual(report.settings.dsl_scale, 1)
        XCTAssertEqual(report.settings.text_normalization, "pre_text")
        XCTAssertEqual(report.settings.frame_sampling, "middle")
        XCTAssertEqual(report.runs.map { $0.sampling?.budget }, [16, 32])
        XCTAssertEqual(report.runs.map { $0.token_selection }, [true, false])
        for run in report.runs {
            XCTAssertEqual([run.videos, run.texts], [5, 5])
            XCTAssertEqual(run.raw?.t2v.queries, 5)
            XCTAssertEqual(run.dsl?.v2t.queries, 5)
            XCTAssertEqual(run.cache?.encoded, 5)
            let r1 = try XCTUnwrap(run.raw?.t2v.r1)
            XCTAssertEqual(r1.truncatingRemainder(dividingBy: 20), 0, "R@1 over 5 queries is a multiple of 20: \(r1)")
        }
        XCTAssertTrue(report.runs[0].cache?.path?.hasSuffix("/msrvtt-\(hash.dropFirst(4).prefix(12))/b16-f2x56") == true)
        XCTAssertGreaterThan(report.timings.total_s, 0)

        let lines = try String(contentsOfFile: perQuery, encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(lines.count, 2 * (5 + 5))
        XCTAssertTrue(lines[0].contains(#""direction":"t2v""#) && lines[0].contains(#""ground_truth":["video_red"]"#), String(lines[0]))
        let svg = try String(contentsOfFile: plot, encoding: .utf8)
        XCTAssertTrue(svg.hasPrefix("<?xml") && svg.contains("<polyline") && svg.contains(">16</text>") && svg.contains(">32</text>"), svg)

        // Other DSL settings reuse every cached video; --json - prints only the JSON.
        let again = try CLI.run(["eval", "msrvtt", "--annotations", csv, "--videos", clips.path, "--model", model,
                                 "--tokens", "16,32", "--frames", "2", "--size", "56", "--cache-dir", cache,
                                 "--dsl", "on", "--dsl-scale", "100", "--json", "-"])
        XCTAssertEqual(again.status, 0, again.stderr)
        let second = try decode(again.stdout)
        XCTAssertEqual(second.runs.map { $0.cache?.encoded }, [0, 0])
        XCTAssertEqual(second.runs.map { $0.cache?.reused }, [5, 5])
        XCTAssertNil(second.runs[0].raw)
        XCTAssertNotNil(second.runs[0].dsl)
        XCTAssertEqual(second.settings.dsl_scale, 100)
    }

    func testEvalValidationMessages() throws {
        let bad = try CLI.run(["eval", "msrvtt", "--annotations", "a.csv", "--videos", "v", "--tokens", "abc"])
        XCTAssertEqual(bad.status, 64, "an invalid argument")
        XCTAssertTrue(bad.stderr.contains("--tokens takes positive token budgets separated by commas, e.g. 1024 or 512,2048 (got 'abc')."), bad.stderr)
        let twice = try CLI.run(["eval", "msrvtt", "--annotations", "a.csv", "--videos", "v", "--tokens", "512,512"])
        XCTAssertTrue(twice.stderr.contains("--tokens lists a budget twice ('512,512')."), twice.stderr)
        let size = try CLI.run(["eval", "msrvtt", "--annotations", "a.csv", "--videos", "v", "--size", "100"])
        XCTAssertTrue(size.stderr.contains("--size must be a positive multiple of 14 (got 100)."), size.stderr)
        let scale = try CLI.run(["eval", "scores", "--sim", "x.npy", "--dsl-scale", "0"])
        XCTAssertTrue(scale.stderr.contains("--dsl-scale must be a positive number (got 0.0)."), scale.stderr)
        let help = try CLI.run(["eval", "--help"])
        for word in ["msrvtt", "didemo", "scores", "strictly higher"] { XCTAssertTrue(help.stdout.contains(word), help.stdout) }
        let top = try CLI.run(["--help"])
        XCTAssertTrue(top.stdout.contains("eval") && top.stdout.contains("tune"), top.stdout)
    }

    // MARK: - eval scores

    /// S (4 videos × 4 texts, diagonal ground truth):
    ///   v0 [0.50, 0.48, 0.10, 0.20]
    ///   v1 [0.10, 0.40, 0.30, 0.00]
    ///   v2 [0.30, 0.20, 0.60, 0.55]
    ///   v3 [0.25, 0.10, 0.58, 0.50]
    /// Raw T2V (columns): t0 → 0; t1: 0.48 > 0.40 → 1; t2 → 0; t3: 0.55 > 0.50 → 1.
    ///   R@1 50, R@5 100, R@10 100, MdR median(0,0,1,1)+1 = 1.5, MnR 0.5+1 = 1.5.
    /// Raw V2T (rows): v0 → 0; v1 → 0; v2 → 0; v3: 0.58 > 0.50 → 1.
    ///   R@1 75, MdR 1, MnR 1.25.
    let s: [[Double]] = [[0.50, 0.48, 0.10, 0.20],
                         [0.10, 0.40, 0.30, 0.00],
                         [0.30, 0.20, 0.60, 0.55],
                         [0.25, 0.10, 0.58, 0.50]]

    func writeMatrix(_ m: [[Double]], name: String = "sim.npy") throws -> String {
        let url = dir.appendingPathComponent(name)
        try NPY.write(m.flatMap { $0.map(Float.init) }, shape: [m.count, m[0].count], to: url)
        return url.path
    }

    /// Independent DSL ranks: the formula of EVAL_PROTOCOL §4.2 written out loop by loop.
    func dslRanks(_ m: [[Double]], scale: Double, gt: [Int]) -> (t2v: [Int], v2t: [Int]) {
        let nv = m.count, nt = m[0].count
        let s32 = m.map { $0.map { Double(Float($0)) } }
        var t2v = [Int](), v2t = [Int]()
        func t2vScore(_ t: Int, _ v: Int) -> Double {
            s32[v][t] * exp(scale * s32[v][t]) / (0..<nt).map { exp(scale * s32[v][$0]) }.reduce(0, +)
        }
        func v2tScore(_ v: Int, _ t: Int) -> Double {
            s32[v][t] * exp(scale * s32[v][t]) / (0..<nv).map { exp(scale * s32[$0][t]) }.reduce(0, +)
        }
        for t in 0..<nt { t2v.append((0..<nv).filter { t2vScore(t, $0) > t2vScore(t, gt[t]) }.count) }
        for v in 0..<nv {
            let mine = (0..<nt).filter { gt[$0] == v }
            guard !mine.isEmpty else { continue }
            let best = mine.map { v2tScore(v, $0) }.max()!
            v2t.append((0..<nt).filter { v2tScore(v, $0) > best }.count)
        }
        return (t2v, v2t)
    }

    func line(_ label: String, _ ranks: [Int]) -> String {
        let n = Double(ranks.count), sorted = ranks.sorted()
        let median = ranks.count % 2 == 1 ? Double(sorted[ranks.count / 2]) : Double(sorted[ranks.count / 2 - 1] + sorted[ranks.count / 2]) / 2
        let cells = [String(format: "%.2f", 100 * Double(ranks.filter { $0 < 1 }.count) / n),
                     String(format: "%.2f", 100 * Double(ranks.filter { $0 < 5 }.count) / n),
                     String(format: "%.2f", 100 * Double(ranks.filter { $0 < 10 }.count) / n),
                     String(format: "%.1f", median + 1), String(format: "%.2f", Double(ranks.reduce(0, +)) / n + 1)]
        return label.padding(toLength: 14, withPad: " ", startingAt: 0)
            + cells.map { String(repeating: " ", count: max(1, 8 - $0.count)) + $0 }.joined()
    }

    func testEvalScoresPrintsTheHandComputedMetrics() throws {
        let sim = try writeMatrix(s)
        let r = try CLI.run(["eval", "scores", "--sim", sim, "--dsl", "off"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("\n" + line("text→video", [0, 1, 0, 1]) + "\n"), r.stdout)
        XCTAssertTrue(r.stdout.contains("\n" + line("video→text", [0, 0, 0, 1]) + "\n"), r.stdout)
        XCTAssertTrue(r.stdout.contains("\ntext→video       50.00  100.00  100.00     1.5    1.50\n"), r.stdout)
        XCTAssertTrue(r.stdout.contains("\nvideo→text       75.00  100.00  100.00     1.0    1.25\n"), r.stdout)
        XCTAssertFalse(r.stdout.contains("dual softmax"), r.stdout)

        for scale in [1.0, 100.0] {
            let j = try CLI.run(["eval", "scores", "--sim", sim, "--dsl-scale", "\(Int(scale))", "--json", "-"])
            XCTAssertEqual(j.status, 0, j.stderr)
            let report = try decode(j.stdout)
            let run = try XCTUnwrap(report.runs.first)
            XCTAssertEqual(run.raw?.t2v.r1, 50); XCTAssertEqual(run.raw?.t2v.mdr, 1.5); XCTAssertEqual(run.raw?.t2v.mnr, 1.5)
            XCTAssertEqual(run.raw?.v2t.r1, 75); XCTAssertEqual(run.raw?.v2t.mdr, 1); XCTAssertEqual(run.raw?.v2t.mnr, 1.25)
            let (t2v, v2t) = dslRanks(s, scale: scale, gt: [0, 1, 2, 3])
            let table = try CLI.run(["eval", "scores", "--sim", sim, "--dsl-scale", "\(Int(scale))", "--dsl", "on"])
            XCTAssertTrue(table.stdout.contains("\n" + line("text→video", t2v) + "\n"), "scale \(scale) t2v \(t2v)\n" + table.stdout)
            XCTAssertTrue(table.stdout.contains("\n" + line("video→text", v2t) + "\n"), "scale \(scale) v2t \(v2t)\n" + table.stdout)
            XCTAssertEqual(run.dsl?.t2v.r1, 100 * Double(t2v.filter { $0 == 0 }.count) / 4)
            XCTAssertEqual(run.dsl?.v2t.mnr, Double(v2t.reduce(0, +)) / 4 + 1)
        }
        // At scale 100 the dual softmax breaks the hub v0 for t1 (0.48 · w < 0.40 · w′): T2V R@1 rises to 75.
        XCTAssertEqual(dslRanks(s, scale: 100, gt: [0, 1, 2, 3]).t2v, [0, 0, 0, 1])
    }

    /// Several captions per video and a non-square matrix: ground truth from --gt, and from
    /// a VINDLU annotation file; a texts-by-videos matrix with --rows texts.
    func testEvalScoresNonSquareWithGroundTruthFiles() throws {
        // 2 videos × 4 texts; texts 0, 1 → video 0, texts 2, 3 → video 1 (see RetrievalMetricsTests).
        let m: [[Double]] = [[0.2, 0.3, 0.9, 0.1], [0.6, 0.5, 0.4, 0.7]]
        let sim = try writeMatrix(m)
        let gt = dir.appendingPathComponent("gt.txt")
        try Data("0 0\n1 1\n".utf8).write(to: gt)
        let r = try CLI.run(["eval", "scores", "--sim", sim, "--gt", gt.path, "--dsl", "off"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("\ntext→video       25.00  100.00  100.00     2.0    1.75\n"), r.stdout)
        XCTAssertTrue(r.stdout.contains("\nvideo→text       50.00  100.00  100.00     1.5    1.50\n"), r.stdout)
        XCTAssertTrue(r.stdout.contains("queries: 4 text→video, 2 video→text"), r.stdout)

        let ann = dir.appendingPathComponent("ann.json")
        try Data(#"[{"video": "a.mp4", "caption": ["x", "y"]}, {"video": "b.mp4", "caption": ["z", "w"]}]"#.utf8).write(to: ann)
        let viaAnnotations = try CLI.run(["eval", "scores", "--sim", sim, "--annotations", ann.path, "--dsl", "off"])
        XCTAssertEqual(viaAnnotations.status, 0, viaAnnotations.stderr)
        XCTAssertTrue(viaAnnotations.stdout.contains("\ntext→video       25.00  100.00  100.00     2.0    1.75\n"), viaAnnotations.stdout)

        let transposed = try writeMatrix((0..<4).map { t in m.map { $0[t] } }, name: "t.npy")
        let rows = try CLI.run(["eval", "scores", "--sim", transposed, "--gt", gt.path, "--rows", "texts", "--dsl", "off"])
        XCTAssertTrue(rows.stdout.contains("\nvideo→text       50.00  100.00  100.00     1.5    1.50\n"), rows.stdout)

        let square = try CLI.run(["eval", "scores", "--sim", sim])
        XCTAssertNotEqual(square.status, 0)
        XCTAssertTrue(square.stderr.contains("is 2 videos × 4 texts; the diagonal default needs a square matrix — pass --annotations or --gt"), square.stderr)
        let wrongWay = try CLI.run(["eval", "scores", "--sim", transposed, "--gt", gt.path])
        XCTAssertNotEqual(wrongWay.status, 0)
        XCTAssertTrue(wrongWay.stderr.contains("it looks transposed: try --rows texts"), wrongWay.stderr)
    }

    // MARK: - eval didemo

    func testEvalDiDeMoMatchesFlickrNamesAcrossExtensions() throws {
        _ = try makeModel()
        try makeClip("u1_a.mov", colour: "red")
        try makeClip("u2_b.", colour: "green")          // a Flickr name with a bare dot
        try makeClip("u3_c.mp4", colour: "blue")        // annotated as .avi
        let annotations = """
        [{"description": "A red box.", "video": "u1_a.mov", "annotation_id": 1},
         {"description": "green!", "video": "u2_b.", "annotation_id": 2},
         {"description": "It stays.", "video": "u1_a.mov", "annotation_id": 3},
         {"description": "blue", "video": "u3_c.avi", "annotation_id": 4},
         {"description": "gone", "video": "u4_d.m4v", "annotation_id": 5},
         {"description": "not listed", "video": "u5_e.mov", "annotation_id": 6}]
        """
        let ann = dir.appendingPathComponent("test_data.json")
        try Data(annotations.utf8).write(to: ann)
        let list = dir.appendingPathComponent("test_list.txt")
        try Data("u1_a.mov\nu2_b.\nu3_c.avi\nu4_d.m4v\n".utf8).write(to: list)
        let perQuery = dir.appendingPathComponent("pq.jsonl").path
        let r = try CLI.run(["eval", "didemo", "--annotations", ann.path, "--split-list", list.path, "--videos", clips.path,
                             "--model", model, "--frames", "2", "--size", "28", "--no-cache", "--json", "-", "--per-query", perQuery])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("didemo: 4 paragraphs from 5 sentences"), r.stderr)
        let report = try decode(r.stdout)
        XCTAssertEqual(report.missing_videos, ["u4_d.m4v"])
        XCTAssertEqual([report.counts.annotated_videos, report.counts.found_videos, report.counts.sentences], [4, 3, 5])
        XCTAssertEqual(report.runs[0].sampling?.first_seconds, 30)
        XCTAssertEqual(report.settings.frame_sampling, "middle over the first 30 s")
        XCTAssertEqual(report.runs[0].videos, 3)
        XCTAssertNil(report.runs[0].cache?.path)
        let first = try XCTUnwrap(String(contentsOfFile: perQuery, encoding: .utf8).split(separator: "\n").first)
        XCTAssertTrue(first.contains(#""text":"A red box. It stays.""#), String(first))
    }

    // MARK: - tune

    func testTunePrintsEveryStepAndWritesTheSamplingTable() throws {
        _ = try makeModel()
        let csv = try writeMSRVTT()
        let args = ["tune", "--budget", "64", "--annotations", csv, "--videos", clips.path, "--model", model,
                    "--sizes", "56,42", "--start-frames", "2", "--max-frames", "6", "--cache-dir", cache]
        let samplingJSON = URL(fileURLWithPath: model).appendingPathComponent("sampling.json")
        let dry = try CLI.run(args + ["--dry-run"])
        XCTAssertEqual(dry.status, 0, dry.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: samplingJSON.path))
        XCTAssertTrue(dry.stdout.contains("subset: 5 videos, 5 texts of MSRVTT_test.csv; metric: text→video R@1, dual softmax (scale 1)"), dry.stdout)
        XCTAssertTrue(dry.stdout.contains("\n1     start       2 × 56             32  none"), dry.stdout)
        XCTAssertTrue(dry.stdout.contains("(dry run: sampling.json not written)"), dry.stdout)

        let r = try CLI.run(args)
        XCTAssertEqual(r.status, 0, r.stderr)
        let stepLines = r.stdout.split(separator: "\n").filter { $0.first?.isNumber == true }
        XCTAssertGreaterThanOrEqual(stepLines.count, 2, r.stdout)
        XCTAssertEqual(stepLines.map { $0.split(separator: " ").first.map(String.init) }, (1...stepLines.count).map { String($0) })
        XCTAssertTrue(stepLines.allSatisfy { $0.hasSuffix("/5      start") || $0.contains("/5      ") }, r.stdout)
        XCTAssertTrue(r.stdout.contains("0/5"), "the second search reuses the dry run's cache:\n\(r.stdout)")
        XCTAssertTrue(r.stdout.contains("→ written to \(samplingJSON.path)"), r.stdout)
        struct Table: Decodable { struct Entry: Decodable { let budget: Int; let frames: Int; let size: Int }; let entries: [Entry] }
        let table = try JSONDecoder().decode(Table.self, from: Data(contentsOf: samplingJSON))
        let chosen = try XCTUnwrap(table.entries.first { $0.budget == 64 })
        XCTAssertTrue(r.stdout.contains("chosen for 64 tokens: \(chosen.frames) frames × \(chosen.size) px"), r.stdout)
        XCTAssertTrue(table.entries.contains { $0.budget == 1024 && $0.frames == 8 && $0.size == 224 })
    }
}
