import Foundation

/// Wall-clock timing for benchmarks.
public enum Timing {
    /// Monotonic time in seconds.
    @inline(__always)
    public static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
    }

    /// Runs `body` once to warm up, then `repetitions` times; returns each run's seconds.
    public static func measure(repetitions: Int, _ body: () -> Void) -> [Double] {
        body()
        return (0..<max(1, repetitions)).map { _ in
            let t0 = now()
            body()
            return now() - t0
        }
    }

    /// Like ``measure(repetitions:_:)`` for a throwing body.
    public static func measureThrowing(repetitions: Int, _ body: () throws -> Void) throws -> [Double] {
        try body()
        return try (0..<max(1, repetitions)).map { _ in
            let t0 = now()
            try body()
            return now() - t0
        }
    }

    /// Resident set size of this process now, in bytes (VmRSS of /proc/self/status; 0 where
    /// /proc is missing). Unlike ``peakResidentBytes`` it falls when memory is returned.
    public static var residentBytes: Int {
        guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
              let kib = line.dropFirst("VmRSS:".count).split(whereSeparator: { $0 == " " || $0 == "\t" }).first.flatMap({ Int($0) })
        else { return 0 }
        return kib * 1024
    }

    /// Peak resident set size of this process so far, in bytes (getrusage ru_maxrss).
    public static var peakResidentBytes: Int {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Int(usage.ru_maxrss) * 1024   // Linux reports KiB
    }
}

/// Summary of repeated timings, in seconds.
public struct TimingSummary: Codable, Equatable, Sendable {
    public let best: Double
    public let median: Double
    public let repetitions: Int

    public init(_ samples: [Double]) {
        let s = samples.sorted()
        best = s.first ?? 0
        median = s.isEmpty ? 0 : (s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2)
        repetitions = s.count
    }
}
