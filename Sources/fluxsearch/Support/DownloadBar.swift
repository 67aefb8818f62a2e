import Foundation
import FluxModelHub

/// Download progress on standard error: a redrawn bar with bytes, rate and ETA on a terminal,
/// a plain line every few seconds (and at each file's end) otherwise.
final class DownloadBar: @unchecked Sendable {
    private let isTerminal = isatty(STDERR_FILENO) == 1
    private let lock = NSLock()
    private var lastPlain = 0.0
    private var drawn = false

    func update(_ p: DownloadProgress) {
        lock.lock()
        defer { lock.unlock() }
        let now = Date().timeIntervalSince1970
        let name = p.file.count > 28 ? "…" + p.file.suffix(27) : p.file
        if isTerminal {
            let width = 24
            let filled = p.totalBytes.map { $0 > 0 ? Int(min(Int64(width), Int64(width) * p.bytesDone / $0)) : 0 } ?? 0
            let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
            writeStandardError("\r\u{1B}[2K\(bar) \(p.summary)  \(name)")
            drawn = true
            if p.isFinal { writeStandardError("\n"); drawn = false }
        } else if p.isFinal || now - lastPlain >= 5 {
            lastPlain = now
            writeStandardError("download \(p.file): \(p.summary)\n")
        }
    }

    func finish() {
        lock.lock()
        defer { lock.unlock() }
        if drawn { writeStandardError("\n"); drawn = false }
    }
}
