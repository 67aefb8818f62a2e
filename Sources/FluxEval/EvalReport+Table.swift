import Foundation

// The human-readable report that `eval` prints.

extension EvalReport {
    /// The coverage line, e.g. "3 videos missing: evaluated on 997 of 1000".
    public var coverageLine: String {
        let found = counts.foundVideos, total = counts.annotatedVideos
        guard counts.missingVideos > 0 else { return "all \(total) annotated videos found" }
        return "\(counts.missingVideos) video\(counts.missingVideos == 1 ? "" : "s") missing: evaluated on \(found) of \(total)"
            + (counts.droppedTexts > 0 ? " (\(counts.droppedTexts) text\(counts.droppedTexts == 1 ? "" : "s") of missing videos left out)" : "")
    }

    /// The report as the CLI prints it.
    public var table: String {
        var lines: [String] = []
        var head = "fluxsearch \(command) — \(dataset)"
        if let annotations { head += ", \(URL(fileURLWithPath: annotations).lastPathComponent) (\(format))" }
        if let similarity { head += ", \(URL(fileURLWithPath: similarity).lastPathComponent)" }
        lines.append(head)
        if let model { lines.append("model \(model.name) \(model.hash)") }
        var rules = "ranks: candidates scored strictly higher (ties optimistic)"
        if settings.dsl.includesDSL { rules += " · DSL scale \(Self.number(settings.dslScale))" }
        if let t = settings.textNormalization { rules += " · text \(t)" }
        if let f = settings.frameSampling { rules += " · frames \(f)" }
        lines.append(rules)
        if similarity == nil {
            lines.append("videos: \(counts.annotatedVideos) annotated, \(counts.foundVideos) found — \(coverageLine)")
        }
        for note in notes { lines.append("note: \(note)") }
        for run in runs {
            lines.append("")
            var title: String
            if let s = run.sampling {
                title = "\(s.budget) tokens · \(s.frames) frame\(s.frames == 1 ? "" : "s") × \(s.size) px · pool \(s.pool)"
                    + (s.selects ? " → selection keeps \(s.budget)" : " (unmasked)") + " · \(s.source)"
            } else {
                title = "similarity matrix"
            }
            title += " · \(run.texts) texts × \(run.videos) videos"
            if let c = run.cache { title += " · \(c.encoded) encoded, \(c.reused) cached" }
            lines.append(title)
            if !run.failedVideos.isEmpty {
                lines.append("\(run.failedVideos.count) video(s) failed to decode/encode and are left out: "
                             + run.failedVideos.prefix(3).map { "\($0.video) (\($0.reason))" }.joined(separator: "; ")
                             + (run.failedVideos.count > 3 ? "; …" : ""))
            }
            lines += Self.metricsTable(raw: run.raw, dsl: run.dsl, dslScale: settings.dslScale)
        }
        lines.append("")
        if similarity == nil {
            lines.append(String(format: "timings: setup %.1f s, text %.1f s, videos %.1f s, scoring %.2f s, total %.1f s",
                                timings.setupSeconds, timings.textSeconds, timings.videosSeconds, timings.scoringSeconds,
                                timings.totalSeconds))
        } else {
            lines.append(String(format: "timings: load %.2f s, scoring %.2f s, total %.2f s",
                                timings.setupSeconds, timings.scoringSeconds, timings.totalSeconds))
        }
        return lines.joined(separator: "\n")
    }

    /// The side-by-side block: one row per direction, raw columns then DSL columns.
    static func metricsTable(raw: DirectionalMetrics?, dsl: DirectionalMetrics?, dslScale: Double) -> [String] {
        let blocks: [(String, DirectionalMetrics)] = [("raw cosine", raw), ("dual softmax (DSL, scale \(number(dslScale)))", dsl)]
            .compactMap { name, m in m.map { (name, $0) } }
        let columns = ["R@1", "R@5", "R@10", "MdR", "MnR"]
        let cell = 8, blockWidth = columns.count * cell, gap = "   "
        var header = pad("", 14), sub = pad("direction", 14)
        for (i, (name, _)) in blocks.enumerated() {
            header += (i > 0 ? gap : "") + pad(name, blockWidth)
            sub += (i > 0 ? gap : "") + columns.map { lpad($0, cell) }.joined()
        }
        var lines = [header.trimmingTrailingSpaces, sub]
        for (label, pick) in [("text→video", { (m: DirectionalMetrics) in m.textToVideo }),
                              ("video→text", { (m: DirectionalMetrics) in m.videoToText })] {
            var line = pad(label, 14)
            for (i, (_, m)) in blocks.enumerated() {
                let s = pick(m)
                line += (i > 0 ? gap : "") + [String(format: "%.2f", s.r1), String(format: "%.2f", s.r5), String(format: "%.2f", s.r10),
                                             String(format: "%.1f", s.medianRank), String(format: "%.2f", s.meanRank)]
                    .map { lpad($0, cell) }.joined()
            }
            lines.append(line)
        }
        var queries: [String] = []
        if let m = raw ?? dsl {
            queries.append("queries: \(m.textToVideo.queries) text→video, \(m.videoToText.queries) video→text")
            let ties = blocks.map { name, m in (name, m.textToVideo.tiedQueries + m.videoToText.tiedQueries) }.filter { $0.1 > 0 }
            if !ties.isEmpty {
                queries.append("ties: " + ties.map { "\($0.1) queries in \($0.0) had a wrong candidate scored equal to the ground truth" }.joined(separator: "; "))
            }
        }
        return lines + queries
    }

    static func number(_ x: Double) -> String { x == x.rounded() && abs(x) < 1e15 ? String(Int(x)) : String(x) }
    static func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s : s + String(repeating: " ", count: n - s.count) }
    static func lpad(_ s: String, _ n: Int) -> String { s.count >= n ? " " + s : String(repeating: " ", count: n - s.count) + s }
}

extension String {
    var trimmingTrailingSpaces: String {
        var s = self
        while s.hasSuffix(" ") { s.removeLast() }
        return s
    }
}
