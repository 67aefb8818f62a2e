import Foundation

/// Progress on standard error: a redrawn bar with rate and ETA on a terminal, plain lines
/// (at most one every few seconds) otherwise.
final class ProgressLine {
    private let isTerminal = isatty(STDERR_FILENO) == 1
    private var lastPlain = 0.0
    private var drawn = false

    func update(done: Int, total: Int, unitsPerSecond: Double, unit: String, eta: Double?, label: String) {
        let now = Date().timeIntervalSince1970
        let rate = String(format: "%.2f %@/s", unitsPerSecond, unit)
        let etaText = eta.map { "ETA \(formatDuration($0))" } ?? "ETA --"
        if isTerminal {
            let width = 28
            let filled = total > 0 ? min(width, width * done / total) : 0
            let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
            let name = label.count > 30 ? "…" + label.suffix(29) : label
            writeStandardError("\r\u{1B}[2K\(bar) \(done)/\(total) files  \(rate)  \(etaText)  \(name)")
            drawn = true
        } else if now - lastPlain >= 5 || done == total {
            lastPlain = now
            writeStandardError("progress: \(done)/\(total) files, \(rate), \(etaText)\n")
        }
    }

    /// Ends the redrawn line so that following output starts on a fresh line.
    func finish() {
        if drawn { writeStandardError("\n"); drawn = false }
    }
}
