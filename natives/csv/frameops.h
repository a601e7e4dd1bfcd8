/*
 * frameops.h: column kernels behind the Lua Frame (stdlib/credo/frame.lua),
 * the pure C core; csv_lua.c binds them into credo.csv.
 *
 * Columns here are contiguous 1-D arrays: float64 values (NaN = missing)
 * or int64 codes (0 = missing).  Sorting is an LSD radix sort on 64-bit
 * keys, so every routine is O(n) per pass and deterministic.
 *
 * What it is not: not a general tensor library (see natives/tensor), no
 * joins, no grouped aggregates beyond counts.  No Lua here.
 */
#ifndef CREDO_FRAMEOPS_H
#define CREDO_FRAMEOPS_H

#include <stddef.h>
#include <stdint.h>

/* Order-preserving map of a double to an unsigned key (-0.0 as +0.0; NaN
 * is not allowed), and back. */
uint64_t frame_key_f64(double x);
double frame_unkey_f64(uint64_t k);

/* Sort keys[0..n) ascending, stably; when idx is not NULL it is permuted
 * alongside.  tmp (n) and idxtmp (n, or NULL) are scratch.  LSD radix
 * sort, 8 passes of 8 bits, passes where every key shares the byte are
 * skipped (Knuth, TAOCP vol. 3, 5.2.5). */
void frame_radix_sort_u64(uint64_t *keys, uint64_t *tmp, int64_t *idx,
                          int64_t *idxtmp, size_t n);

/* Quantile q in [0,1] of sorted v[0..n), n >= 1, by linear interpolation
 * between the closest ranks (Hyndman & Fan type 7, numpy's and pandas'
 * default; numpy's lerp formula, so the bits agree). */
double frame_quantile_sorted(const double *v, int64_t n, double q);

typedef struct {
  int64_t count, missing;
  double mean, std, min, q25, q50, q75, max;  /* NaN when count == 0 */
} frame_stats;

/* Statistics of x[0..n) (NaN = missing): mean by Neumaier-compensated
 * summation, std with ddof = 1 by two passes, quantiles as above.
 * scratch: 2n uint64. */
void frame_describe_f64(frame_stats *s, const double *x, int64_t n,
                        uint64_t *scratch);

/* codes[i] = 1 + rank of x[i] among the distinct non-NaN values, 0 for NaN;
 * levels[0..k) = those values ascending; returns k.  scratch: 4n words. */
int64_t frame_factorize_f64(int64_t *codes, double *levels, const double *x,
                            int64_t n, uint64_t *scratch);

/* Distinct values of keys[0..n) ascending into uniq, their counts into
 * counts; returns how many.  scratch: 2n uint64. */
int64_t frame_unique_counts_i64(int64_t *uniq, int64_t *counts,
                                const int64_t *keys, int64_t n,
                                uint64_t *scratch);

#endif
