import Foundation

/// Why a model could not be loaded. Messages name the file and the tensor keys involved.
public enum ModelLoadingError: Error, CustomStringConvertible, LocalizedError, Equatable {
    /// A file of the model directory is missing.
    case missingFile(path: String, hint: String)
    /// `config.json` is unreadable or inconsistent.
    case invalidConfiguration(path: String, reason: String)
    /// The weights do not match what the configuration declares. All problems at once.
    case tensorMismatch(path: String, tower: String, missing: [String], unexpected: [String], wrongShape: [ShapeProblem])
    /// The configuration has no section for a tower that was asked for.
    case towerNotConfigured(path: String, tower: String)

    /// One mis-shaped tensor.
    public struct ShapeProblem: Equatable, Sendable {
        public let key: String
        public let expected: String
        public let actual: [Int]
        public init(key: String, expected: String, actual: [Int]) {
            self.key = key; self.expected = expected; self.actual = actual
        }
    }

    public var description: String {
        switch self {
        case .missingFile(let path, let hint):
            return "\(path): no such file — \(hint)"
        case .invalidConfiguration(let path, let reason):
            return "\(path): invalid model configuration — \(reason)"
        case .towerNotConfigured(let path, let tower):
            return "\(path): the model has no \(tower) tower (no '\(tower)' section in config.json)"
        case .tensorMismatch(let path, let tower, let missing, let unexpected, let wrong):
            var lines = ["\(path): the \(tower) weights do not match the configuration (\(missing.count) missing, \(unexpected.count) unexpected, \(wrong.count) with wrong shape)"]
            func list(_ title: String, _ items: [String]) {
                guard !items.isEmpty else { return }
                lines.append("  \(title):")
                lines += items.prefix(20).map { "    \($0)" }
                if items.count > 20 { lines.append("    … and \(items.count - 20) more") }
            }
            list("missing", missing)
            list("unexpected", unexpected)
            list("wrong shape", wrong.map { "tensor '\($0.key)': expected \($0.expected), got \($0.actual)" })
            lines.append("  hint: convert official checkpoints with Tools/convert_checkpoint.py, and check that config.json describes the same architecture")
            return lines.joined(separator: "\n")
        }
    }

    public var errorDescription: String? { description }
}
