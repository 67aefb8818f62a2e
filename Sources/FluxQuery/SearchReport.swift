import Foundation

/// The document `query --json` prints and the server's search endpoints return: the result
/// with the index and model it came from. JSON keys: query, index, model, model_hash, result.
public struct SearchReport: Codable, Sendable {
    public let query: String
    /// The index folder.
    public let index: String
    public let model: String
    public let modelHash: String
    public let result: QueryResult

    public init(query: String, index: String, model: String, modelHash: String, result: QueryResult) {
        self.query = query
        self.index = index
        self.model = model
        self.modelHash = modelHash
        self.result = result
    }

    /// The report of `result`, run by `session`.
    public init(_ result: QueryResult, query: String, session: SearchSession) {
        self.init(query: query, index: session.store.directory.path, model: session.settings.modelName,
                  modelHash: session.settings.modelWeightHash, result: result)
    }

    enum CodingKeys: String, CodingKey { case query, index, model, result; case modelHash = "model_hash" }
}
