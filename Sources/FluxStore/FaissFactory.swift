import Foundation

/// How ``VectorMirror`` turns ``IndexSettings/faissFactory`` into a FAISS index for a given number
/// of vectors.
///
/// - "Flat" (any case; also "IDMap,Flat" / "IDMap2,Flat") is exact inner-product search:
///   `IndexIDMap2(IndexFlatIP)`.
/// - Factories that need training (IVF, PQ, SQ…) are used only once a budget has at least
///   ``trainingThreshold(for:)`` vectors; below that the mirror builds a flat index, which is
///   exact and fast at that size. IVF trains on up to 256 vectors per list (FAISS samples that
///   many anyway).
/// - Factories that need no training (HNSW32…) are used at any size.
public enum FaissFactory {
    /// Minimum training vectors per IVF list: FAISS warns below 39 per centroid.
    public static let minimumPointsPerList = 39
    /// Training vectors used per IVF list at most.
    public static let maximumPointsPerList = 256
    /// Minimum training vectors for trainable non-IVF factories (PQ k-means has 256 centroids).
    public static let minimumTrainingPoints = 256

    /// The factory string as stored: surrounding whitespace trimmed, "flat" spelled "Flat".
    public static func normalized(_ factory: String) -> String {
        let trimmed = factory.trimmingCharacters(in: .whitespacesAndNewlines)
        return isFlat(trimmed) ? "Flat" : trimmed
    }

    /// Whether `factory` means exact flat search.
    public static func isFlat(_ factory: String) -> Bool {
        let f = factory.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        return f == "flat" || f == "idmap,flat" || f == "idmap2,flat"
    }

    /// The IVF list count of `factory` ("IVF256,SQ8" → 256), or nil when it has no IVF stage.
    public static func ivfListCount(_ factory: String) -> Int? {
        guard let range = factory.range(of: "IVF") else { return nil }
        let digits = factory[range.upperBound...].prefix(while: \.isNumber)
        return Int(digits)
    }

    /// Whether indexes of this factory support removing vectors (HNSW does not).
    public static func supportsRemoval(_ factory: String) -> Bool { !factory.uppercased().contains("HNSW") }

    /// Vectors needed before `factory` is used instead of the flat fallback: 0 for factories that
    /// need no training, `max(39·nlist, 256 if it also has PQ)` for IVF, 256 for other trainable ones.
    public static func trainingThreshold(for factory: String, dimension: Int) throws -> Int {
        if isFlat(factory) { return 0 }
        if let nlist = ivfListCount(factory) {
            return factory.uppercased().contains("PQ")
                ? max(minimumPointsPerList * nlist, minimumTrainingPoints)
                : minimumPointsPerList * nlist
        }
        let probe = try VectorIndex(factory: factory, dimension: dimension)
        return probe.isTrained ? 0 : minimumTrainingPoints
    }

    /// Throws FAISS's parse error (a ``VectorIndexError`` with a hint) when FAISS cannot build
    /// `factory` for `dimension`-float vectors.
    public static func validate(_ factory: String, dimension: Int) throws {
        if isFlat(factory) { return }
        _ = try VectorIndex(factory: normalized(factory), dimension: dimension)
    }
}
