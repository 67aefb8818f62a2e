import XCTest
import FluxIngest
import FluxModels
import FluxStore
@testable import FluxEval

/// The runner on generated clips and a tiny random model: the embedding cache, missing and
/// undecodable videos, the DiDeMo trim, the tuner and the model's sampling table.
final class EvalRunnerTests: XCTestCase {
    var dir: URL!
    var clips: URL { dir.appendingPathComponent("clips") }
    var cache: URL { dir.appendingPathComponent("cache") }
    var model: ModelDirectory!

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("fluxeval-runner-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: clips, withIntermediateDirectories: true)
        addTeardownBlock { [dir] in try? FileManager.default.removeItem(at: dir!) }
        model = try ModelDirectory.writeRandom(to: dir.appendingPathComponent("model"), configuration: ModelDirectory.tinyConfiguration)
    }

    func makeClip(_ name: String, colour: String, seconds: Int = 1, rate: Int = 10) throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/ffmpeg")
        p.arguments = ["-y", "-loglevel", "error", "-f", "lavfi",
                       "-i", "testsrc2=size=96x72:rate=\(rate):duration=\(seconds),drawbox=x=20:y=20:w=40:h=30:color=\(colour):t=fill",
                       "-c:v", "libx264", "-pix_fmt", "yuv420p", "-f", "mp4", clips.appendingPathComponent(name).path]
        try p.run(); p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0, "ffmpeg \(name)")
    }

    func dataset() -> EvalDataset {
        EvalDataset(name: "toy", format: .jsfusionCSV, videos: ["red", "green", "blue", "gone"],
                    texts: ["a red box", "a green box", "a blue box", "a vanished video"], textVideo: [0, 1, 2, 3])
    }

    func runner(_ options: EvalRunner.Options? = nil) throws -> EvalRunner {
        var o = options ?? EvalRunner.Options()
        if options == nil { o.cacheRoot = cache }
        return try EvalRunner(model: model, dataset: dataset(), videos: clips, options: o)
    }

    let small = EvalSampling(budget: 2048, frames: 2, size: 56, source: "test")

    func testCacheReusesVideosAcrossRunsAndKeysBySampling() throws {
        for c in ["red", "green", "blue"] { try makeClip("\(c).mp4", colour: c) }
        let first = try runner().run(samplings: [small])
        XCTAssertEqual(first.report.runs[0].cache?.encoded, 3)
        XCTAssertEqual(first.report.runs[0].cache?.reused, 0)
        // The missing video is listed, counted, and its text left out.
        XCTAssertEqual(first.report.missingVideos, ["gone"])
        XCTAssertEqual(first.report.counts, EvalReport.Counts(annotatedVideos: 4, annotatedTexts: 4, sentences: 4, foundVideos: 3,
                                                               missingVideos: 1, droppedTexts: 1))
        XCTAssertEqual(first.report.coverageLine, "1 video missing: evaluated on 3 of 4 (1 text of missing videos left out)")
        XCTAssertEqual(first.report.runs[0].videos, 3)
        XCTAssertEqual(first.report.runs[0].texts, 3)
        XCTAssertEqual(first.runs[0].dataset.videos, ["red", "green", "blue"])

        let hash = try model.weightHash().dropFirst(4).prefix(12)
        let folder = cache.appendingPathComponent("toy-\(hash)/b2048-f2x56")
        XCTAssertEqual(first.report.runs[0].cache?.path, folder.path)
        XCTAssertTrue(IndexStore.exists(at: folder))

        // Another DSL scale: no video encoding, same raw metrics.
        var options = EvalRunner.Options()
        options.cacheRoot = cache
        options.dslScale = 100
        let second = try runner(options).run(samplings: [small])
        XCTAssertEqual(second.report.runs[0].cache?.encoded, 0)
        XCTAssertEqual(second.report.runs[0].cache?.reused, 3)
        XCTAssertEqual(second.report.runs[0].raw, first.report.runs[0].raw)

        // Another sampling is another eval index.
        let other = EvalSampling(budget: 2048, frames: 4, size: 56, source: "test")
        let third = try runner().run(samplings: [other])
        XCTAssertEqual(third.report.runs[0].cache?.encoded, 3)
        XCTAssertEqual(third.report.runs[0].cache?.path, cache.appendingPathComponent("toy-\(hash)/b2048-f4x56").path)

        // A changed file is re-encoded, the others are not.
        try makeClip("green.mp4", colour: "yellow", seconds: 2)
        let fourth = try runner().run(samplings: [small])
        XCTAssertEqual(fourth.report.runs[0].cache?.encoded, 1)
        XCTAssertEqual(fourth.report.runs[0].cache?.reused, 2)
    }

    func testUndecodableVideoIsListedAndLeftOut() throws {
        try makeClip("red.mp4", colour: "red")
        try makeClip("green.mp4", colour: "green")
        try Data("not a video".utf8).write(to: clips.appendingPathComponent("blue.mp4"))
        var options = EvalRunner.Options()   // no cache root: temporary index
        options.dsl = .off
        let outcome = try runner(options).run(samplings: [small])
        let run = outcome.report.runs[0]
        XCTAssertEqual(run.failedVideos.map(\.video), ["blue"])
        XCTAssertEqual(run.videos, 2)
        XCTAssertEqual(run.texts, 2)
        XCTAssertNil(run.dsl)
        XCTAssertNotNil(run.raw)
        XCTAssertNil(run.cache?.path)
        XCTAssertEqual(run.raw?.textToVideo.queries, 2)
    }

    func testNothingFoundIsAnError() throws {
        XCTAssertThrowsError(try runner().run(samplings: [small])) { error in
            XCTAssertTrue("\(error)".hasPrefix("nothing to evaluate: none of the 4 annotated videos was found under"), "\(error)")
        }
    }

    /// DiDeMo sampling reads only the first 30 s: the stored clip window ends at 30 s.
    func testFirstSecondsTrimTheSampledWindow() throws {
        try makeClip("red.mp4", colour: "red", seconds: 40, rate: 2)
        let trimmed = EvalSampling(budget: 2048, frames: 2, size: 28, firstSeconds: 30, source: "test")
        XCTAssertEqual(trimmed.folderName, "b2048-f2x28-first30s")
        XCTAssertEqual(trimmed.sampler, FrameSampler.didemo(frames: 2))
        let r = try EvalRunner(model: model, dataset: EvalDataset(name: "didemo", format: .vindluJSON, videos: ["red.mov"],
                                                                  texts: ["a red box"], textVideo: [0]),
                               videos: clips, options: { var o = EvalRunner.Options(); o.cacheRoot = cache; return o }())
        let outcome = try r.run(samplings: [trimmed])
        XCTAssertEqual(outcome.report.runs[0].videos, 1)
        let store = try IndexStore.open(at: URL(fileURLWithPath: outcome.report.runs[0].cache!.path!))
        let clip = try XCTUnwrap(store.allClips(budget: 2048).first)
        XCTAssertEqual(clip.end, 30, accuracy: 1e-6)
        XCTAssertTrue(try store.settings().sampling.contains("\"first_seconds\":30"))
    }

    /// The search follows its rules step by step and writes its choice into sampling.json.
    func testTunerFollowsTheLinearSearchAndWritesTheTable() throws {
        for c in ["red", "green", "blue"] { try makeClip("\(c).mp4", colour: c) }
        var options = TokenOptimizationTuner.Options(budget: 64)
        options.sizes = [42, 56, 28]
        options.startFrames = 2
        options.maxFrames = 8
        let tuner = TokenOptimizationTuner(runner: try runner(), options: options)
        var seen: [TokenOptimizationTuner.Step] = []
        let result = try tuner.run { seen.append($0) }
        XCTAssertEqual(seen, result.steps)
        let steps = result.steps
        XCTAssertEqual(steps[0].phase, "start")
        XCTAssertEqual([steps[0].frames, steps[0].size], [2, 56])
        var best = steps[0]
        for (i, step) in steps.enumerated().dropFirst() {
            XCTAssertEqual(step.improved, step.r1 > best.r1, "step \(i + 1)")
            if step.phase == "frames" {
                XCTAssertEqual(step.size, 56)
                XCTAssertEqual(step.frames, best.frames + 2)
            } else {
                XCTAssertEqual(step.phase, "resolution")
                XCTAssertLessThan(step.size, best.size)
                XCTAssertGreaterThanOrEqual(step.frames, best.frames + 2)
            }
            if step.improved { best = step } else {
                // A phase stops at its first non-improvement: the next step (if any) starts phase 2.
                if i + 1 < steps.count { XCTAssertEqual(steps[i + 1].phase, "resolution"); XCTAssertEqual(step.phase, "frames") }
            }
        }
        XCTAssertEqual(result.chosen, FlexiSamplingTable.Entry(budget: 64, frames: best.frames, size: best.size))
        XCTAssertEqual(result.videos, 3)

        let table = try tuner.write(result, modelDirectory: model.url)
        XCTAssertEqual(try FlexiSamplingTable.load(modelDirectory: model.url), table)
        XCTAssertEqual(try table.entry(forBudget: 64), result.chosen)
        XCTAssertEqual(try table.entry(forBudget: 1024), FlexiSamplingTable.Entry(budget: 1024, frames: 8, size: 224))
    }

    func testModelSamplingTableFile() throws {
        XCTAssertNil(try FlexiSamplingTable.load(modelDirectory: model.url))
        let table = FlexiSamplingTable.unmasked.replacing(.init(budget: 1024, frames: 10, size: 196))
        try table.write(modelDirectory: model.url)
        XCTAssertEqual(try FlexiSamplingTable.load(modelDirectory: model.url), table)
        XCTAssertEqual(table.entries.map(\.budget), [256, 512, 1024, 2048, 3072])
        XCTAssertEqual(try table.entry(forBudget: 1024).frames, 10)

        let file = FlexiSamplingTable.modelFileURL(modelDirectory: model.url)
        try Data(#"{"patch_size": 14, "entries": [{"budget": 512, "frames": 4, "size": 224}]}"#.utf8).write(to: file)
        XCTAssertThrowsError(try FlexiSamplingTable.load(modelDirectory: model.url)) { error in
            XCTAssertTrue("\(error)".contains("sampling.json: invalid frame count: 4"), "\(error)")
        }
        try Data("{".utf8).write(to: file)
        XCTAssertThrowsError(try FlexiSamplingTable.load(modelDirectory: model.url)) { error in
            XCTAssertTrue("\(error)".contains("sampling.json: not a sampling table"), "\(error)")
        }
    }

    func testSamplingResolution() throws {
        let unmasked = try EvalSampling.resolve(budgets: [512, 1024, 2048], table: .unmasked, source: "unmasked")
        XCTAssertEqual(unmasked.map { [$0.frames, $0.size, $0.pool] }, [[2, 224, 512], [4, 224, 1024], [8, 224, 2048]])
        XCTAssertFalse(unmasked.contains { $0.selects })
        let to = try EvalSampling.resolve(budgets: [1024], table: .tokenOptimized, source: "token-optimized")[0]
        XCTAssertEqual([to.frames, to.size, to.pool], [8, 224, 2048])
        XCTAssertTrue(to.selects)
        let overridden = try EvalSampling.resolve(budgets: [256], table: .unmasked, frames: 2, size: 56, source: "unmasked")[0]
        XCTAssertEqual(overridden.source, "--frames/--size")
        XCTAssertEqual(overridden.descriptor, #"{"budget":256,"first_seconds":null,"frames":2,"patch_size":14,"rule":"middle","size":56}"#)
        XCTAssertThrowsError(try EvalSampling.resolve(budgets: [512], table: .unmasked, frames: 4, size: 224, source: "x"))
    }
}
