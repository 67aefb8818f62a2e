import Foundation
import GRDB

extension IndexStore {
    /// Every budget with its role, generation and clip count, by token count.
    public func budgets() throws -> [BudgetSummary] {
        try read("list budgets") { db in
            let counts = try Self.clipCountsByBudget(db)
            return try IndexBudget.order(IndexBudget.Columns.tokens).fetchAll(db).map {
                BudgetSummary(tokens: $0.tokens, role: $0.role, generation: $0.generation,
                              clipCount: counts[$0.tokens] ?? 0)
            }
        }
    }

    /// Token counts of the ``IndexBudget/Role/indexed`` budgets, ascending.
    public func indexedBudgets() throws -> [Int] {
        try read("list budgets") { db in
            try Int.fetchAll(db, IndexBudget.select(IndexBudget.Columns.tokens)
                .filter(IndexBudget.Columns.role == IndexBudget.Role.indexed)
                .order(IndexBudget.Columns.tokens))
        }
    }

    /// Registers budgets as ``IndexBudget/Role/indexed`` (promoting cache budgets). Existing
    /// videos do not have vectors at a new budget yet: the next `index` run encodes them
    /// (``plan(path:fingerprint:)`` returns `.addBudgets`, ``videosNeeding(budget:)`` lists them).
    /// Returns the budgets that were not indexed before.
    @discardableResult
    public func addBudgets(_ tokens: [Int]) throws -> [Int] {
        if let bad = tokens.first(where: { $0 < 1 }) {
            throw StoreError.invalidInput(operation: "add budget", reason: "budgets must be positive token counts, got \(bad)")
        }
        if tokens.isEmpty { return [] }
        return try write("add budgets") { db in try Self.insertBudgets(tokens, role: .indexed, db) }
    }

    /// Videos that lack a whole-video clip at `budget` (those the next run must encode at it).
    public func videosNeeding(budget: Int) throws -> [Video] {
        try read("list videos needing budget \(budget)") { db in
            try Video.fetchAll(db, sql: """
                SELECT * FROM video v
                WHERE NOT EXISTS (SELECT 1 FROM clip c
                                  WHERE c.videoId = v.id AND c.budget = ? AND c.kind = 'video')
                ORDER BY v.path
                """, arguments: [budget])
        }
    }

    /// The change counter of `budget`'s clips (see ``IndexBudget/generation``).
    /// - Throws: ``StoreError/unknownBudget(budget:available:)``.
    public func generation(budget: Int) throws -> Int64 {
        try read("read generation of budget \(budget)") { db in try Self.budgetState(budget, db).generation }
    }

    // MARK: - Internals

    /// Generation and clip count of a budget, read in the caller's transaction.
    static func budgetState(_ budget: Int, _ db: Database) throws -> (generation: Int64, count: Int) {
        guard let generation = try Int64.fetchOne(
            db, sql: "SELECT generation FROM budget WHERE tokens = ?", arguments: [budget])
        else {
            throw StoreError.unknownBudget(budget: budget, available: try Int.fetchAll(
                db, sql: "SELECT tokens FROM budget ORDER BY tokens"))
        }
        let count = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM clip WHERE budget = ?", arguments: [budget]) ?? 0
        return (generation, count)
    }

    static func clipCountsByBudget(_ db: Database) throws -> [Int: Int] {
        var out: [Int: Int] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT budget, COUNT(*) FROM clip GROUP BY budget") {
            out[row[0]] = row[1]
        }
        return out
    }

    /// Inserts missing budgets with `role`; with role `.indexed` also promotes cache budgets.
    /// Returns the budgets whose role became (or was created as) `role`.
    @discardableResult
    static func insertBudgets(_ tokens: [Int], role: IndexBudget.Role, _ db: Database) throws -> [Int] {
        var changed: [Int] = []
        for t in Set(tokens).sorted() {
            if var existing = try IndexBudget.filter(IndexBudget.Columns.tokens == t).fetchOne(db) {
                if role == .indexed && existing.role == .cache {
                    existing.role = .indexed
                    try existing.update(db)
                    changed.append(t)
                }
            } else {
                var budget = IndexBudget(tokens: t, role: role)
                try budget.insert(db)
                changed.append(t)
            }
        }
        return changed
    }
}
