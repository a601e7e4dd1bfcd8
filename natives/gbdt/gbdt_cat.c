/*
 * gbdt_cat.c: ordered target statistics for categorical columns, CatBoost's
 * treatment of categories (see gbdt.h, gbdt_cat_fit).
 *
 * Prokhorenkova et al., "CatBoost: unbiased boosting with categorical
 * features", NeurIPS 2018, section 3.2: a category is replaced by the mean
 * label of its rows, smoothed towards a prior; on the training rows the mean
 * covers only the rows before the current one in a random permutation (the
 * "ordered" statistic, which keeps a row's own label out of its feature), on
 * new rows it covers the whole training set.  What it is not: one statistic
 * per column (CatBoost computes several priors and a frequency counter,
 * combinations of categories, and per-permutation statistics in ordered
 * boosting); no Lua.
 */
#include "gbdt.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../random/rng.h"

typedef struct CatKey {
  float v;
  int64_t row;
} CatKey;

/* ascending value, NaN last, then row: a total order */
static int cmp_key(const void *pa, const void *pb) {
  const CatKey *a = pa, *b = pb;
  int na = a->v != a->v, nb = b->v != b->v;
  if (na != nb) return na - nb;
  if (!na && a->v != b->v) return a->v < b->v ? -1 : 1;
  return (a->row > b->row) - (a->row < b->row);
}

credo_status gbdt_cat_fit(float *train, float *levels, float *stats, int64_t *nlev,
                          const float *x, int64_t xs, const float *y, int64_t n,
                          double prior, double a, uint64_t seed) {
  CatKey *k = malloc((size_t)n * sizeof *k);
  int64_t *lev = malloc((size_t)n * sizeof *lev);     /* (n) level of row i */
  int64_t *perm = malloc((size_t)n * sizeof *perm);   /* (n) visiting order */
  double *sum = calloc((size_t)n, sizeof *sum);       /* (nlev) label sums */
  double *cnt = calloc((size_t)n, sizeof *cnt);       /* (nlev) row counts */
  credo_status st = CREDO_ENOMEM;
  if (!k || !lev || !perm || !sum || !cnt) goto done;
  for (int64_t i = 0; i < n; i++) k[i] = (CatKey){x[i * xs], i};
  qsort(k, (size_t)n, sizeof *k, cmp_key);
  int64_t L = 0;
  for (int64_t i = 0; i < n; i++) {
    int same = i > 0 && (k[i].v == k[i - 1].v ||
                         (k[i].v != k[i].v && k[i - 1].v != k[i - 1].v));
    if (!same) levels[L++] = k[i].v;
    lev[k[i].row] = L - 1;
  }
  /* Fisher-Yates from the seed's first stream */
  Rng rng;
  rng_stream(&rng, seed, 0);
  for (int64_t i = 0; i < n; i++) perm[i] = i;
  for (int64_t i = n - 1; i > 0; i--) {
    int64_t j = (int64_t)rng_bounded(&rng, (uint64_t)(i + 1));
    int64_t t = perm[i];
    perm[i] = perm[j];
    perm[j] = t;
  }
  for (int64_t i = 0; i < n; i++) {
    int64_t r = perm[i], l = lev[r];
    train[r] = (float)((sum[l] + a * prior) / (cnt[l] + a));
    sum[l] += y[r];
    cnt[l] += 1.0;
  }
  for (int64_t l = 0; l < L; l++) stats[l] = (float)((sum[l] + a * prior) / (cnt[l] + a));
  *nlev = L;
  st = CREDO_OK;
done:
  free(k);
  free(lev);
  free(perm);
  free(sum);
  free(cnt);
  return st;
}

void gbdt_cat_apply(float *out, const float *x, int64_t xs, int64_t n,
                    const float *levels, const float *stats, int64_t nlev,
                    float prior) {
  int has_nan = nlev > 0 && levels[nlev - 1] != levels[nlev - 1];
  int64_t nnum = nlev - has_nan; /* levels[0..nnum) ascending numbers */
  for (int64_t i = 0; i < n; i++) {
    float v = x[i * xs];
    if (v != v) {
      out[i] = has_nan ? stats[nlev - 1] : prior;
      continue;
    }
    int64_t lo = 0, len = nnum;
    while (len > 0) { /* lower_bound */
      int64_t half = len >> 1;
      if (levels[lo + half] < v) { lo += half + 1; len -= half + 1; }
      else len = half;
    }
    out[i] = lo < nnum && levels[lo] == v ? stats[lo] : prior;
  }
}
