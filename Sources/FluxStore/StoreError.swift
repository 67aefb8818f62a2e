import Foundation
import GRDB

/// Everything that can go wrong in the index store (``IndexStore``, ``VectorMirror``,
/// ``FileFingerprint``).
///
/// Pattern of ``description``: *what failed: subject — detail*, then an optional `hint:` line
/// that says what to do. Long values (JSON descriptors, SQL messages) are shortened there;
/// ``verboseDescription`` prints them in full.
///
/// FAISS failures while building an index surface as ``VectorIndexError`` (the FAISS wrapper's
/// own error type), which already carries its operation and a hint.
public enum StoreError: Error, Equatable, CustomStringConvertible, LocalizedError {
    /// The folder has no index (no `index.sqlite`, or one whose creation never finished).
    case noIndex(path: String)
    /// ``IndexStore/create(at:settings:budgets:seedBank:)`` found an index already there.
    case alreadyExists(path: String)
    /// The index at `path` was built with other settings than the ones requested; `field` names
    /// the first setting that differs (e.g. "model weight hash"). `hint` says what to do.
    case settingsMismatch(path: String, field: String, stored: String, requested: String, hint: String)
    /// The index was written by a newer fluxsearch (format or schema version unknown here).
    case unsupportedFormat(path: String, found: String, supported: String)
    /// A file of the index is damaged or is not what it should be.
    case corrupt(path: String, reason: String)
    /// A filesystem operation failed (unreadable video file, failed rename, …).
    case io(path: String, reason: String)
    /// An SQLite statement failed. `operation` says what the store was doing
    /// ("replace video /a.mp4"), `message` is SQLite's message with its result code.
    case sqlite(operation: String, message: String)
    /// The caller passed something the store cannot take: a vector of the wrong dimension,
    /// a clip with end < start, a video id that no longer exists.
    case invalidInput(operation: String, reason: String)
    /// A budget (token count) the index does not have.
    case unknownBudget(budget: Int, available: [Int])

    /// One line, plus a `hint:` line when there is something obvious to do.
    public var description: String { render(limit: 160) }

    /// ``description`` without shortening long values.
    public var verboseDescription: String { render(limit: nil) }

    public var errorDescription: String? { description }

    /// What to do about it, when there is something obvious.
    public var hint: String? {
        switch self {
        case .noIndex:
            return nil
        case .alreadyExists:
            return "open it (it is reused by `fluxsearch index`), or choose another --index folder"
        case let .settingsMismatch(_, _, _, _, hint):
            return hint
        case .unsupportedFormat:
            return "use the fluxsearch version that built this index, or build a new index in another folder"
        case let .corrupt(path, _):
            if path.hasSuffix(".index") || path.hasSuffix(".json") {
                return "run `fluxsearch reindex --rebuild-faiss` to rebuild it from index.sqlite"
            }
            return "move the folder away and run `fluxsearch index` again to rebuild the index"
        case .io:
            return nil
        case let .sqlite(_, message):
            let lower = message.lowercased()
            if lower.contains("disk is full") || lower.contains("no space") {
                return "free disk space and run the command again; everything committed so far is intact and the run resumes where it stopped"
            }
            if lower.contains("database is locked") || lower.contains("database is busy") {
                return "another fluxsearch process is writing this index; wait for it to finish"
            }
            if lower.contains("readonly database") || lower.contains("read-only") {
                return "make the index folder and its files writable"
            }
            return nil
        case .invalidInput:
            return nil
        case let .unknownBudget(budget, available):
            let list = available.isEmpty ? "none yet" : available.map(String.init).joined(separator: ", ")
            return "use one of the index's budgets (\(list)), or add \(budget) with `fluxsearch index --budget \(budget)`"
        }
    }

    private func render(limit: Int?) -> String {
        func cut(_ s: String) -> String {
            guard let limit, s.count > limit else { return s }
            return String(s.prefix(limit)) + "…"
        }
        let main: String
        switch self {
        case let .noIndex(path):
            main = "no index at \(path); build one with `fluxsearch index`"
        case let .alreadyExists(path):
            main = "an index already exists at \(path)"
        case let .settingsMismatch(path, field, stored, requested, _):
            main = "the index at \(path) was built with another \(field) — stored \(cut(stored)), requested \(cut(requested))"
        case let .unsupportedFormat(path, found, supported):
            main = "the index at \(path) has an unsupported format — this fluxsearch reads \(supported), found \(found)"
        case let .corrupt(path, reason):
            main = "damaged index file: \(path) — \(cut(reason))"
        case let .io(path, reason):
            main = "I/O error: \(path) — \(cut(reason))"
        case let .sqlite(operation, message):
            main = "\(operation) failed: \(cut(message))"
        case let .invalidInput(operation, reason):
            main = "\(operation): \(reason)"
        case let .unknownBudget(budget, available):
            let list = available.isEmpty ? "none" : available.map(String.init).joined(separator: ", ")
            main = "budget \(budget) is not in this index — it has budgets: \(list)"
        }
        if let hint { return main + "\nhint: " + hint }
        return main
    }
}

// MARK: - Mapping GRDB errors

extension StoreError {
    /// Converts an error thrown inside a store operation: GRDB's `DatabaseError` becomes
    /// ``sqlite(operation:message:)`` (or ``corrupt(path:reason:)`` for SQLITE_CORRUPT /
    /// SQLITE_NOTADB); every other error passes through unchanged.
    static func wrap(_ error: any Error, operation: String, databasePath: String) -> any Error {
        switch error {
        case is StoreError, is VectorIndexError:
            return error
        case let db as DatabaseError:
            let primary = db.resultCode.primaryResultCode
            if primary == .SQLITE_CORRUPT || primary == .SQLITE_NOTADB {
                return StoreError.corrupt(path: databasePath, reason: db.message ?? "\(db.resultCode)")
            }
            let text = db.message ?? "unknown error"
            return StoreError.sqlite(operation: operation, message: "\(text) (SQLite error \(db.extendedResultCode.rawValue))")
        default:
            return error  // the caller's own error (thrown from a closure it passed in)
        }
    }
}
