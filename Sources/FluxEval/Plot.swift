import Foundation

/// `--plot OUT.svg`: R@1 against the token budget, one line per direction and scoring
/// (text→video / video→text × raw / DSL), when several budgets were evaluated.
///
/// The x axis is log₂(budget) with a tick per evaluated budget; the y axis is R@1 in percent
/// from 0 to the next multiple of 10 above the best value. Plain SVG 1.1, no scripts or fonts
/// beyond `sans-serif`.
///
/// For example:
/// ```swift
/// try BudgetPlot.svg(report: outcome.report).write(to: url, atomically: true, encoding: .utf8)
/// ```
public enum BudgetPlot {
    /// One line of the plot.
    public struct Series: Sendable, Equatable {
        public var name: String
        public var color: String
        public var dashed: Bool
        /// (budget, R@1) in budget order.
        public var points: [(budget: Int, r1: Double)]

        public static func == (a: Series, b: Series) -> Bool {
            a.name == b.name && a.color == b.color && a.dashed == b.dashed
                && a.points.map(\.budget) == b.points.map(\.budget) && a.points.map(\.r1) == b.points.map(\.r1)
        }
    }

    /// The series of a report's runs (runs without a sampling are skipped).
    public static func series(report: EvalReport) -> [Series] {
        let runs = report.runs.filter { $0.sampling != nil }.sorted { $0.sampling!.budget < $1.sampling!.budget }
        var out: [Series] = []
        func add(_ name: String, _ color: String, _ dashed: Bool, _ pick: (EvalReport.Run) -> Double?) {
            let points = runs.compactMap { r in pick(r).map { (budget: r.sampling!.budget, r1: $0) } }
            if !points.isEmpty { out.append(Series(name: name, color: color, dashed: dashed, points: points)) }
        }
        add("text→video DSL", "#1f77b4", false) { $0.dsl?.textToVideo.r1 }
        add("text→video raw", "#1f77b4", true) { $0.raw?.textToVideo.r1 }
        add("video→text DSL", "#d62728", false) { $0.dsl?.videoToText.r1 }
        add("video→text raw", "#d62728", true) { $0.raw?.videoToText.r1 }
        return out
    }

    /// The SVG document for `report`.
    public static func svg(report: EvalReport) -> String {
        let title = "\(report.dataset): R@1 vs token budget" + (report.model.map { " (\($0.name))" } ?? "")
        return svg(series: series(report: report), title: title)
    }

    /// The SVG document for `series`.
    public static func svg(series: [Series], title: String) -> String {
        let width = 640.0, height = 400.0
        let left = 60.0, right = 170.0, top = 40.0, bottom = 50.0
        let plotW = width - left - right, plotH = height - top - bottom
        let budgets = Array(Set(series.flatMap { $0.points.map(\.budget) })).sorted()
        let best = series.flatMap { $0.points.map(\.r1) }.max() ?? 0
        let yMax = max(10, min(100, (best / 10).rounded(.up) * 10))
        let lo = log2(Double(budgets.first ?? 1)), hi = log2(Double(budgets.last ?? 1))
        func x(_ b: Int) -> Double { hi > lo ? left + (log2(Double(b)) - lo) / (hi - lo) * plotW : left + plotW / 2 }
        func y(_ r: Double) -> Double { top + plotH - r / yMax * plotH }
        func f(_ v: Double) -> String { String(format: "%.1f", v) }
        func esc(_ s: String) -> String {
            s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
        }

        var s = """
        <?xml version="1.0" encoding="UTF-8"?>
        <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" viewBox="0 0 \(Int(width)) \(Int(height))" font-family="sans-serif" font-size="12">
        <rect width="100%" height="100%" fill="white"/>
        <text x="\(f(left))" y="24" font-size="14" font-weight="bold">\(esc(title))</text>

        """
        // Grid and y labels every 10 points.
        var r = 0.0
        while r <= yMax + 1e-9 {
            s += "<line x1=\"\(f(left))\" y1=\"\(f(y(r)))\" x2=\"\(f(left + plotW))\" y2=\"\(f(y(r)))\" stroke=\"#ddd\"/>\n"
            s += "<text x=\"\(f(left - 8))\" y=\"\(f(y(r) + 4))\" text-anchor=\"end\">\(Int(r))</text>\n"
            r += 10
        }
        // Axes and x ticks.
        s += "<line x1=\"\(f(left))\" y1=\"\(f(top + plotH))\" x2=\"\(f(left + plotW))\" y2=\"\(f(top + plotH))\" stroke=\"black\"/>\n"
        s += "<line x1=\"\(f(left))\" y1=\"\(f(top))\" x2=\"\(f(left))\" y2=\"\(f(top + plotH))\" stroke=\"black\"/>\n"
        for b in budgets {
            s += "<line x1=\"\(f(x(b)))\" y1=\"\(f(top + plotH))\" x2=\"\(f(x(b)))\" y2=\"\(f(top + plotH + 5))\" stroke=\"black\"/>\n"
            s += "<text x=\"\(f(x(b)))\" y=\"\(f(top + plotH + 19))\" text-anchor=\"middle\">\(b)</text>\n"
        }
        s += "<text x=\"\(f(left + plotW / 2))\" y=\"\(f(height - 10))\" text-anchor=\"middle\">token budget (log scale)</text>\n"
        s += "<text x=\"16\" y=\"\(f(top + plotH / 2))\" text-anchor=\"middle\" transform=\"rotate(-90 16 \(f(top + plotH / 2)))\">R@1 (%)</text>\n"
        // Lines, points, legend.
        for (i, line) in series.enumerated() {
            let dash = line.dashed ? " stroke-dasharray=\"6 4\"" : ""
            let path = line.points.map { "\(f(x($0.budget))),\(f(y($0.r1)))" }.joined(separator: " ")
            s += "<polyline fill=\"none\" stroke=\"\(line.color)\" stroke-width=\"2\"\(dash) points=\"\(path)\"/>\n"
            for p in line.points {
                s += "<circle cx=\"\(f(x(p.budget)))\" cy=\"\(f(y(p.r1)))\" r=\"3.5\" fill=\"\(line.color)\"><title>\(esc(line.name)) \(p.budget): \(String(format: "%.2f", p.r1))</title></circle>\n"
            }
            let ly = top + 10 + Double(i) * 20
            s += "<line x1=\"\(f(left + plotW + 15))\" y1=\"\(f(ly))\" x2=\"\(f(left + plotW + 40))\" y2=\"\(f(ly))\" stroke=\"\(line.color)\" stroke-width=\"2\"\(dash)/>\n"
            s += "<text x=\"\(f(left + plotW + 46))\" y=\"\(f(ly + 4))\">\(esc(line.name))</text>\n"
        }
        s += "</svg>\n"
        return s
    }
}
