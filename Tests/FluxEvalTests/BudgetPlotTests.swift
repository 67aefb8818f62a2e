import XCTest
#if canImport(FoundationXML)
import FoundationXML
#endif
@testable import FluxEval

final class BudgetPlotTests: XCTestCase {
    func stats(_ r1: Double) -> RankStatistics {
        RankStatistics(queries: 10, r1: r1, r5: 80, r10: 90, medianRank: 2, meanRank: 3, tiedQueries: 0)
    }

    func run(_ budget: Int, t2v: Double, v2t: Double) -> EvalReport.Run {
        EvalReport.Run(sampling: EvalSampling(budget: budget, frames: budget / 256, size: 224, source: "unmasked"),
                       pool: budget, tokenSelection: false, videos: 10, texts: 10, failedVideos: [],
                       raw: DirectionalMetrics(textToVideo: stats(t2v - 1), videoToText: stats(v2t - 1)),
                       dsl: DirectionalMetrics(textToVideo: stats(t2v), videoToText: stats(v2t)), cache: nil,
                       timings: .init(videosSeconds: 0, scoringSeconds: 0))
    }

    func testSeriesAndSVG() throws {
        let settings = EvalReport.Settings(dsl: .both, dslScale: 1, rankRule: "", multiCaption: "", textNormalization: nil,
                                           frameSampling: nil, resize: nil, cache: nil)
        let counts = EvalReport.Counts(annotatedVideos: 10, annotatedTexts: 10, sentences: 10, foundVideos: 10, missingVideos: 0, droppedTexts: 0)
        // Runs out of budget order: the plot sorts them.
        let report = EvalReport(command: "eval msrvtt", dataset: "msrvtt", format: "jsfusion-csv", annotations: nil, splitList: nil,
                                videosDirectory: nil, similarity: nil, model: nil, settings: settings, counts: counts,
                                missingVideos: [], notes: [], runs: [run(2048, t2v: 44.4, v2t: 40), run(512, t2v: 36.8, v2t: 30)],
                                timings: .init(setupSeconds: 0, textSeconds: 0, videosSeconds: 0, scoringSeconds: 0, totalSeconds: 0))
        let series = BudgetPlot.series(report: report)
        XCTAssertEqual(series.map(\.name), ["text→video DSL", "text→video raw", "video→text DSL", "video→text raw"])
        XCTAssertEqual(series[0].points.map(\.budget), [512, 2048])
        XCTAssertEqual(series[0].points.map(\.r1), [36.8, 44.4])
        let svg = BudgetPlot.svg(report: report)
        XCTAssertTrue(svg.hasPrefix("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\""))
        XCTAssertTrue(svg.hasSuffix("</svg>\n"))
        XCTAssertEqual(svg.components(separatedBy: "<polyline").count - 1, 4)
        // y axis up to 50 (the next multiple of 10 above 44.4); x from 512 (left edge) to 2048 (right edge).
        XCTAssertTrue(svg.contains(">50</text>"))
        XCTAssertTrue(svg.contains("points=\"60.0,"), svg)
        XCTAssertTrue(svg.contains("<title>text→video DSL 2048: 44.40</title>"))
        let parser = XMLParser(data: Data(svg.utf8))
        XCTAssertTrue(parser.parse(), "the SVG is well-formed XML")
    }
}
