import Foundation
import GRDB

/// What an index was built with: the single row of table `indexSettings` (id = 1).
///
/// The *compatibility fields* — ``modelName``, ``modelWeightHash``, ``embedDimension``,
/// ``preprocessing`` and ``sampling`` — are fixed when the index is created. Every vector in the
/// index comes from them, so ``IndexStore/openOrCreate(at:settings:budgets:)`` refuses a request
/// that differs in any of them (``StoreError/settingsMismatch(path:field:stored:requested:hint:)``).
///
/// ``faissFactory`` and ``nprobe`` only shape the derived FAISS files and may change at any time
/// (``IndexStore/setFaissOptions(factory:nprobe:)``); budgets live in their own table
/// (``IndexBudget``).
///
/// For example:
/// ```swift
/// let settings = IndexSettings(modelName: "fluxvit-s14", modelWeightHash: "sha256:9f2c…",
///                              embedDimension: 512,
///                              preprocessing: #"{"mean":[0.485,0.456,0.406],"size":224}"#,
///                              sampling: #"{"segments":"none","table":"default"}"#)
/// ```
public struct IndexSettings: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "indexSettings"

    /// The store format this build writes and reads (bumped with incompatible changes to how
    /// rows are encoded; the schema itself evolves through migrations).
    public static let currentFormatVersion = 1

    /// Always 1: the table has a single row.
    public var id: Int64 = 1
    /// ``currentFormatVersion`` of the fluxsearch that created the index.
    public var formatVersion: Int
    /// Random UUID of this index, so derived files of a deleted-and-recreated index are never
    /// mistaken for current ones.
    public var indexUUID: String
    /// Model id, e.g. "fluxvit-s14".
    public var modelName: String
    /// Fingerprint of the model weights (config hash + converter version, or a file hash).
    public var modelWeightHash: String
    /// Floats per embedding vector (video and text towers share it).
    public var embedDimension: Int
    /// Preprocessing descriptor (resize, crop, mean/std…), usually JSON. JSON descriptors are
    /// compared as JSON values (key order does not matter), anything else as exact text.
    public var preprocessing: String
    /// Frame-sampling descriptor (flexi-sampling table, segment windows…), compared like
    /// ``preprocessing``.
    public var sampling: String
    /// FAISS `index_factory` description of the derived per-budget indexes: "Flat" (exact,
    /// the default) or e.g. "IVF256,SQ8" (trained once enough vectors exist; see ``VectorMirror``).
    public var faissFactory: String
    /// Default IVF lists scanned per query (nil: FAISS's default, 1). Not stored in FAISS files.
    public var nprobe: Int?
    /// When the index was created.
    public var createdAt: Date
    /// The model directory the index was last built with (absolute), so that `query` and
    /// friends find it without `--model`; nil in indexes made before it was recorded. Not a
    /// compatibility field: the weight hash decides whether a model fits.
    public var modelPath: String?

    public enum Columns {
        public static let formatVersion = Column(CodingKeys.formatVersion)
        public static let indexUUID = Column(CodingKeys.indexUUID)
        public static let modelName = Column(CodingKeys.modelName)
        public static let modelWeightHash = Column(CodingKeys.modelWeightHash)
        public static let embedDimension = Column(CodingKeys.embedDimension)
        public static let preprocessing = Column(CodingKeys.preprocessing)
        public static let sampling = Column(CodingKeys.sampling)
        public static let faissFactory = Column(CodingKeys.faissFactory)
        public static let nprobe = Column(CodingKeys.nprobe)
        public static let createdAt = Column(CodingKeys.createdAt)
        public static let modelPath = Column(CodingKeys.modelPath)
    }

    public init(modelName: String, modelWeightHash: String, embedDimension: Int,
                preprocessing: String, sampling: String,
                faissFactory: String = "Flat", nprobe: Int? = nil, createdAt: Date = Date(), modelPath: String? = nil) {
        self.formatVersion = Self.currentFormatVersion
        self.indexUUID = UUID().uuidString
        self.modelName = modelName
        self.modelWeightHash = modelWeightHash
        self.embedDimension = embedDimension
        self.preprocessing = preprocessing
        self.sampling = sampling
        self.faissFactory = faissFactory
        self.nprobe = nprobe
        self.createdAt = createdAt
        self.modelPath = modelPath
    }

    /// One compatibility field that differs between a stored and a requested configuration.
    public struct Difference: Sendable, Equatable {
        /// Human name of the field ("model", "model weight hash", "embedding dimension",
        /// "preprocessing", "sampling").
        public var field: String
        public var stored: String
        public var requested: String
    }

    /// The compatibility fields where `requested` differs from `self`, in order of importance
    /// (model first). Empty when vectors of both could share one index.
    public func differences(from requested: IndexSettings) -> [Difference] {
        var out: [Difference] = []
        if modelName != requested.modelName {
            out.append(Difference(field: "model", stored: modelName, requested: requested.modelName))
        }
        if modelWeightHash != requested.modelWeightHash {
            out.append(Difference(field: "model weight hash", stored: modelWeightHash,
                                  requested: requested.modelWeightHash))
        }
        if embedDimension != requested.embedDimension {
            out.append(Difference(field: "embedding dimension", stored: String(embedDimension),
                                  requested: String(requested.embedDimension)))
        }
        if !Self.descriptorsMatch(preprocessing, requested.preprocessing) {
            out.append(Difference(field: "preprocessing", stored: preprocessing, requested: requested.preprocessing))
        }
        if !Self.descriptorsMatch(sampling, requested.sampling) {
            out.append(Difference(field: "sampling", stored: sampling, requested: requested.sampling))
        }
        return out
    }

    /// Equal text, or both valid JSON with equal values (so key order and spacing do not matter).
    static func descriptorsMatch(_ a: String, _ b: String) -> Bool {
        if a == b { return true }
        guard let x = canonicalJSON(a), let y = canonicalJSON(b) else { return false }
        return x == y
    }

    /// `text` parsed and re-serialised with sorted keys; nil when it is not JSON.
    private static func canonicalJSON(_ text: String) -> Data? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])
        else { return nil }
        return try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .fragmentsAllowed])
    }
}
