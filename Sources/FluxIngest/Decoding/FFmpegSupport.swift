import CFFmpeg
import Foundation

/// Small helpers over libav's C API: error strings, the library log level, monotonic time.
enum FFmpeg {
    /// FFmpeg's message for an AVERROR code (av_strerror).
    static func message(_ code: Int32) -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        let found = buffer.withUnsafeMutableBufferPointer { av_strerror(code, $0.baseAddress, 256) }
        return found == 0 ? String(cString: buffer) : "unknown error \(code)"
    }

    /// Monotonic clock in seconds (av_gettime_relative).
    static func now() -> Double { Double(cff_now_us()) / 1e6 }

    /// Quiets libav's own logging once per process (our typed errors carry the diagnosis).
    /// Set `FLUXSEARCH_AV_LOG=1` to keep FFmpeg's warnings and errors on stderr.
    static let configureLogging: Void = {
        let verbose = ProcessInfo.processInfo.environment["FLUXSEARCH_AV_LOG"] == "1"
        av_log_set_level(verbose ? AV_LOG_WARNING : AV_LOG_QUIET)
    }()

    /// A rational as Double, or nil when it is 0/x, x/0 or negative.
    static func value(_ r: AVRational) -> Double? {
        guard r.num > 0, r.den > 0 else { return nil }
        return Double(r.num) / Double(r.den)
    }

    /// A C string or "" for NULL.
    static func string(_ p: UnsafePointer<CChar>?) -> String { p.map { String(cString: $0) } ?? "" }
}
