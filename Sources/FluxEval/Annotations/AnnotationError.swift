import Foundation

/// An annotation, split-list or ground-truth file that cannot be used. Each message names the
/// file and says what was expected.
public enum AnnotationError: Error, Equatable, Sendable, CustomStringConvertible, LocalizedError {
    /// The file cannot be read.
    case unreadable(path: String, reason: String)
    /// The file is not in a format this reader knows.
    case unrecognised(path: String, expected: String)
    /// An entry lacks a field, or has one of the wrong type.
    case invalidEntry(path: String, entry: Int, reason: String)
    /// The file holds no usable entries (or none are left after the split list).
    case empty(path: String, reason: String)

    public var description: String {
        switch self {
        case .unreadable(let path, let reason):
            return "\(path): cannot read — \(reason)"
        case .unrecognised(let path, let expected):
            return "\(path): not an annotation file this command reads — expected \(expected)"
        case .invalidEntry(let path, let entry, let reason):
            return "\(path): entry \(entry): \(reason)"
        case .empty(let path, let reason):
            return "\(path): no usable entries — \(reason)"
        }
    }

    public var errorDescription: String? { description }

    /// The file's contents, or ``unreadable(path:reason:)``.
    static func read(_ url: URL) throws -> Data {
        do { return try Data(contentsOf: url) } catch {
            throw AnnotationError.unreadable(path: url.path, reason: error.localizedDescription)
        }
    }
}
