import XCTest
import FluxIndex
import FluxStore
@testable import FluxQuery

/// The synthetic test split (300 clips, one caption each; Tools/synth) indexed with the demo
/// model, every clip with a sidecar transcript unrelated to every caption (weather sentences
/// that share no word with any caption, checked here by rule): text→video R@1 searching the
/// picture alone and searching picture + transcripts must be equal, query by query.
final class HybridRecallTests: XCTestCase {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    static let unrelated = [
        "Tomorrow brings drizzle over the northern hills.", "Winds ease overnight; expect fog by morning.",
        "Farmers report a fine harvest despite hail.", "The ferry timetable changes next weekend.",
        "Museum curators catalogued ancient pottery shards.", "Interest rates hold firm this quarter.",
    ]

    func testR1IsTheSameWithAnUnrelatedTranscriptOnEveryClip() throws {
        let repo = Self.repository
        let model = repo.appendingPathComponent("Corpus/models/demo")
        let generate = Process()
        generate.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        generate.arguments = ["python3", "Tools/synth/generate.py", "--splits", "test"]
        generate.currentDirectoryURL = repo
        try generate.run()
        generate.waitUntilExit()
        XCTAssertEqual(generate.terminationStatus, 0)
        let manifest = try XCTUnwrap(try JSONSerialization.jsonObject(
            with: Data(contentsOf: repo.appendingPathComponent("Corpus/synth/test.json"))) as? [[String: Any]])
        let pairs = manifest.compactMap { item -> (video: String, caption: String)? in
            guard let v = item["video"] as? String, let c = item["caption"] as? String else { return nil }
            return (v, c)
        }
        XCTAssertEqual(pairs.count, 300)

        // The rule that makes the transcripts unrelated: no word a text search would look up.
        let captionTerms = pairs.reduce(into: Set<String>()) { $0.formUnion(TranscriptQuery($1.caption).terms) }
        for s in Self.unrelated { XCTAssertEqual(Set(TranscriptQuery(s).terms).intersection(captionTerms), [], s) }

        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("fluxtest-recall-\(UUID().uuidString)")
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        let clips = dir.appendingPathComponent("clips")
        try FileManager.default.createDirectory(at: clips, withIntermediateDirectories: true)
        let synth = repo.appendingPathComponent("Corpus/generated/synth/test")
        for (i, pair) in pairs.enumerated() {
            try FileManager.default.createSymbolicLink(at: clips.appendingPathComponent(pair.video),
                                                       withDestinationURL: synth.appendingPathComponent(pair.video))
            let text = "1\n00:00:00,000 --> 00:00:01,500\n\(Self.unrelated[i % 6])\n\n2\n00:00:01,500 --> 00:00:03,000\n\(Self.unrelated[(i + 1) % 6])\n"
            try text.write(to: clips.appendingPathComponent((pair.video as NSString).deletingPathExtension + ".srt"),
                           atomically: true, encoding: .utf8)
        }
        let index = dir.appendingPathComponent("index")
        let summary = try Indexer.open(index: index, modelURL: model, request: Indexer.Request(budgets: [256])).run(paths: [clips.path])
        XCTAssertEqual(summary.indexed.count, 300)
        XCTAssertEqual(summary.transcripts, 300)

        let session = try SearchSession.open(index: index, model: model)
        var options = QueryOptions()
        options.k = 1
        var hits = (visual: 0, both: 0)
        for pair in pairs {
            options.source = .visual
            let visual = try session.search(.text(pair.caption), options: options)
            options.source = .both
            let both = try session.search(.text(pair.caption), options: options)
            XCTAssertEqual(both.source, .both)
            XCTAssertEqual(both.fusion?.cues, 0, pair.caption)
            XCTAssertEqual(both.hits.map(\.path), visual.hits.map(\.path), pair.caption)
            if URL(fileURLWithPath: visual.hits.first?.path ?? "").lastPathComponent == pair.video { hits.visual += 1 }
            if URL(fileURLWithPath: both.hits.first?.path ?? "").lastPathComponent == pair.video { hits.both += 1 }
        }
        print("synthetic test split, demo model, 256 tokens: T2V R@1 picture only \(Double(hits.visual) / 3)%, picture + unrelated transcripts \(Double(hits.both) / 3)%")
        XCTAssertEqual(hits.visual, hits.both)
        XCTAssertGreaterThan(hits.visual, 100, "the demo model finds well over a third of the split first")
    }
}
