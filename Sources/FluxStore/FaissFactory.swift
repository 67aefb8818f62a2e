import Foundation

/// How ``VectorMirror`` turns ``IndexSettings/faissFactory`` into a FAISS index for a given number
/// of vectors.
///
/// - "Flat" (any case; also "IDMap,Flat" / "IDMap2,Flat") is exact inner-product search:
///   `IndexIDMap2(IndexFlatIP)`.
/// - Factories that need training (IVF, PQ, OPQ, SQ…) are used only once a budget has at least
///   ``trainingThreshold(for:dimension:)`` vectors; below that the mirror builds a flat index,
///   which is exact and fast at that size. They train on an evenly strided sample of
///   ``trainingSampleSize(for:count:dimension:)`` vectors.
/// - Factories that need no training (HNSW32…) are used at any size.
///
/// Product quantization (`IVF4096,PQ64`, `OPQ64,IVF4096,PQ64`, `IVF4096_HNSW32,PQ64`) stores
/// each vector as `m` bytes (PQ64: 64 bytes instead of 2 KB for 512 floats) plus an 8-byte id,
/// and scores approximately; ``VectorMirror/effectiveFactory(budget:)`` tells callers when to
/// re-score a shortlist exactly.
public enum FaissFactory {
    /// Minimum training vectors per IVF list: FAISS warns below 39 per centroid.
    public static let minimumPointsPerList = 39
    /// Training vectors used per IVF list at most. FAISS accepts 39 to 256; k-means costs grow
    /// linearly with the sample (nlist × points × d per iteration) and its centroids change
    /// little past ~64 per list.
    public static let maximumPointsPerList = 64
    /// Minimum training vectors for trainable non-IVF factories (PQ k-means has 256 centroids).
    public static let minimumTrainingPoints = 256
    /// Training sample used by trainable non-IVF factories at most (256 per PQ centroid).
    public static let maximumTrainingPoints = 65_536
    /// Bytes of float32 training sample held at most, unless the threshold needs more
    /// (IVF65536 at 512-d needs 39 × 65536 vectors, 5.2 GB).
    public static let maximumTrainingBytes = 1 << 30

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

    /// IVF lists scanned per query when the index stores no nprobe: an eighth of the lists, at
    /// least 8 (all of them below 8), so that an IVF index searched without `--nprobe` keeps
    /// most of its recall (FAISS's own default, 1 list, loses most of it). nil without IVF.
    ///
    /// Measured with `bench query` at 10M vectors, `IVF4096,PQ64` and exact refine: recall@10
    /// 0.64 at 32 lists, 0.94 at 512 (README, "Large indexes").
    public static func defaultNProbe(_ factory: String) -> Int? {
        ivfListCount(factory).map { min($0, max(8, $0 / 8)) }
    }

    /// Whether indexes of this factory support removing vectors: HNSW graphs do not, IVF
    /// indexes do (also with an HNSW coarse quantizer, `IVF4096_HNSW32,PQ64`: the vectors live
    /// in the inverted lists).
    public static func supportsRemoval(_ factory: String) -> Bool {
        !factory.uppercased().contains("HNSW") || ivfListCount(factory) != nil
    }

    /// Whether search scores of `factory` are exact inner products of the stored vectors: only
    /// for "Flat". Compressed codes (PQ, SQ) score approximately, and the IVF and HNSW variants
    /// may miss neighbours; callers re-score shortlists of the others exactly (`ExactRefine`
    /// in FluxQuery).
    public static func isExact(_ factory: String) -> Bool { isFlat(factory) }

    /// Vectors to train `factory` on when a budget holds `count` (≤ `count`): 64 per IVF list
    /// (at least the training threshold), 65,536 for other trainable factories, at most
    /// ``maximumTrainingBytes`` of float32 unless the threshold needs more.
    public static func trainingSampleSize(for factory: String, count: Int, dimension: Int) throws -> Int {
        let threshold = try trainingThreshold(for: factory, dimension: dimension)
        let wanted = ivfListCount(factory).map { max($0 * maximumPointsPerList, minimumTrainingPoints) }
            ?? maximumTrainingPoints
        let affordable = maximumTrainingBytes / (4 * max(dimension, 1))
        return min(count, max(threshold, min(wanted, affordable)))
    }

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
