// Synthetic clustered unit vectors, random-access by id (for `bench query` and its test).
//
// d = dimension, C = number of cluster centres, s = seed. Everything is a pure function of its
// arguments: vector i is the same whichever chunk, order or thread produces it, so a benchmark
// can add 10M vectors in chunks and later regenerate any shortlisted one by id.
//
//   centre c  = unit( g(s, CENTRE, c) )                       g: d standard normal floats
//   vector i  = unit( centre(h(s, i) mod C) + noise / sqrt(d) * g(s, VECTOR, i) )
//   perturbed = unit( x + noise / sqrt(d) * g(s, PERTURB, j) )
//
// g draws its floats from a SplitMix64 stream seeded by hashing (s, stream, index), through
// Box-Muller in float. Plain C (no intrinsics): the results depend only on the C library's logf,
// sqrtf, sinf and cosf.
#pragma once
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Writes `count` vectors of dimension `dim` to out[count * dim], row-major: the vectors with
/// ids first_id, first_id + stride, ... (stride >= 1). `clusters` >= 1 centres; `noise` is the
/// expected norm of the noise added to a unit centre (0.8 puts members of a cluster at cosine
/// about 0.6 of each other).
void fk_clustered_vectors(uint64_t seed, uint64_t first_id, uint64_t stride, size_t count, size_t dim,
                          uint64_t clusters, float noise, float *out);

/// out[count * dim] = the rows of x[count * dim] plus noise of expected norm `noise`, drawn for
/// indexes first_index ... first_index + count - 1, each row normalised. out may equal x.
void fk_perturbed_vectors(uint64_t seed, uint64_t first_index, size_t count, size_t dim, float noise,
                          const float *x, float *out);

#ifdef __cplusplus
}
#endif
