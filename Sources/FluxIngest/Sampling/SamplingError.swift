/// A sampling configuration that cannot work: bad frame counts, sizes or budget tables.
/// Messages say what to change.
public enum SamplingError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The frame count is not usable, with the reason.
    case invalidFrames(Int, reason: String)
    /// The frame side is not usable, with the reason.
    case invalidSize(Int, reason: String)
    /// The token budget is not positive.
    case invalidBudget(Int)
    /// A budget table has no entries.
    case emptyTable

    public var description: String {
        switch self {
        case .invalidFrames(let n, let reason): return "invalid frame count: \(n) — \(reason)"
        case .invalidSize(let s, let reason): return "invalid frame size: \(s) px — \(reason)"
        case .invalidBudget(let b): return "invalid token budget: \(b) — it must be a positive number of tokens"
        case .emptyTable: return "empty flexi-sampling table — give at least one {budget, frames, size} entry"
        }
    }
}
