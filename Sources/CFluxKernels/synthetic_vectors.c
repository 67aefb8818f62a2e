// Implementation of flux_synthetic.h: hashing, SplitMix64 streams, Box-Muller, normalisation.
#include "flux_synthetic.h"

#include <math.h>

enum { STREAM_CENTRE = 1, STREAM_VECTOR = 2, STREAM_PERTURB = 3, STREAM_ASSIGN = 4 };

// SplitMix64's finaliser: a bijective 64-bit mix.
static inline uint64_t mix64(uint64_t z) {
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static inline uint64_t hash3(uint64_t seed, uint64_t stream, uint64_t index) {
    return mix64(mix64(mix64(seed) ^ (stream * 0x9E3779B97F4A7C15ULL)) ^ index);
}

static inline uint64_t next64(uint64_t *state) {
    *state += 0x9E3779B97F4A7C15ULL;
    return mix64(*state);
}

// out[0..<dim] = (or +=, when accumulate) scale × standard normal floats of the stream seeded by
// `state` (Box-Muller, two per 64-bit draw).
static void gaussians(uint64_t state, size_t dim, float scale, float *out, int accumulate) {
    const float two_pi = 6.28318530717958647692f;
    for (size_t j = 0; j < dim; j += 2) {
        uint64_t r = next64(&state);
        // u1 in (0, 1], u2 in [0, 1): 24 bits each.
        float u1 = ((float)(r >> 40) + 1.0f) * (1.0f / 16777216.0f);
        float u2 = (float)((r >> 16) & 0xFFFFFF) * (1.0f / 16777216.0f);
        float rad = sqrtf(-2.0f * logf(u1)) * scale;
        float a = two_pi * u2;
        float z0 = rad * cosf(a), z1 = rad * sinf(a);
        if (accumulate) {
            out[j] += z0;
            if (j + 1 < dim) out[j + 1] += z1;
        } else {
            out[j] = z0;
            if (j + 1 < dim) out[j + 1] = z1;
        }
    }
}

static void normalise(float *x, size_t dim) {
    double s = 0;
    for (size_t j = 0; j < dim; j++) s += (double)x[j] * x[j];
    if (s <= 0) return;
    const float inv = (float)(1.0 / sqrt(s));
    for (size_t j = 0; j < dim; j++) x[j] *= inv;
}

void fk_clustered_vectors(uint64_t seed, uint64_t first_id, uint64_t stride, size_t count, size_t dim,
                          uint64_t clusters, float noise, float *out) {
    if (clusters < 1) clusters = 1;
    if (stride < 1) stride = 1;
    const float scale = noise / sqrtf((float)dim);
    for (size_t i = 0; i < count; i++) {
        const uint64_t id = first_id + (uint64_t)i * stride;
        float *x = out + i * dim;
        const uint64_t c = hash3(seed, STREAM_ASSIGN, id) % clusters;
        gaussians(hash3(seed, STREAM_CENTRE, c), dim, 1.0f, x, 0);
        normalise(x, dim);
        gaussians(hash3(seed, STREAM_VECTOR, id), dim, scale, x, 1);
        normalise(x, dim);
    }
}

void fk_perturbed_vectors(uint64_t seed, uint64_t first_index, size_t count, size_t dim, float noise,
                          const float *x, float *out) {
    const float scale = noise / sqrtf((float)dim);
    for (size_t i = 0; i < count; i++) {
        float *y = out + i * dim;
        if (y != x + i * dim) {
            for (size_t j = 0; j < dim; j++) y[j] = x[i * dim + j];
        }
        gaussians(hash3(seed, STREAM_PERTURB, first_index + i), dim, scale, y, 1);
        normalise(y, dim);
    }
}
