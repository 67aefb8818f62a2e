import Foundation
import FluxQuery
import FluxStore

/// The server's one road to results: a ``FluxQuery/SearchSession`` (which is not thread-safe)
/// behind a serial queue, so concurrent requests take turns at the model and the mirror.
/// Waiting requests are bounded; past the bound the server answers 503 at once instead of
/// queueing work it cannot finish.
final class SearchService: @unchecked Sendable {
    private let session: SearchSession
    private let queue = DispatchQueue(label: "fluxsearch.serve.search")
    private let lock = NSLock()
    private var pending = 0
    let maxPending: Int

    init(session: SearchSession, maxPending: Int) {
        self.session = session
        self.maxPending = maxPending
    }

    /// Runs `body` with the session on the search queue.
    /// - Throws: ``APIError`` 503 when too many searches wait; whatever `body` throws.
    func run<T: Sendable>(_ body: @escaping @Sendable (SearchSession) throws -> T) async throws -> T {
        let admitted = lock.withLock { () -> Bool in
            guard pending < maxPending else { return false }
            pending += 1
            return true
        }
        guard admitted else {
            throw APIError(.serviceUnavailable, "the server is busy with \(maxPending) searches; try again in a moment")
        }
        defer { lock.withLock { pending -= 1 } }
        return try await withCheckedThrowingContinuation { continuation in
            queue.async { [session] in
                continuation.resume(with: Result { try body(session) })
            }
        }
    }

    /// A report for a search: the same document `query --json` prints.
    func search(_ query: SearchQuery, options: QueryOptions) async throws -> SearchReport {
        try await run { session in
            SearchReport(try session.search(query, options: options), query: query.label, session: session)
        }
    }
}
