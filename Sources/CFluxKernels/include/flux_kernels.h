// Elementwise and reduction kernels for FluxCore, AVX2 + FMA, 8 lanes.
//
// Every function handles any n >= 0: the last partial vector goes through masked loads and
// stores, so each element is computed by the same instructions wherever it falls.
// All pointers are Float32 arrays of n elements; none may overlap unless stated.
#pragma once
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/// x <- e^x in place. Relative error about 2e-7; x < -87.34 gives 0, x > 88.38 gives +inf.
void fk_exp(float *x, size_t n);
/// x <- e^(x - shift) in place; returns the sum of the results (for softmax).
float fk_exp_shift_sum(float *x, size_t n, float shift);
/// Maximum of n >= 1 elements (-inf for n == 0).
float fk_max(const float *x, size_t n);
/// Sum of n elements.
float fk_sum(const float *x, size_t n);
/// Sum of squares.
float fk_sum_squares(const float *x, size_t n);
/// Sum of (x - mean)^2.
float fk_sum_squared_deviations(const float *x, size_t n, float mean);
/// x <- x * a.
void fk_scale(float *x, size_t n, float a);
/// y <- y + x.
void fk_add(const float *x, float *y, size_t n);
/// y <- y + g * x (elementwise g).
void fk_add_scaled(const float *x, const float *g, float *y, size_t n);
/// out <- (x - shift) * scale * weight + bias; weight and bias may be NULL; out may equal x.
void fk_affine(const float *x, float shift, float scale, const float *weight, const float *bias,
               float *out, size_t n);
/// m <- max(m, x), elementwise (column-wise running maximum).
void fk_max_into(const float *x, float *m, size_t n);
/// x <- e^(x - shift) elementwise, then acc <- acc + x (column-wise softmax).
void fk_exp_sub_accumulate(float *x, const float *shift, float *acc, size_t n);
/// x <- x * y, elementwise.
void fk_mul(float *x, const float *y, size_t n);
/// Exact GELU in place: 0.5 x erfc(-x / sqrt 2), relative error below 1e-6 everywhere.
void fk_gelu_erf(float *x, size_t n);
/// tanh-approximate GELU in place, as x * sigmoid(2u), u = sqrt(2/pi) (x + 0.044715 x^3).
void fk_gelu_tanh(float *x, size_t n);

#ifdef __cplusplus
}
#endif

#ifdef __cplusplus
extern "C" {
#endif
/// 1 when this CPU has AVX2 and FMA (required by every fk_* kernel), else 0.
int fk_cpu_supported(void);
#ifdef __cplusplus
}
#endif
