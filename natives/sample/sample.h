/*
 * sample.h: splits and resamplers, the pure C core behind credo.split and
 * credo.sampling.
 *
 * Class bookkeeping (counts, members grouped by class), scikit-learn 1.2's
 * stratified allocation (_approximate_mode, StratifiedShuffleSplit,
 * StratifiedKFold), K-fold assignment, the exact k-nearest-neighbour search
 * SMOTE needs (blocked GEMM filter, exact double refinement), SMOTE's
 * synthesis (Chawla et al. 2002, as imbalanced-learn 0.10 draws it) and
 * Gaussian-noise rows.
 *
 * Every function that draws takes either an Rng (serial work) or a seed and
 * a first stream index (parallel work: block b of rows draws from
 * rng_stream(seed, stream0 + b)), so results are the same bits for any
 * thread count.
 *
 * What it is not: no Lua here (see sample_lua.c), no argument checking (the
 * binding checks labels, shapes, finiteness and sizes; these functions
 * assert), no sampling strategies (stdlib/credo/sampling.lua turns
 * "auto", ratios and dicts into per-class counts).  Indices are 0-based;
 * the binding adds 1.
 */
#ifndef CREDO_SAMPLE_H
#define CREDO_SAMPLE_H

#include <stdint.h>

#include "../common/credo_core.h"
#include "../random/rng.h"

/* Synthetic or noisy rows drawn from one stream: block b of a class's new
 * rows (rows b*SAMPLE_BLOCK .. ) uses rng_stream(seed, stream0 + b). */
#define SAMPLE_BLOCK 1024

/* ---- classes ---- */

/* counts (K) = how often each label 0..K-1 occurs in y (n); every y[i] is
 * in [0, K). */
void sample_class_counts(int64_t *counts, const int64_t *y, int64_t n,
                         int64_t K);
/* Stable counting sort by label: start (K+1) holds the offsets, order (n)
 * the rows of class 0 in increasing order, then those of class 1, ... */
void sample_group_by_class(int64_t *order, int64_t *start, const int64_t *y,
                           int64_t n, int64_t K);

/* ---- stratified allocation and splits ---- */

/* out (K) = scikit-learn's _approximate_mode(counts, n_draws): the floor of
 * n_draws * counts[c] / sum(counts) (computed in that order in double, as
 * numpy does: counts / total * n_draws), then the n_draws - sum(floors)
 * missing draws go to the largest remainders; among equal remainders the
 * receivers are drawn at random (k of them without replacement, as
 * rng_sample).  0 <= n_draws <= sum(counts).  ENOMEM if scratch fails. */
credo_status sample_approx_mode(int64_t *out, const int64_t *counts, int64_t K,
                                int64_t n_draws, Rng *r);

/* Stratified split into P parts, as scikit-learn's StratifiedShuffleSplit
 * does for two: for each class in label order, its members (increasing row
 * order) are permuted, the first alloc[c*P + 0] go to part 0, the next
 * alloc[c*P + 1] to part 1, ...; then each part is permuted.  out holds the
 * parts one after another (part p at offset sum of the earlier parts'
 * sizes, a part's size being the sum of its column of alloc).  alloc (K,P)
 * row-major with sum over p of alloc[c*P + p] <= count of class c.  ENOMEM
 * if scratch fails. */
credo_status sample_stratified_split(int64_t *out, const int64_t *y, int64_t n,
                                     int64_t K, const int64_t *alloc, int P,
                                     Rng *r);

/* fold (n) = the test fold 0..k-1 of each row under scikit-learn 1.2's
 * StratifiedKFold: classes are numbered in order of first appearance in y;
 * with y sorted by that number, position p goes to fold p mod k, which
 * fixes how many of each class each fold gets (counts differ by at most one
 * between folds); within a class, rows in increasing order take fold 0 as
 * often as allocated, then fold 1, ...; with shuffle the class's fold list
 * is permuted (Fisher-Yates) first.  Labels in [0, K); 2 <= k.  ENOMEM if
 * scratch fails. */
credo_status sample_stratified_kfold(int64_t *fold, const int64_t *y,
                                     int64_t n, int64_t K, int64_t k,
                                     int shuffle, Rng *r);

/* fold (n) = the test fold of each row under scikit-learn's KFold: the
 * first n mod k folds have n/k + 1 rows, the others n/k; fold f takes
 * positions start_f .. stop_f of perm (NULL: the identity, contiguous
 * folds). */
void sample_kfold(int64_t *fold, int64_t n, int64_t k, const int64_t *perm);

/* Rows of fold f: test (n_test) = rows with fold[i] == f, train (the rest),
 * both in increasing order. */
void sample_fold_indices(int64_t *train, int64_t *test, const int64_t *fold,
                         int64_t n, int64_t f);

/* out = the rows of 0..n-1 absent from idx (m), increasing; returns their
 * number.  seen (n) is caller scratch. */
int64_t sample_complement(int64_t *out, const int64_t *idx, int64_t m,
                          int64_t n, unsigned char *seen);

/* ---- nearest neighbours ---- */

/* nn (n,k) = for each row i of x (n,d, row-major), the k nearest other rows
 * by Euclidean distance, nearest first; the distance is the double sum
 * over features, in order, of ((x[i][f] - x[j][f]) * s)^2, s the power of
 * two that brings the largest |x - column mean| into [0.5, 1) (an exact
 * scaling: the order of the plain squared distance, without its overflow
 * or underflow), and equal distances go to the lower index.  Exact: float
 * keys ||a||^2 + ||b||^2 - 2ab on centred, scaled data, over 256 x 256
 * tiles of the upper triangle (OpenMP over tiles), keep for every row a
 * short list of candidates; a rounding-error bound on those keys (see
 * sample.c) says which candidates can still be among the k nearest, and
 * only they are measured in double.  A row whose bound cannot exclude a
 * dropped candidate (many exact ties, duplicates) is measured against
 * every row.  So the result does not depend on the thread count, the path
 * or BLAS rounding.  1 <= k < n.  ENOMEM, EINTR. */
credo_status sample_knn_f64(int64_t *nn, const double *x, int64_t n, int d,
                            int k);
credo_status sample_knn_f32(int64_t *nn, const float *x, int64_t n, int d,
                            int k);
/* The same result by the portable path: on x86-64 CPUs with AVX2 and FMA
 * sample_knn_* compute the keys in registers and test them there (no GEMM
 * tile is stored); this twin always takes the OpenBLAS-tile path. */
credo_status sample_knn_blas_f64(int64_t *nn, const double *x, int64_t n,
                                 int d, int k);
/* Reference twins: every pair in double, same distance and tie rule. */
credo_status sample_knn_ref_f64(int64_t *nn, const double *x, int64_t n,
                                int d, int k);
credo_status sample_knn_ref_f32(int64_t *nn, const float *x, int64_t n,
                                int d, int k);

/* ---- copying ---- */

/* The position of the first NaN or infinity among x (m), or -1. */
int64_t sample_first_nonfinite_f64(const double *x, int64_t m);
int64_t sample_first_nonfinite_f32(const float *x, int64_t m);
/* dst (m) = src (m), and the position of the first NaN or infinity in it,
 * or -1: pieces of 16,384 values are copied and checked while in cache,
 * OpenMP over pieces. */
int64_t sample_copy_finite_f64(double *dst, const double *src, int64_t m);
int64_t sample_copy_finite_f32(float *dst, const float *src, int64_t m);

/* ---- synthesis ---- */

/* SMOTE (Chawla, Bowyer, Hall & Kegelmeyer, JAIR 16, 2002) as
 * imbalanced-learn 0.10 draws it: out (n_new,d) row s is
 *   x[a] + gap * (x[b] - x[a]),
 * where one bounded draw r in [0, m*k) picks a = r / k and b = nn[a][r % k]
 * (a sample uniformly with replacement, then one of its k neighbours), and
 * gap is uniform in [0, 1); computed in double, rounded once to the output
 * type.  x (m,d) and nn (m,k) are one class's rows and their neighbours.
 * Row s draws (r, then gap) from rng_stream(seed, stream0 + s /
 * SAMPLE_BLOCK), in order within its block.  src, nbr (n_new) and gap
 * (n_new) receive a, b and gap when not NULL.  EINTR. */
credo_status sample_smote_f64(double *out, int64_t *src, int64_t *nbr,
                              double *gap, const double *x, const int64_t *nn,
                              int64_t m, int d, int k, int64_t n_new,
                              uint64_t seed, uint64_t stream0);
credo_status sample_smote_f32(float *out, int64_t *src, int64_t *nbr,
                              double *gap, const float *x, const int64_t *nn,
                              int64_t m, int d, int k, int64_t n_new,
                              uint64_t seed, uint64_t stream0);

/* out (n_new,d) row s = x[src[s]] + sigma * z, z a vector of d standard
 * normals (rng_fill_normal_f64 of d values) from rng_stream(seed, stream0 +
 * s / SAMPLE_BLOCK), in order within its block; sigma (d) per feature.
 * Computed in double, rounded once.  x has rows of d values; src are row
 * numbers of x.  EINTR. */
credo_status sample_add_noise_f64(double *out, const double *x,
                                  const int64_t *src, const double *sigma,
                                  int64_t n_new, int d, uint64_t seed,
                                  uint64_t stream0);
credo_status sample_add_noise_f32(float *out, const float *x,
                                  const int64_t *src, const double *sigma,
                                  int64_t n_new, int d, uint64_t seed,
                                  uint64_t stream0);

#endif
