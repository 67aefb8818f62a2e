import Foundation

/// One progress report for one file. The CLI draws the bar; these are the numbers.
public struct DownloadProgress: Sendable, Equatable {
    /// The file's display name (see ``RegistryFile/displayName``).
    public let file: String
    /// Bytes on disk so far, resumed bytes included.
    public let bytesDone: Int64
    /// The file's size in bytes, when known.
    public let totalBytes: Int64?
    /// Transfer rate over the last few seconds, in bytes per second (0 before any data).
    public let bytesPerSecond: Double
    /// Estimated seconds left, when the total and a rate are known.
    public let etaSeconds: Double?
    /// True for the last report of the file (all bytes on disk).
    public let isFinal: Bool

    public init(file: String, bytesDone: Int64, totalBytes: Int64?, bytesPerSecond: Double, etaSeconds: Double?, isFinal: Bool) {
        self.file = file
        self.bytesDone = bytesDone
        self.totalBytes = totalBytes
        self.bytesPerSecond = bytesPerSecond
        self.etaSeconds = etaSeconds
        self.isFinal = isFinal
    }

    /// "12.3 MB of 350 MB, 45.6 MB/s, ETA 0:07" (parts that are unknown are left out).
    public var summary: String {
        var text = ByteCountText.format(bytesDone)
        if let totalBytes { text += " of \(ByteCountText.format(totalBytes))" }
        if bytesPerSecond > 0 { text += ", \(ByteCountText.format(Int64(bytesPerSecond.rounded())))/s" }
        if let etaSeconds, !isFinal { text += ", ETA \(DurationText.format(seconds: etaSeconds))" }
        return text
    }
}

/// Receives progress reports; called at most ``ProgressMeter/defaultInterval`` apart per file,
/// plus once at the end of each file.
public typealias DownloadProgressHandler = @Sendable (DownloadProgress) -> Void

/// Decimal byte counts as people read them: "950 B", "12.3 MB", "350 MB", "1.2 GB".
public enum ByteCountText {
    public static func format(_ bytes: Int64) -> String {
        let units = ["B", "kB", "MB", "GB", "TB"]
        var value = Double(bytes)
        var unit = 0
        while value >= 1000, unit < units.count - 1 {
            value /= 1000
            unit += 1
        }
        if unit == 0 { return "\(bytes) B" }
        // Three significant digits: 12.3 MB, 350 MB (not 350.0 MB).
        let text = value < 100 ? String(format: "%.1f", value) : String(format: "%.0f", value)
        return "\(text) \(units[unit])"
    }
}

/// Durations as "0:07", "12:34", "1:02:03".
public enum DurationText {
    public static func format(seconds: Double) -> String {
        guard seconds.isFinite, seconds >= 0 else { return "--:--" }
        let total = Int(seconds.rounded(.up))
        let h = total / 3600, m = (total % 3600) / 60, s = total % 60
        return h > 0 ? String(format: "%d:%02d:%02d", h, m, s) : String(format: "%d:%02d", m, s)
    }
}

/// Turns byte counts into throttled ``DownloadProgress`` reports for one file.
///
/// The rate is measured over a sliding window of recent samples (not since the start), so
/// it follows a connection that speeds up or stalls, and resumed bytes do not inflate it.
final class ProgressMeter {
    /// The shortest time between two reports, in seconds (≤ 10 reports a second).
    static let defaultInterval: Double = 0.1
    /// The rate window, in seconds.
    static let window: Double = 5

    private let file: String
    private let handler: DownloadProgressHandler?
    private let interval: Double
    private let now: () -> Double
    private var totalBytes: Int64?
    private var samples: [(time: Double, bytes: Int64)] = []
    private var lastReport: Double = -.infinity
    private(set) var reportCount = 0

    /// - Parameter now: the clock in seconds (injected by tests).
    init(file: String, totalBytes: Int64?, handler: DownloadProgressHandler?,
         interval: Double = ProgressMeter.defaultInterval, now: @escaping () -> Double = { ProcessInfo.processInfo.systemUptime }) {
        self.file = file
        self.totalBytes = totalBytes
        self.handler = handler
        self.interval = interval
        self.now = now
    }

    func setTotal(_ total: Int64?) { totalBytes = total }

    /// Starts (or restarts, after the server ignored a range) counting from `bytesDone`.
    func start(at bytesDone: Int64) {
        samples = [(now(), bytesDone)]
    }

    /// Records `bytesDone`; reports when the last report is at least `interval` old.
    func update(bytesDone: Int64) {
        let t = now()
        samples.append((t, bytesDone))
        while let first = samples.first, t - first.time > Self.window, samples.count > 2 { samples.removeFirst() }
        if t - lastReport >= interval {
            report(bytesDone: bytesDone, at: t, isFinal: false)
        }
    }

    /// The last report of the file (always sent).
    func finish(bytesDone: Int64) {
        let t = now()
        samples.append((t, bytesDone))
        report(bytesDone: bytesDone, at: t, isFinal: true)
    }

    func rate() -> Double {
        guard let first = samples.first, let last = samples.last, last.time > first.time else { return 0 }
        return Double(last.bytes - first.bytes) / (last.time - first.time)
    }

    private func report(bytesDone: Int64, at t: Double, isFinal: Bool) {
        lastReport = t
        guard let handler else { return }
        let r = rate()
        var eta: Double?
        if let totalBytes {
            if isFinal || bytesDone >= totalBytes { eta = 0 } else if r > 0 { eta = Double(totalBytes - bytesDone) / r }
        }
        reportCount += 1
        handler(DownloadProgress(file: file, bytesDone: bytesDone, totalBytes: totalBytes, bytesPerSecond: max(r, 0), etaSeconds: eta, isFinal: isFinal))
    }
}
