import Foundation
import FluxIngest
import FluxModels
import FluxStore

extension IndexSettings {
    /// The settings of an index holding `model`'s vectors, preprocessed by the default
    /// ``FluxIngest/Preprocessor`` and sampled as the `sampling` descriptor says.
    /// - Throws: ``FluxModels/ModelLoadingError`` when the model files cannot be hashed.
    public init(model: ModelDirectory, sampling: String, faissFactory: String? = nil, nprobe: Int? = nil) throws {
        self.init(modelName: model.configuration.name, modelWeightHash: try model.weightHash(),
                  embedDimension: model.configuration.embedDim, preprocessing: Preprocessor().descriptor,
                  sampling: sampling, faissFactory: faissFactory ?? "Flat", nprobe: nprobe)
    }
}

extension Indexer {
    /// How the derived FAISS indexes are built (`index --faiss`, `--nprobe`); nil keeps what
    /// the index has (or FAISS Flat for a new one).
    public struct FaissOptions: Sendable {
        public var factory: String?
        public var nprobe: Int?

        public init(factory: String? = nil, nprobe: Int? = nil) {
            self.factory = factory
            self.nprobe = nprobe
        }
    }

    /// The `index` command's entry point: opens the model at `modelURL`, then opens the index
    /// folder `index` (creating it, with the model's `bank.txt` as its query bank, when it does
    /// not exist) and returns an indexer that samples by the model's table.
    /// - Throws: ``FluxModels/ModelLoadingError`` for the model, ``FluxModels/SamplingError`` for
    ///   a budget it cannot sample, ``FluxStore/StoreError`` when the index was built otherwise.
    public static func open(index: URL, modelURL: URL, options: Options, faiss: FaissOptions = FaissOptions()) throws -> Indexer {
        let model = try ModelDirectory(modelURL)
        var options = options
        options.samplingTable = model.samplingTable
        let tower = try model.visionTower()
        // Validate every budget before the index is created or touched.
        _ = try Indexer.plans(options)
        let settings = try IndexSettings(model: model, sampling: options.samplingDescriptor,
                                         faissFactory: faiss.factory, nprobe: faiss.nprobe)
        let seedURL = model.url.appendingPathComponent("bank.txt")
        let seed = (try? CaptionFile.read(seedURL)).map { IndexStore.BankSeed(texts: $0, source: "model:\(model.configuration.name)") }
        let store = try IndexStore.openOrCreate(at: index, settings: settings, budgets: options.budgets, seedBank: seed)
        if !store.isNew, faiss.factory != nil || faiss.nprobe != nil {
            try store.updateFaissOptions(factory: faiss.factory, nprobe: faiss.nprobe)
        }
        return try Indexer(store: store, tower: tower, options: options)
    }
}
