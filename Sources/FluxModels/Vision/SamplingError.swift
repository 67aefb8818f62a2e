import Foundation

/// A sampling configuration that cannot work: bad frame counts, sizes or budget tables.
/// Messages say what to change.
public enum SamplingError: Error, Equatable, Sendable, CustomStringConvertible, LocalizedError {
    /// The frame count is not usable, with the reason.
    case invalidFrames(Int, reason: String)
    /// The frame side is not usable, with the reason.
    case invalidSize(Int, reason: String)
    /// The token budget cannot be used, with the reason (default: it is not positive).
    case invalidBudget(Int, reason: String = "it must be a positive number of tokens")
    /// A budget table has no entries.
    case emptyTable

    public var description: String {
        switch self {
        case .invalidFrames(let n, let reason): return "invalid frame count: \(n) — \(reason)"
        case .invalidSize(let s, let reason): return "invalid frame size: \(s) px — \(reason)"
        case .invalidBudget(let b, let reason): return "invalid token budget: \(b) — \(reason)"
        case .emptyTable: return "empty flexi-sampling table — give at least one {budget, frames, size} entry"
        }
    }
}

extension SamplingError {
    public var errorDescription: String? { description }
}
