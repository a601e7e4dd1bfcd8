/*
 * prep_rows.c: whole-row operations: marking duplicate rows (the first
 * occurrence kept, as pandas' drop_duplicates(keep="first")) and hashing
 * crossed categorical columns into buckets with FNV-1a (Fowler, Noll & Vo;
 * the 64-bit variant of the IETF draft "The FNV Non-Cryptographic Hash
 * Algorithm"), the hashed crosses of the Wide & Deep paper (Cheng et al.,
 * 2016).
 *
 * Duplicates: the row indices are sorted by their rows (lexicographic,
 * NaN equal to NaN and above every number, -0 equal to 0, ties by index),
 * so equal rows are adjacent and the first of each run is the earliest.
 * O(n log n) comparisons.  What it is not: no hashing of floating-point
 * rows (exact comparison only), no keep="last".
 */
#include <math.h>
#include <stdlib.h>

#include "prep.h"

typedef struct RowCtx {
  const double *x;
  int64_t d;
} RowCtx;

static int cmp_value(double a, double b) {
  int na = isnan(a), nb = isnan(b);
  if (na || nb) return na - nb;
  return (a > b) - (a < b);
}

static int cmp_rows(const void *pa, const void *pb, void *ctx) {
  const RowCtx *c = ctx;
  int64_t i = *(const int64_t *)pa, j = *(const int64_t *)pb;
  const double *ri = c->x + i * c->d, *rj = c->x + j * c->d;
  for (int64_t a = 0; a < c->d; a++) {
    int s = cmp_value(ri[a], rj[a]);
    if (s) return s;
  }
  return (i > j) - (i < j);
}

credo_status prep_unique_rows(int64_t *keep, int64_t *n_keep, const double *x,
                              int64_t n, int64_t d) {
  int64_t *idx = malloc((size_t)(n ? n : 1) * sizeof *idx);
  if (!idx) return CREDO_ENOMEM;
  for (int64_t i = 0; i < n; i++) idx[i] = i;
  RowCtx ctx = { x, d };
  qsort_r(idx, (size_t)n, sizeof *idx, cmp_rows, &ctx);
  int64_t kept = 0;
  for (int64_t s = 0; s < n; s++) {
    int first = 1;
    if (s > 0) {
      const double *ra = x + idx[s - 1] * d, *rb = x + idx[s] * d;
      first = 0;
      for (int64_t a = 0; a < d; a++)
        if (cmp_value(ra[a], rb[a])) { first = 1; break; }
    }
    keep[idx[s]] = first;
    kept += first;
  }
  *n_keep = kept;
  free(idx);
  return CREDO_OK;
}

uint64_t prep_fnv1a(uint64_t h, const void *data, size_t len) {
  const unsigned char *p = data;
  for (size_t i = 0; i < len; i++) {
    h ^= p[i];
    h *= 1099511628211ULL;
  }
  return h;
}

credo_status prep_cross_hash(int64_t *out, const PrepCatCol *cols, int k,
                             int64_t n, uint64_t n_buckets) {
  const unsigned char sep = 0x1F;
  for (int64_t i = 0; i < n; i++) {
    if ((i & 65535) == 0 && credo_interrupted) return CREDO_EINTR;
    uint64_t h = PREP_FNV_OFFSET;
    int missing = 0;
    for (int c = 0; c < k; c++) {
      int64_t code = cols[c].codes[i];
      if (code <= 0) { missing = 1; break; }
      if (c > 0) h = prep_fnv1a(h, &sep, 1);
      h = prep_fnv1a(h, cols[c].level[code - 1], cols[c].level_len[code - 1]);
    }
    out[i] = missing ? -1 : (int64_t)(h % n_buckets);
  }
  return CREDO_OK;
}
