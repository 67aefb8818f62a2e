import FaissBridge

/// Process-wide threading knobs of FAISS, for the CLI to apply its thread policy at start-up
/// (see shared/spec/BUILD_NOTES.md §1–2: with the default 2 OpenMP threads plus pthread OpenBLAS,
/// flat search on this machine is 5–22× slower than with 1 OpenMP thread).
public enum FaissThreads {
    /// Sets the number of OpenMP threads FAISS uses (values < 1 become 1).
    ///
    /// libgomp keeps this setting per thread, so FaissBridge remembers it and re-applies it on
    /// every thread before that thread's next FAISS call: it takes effect for searches made from
    /// any thread (Swift concurrency, Dispatch), not only the caller's. Call it once at start-up.
    public static func setOpenMPThreads(_ n: Int) {
        fb_omp_set_num_threads(Int32(clamping: max(1, n)))
    }

    /// The OpenMP thread count FAISS calls on the current thread will use.
    public static var openMPThreads: Int { Int(fb_omp_get_max_threads()) }

    /// Sets `faiss::distance_compute_blas_threshold`: flat searches with at least `n` queries go
    /// through BLAS sgemm, smaller batches through FAISS's own (here scalar) loops. FAISS default 20;
    /// 1 makes even single-query flat search use BLAS.
    public static func setBLASThreshold(_ n: Int) {
        fb_set_blas_threshold(Int32(clamping: n))
    }

    /// The current `faiss::distance_compute_blas_threshold`.
    public static var blasThreshold: Int { Int(fb_get_blas_threshold()) }
}
