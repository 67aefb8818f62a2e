// faiss_bridge.cpp — implementation of faiss_bridge.h over FAISS 1.7.3 (C++17).
//
// Every entry point runs its body inside `guarded(...)`, which catches faiss::FaissException,
// std::exception and everything else, stores the message in a thread_local string and returns -1.
// A C++ exception that reached Swift would abort the process.

#include "faiss_bridge.h"

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include <unistd.h>

#include <faiss/AutoTune.h>
#include <faiss/IVFlib.h>
#include <faiss/Index.h>
#include <faiss/IndexFlat.h>
#include <faiss/IndexIDMap.h>
#include <faiss/IndexIVF.h>
#include <faiss/IndexIVFPQ.h>
#include <faiss/IndexPQ.h>
#include <faiss/IndexPreTransform.h>
#include <faiss/impl/AuxIndexStructures.h>
#include <faiss/impl/FaissException.h>
#include <faiss/impl/IDSelector.h>
#include <faiss/index_factory.h>
#include <faiss/index_io.h>
#include <faiss/utils/distances.h>

// Swift's clang ships no omp.h and does not search GCC's include directory (BUILD_NOTES §1),
// so declare the two libgomp entry points we need.
extern "C" int omp_get_max_threads(void);
extern "C" void omp_set_num_threads(int);

struct fb_index {
    std::unique_ptr<faiss::Index> index;
};

// A range-search result owned by the caller (fb_range_result_free).
struct fb_range_result {
    faiss::RangeSearchResult result;
    explicit fb_range_result(int64_t nq) : result(nq) {}
};

namespace {

using idx_t = faiss::Index::idx_t; // 1.7.3 spelling; int64_t

thread_local std::string g_last_error;

// libgomp keeps omp_set_num_threads per thread (a thread that never called it reads the global
// default), so a setting made on the main thread does not reach FAISS calls made from other
// threads (Swift concurrency, Dispatch). The bridge therefore remembers the requested count and
// re-applies it lazily on each thread before any OpenMP work. 0 = never set (libgomp default).
std::atomic<int> g_omp_threads{0};
thread_local int t_omp_applied = 0;

void apply_thread_policy() {
    const int wanted = g_omp_threads.load(std::memory_order_relaxed);
    if (wanted > 0 && wanted != t_omp_applied) {
        omp_set_num_threads(wanted);
        t_omp_applied = wanted;
    }
}

int fail(const std::string& message) noexcept {
    try {
        g_last_error = message;
    } catch (...) { // out of memory while copying the message: keep what fits
        g_last_error.clear();
    }
    return -1;
}

// The bridge's own argument/state/IO checks; reported without a prefix.
struct BadArgument : std::exception {
    std::string message;
    explicit BadArgument(std::string m) : message(std::move(m)) {}
    const char* what() const noexcept override { return message.c_str(); }
};

template <typename F>
int guarded(F&& body) noexcept {
    try {
        body();
        return 0;
    } catch (const BadArgument& e) {
        return fail(e.message);
    } catch (const faiss::FaissException& e) {
        return fail(e.what());
    } catch (const std::exception& e) {
        try {
            return fail(std::string("C++ exception: ") + e.what());
        } catch (...) {
            return fail("C++ exception");
        }
    } catch (...) {
        return fail("unknown C++ exception");
    }
}

void require(bool ok, const char* message) {
    if (!ok) throw BadArgument(message);
}

void check_handle(const fb_index* ix) {
    require(ix != nullptr && ix->index != nullptr, "invalid argument: NULL index handle");
}

void check_vectors(int64_t n, const float* x) {
    require(n >= 0, "invalid argument: negative vector count");
    require(n == 0 || x != nullptr, "invalid argument: NULL vector pointer");
}

faiss::MetricType to_metric(fb_metric m) {
    switch (m) {
    case FB_METRIC_INNER_PRODUCT: return faiss::METRIC_INNER_PRODUCT;
    case FB_METRIC_L2: return faiss::METRIC_L2;
    }
    throw BadArgument("invalid argument: unknown metric " + std::to_string(static_cast<int>(m)));
}

// RAII FILE* so a throwing faiss::write_index still closes the file.
struct File {
    FILE* f = nullptr;
    ~File() {
        if (f) std::fclose(f);
    }
};

std::string errno_text(const char* what, const char* path) {
    return std::string(what) + " " + path + ": " + std::strerror(errno);
}

// index_factory turns on polysemous training for "PQm" (IndexPQ, IndexIVFPQ) unless the
// description ends in "np". It reorders the PQ centroids for Hamming-distance filtering, which
// only pays off with a non-zero polysemous_ht (fluxsearch never sets one), and it costs minutes
// whatever the training-set size (its annealing does not scale with n). Turn it off.
void disable_polysemous_training(faiss::Index* index) {
    if (auto* pre = dynamic_cast<faiss::IndexPreTransform*>(index)) index = pre->index;
    if (auto* map = dynamic_cast<faiss::IndexIDMap*>(index)) index = map->index;
    if (auto* ivfpq = dynamic_cast<faiss::IndexIVFPQ*>(index)) ivfpq->do_polysemous_training = false;
    if (auto* pq = dynamic_cast<faiss::IndexPQ*>(index)) pq->do_polysemous_training = false;
}

} // namespace

extern "C" {

const char* fb_last_error(void) {
    return g_last_error.c_str();
}

int fb_new_flat_ip(int64_t d, fb_index** out) {
    if (out) *out = nullptr;
    return guarded([&] {
        require(out != nullptr, "invalid argument: NULL out pointer");
        require(d >= 1, "invalid argument: dimension must be >= 1");
        auto flat = std::make_unique<faiss::IndexFlatIP>(d);
        auto map = std::make_unique<faiss::IndexIDMap2>(flat.get());
        flat.release();
        map->own_fields = true;
        *out = new fb_index{std::move(map)};
    });
}

int fb_new_factory(int64_t d, const char* description, fb_metric metric, fb_index** out) {
    if (out) *out = nullptr;
    return guarded([&] {
        require(out != nullptr, "invalid argument: NULL out pointer");
        require(description != nullptr, "invalid argument: NULL factory description");
        require(d >= 1 && d <= INT32_MAX, "invalid argument: dimension must be in 1...2^31-1");
        std::unique_ptr<faiss::Index> base(
                faiss::index_factory(static_cast<int>(d), description, to_metric(metric)));
        disable_polysemous_training(base.get());
        const bool has_ids = dynamic_cast<faiss::IndexIDMap*>(base.get()) != nullptr ||
                faiss::ivflib::try_extract_index_ivf(base.get()) != nullptr;
        if (has_ids) {
            *out = new fb_index{std::move(base)};
        } else {
            auto map = std::make_unique<faiss::IndexIDMap2>(base.get());
            base.release();
            map->own_fields = true;
            *out = new fb_index{std::move(map)};
        }
    });
}

int fb_read_index(const char* path, fb_index** out) {
    if (out) *out = nullptr;
    return guarded([&] {
        require(out != nullptr, "invalid argument: NULL out pointer");
        require(path != nullptr, "invalid argument: NULL path");
        std::unique_ptr<faiss::Index> ix(faiss::read_index(path));
        *out = new fb_index{std::move(ix)};
    });
}

void fb_free(fb_index* index) {
    try {
        delete index;
    } catch (...) {
        // Destructors do not throw in FAISS; never let anything escape regardless.
    }
}

int fb_train(fb_index* index, int64_t n, const float* x) {
    return guarded([&] {
        check_handle(index);
        check_vectors(n, x);
        apply_thread_policy();
        index->index->train(n, x);
    });
}

int fb_add_with_ids(fb_index* index, int64_t n, const float* x, const int64_t* ids) {
    return guarded([&] {
        check_handle(index);
        check_vectors(n, x);
        require(n == 0 || ids != nullptr, "invalid argument: NULL ids pointer");
        apply_thread_policy();
        index->index->add_with_ids(n, x, reinterpret_cast<const idx_t*>(ids));
    });
}

int fb_remove_ids(fb_index* index, int64_t n, const int64_t* ids, int64_t* removed) {
    if (removed) *removed = 0;
    return guarded([&] {
        check_handle(index);
        require(n >= 0, "invalid argument: negative id count");
        require(n == 0 || ids != nullptr, "invalid argument: NULL ids pointer");
        faiss::IDSelectorBatch selector(n, reinterpret_cast<const idx_t*>(ids));
        const size_t count = index->index->remove_ids(selector);
        if (removed) *removed = static_cast<int64_t>(count);
    });
}

int fb_set_param(fb_index* index, const char* name, double value) {
    return guarded([&] {
        check_handle(index);
        require(name != nullptr, "invalid argument: NULL parameter name");
        faiss::ParameterSpace().set_index_parameter(index->index.get(), name, value);
    });
}

int fb_search(const fb_index* index, int64_t n, const float* x, int64_t k, float* distances,
              int64_t* labels) {
    return guarded([&] {
        check_handle(index);
        check_vectors(n, x);
        require(k >= 1, "invalid argument: k must be >= 1");
        require(n == 0 || (distances != nullptr && labels != nullptr),
                "invalid argument: NULL output pointer");
        // FAISS 1.7.3's IndexIVF::search silently returns nothing when untrained (later
        // versions throw); report it instead.
        require(index->index->is_trained,
                "invalid state: search on an index that is not trained ('is_trained' failed)");
        apply_thread_policy();
        index->index->search(n, x, k, distances, reinterpret_cast<idx_t*>(labels));
    });
}

namespace {

// One bit per id: the allowed external ids of a filtered search (ids are clip ids, dense and
// never reused, so the bitmap stays small: 1.25 MB at 10M ids).
struct BitmapSelector final : faiss::IDSelector {
    std::vector<uint8_t> bits;
    BitmapSelector(const int64_t* ids, int64_t n) {
        int64_t top = -1;
        for (int64_t i = 0; i < n; i++) {
            if (ids[i] < 0) throw BadArgument("invalid argument: negative id in the selection");
            if (ids[i] > top) top = ids[i];
        }
        bits.assign(static_cast<size_t>((top + 8) / 8), 0);
        for (int64_t i = 0; i < n; i++) bits[static_cast<size_t>(ids[i] >> 3)] |= uint8_t(1u << (ids[i] & 7));
    }
    bool is_member(idx_t id) const override {
        return id >= 0 && static_cast<size_t>(id >> 3) < bits.size() && ((bits[static_cast<size_t>(id >> 3)] >> (id & 7)) & 1);
    }
};

// FAISS 1.7.3's IndexIDMap refuses search parameters (IDSelectorTranslated came later): test
// the inner index's positions through the id map instead.
struct TranslatedSelector final : faiss::IDSelector {
    const std::vector<idx_t>& id_map;
    const faiss::IDSelector& external;
    TranslatedSelector(const std::vector<idx_t>& m, const faiss::IDSelector& s) : id_map(m), external(s) {}
    bool is_member(idx_t i) const override {
        return i >= 0 && static_cast<size_t>(i) < id_map.size() && external.is_member(id_map[static_cast<size_t>(i)]);
    }
};

} // namespace

int fb_search_selected(const fb_index* index, int64_t n, const float* x, int64_t k, const int64_t* ids,
                       int64_t n_ids, float* distances, int64_t* labels) {
    return guarded([&] {
        check_handle(index);
        check_vectors(n, x);
        require(k >= 1, "invalid argument: k must be >= 1");
        require(n_ids >= 0 && (n_ids == 0 || ids != nullptr), "invalid argument: NULL id selection");
        require(n == 0 || (distances != nullptr && labels != nullptr),
                "invalid argument: NULL output pointer");
        require(index->index->is_trained,
                "invalid state: search on an index that is not trained ('is_trained' failed)");
        apply_thread_policy();
        BitmapSelector selector(ids, n_ids);
        faiss::Index* base = index->index.get();
        // OPQ and other transforms: FAISS 1.7.3 hands the search parameters to the inner index
        // as they are, so transform the queries here and search the inner index below.
        std::unique_ptr<float[]> transformed;
        if (auto* pre = dynamic_cast<faiss::IndexPreTransform*>(base)) {
            const float* xt = pre->apply_chain(n, x);
            if (xt != x) transformed.reset(const_cast<float*>(xt));
            x = xt;
            base = pre->index;
        }
        auto* out = reinterpret_cast<idx_t*>(labels);
        if (auto* mapped = dynamic_cast<faiss::IndexIDMap*>(base)) { // IndexIDMap2 too
            TranslatedSelector inner(mapped->id_map, selector);
            faiss::SearchParameters params;
            params.sel = &inner;
            mapped->index->search(n, x, k, distances, out, &params);
            for (int64_t i = 0; i < n * k; i++) {
                if (out[i] >= 0) out[i] = mapped->id_map[static_cast<size_t>(out[i])];
            }
        } else if (auto* ivf = dynamic_cast<faiss::IndexIVF*>(base)) {
            // IndexIVF insists on its own parameter type; carry over the index's nprobe.
            faiss::SearchParametersIVF params;
            params.sel = &selector;
            params.nprobe = ivf->nprobe;
            params.max_codes = ivf->max_codes;
            ivf->search(n, x, k, distances, out, &params);
        } else {
            faiss::SearchParameters params;
            params.sel = &selector;
            base->search(n, x, k, distances, out, &params);
        }
    });
}

int fb_write_index(const fb_index* index, const char* path) {
    return guarded([&] {
        check_handle(index);
        require(path != nullptr, "invalid argument: NULL path");
        File file;
        file.f = std::fopen(path, "wb");
        if (!file.f) throw BadArgument(errno_text("could not open", path) + " for writing");
        faiss::write_index(index->index.get(), file.f);
        if (std::fflush(file.f) != 0) throw BadArgument(errno_text("could not flush", path));
        if (::fsync(::fileno(file.f)) != 0) throw BadArgument(errno_text("could not fsync", path));
        FILE* f = file.f;
        file.f = nullptr;
        if (std::fclose(f) != 0) throw BadArgument(errno_text("could not close", path));
    });
}

int64_t fb_ntotal(const fb_index* index) {
    return (index && index->index) ? static_cast<int64_t>(index->index->ntotal) : -1;
}

int64_t fb_dimension(const fb_index* index) {
    return (index && index->index) ? static_cast<int64_t>(index->index->d) : -1;
}

int fb_is_trained(const fb_index* index) {
    return (index && index->index) ? (index->index->is_trained ? 1 : 0) : -1;
}

int fb_metric_type(const fb_index* index) {
    return (index && index->index) ? static_cast<int>(index->index->metric_type) : -1;
}

int fb_range_search(const fb_index* index, int64_t n, const float* x, float radius,
                    fb_range_result** out) {
    if (out) *out = nullptr;
    return guarded([&] {
        check_handle(index);
        check_vectors(n, x);
        require(out != nullptr, "invalid argument: NULL out pointer");
        // As fb_search: an untrained IVF index would silently return nothing in 1.7.3.
        require(index->index->is_trained,
                "invalid state: range search on an index that is not trained ('is_trained' failed)");
        apply_thread_policy();
        auto result = std::make_unique<fb_range_result>(n);
        // FAISS fills lims (nq + 1 entries, allocated by the constructor), then labels and
        // distances; it leaves lims zeroed for n == 0.
        if (n > 0) index->index->range_search(n, x, radius, &result->result);
        *out = result.release();
    });
}

int64_t fb_range_result_nq(const fb_range_result* result) {
    return result ? static_cast<int64_t>(result->result.nq) : -1;
}

// FAISS keeps lims as size_t; the C API counts in int64 (same width on every 64-bit target, and
// a signed/unsigned pair may alias).
static_assert(sizeof(size_t) == sizeof(int64_t), "size_t and int64_t must have the same width");

const int64_t* fb_range_result_lims(const fb_range_result* result) {
    return result ? reinterpret_cast<const int64_t*>(result->result.lims) : nullptr;
}

const int64_t* fb_range_result_labels(const fb_range_result* result) {
    return result ? reinterpret_cast<const int64_t*>(result->result.labels) : nullptr;
}

const float* fb_range_result_distances(const fb_range_result* result) {
    return result ? result->result.distances : nullptr;
}

void fb_range_result_free(fb_range_result* result) {
    try {
        delete result;
    } catch (...) {
        // ~RangeSearchResult only frees memory; never let anything escape regardless.
    }
}

void fb_omp_set_num_threads(int n) {
    if (n < 1) n = 1;
    g_omp_threads.store(n, std::memory_order_relaxed);
    apply_thread_policy();
}

int fb_omp_get_max_threads(void) {
    apply_thread_policy();
    return omp_get_max_threads();
}

void fb_set_blas_threshold(int n) {
    faiss::distance_compute_blas_threshold = n;
}

int fb_get_blas_threshold(void) {
    return faiss::distance_compute_blas_threshold;
}

} // extern "C"
