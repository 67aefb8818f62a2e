import ArgumentParser
import FluxModels

/// A comma-separated list of token budgets (`--tokens 512,1024`), each a positive whole number
/// of tokens, none twice. Whether the model can sample a budget is decided later, by the
/// library (``FluxModels/SamplingPlan/validate()``).
struct BudgetList: ExpressibleByArgument, Equatable, CustomStringConvertible {
    let values: [Int]

    init(_ values: [Int]) { self.values = values }

    init?(argument: String) {
        guard let list = try? Self.parse(argument) else { return nil }
        self = list
    }

    /// Parses `512,1024`; the error says what a budget list looks like. Use it as the option's
    /// `transform`, so that a bad list gets this message rather than the generic one.
    static func parse(_ argument: String) throws -> BudgetList {
        let parts = argument.split(separator: ",", omittingEmptySubsequences: false)
        let values = parts.compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard values.count == parts.count, values.allSatisfy({ (try? SamplingPlan.checkBudget($0)) != nil }) else {
            throw ValidationError("--tokens takes positive token budgets separated by commas, e.g. 1024 or 512,2048 (got '\(argument)').")
        }
        guard Set(values).count == values.count else { throw ValidationError("--tokens lists a budget twice ('\(argument)').") }
        return BudgetList(values)
    }

    var description: String { values.map(String.init).joined(separator: ",") }
    var defaultValueDescription: String { description }
}
