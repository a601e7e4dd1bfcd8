/*
 * rng.h: credo's random number generator, the pure C core.
 *
 * xoshiro256** (Blackman & Vigna, "Scrambled linear pseudorandom number
 * generators", ACM TOMS 2021) seeded through splitmix64 (Steele, Lea &
 * Flood, "Fast splittable pseudorandom number generators", OOPSLA 2014), and
 * the samplers built on it: uniform doubles/floats, unbiased bounded
 * integers (Lemire 2019), normals (Marsaglia polar), Fisher-Yates
 * permutations, sampling with and without replacement (optionally
 * weighted), bootstrap indices and buffer fills.
 *
 * Every function takes the generator state explicitly (llm.c style): there
 * is no hidden global state here, so the same state gives the same bits on
 * every run, machine and thread count.  Per-item streams (one per tree,
 * particle or thread) come from rng_stream(seed, index), never from sharing
 * one state between threads.
 *
 * What it is not: not cryptographic, not thread-safe for one Rng shared by
 * several threads (give each its own stream).  No Lua here (see
 * random_lua.c).  Indices produced here are 0-based; the binding adds 1.
 */
#ifndef CREDO_RNG_H
#define CREDO_RNG_H

#include <stdint.h>

#include "../common/credo_core.h"

/* xoshiro256** state: 256 bits, never all zero. */
typedef struct Rng {
  uint64_t s[4];
} Rng;

/* ---- seeding and streams ---- */

/* splitmix64: advance *state by the golden gamma and return its mix. */
uint64_t rng_splitmix64(uint64_t *state);
/* The splitmix64 output function alone (a bijection of 64-bit words). */
uint64_t rng_mix64(uint64_t z);
/* Seed r: its four words are the first four splitmix64 outputs from seed. */
void rng_seed(Rng *r, uint64_t seed);
/* The seed of stream `index` of `seed`:
 *   mix64(mix64(seed) + index * 0x9E3779B97F4A7C15).
 * For a fixed seed distinct indices give distinct stream seeds (mix64 is a
 * bijection and the multiplier is odd), so streams never coincide. */
uint64_t rng_stream_seed(uint64_t seed, uint64_t index);
/* out = rng_seed(rng_stream_seed(seed, index)): an independent generator
 * for item `index` (tree, particle, thread) of a run seeded with `seed`. */
void rng_stream(Rng *out, uint64_t seed, uint64_t index);

/* ---- scalar draws ---- */

/* Next 64 random bits (xoshiro256**). */
uint64_t rng_next(Rng *r);
/* Uniform double in [0, 1): the top 53 bits times 2^-53. */
double rng_uniform(Rng *r);
/* Uniform float in [0, 1): the top 24 bits times 2^-24. */
float rng_uniform_f32(Rng *r);
/* Uniform integer in [0, n), n >= 1, unbiased (Lemire, "Fast random integer
 * generation in an interval", ACM TOMS 2019). */
uint64_t rng_bounded(Rng *r, uint64_t n);
/* Uniform integer in [lo, hi] inclusive, lo <= hi (the whole int64 range
 * allowed). */
int64_t rng_integer(Rng *r, int64_t lo, int64_t hi);
/* Two independent standard normals (Marsaglia & Bray 1964 polar method:
 * u, v uniform in (-1, 1) until 0 < s = u^2 + v^2 < 1, then
 * u * sqrt(-2 ln s / s) and v * sqrt(-2 ln s / s)). */
void rng_normal_pair(Rng *r, double *z0, double *z1);
/* One standard normal: the first of a pair, the second is discarded (no
 * cached spare, so the state alone determines the future). */
double rng_normal(Rng *r);
/* 1 with probability p (0 <= p <= 1): rng_uniform(r) < p. */
int rng_bernoulli(Rng *r, double p);

/* ---- buffer fills (out is (n); r advances) ----
 * These and the samplers below poll credo_interrupted every 2^20 elements
 * and return CREDO_EINTR (out then partly filled). */

/* Uniform in [lo, hi), lo <= hi; one 64-bit draw per element (24 bits used
 * for float32, 53 for float64), computed in double as lo + (hi - lo) * u.
 * A value that rounds up to hi is replaced by the largest representable
 * value below hi (unless lo and hi round to the same value). */
credo_status rng_fill_uniform_f32(float *out, double lo, double hi, int64_t n,
                                  Rng *r);
credo_status rng_fill_uniform_f64(double *out, double lo, double hi, int64_t n,
                                  Rng *r);
/* mu + sigma * N(0,1); normals are drawn in pairs and both are used, so
 * element 0 equals mu + sigma * rng_normal() from the same state. */
credo_status rng_fill_normal_f32(float *out, double mu, double sigma,
                                 int64_t n, Rng *r);
credo_status rng_fill_normal_f64(double *out, double mu, double sigma,
                                 int64_t n, Rng *r);
/* Uniform integers in [lo, hi] inclusive. */
credo_status rng_fill_integer_i64(int64_t *out, int64_t lo, int64_t hi,
                                  int64_t n, Rng *r);
/* 0/1 with P(1) = p. */
credo_status rng_fill_bernoulli_f32(float *out, double p, int64_t n, Rng *r);
credo_status rng_fill_bernoulli_f64(double *out, double p, int64_t n, Rng *r);
credo_status rng_fill_bernoulli_i64(int64_t *out, double p, int64_t n, Rng *r);

/* ---- permutations and sampling (0-based indices) ---- */

/* out (n) = a uniformly random permutation of 0..n-1 (Fisher-Yates in
 * Durstenfeld's form, run from the front: for i = 0 .. n-2, swap a[i] with
 * a[i + bounded(n - i)]). */
credo_status rng_permutation(int64_t *out, int64_t n, Rng *r);
/* out (k) = k distinct indices of 0..n-1, k <= n, in draw order: the first
 * k entries of rng_permutation(n) from the same state.  Uses O(k) memory
 * (the displaced entries of the virtual array 0..n-1 live in a hash table),
 * so n may be huge.  Returns CREDO_ENOMEM if the table cannot be allocated. */
credo_status rng_sample(int64_t *out, int64_t n, int64_t k, Rng *r);
/* Reference twin of rng_sample: the same draws on a dense array of n. */
credo_status rng_sample_ref(int64_t *out, int64_t n, int64_t k, Rng *r);
/* out (m) = m indices drawn uniformly with replacement from 0..n-1 (n >= 1
 * unless m == 0): bootstrap resampling (Efron 1979). */
credo_status rng_bootstrap(int64_t *out, int64_t n, int64_t m, Rng *r);
/* out (k) = k indices drawn with replacement, P(i) = w[i] / sum(w).
 * w (n) finite, >= 0, with a positive sum (the caller checks).  Inversion:
 * cumulative sums in index order, then for each draw x = u * total the first
 * i with cumsum[i] > x (binary search); zero weights are never drawn. */
credo_status rng_choice_weighted(int64_t *out, const double *w, int64_t n,
                                 int64_t k, Rng *r);
/* out (k) = k distinct indices drawn without replacement with weights w (n),
 * k <= the number of positive weights (the caller checks).  Efraimidis &
 * Spirakis 2006 (A-ES) in exponential form: item i gets key
 * -log(1 - u_i) / w_i (one draw per item, in index order, zero weights
 * included), and the k smallest keys win, ties broken by the lower index;
 * out is in increasing key order, which is the order of successive weighted
 * draws without replacement. */
credo_status rng_choice_weighted_noreplace(int64_t *out, const double *w,
                                          int64_t n, int64_t k, Rng *r);

#endif
