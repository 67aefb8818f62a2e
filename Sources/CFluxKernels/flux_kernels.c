// AVX2 + FMA implementations of flux_kernels.h. The target attribute keeps the rest of the
// build at the default x86-64 baseline while these loops use 256-bit registers.
#include "flux_kernels.h"

#include <immintrin.h>
#include <math.h>
#include <stdint.h>

#define FK_TARGET __attribute__((target("avx2,fma")))

// Lane mask for the last n < 8 elements.
FK_TARGET static inline __m256i tail_mask(size_t n) {
    static const int32_t bits[16] = {-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0};
    return _mm256_loadu_si256((const __m256i *)(bits + 8 - n));
}

// Cephes expf: n = round(x log2 e), r = x - n ln 2 (two-part ln 2), degree-6 polynomial, 2^n by
// exponent bits.
FK_TARGET static inline __m256 v_exp(__m256 x) {
    const __m256 hi = _mm256_set1_ps(88.3762626647949f), lo = _mm256_set1_ps(-87.3365447504019f);
    __m256 xc = _mm256_min_ps(_mm256_max_ps(x, lo), hi);
    __m256 nf = _mm256_round_ps(_mm256_mul_ps(xc, _mm256_set1_ps(1.44269504088896341f)),
                                _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m256 r = _mm256_fnmadd_ps(nf, _mm256_set1_ps(0.693359375f), xc);
    r = _mm256_fnmadd_ps(nf, _mm256_set1_ps(-2.12194440e-4f), r);
    __m256 p = _mm256_set1_ps(1.9875691500e-4f);
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.3981999507e-3f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(8.3334519073e-3f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(4.1665795894e-2f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.6666665459e-1f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(5.0000001201e-1f));
    p = _mm256_fmadd_ps(p, _mm256_mul_ps(r, r), _mm256_add_ps(r, _mm256_set1_ps(1.0f)));
    __m256i e = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(nf), _mm256_set1_epi32(127)), 23);
    __m256 res = _mm256_mul_ps(p, _mm256_castsi256_ps(e));
    res = _mm256_blendv_ps(res, _mm256_setzero_ps(), _mm256_cmp_ps(x, lo, _CMP_LT_OQ));
    res = _mm256_blendv_ps(res, _mm256_set1_ps(INFINITY), _mm256_cmp_ps(x, hi, _CMP_GT_OQ));
    return res;
}

// erfc(z) for z >= 0, relative error < 1.2e-7 (Numerical Recipes erfcc Chebyshev fit).
FK_TARGET static inline __m256 v_erfc_nonneg(__m256 z) {
    __m256 t = _mm256_div_ps(_mm256_set1_ps(1.0f), _mm256_fmadd_ps(_mm256_set1_ps(0.5f), z, _mm256_set1_ps(1.0f)));
    __m256 p = _mm256_set1_ps(0.17087277f);
    p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(-0.82215223f));
    p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(1.48851587f));
    p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(-1.13520398f));
    p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(0.27886807f));
    p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(-0.18628806f));
    p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(0.09678418f));
    p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(0.37409196f));
    p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(1.00002368f));
    p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(-1.26551223f));
    return _mm256_mul_ps(t, v_exp(_mm256_fnmadd_ps(z, z, p)));
}

FK_TARGET static inline __m256 v_gelu_erf(__m256 x) {
    __m256 z = _mm256_mul_ps(x, _mm256_set1_ps(-0.70710678118654752f));  // -x / sqrt 2
    __m256 az = _mm256_andnot_ps(_mm256_set1_ps(-0.0f), z);
    __m256 e = v_erfc_nonneg(az);
    // erfc(z) = e for z >= 0, 2 - e for z < 0.
    __m256 erfc_z = _mm256_blendv_ps(e, _mm256_sub_ps(_mm256_set1_ps(2.0f), e), _mm256_cmp_ps(z, _mm256_setzero_ps(), _CMP_LT_OQ));
    return _mm256_mul_ps(_mm256_mul_ps(_mm256_set1_ps(0.5f), x), erfc_z);
}

FK_TARGET static inline __m256 v_gelu_tanh(__m256 x) {
    __m256 x3 = _mm256_mul_ps(_mm256_mul_ps(x, x), x);
    __m256 u = _mm256_mul_ps(_mm256_set1_ps(0.7978845608028654f), _mm256_fmadd_ps(_mm256_set1_ps(0.044715f), x3, x));
    __m256 e = v_exp(_mm256_mul_ps(_mm256_set1_ps(-2.0f), u));
    return _mm256_div_ps(x, _mm256_add_ps(_mm256_set1_ps(1.0f), e));
}

// Applies F to x in place, including the masked tail.
#define FK_MAP_INPLACE(F)                                                          \
    size_t i = 0;                                                                  \
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(x + i, F(_mm256_loadu_ps(x + i))); \
    if (i < n) {                                                                   \
        __m256i m = tail_mask(n - i);                                              \
        _mm256_maskstore_ps(x + i, m, F(_mm256_maskload_ps(x + i, m)));            \
    }

FK_TARGET void fk_exp(float *x, size_t n) { FK_MAP_INPLACE(v_exp) }
FK_TARGET void fk_gelu_erf(float *x, size_t n) { FK_MAP_INPLACE(v_gelu_erf) }
FK_TARGET void fk_gelu_tanh(float *x, size_t n) { FK_MAP_INPLACE(v_gelu_tanh) }

FK_TARGET static inline float hsum(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

FK_TARGET static inline float hmax(__m256 v) {
    __m128 s = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_max_ps(s, _mm_movehl_ps(s, s));
    s = _mm_max_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

FK_TARGET float fk_exp_shift_sum(float *x, size_t n, float shift) {
    __m256 s = _mm256_set1_ps(shift), acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        __m256 a = v_exp(_mm256_sub_ps(_mm256_loadu_ps(x + i), s));
        __m256 b = v_exp(_mm256_sub_ps(_mm256_loadu_ps(x + i + 8), s));
        _mm256_storeu_ps(x + i, a);
        _mm256_storeu_ps(x + i + 8, b);
        acc0 = _mm256_add_ps(acc0, a);
        acc1 = _mm256_add_ps(acc1, b);
    }
    for (; i + 8 <= n; i += 8) {
        __m256 a = v_exp(_mm256_sub_ps(_mm256_loadu_ps(x + i), s));
        _mm256_storeu_ps(x + i, a);
        acc0 = _mm256_add_ps(acc0, a);
    }
    if (i < n) {
        __m256i m = tail_mask(n - i);
        __m256 a = v_exp(_mm256_sub_ps(_mm256_maskload_ps(x + i, m), s));
        a = _mm256_and_ps(a, _mm256_castsi256_ps(m));
        _mm256_maskstore_ps(x + i, m, a);
        acc0 = _mm256_add_ps(acc0, a);
    }
    return hsum(_mm256_add_ps(acc0, acc1));
}

FK_TARGET float fk_max(const float *x, size_t n) {
    __m256 m = _mm256_set1_ps(-INFINITY);
    size_t i = 0;
    for (; i + 8 <= n; i += 8) m = _mm256_max_ps(m, _mm256_loadu_ps(x + i));
    if (i < n) {
        __m256i k = tail_mask(n - i);
        __m256 v = _mm256_blendv_ps(_mm256_set1_ps(-INFINITY), _mm256_maskload_ps(x + i, k), _mm256_castsi256_ps(k));
        m = _mm256_max_ps(m, v);
    }
    return hmax(m);
}

// Reductions keep two accumulators to hide FMA latency; the masked tail loads zeros.
#define FK_REDUCE(EXPR)                                                         \
    __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();              \
    size_t i = 0;                                                               \
    for (; i + 16 <= n; i += 16) {                                              \
        __m256 v = _mm256_loadu_ps(x + i);                                      \
        acc0 = EXPR(v, acc0);                                                   \
        v = _mm256_loadu_ps(x + i + 8);                                         \
        acc1 = EXPR(v, acc1);                                                   \
    }                                                                           \
    for (; i + 8 <= n; i += 8) { __m256 v = _mm256_loadu_ps(x + i); acc0 = EXPR(v, acc0); } \
    if (i < n) { __m256 v = _mm256_maskload_ps(x + i, tail_mask(n - i)); acc0 = EXPR(v, acc0); } \
    return hsum(_mm256_add_ps(acc0, acc1));

#define FK_ADD(v, acc) _mm256_add_ps(acc, v)
#define FK_SQ(v, acc) _mm256_fmadd_ps(v, v, acc)

FK_TARGET float fk_sum(const float *x, size_t n) { FK_REDUCE(FK_ADD) }
FK_TARGET float fk_sum_squares(const float *x, size_t n) { FK_REDUCE(FK_SQ) }

FK_TARGET float fk_sum_squared_deviations(const float *x, size_t n, float mean) {
    __m256 mu = _mm256_set1_ps(mean), acc = _mm256_setzero_ps();
    size_t i = 0;
    for (; i + 8 <= n; i += 8) { __m256 d = _mm256_sub_ps(_mm256_loadu_ps(x + i), mu); acc = _mm256_fmadd_ps(d, d, acc); }
    if (i < n) {
        __m256i m = tail_mask(n - i);
        __m256 d = _mm256_and_ps(_mm256_sub_ps(_mm256_maskload_ps(x + i, m), mu), _mm256_castsi256_ps(m));
        acc = _mm256_fmadd_ps(d, d, acc);
    }
    return hsum(acc);
}

FK_TARGET void fk_scale(float *x, size_t n, float a) {
    __m256 s = _mm256_set1_ps(a);
    size_t i = 0;
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(x + i, _mm256_mul_ps(_mm256_loadu_ps(x + i), s));
    for (; i < n; i++) x[i] *= a;
}

FK_TARGET void fk_add(const float *x, float *y, size_t n) {
    size_t i = 0;
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, _mm256_add_ps(_mm256_loadu_ps(y + i), _mm256_loadu_ps(x + i)));
    for (; i < n; i++) y[i] += x[i];
}

FK_TARGET void fk_add_scaled(const float *x, const float *g, float *y, size_t n) {
    size_t i = 0;
    for (; i + 8 <= n; i += 8)
        _mm256_storeu_ps(y + i, _mm256_fmadd_ps(_mm256_loadu_ps(g + i), _mm256_loadu_ps(x + i), _mm256_loadu_ps(y + i)));
    for (; i < n; i++) y[i] = fmaf(g[i], x[i], y[i]);
}

FK_TARGET void fk_affine(const float *x, float shift, float scale, const float *weight, const float *bias,
                         float *out, size_t n) {
    __m256 sh = _mm256_set1_ps(shift), sc = _mm256_set1_ps(scale);
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256 v = _mm256_mul_ps(_mm256_sub_ps(_mm256_loadu_ps(x + i), sh), sc);
        if (weight) v = _mm256_mul_ps(v, _mm256_loadu_ps(weight + i));
        if (bias) v = _mm256_add_ps(v, _mm256_loadu_ps(bias + i));
        _mm256_storeu_ps(out + i, v);
    }
    for (; i < n; i++) {
        float v = (x[i] - shift) * scale;
        if (weight) v *= weight[i];
        if (bias) v += bias[i];
        out[i] = v;
    }
}

FK_TARGET void fk_max_into(const float *x, float *m, size_t n) {
    size_t i = 0;
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(m + i, _mm256_max_ps(_mm256_loadu_ps(m + i), _mm256_loadu_ps(x + i)));
    for (; i < n; i++) m[i] = x[i] > m[i] ? x[i] : m[i];
}

FK_TARGET void fk_exp_sub_accumulate(float *x, const float *shift, float *acc, size_t n) {
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256 e = v_exp(_mm256_sub_ps(_mm256_loadu_ps(x + i), _mm256_loadu_ps(shift + i)));
        _mm256_storeu_ps(x + i, e);
        _mm256_storeu_ps(acc + i, _mm256_add_ps(_mm256_loadu_ps(acc + i), e));
    }
    if (i < n) {
        __m256i m = tail_mask(n - i);
        __m256 e = v_exp(_mm256_sub_ps(_mm256_maskload_ps(x + i, m), _mm256_maskload_ps(shift + i, m)));
        _mm256_maskstore_ps(x + i, m, e);
        _mm256_maskstore_ps(acc + i, m, _mm256_add_ps(_mm256_maskload_ps(acc + i, m), e));
    }
}

FK_TARGET void fk_mul(float *x, const float *y, size_t n) {
    size_t i = 0;
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(x + i, _mm256_mul_ps(_mm256_loadu_ps(x + i), _mm256_loadu_ps(y + i)));
    for (; i < n; i++) x[i] *= y[i];
}

int fk_cpu_supported(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}
