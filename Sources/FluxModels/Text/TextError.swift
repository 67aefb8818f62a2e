import Foundation

/// Why text could not be tokenised or encoded.
public enum TextError: Error, Equatable, CustomStringConvertible, LocalizedError {
    /// The BPE vocabulary file does not exist.
    case vocabularyMissing(path: String)
    /// The vocabulary file exists but cannot be read as the CLIP merge list.
    case vocabularyCorrupt(path: String, reason: String)
    /// A token sequence handed to the text tower is empty.
    case emptyTokenSequence
    /// A token sequence is longer than the tower's context.
    case tokenSequenceTooLong(count: Int, contextLength: Int)
    /// A token id is outside the tower's vocabulary.
    case tokenOutOfRange(id: Int32, position: Int, vocabularySize: Int)

    public var description: String {
        switch self {
        case .vocabularyMissing(let path):
            return "\(path): the CLIP BPE vocabulary is missing — run `Tools/setup` (or `make setup`) to install it, or pass its path with --vocab"
        case .vocabularyCorrupt(let path, let reason):
            return "\(path): not a valid CLIP BPE vocabulary — \(reason); delete it and run `Tools/setup` (or `make setup`) again"
        case .emptyTokenSequence:
            return "text tower: the token sequence is empty — expected at least one token"
        case .tokenSequenceTooLong(let count, let context):
            return "text tower: the token sequence has \(count) tokens — expected at most the context length \(context)"
        case .tokenOutOfRange(let id, let position, let size):
            return "text tower: token \(id) at position \(position) is outside the vocabulary — expected 0 ..< \(size)"
        }
    }

    public var errorDescription: String? { description }
}
