/*
 * faiss_bridge.h — a small plain-C API over FAISS 1.7.3 (Debian's static libfaiss.a).
 *
 * Debian's libfaiss ships the faiss/c_api headers but none of the `faiss_*` symbols, and Swift's
 * C++ interop cannot call pure-virtual methods on the `faiss::Index*` that `index_factory` and
 * `read_index` return (see shared/spec/BUILD_NOTES.md §1). This header is the whole surface Swift
 * sees; only Sources/FluxStore/VectorIndex.swift calls it and converts failures into Swift errors.
 *
 * CONVENTIONS
 *   - `fb_index` is an opaque handle (Swift: OpaquePointer). Every handle made by fb_new_flat_ip,
 *     fb_new_factory or fb_read_index must be released exactly once with fb_free.
 *   - Functions that can fail return int: 0 on success, -1 on error. After -1, fb_last_error()
 *     returns the message (FAISS's exception text, or the bridge's own argument check). No C++
 *     exception ever escapes this API: FaissException, std::exception and anything else are caught.
 *   - Vectors are row-major float32: `n` vectors of dimension `d` occupy n*d consecutive floats.
 *     Ids/labels are int64. Counts are int64.
 *   - Trivial getters (fb_ntotal, fb_dimension, fb_is_trained, fb_metric_type) cannot fail on a
 *     valid handle; they return -1 for a NULL handle.
 *
 * THREAD SAFETY
 *   - Const operations (fb_search, fb_ntotal, fb_dimension, fb_is_trained, fb_metric_type,
 *     fb_write_index) may run concurrently with each other on the same handle.
 *   - Mutating operations (fb_train, fb_add_with_ids, fb_remove_ids, fb_set_param, fb_free) must
 *     not run concurrently with ANY other call on the same handle: the caller provides the lock
 *     (VectorIndex uses a readers-writer lock: search = shared, mutation = exclusive).
 *   - Different handles are independent.
 *   - fb_last_error() is per thread (thread_local): read it on the thread whose call returned -1,
 *     before that thread makes another bridge call. The pointer stays valid until then.
 *   - FAISS parallelises internally with OpenMP; fb_omp_set_num_threads and fb_set_blas_threshold
 *     change process-wide settings and should be called once at start-up, before any search.
 *
 * USAGE
 *   fb_index *ix = NULL;
 *   if (fb_new_factory(64, "IVF16,Flat", FB_METRIC_INNER_PRODUCT, &ix) != 0) {
 *       fprintf(stderr, "create: %s\n", fb_last_error());
 *       return 1;
 *   }
 *   fb_train(ix, ntrain, train_vectors);               // ntrain * 64 floats
 *   fb_add_with_ids(ix, n, vectors, ids);              // n * 64 floats, n ids
 *   fb_set_param(ix, "nprobe", 4);
 *   float dist[5 * 2]; int64_t lab[5 * 2];             // nq = 2 queries, k = 5
 *   if (fb_search(ix, 2, queries, 5, dist, lab) != 0)
 *       fprintf(stderr, "search: %s\n", fb_last_error());
 *   // lab[q*5 + j] == -1 where fewer than k results exist (dist is then unspecified).
 *   fb_write_index(ix, "/tmp/ix.faiss");
 *   fb_free(ix);
 */
#ifndef FAISS_BRIDGE_H
#define FAISS_BRIDGE_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Opaque index handle. */
typedef struct fb_index fb_index;

/** Similarity metric (values match faiss::MetricType). */
typedef enum fb_metric {
    /** Larger is more similar; distances are inner products. */
    FB_METRIC_INNER_PRODUCT = 0,
    /** Smaller is more similar; distances are SQUARED Euclidean distances. */
    FB_METRIC_L2 = 1,
} fb_metric;

/* ---- Errors ------------------------------------------------------------------------------- */

/** Message of the last failed call on this thread ("" if none). Never NULL. */
const char *fb_last_error(void);

/* ---- Create / free ------------------------------------------------------------------------ */

/** Exact inner-product index with caller-chosen ids: IndexIDMap2(IndexFlatIP(d)). d >= 1. */
int fb_new_flat_ip(int64_t d, fb_index **out);

/**
 * Index from a faiss::index_factory description ("Flat", "HNSW32", "IVF64,Flat", "IVF16,SQ8",
 * "PCA32,IVF16,Flat", "OPQ64,IVF4096,PQ64", ...). The result is wrapped in IndexIDMap2 unless it
 * already is an IndexIDMap(2) or contains an IVF index (IVF stores ids natively), so
 * fb_add_with_ids works on every result. Polysemous training of PQ codes (the factory's default
 * for "PQm" without "np") is turned off: it serves Hamming filtering, which is never enabled
 * here, and costs minutes whatever the training-set size. On error *out is left NULL.
 */
int fb_new_factory(int64_t d, const char *description, fb_metric metric, fb_index **out);

/** Load an index written by fb_write_index (or faiss::write_index). On error *out is NULL. */
int fb_read_index(const char *path, fb_index **out);

/** Release a handle. NULL is ignored. */
void fb_free(fb_index *index);

/* ---- Mutation (caller must serialise, see THREAD SAFETY) ---------------------------------- */

/** Train on n vectors (n*d floats). A no-op for indexes that need no training (Flat, HNSW). */
int fb_train(fb_index *index, int64_t n, const float *x);

/** Add n vectors (n*d floats) with ids[n]. Fails on an untrained index. */
int fb_add_with_ids(fb_index *index, int64_t n, const float *x, const int64_t *ids);

/**
 * Remove every stored vector whose id is in ids[n]. *removed (may be NULL) receives the
 * number actually removed. Fails for index types without removal (e.g. HNSW).
 */
int fb_remove_ids(fb_index *index, int64_t n, const int64_t *ids, int64_t *removed);

/**
 * Set a search-time parameter through faiss::ParameterSpace().set_index_parameter,
 * e.g. "nprobe" (IVF) or "efSearch" (HNSW). Unknown names fail with FAISS's message.
 */
int fb_set_param(fb_index *index, const char *name, double value);

/* ---- Const operations (may run concurrently) ---------------------------------------------- */

/**
 * k-nearest-neighbour search of n queries (n*d floats). Writes n*k row-major results:
 * distances[i*k + j] and labels[i*k + j] for query i, rank j (best first). labels are -1 where
 * fewer than k results exist. k >= 1. Fails on an untrained index (FAISS 1.7.3 would silently
 * return no results).
 */
int fb_search(const fb_index *index, int64_t n, const float *x, int64_t k,
              float *distances, int64_t *labels);

/**
 * fb_search restricted to the ids in ids[n_ids] (any order, duplicates allowed, each >= 0):
 * filtered search inside FAISS, so k results come back whenever k selected vectors exist
 * (flat indexes; IVF indexes only scan their probed lists). Works on IndexIDMap(2)-wrapped
 * indexes (FAISS 1.7.3 cannot translate selectors itself), IVF indexes (also behind a transform
 * such as OPQ: the queries are transformed here), and other indexes that accept FAISS's
 * SearchParameters; fails with FAISS's message on the rest (HNSW and bare PQ in 1.7.3).
 */
int fb_search_selected(const fb_index *index, int64_t n, const float *x, int64_t k, const int64_t *ids,
                       int64_t n_ids, float *distances, int64_t *labels);

/**
 * Write the index to `path` (created or truncated), then fflush + fsync it. On error the file
 * may be partial: write to a temporary name and rename for atomic replacement.
 */
int fb_write_index(const fb_index *index, const char *path);

/** Number of stored vectors, or -1 for NULL. */
int64_t fb_ntotal(const fb_index *index);
/** Vector dimension d, or -1 for NULL. */
int64_t fb_dimension(const fb_index *index);
/** 1 if trained (or needs no training), 0 if not, -1 for NULL. */
int fb_is_trained(const fb_index *index);
/** The index's metric as an fb_metric value, another faiss::MetricType value, or -1 for NULL. */
int fb_metric_type(const fb_index *index);

/* ---- Range search (const; may run concurrently, like fb_search) -------------------------- */

/** Opaque result of fb_range_search; release it with fb_range_result_free. */
typedef struct fb_range_result fb_range_result;

/**
 * Every stored vector within `radius` of each of n queries (n*d floats): for an inner-product
 * index the hits with distance > radius (strictly), for L2 those with squared distance < radius
 * (FAISS's own rule). Labels are the caller's ids (IndexIDMap and IVF translate them). Fails
 * with FAISS's "range search not implemented" for indexes without it (HNSW, flat SQ, PQ in
 * 1.7.3); Flat, IDMap-wrapped flat and IVF (which scans nprobe lists only) have it. Fails on an
 * untrained index, as fb_search does. On success *out is a new result (never NULL); on error
 * it is NULL.
 *
 *   fb_range_result *r = NULL;
 *   if (fb_range_search(ix, nq, queries, 0.9f, &r) != 0) { ... fb_last_error() ... }
 *   const int64_t *lims = fb_range_result_lims(r);     // nq + 1 offsets
 *   for (int64_t q = 0; q < fb_range_result_nq(r); q++)
 *       for (int64_t j = lims[q]; j < lims[q + 1]; j++)  // query q's hits, NOT sorted
 *           use(fb_range_result_labels(r)[j], fb_range_result_distances(r)[j]);
 *   fb_range_result_free(r);
 */
int fb_range_search(const fb_index *index, int64_t n, const float *x, float radius,
                    fb_range_result **out);

/** Number of queries the result holds, or -1 for NULL. */
int64_t fb_range_result_nq(const fb_range_result *result);
/** nq + 1 offsets: query q's hits are entries lims[q] ..< lims[q+1] of labels and distances;
 *  lims[nq] is the total hit count. NULL for a NULL result. */
const int64_t *fb_range_result_lims(const fb_range_result *result);
/** lims[nq] ids, grouped by query, unsorted within a query. May be NULL when there are none. */
const int64_t *fb_range_result_labels(const fb_range_result *result);
/** The distance of each label (inner product or squared L2, per the index's metric). */
const float *fb_range_result_distances(const fb_range_result *result);
/** Release a result (the pointers above die with it). NULL is ignored. */
void fb_range_result_free(fb_range_result *result);

/* ---- Process-wide threading --------------------------------------------------------------- */

/** omp_set_num_threads(n) for FAISS's OpenMP loops (n >= 1). Affects the calling thread and
 *  threads it starts afterwards; call it from the main thread at start-up. */
void fb_omp_set_num_threads(int n);
/** omp_get_max_threads(). */
int fb_omp_get_max_threads(void);
/** faiss::distance_compute_blas_threshold: flat searches with >= n queries use BLAS sgemm
 *  (FAISS default 20). */
void fb_set_blas_threshold(int n);
/** Current faiss::distance_compute_blas_threshold. */
int fb_get_blas_threshold(void);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* FAISS_BRIDGE_H */
