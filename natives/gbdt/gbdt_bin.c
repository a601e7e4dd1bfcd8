/*
 * gbdt_bin.c: quantile binning of the features for the histogram booster
 * (see gbdt.h for the layout).
 *
 * Cuts come from every row's exact values: each column is sorted with an
 * LSD radix sort on the order-preserving map of the IEEE-754 bits (four
 * passes of 8 bits, constant digits skipped), then cut by
 * gbdt_cuts_from_sorted.  Codes are written in a second pass over row
 * blocks, reading X row by row.  What it is not: not a streaming sketch
 * (XGBoost's WQSummary approximates quantiles within eps; these are exact),
 * no categorical features, no sparse input.
 */
#include "gbdt.h"

#include "../random/rng.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

/* ---- cuts ---- */

/* A float strictly above a and at most b (a < b): the midpoint rounded to
 * float, or b when rounding lands on a. */
static float midpoint(float a, float b) {
  float m = (float)(((double)a + (double)b) * 0.5);
  return m > a ? m : b;
}

int gbdt_cuts_from_sorted(float *cuts, const float *v, int64_t m,
                          int max_bin) {
  assert(max_bin >= 1);
  if (m <= 0) return 0;
  int64_t k = 1;
  for (int64_t i = 1; i < m; i++) k += v[i] != v[i - 1];
  int nc = 0;
  if (k <= max_bin) {
    for (int64_t i = 1; i < m; i++)
      if (v[i] != v[i - 1]) cuts[nc++] = midpoint(v[i - 1], v[i]);
    return nc + 1;
  }
  /* greedy equal frequency over runs of equal values */
  int64_t rest = m, acc = 0, i = 0;
  int bins_left = max_bin;
  while (i < m) {
    int64_t j = i + 1;
    while (j < m && v[j] == v[i]) j++;
    acc += j - i;
    if (j >= m) break;
    int64_t j2 = j + 1;
    while (j2 < m && v[j2] == v[j]) j2++;
    double target = (double)rest / bins_left;
    double under = target - (double)acc, over = (double)(acc + j2 - j) - target;
    if (bins_left > 1 && under <= over) {
      cuts[nc++] = midpoint(v[j - 1], v[j]);
      rest -= acc;
      acc = 0;
      bins_left--;
    }
    i = j;
  }
  return nc + 1;
}

/* ---- radix sort of floats ---- */

static inline uint32_t float_key(float x) {
  uint32_t u;
  memcpy(&u, &x, 4);
  return u ^ ((u >> 31) ? 0xFFFFFFFFu : 0x80000000u);
}

static inline float key_float(uint32_t u) {
  u ^= (u >> 31) ? 0x80000000u : 0xFFFFFFFFu;
  float x;
  memcpy(&x, &u, 4);
  return x;
}

/* Sort keys (m) ascending; tmp (m) is scratch.  Result in keys.  Four
 * passes of 8 bits (256 buckets keep the scatter inside L1); one counting
 * pass for all four digits; passes whose digit is constant are skipped. */
static void radix_sort_u32(uint32_t *keys, uint32_t *tmp, int64_t m) {
  int64_t count[4][256];
  memset(count, 0, sizeof count);
  for (int64_t i = 0; i < m; i++) {
    uint32_t k = keys[i];
    count[0][k & 255]++;
    count[1][(k >> 8) & 255]++;
    count[2][(k >> 16) & 255]++;
    count[3][k >> 24]++;
  }
  uint32_t *src = keys, *dst = tmp;
  for (int pass = 0; pass < 4; pass++) {
    int s = 8 * pass;
    int64_t *c = count[pass];
    if (m == 0 || c[(src[0] >> s) & 255] == m) continue; /* constant digit */
    int64_t sum = 0;
    for (int d = 0; d < 256; d++) {
      int64_t x = c[d];
      c[d] = sum;
      sum += x;
    }
    for (int64_t i = 0; i < m; i++) dst[c[(src[i] >> s) & 255]++] = src[i];
    uint32_t *t = src;
    src = dst;
    dst = t;
  }
  if (src != keys) memcpy(keys, src, (size_t)m * sizeof *keys);
}

/* ---- the bin matrix ---- */

void *gbdt_alloc_big(size_t n) {
  const size_t huge = (size_t)2 << 20;
  if (n < huge) return malloc(n ? n : 1);
  size_t r = (n + huge - 1) / huge * huge; /* a multiple of the alignment */
  void *p = aligned_alloc(huge, r);
#ifdef MADV_HUGEPAGE
  if (p) madvise(p, r, MADV_HUGEPAGE); /* advice only: failure is harmless */
#endif
  return p;
}

void gbdt_bins_free(GbdtBins *b) {
  free(b->codes);
  free(b->rows);
  free(b->nbins);
  free(b->cut_ptr);
  free(b->cuts);
  free(b->hoff);
  memset(b, 0, sizeof *b);
}

/* Per-feature lookup from the top `bits` bits of a value's key (16, or 12
 * for more than 256 features to bound the tables at 8 KB each): lut[p]
 * packs lo (bits 0..7) = number of thresholds <= the smallest value with
 * prefix p and hi (bits 8..15) = the same for the largest.  lo == hi (most
 * prefixes) means no threshold falls inside and lo is the code; otherwise
 * a binary search over thresholds lo..hi-1 finishes. */
static void build_lut(uint16_t *lut, int bits, const float *cuts, int nc) {
  int lo = 0, hi = 0, sh = 32 - bits;
  uint32_t size = 1u << bits;
  for (uint32_t p = 0; p < size; p++) {
    uint32_t kmin = p << sh, kmax = kmin | ((1u << sh) - 1u);
    while (lo < nc && float_key(cuts[lo]) <= kmin) lo++;
    if (hi < lo) hi = lo;
    while (hi < nc && float_key(cuts[hi]) <= kmax) hi++;
    lut[p] = (uint16_t)(lo | (hi << 8));
  }
}

/* Code of x: the missing code for NaN, else the number of cuts <= x (with
 * -0 read as +0, as the cuts are). */
static inline uint32_t lut_code(const uint16_t *lut, int bits, const float *cuts,
                                int nc, float x) {
  if (x != x) return (uint32_t)nc + 1;
  x += 0.0f;
  uint32_t e = lut[float_key(x) >> (32 - bits)], lo = e & 255u, n = (e >> 8) - lo;
  while (n > 0) { /* upper_bound in cuts[lo .. lo + n) */
    uint32_t half = n >> 1;
    if (cuts[lo + half] <= x) {
      lo += half + 1;
      n -= half + 1;
    } else {
      n = half;
    }
  }
  return lo;
}

/* Cuts (room for max_bin - 1 each) of the features of group g, from one
 * pass over the rows rowset[0..m) of X (or all rows when rowset is NULL)
 * gathering their non-missing values; nbins[j] set.  keys is scratch of
 * 4m, tmp of m. */
static void group_cuts(float *allcuts, int *nbins, const GbdtMatrix *X, int g,
                       const int64_t *rowset, int64_t m, int max_bin,
                       uint32_t *keys, uint32_t *tmp) {
  int d = (int)X->d, j0 = 4 * g, jn = d - j0 < 4 ? d - j0 : 4;
  int64_t cnt[4] = {0, 0, 0, 0};
  for (int64_t t = 0; t < m; t++) {
    int64_t i = rowset ? rowset[t] : t;
    const float *row = X->x + i * X->rs + (int64_t)j0 * X->cs;
    for (int l = 0; l < jn; l++) {
      float v = row[(int64_t)l * X->cs];
      if (v == v) keys[(int64_t)l * m + cnt[l]++] = float_key(v + 0.0f);
    }
  }
  for (int l = 0; l < jn; l++) {
    uint32_t *k = keys + (int64_t)l * m;
    radix_sort_u32(k, tmp, cnt[l]);
    float *sorted = (float *)tmp; /* tmp is free after the sort */
    for (int64_t i = 0; i < cnt[l]; i++) sorted[i] = key_float(k[i]);
    float *cuts = allcuts + (size_t)(j0 + l) * (max_bin - 1);
    nbins[j0 + l] = gbdt_cuts_from_sorted(cuts, sorted, cnt[l], max_bin);
    for (int c = 0; c < nbins[j0 + l] - 1; c++) cuts[c] += 0.0f; /* -0 -> +0 */
  }
}

static int cmp_i64(const void *a, const void *b) {
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return (x > y) - (x < y);
}

credo_status gbdt_bins_build(GbdtBins *b, const GbdtMatrix *X, int max_bin,
                             int n_threads) {
  assert(max_bin >= 2 && max_bin <= GBDT_MAX_BIN);
  assert(X->n >= 1 && X->d >= 1 && X->n <= UINT32_MAX);
  memset(b, 0, sizeof *b);
  int64_t n = X->n;
  int d = (int)X->d;
  int ng = (d + 3) / 4;
  size_t ncodes;
  if (credo_mul_size((size_t)ng * sizeof(uint32_t), (size_t)n, &ncodes))
    return CREDO_ENOMEM;
  b->n = n;
  b->d = d;
  b->ngroups = ng;
  size_t nrows;
  if (credo_mul_size((size_t)d, (size_t)n, &nrows)) return CREDO_ENOMEM;
  b->codes = gbdt_alloc_big(ncodes);
  /* the row-major copy pays off while a row fits in a cache line or two */
  b->rows = d <= GBDT_ROWS_MAX_D ? gbdt_alloc_big(nrows) : NULL;
  b->nbins = calloc((size_t)d, sizeof *b->nbins);
  b->cut_ptr = calloc((size_t)d + 1, sizeof *b->cut_ptr);
  b->hoff = calloc((size_t)d + 1, sizeof *b->hoff);
  float *allcuts = malloc((size_t)d * (size_t)(max_bin - 1) * sizeof *allcuts);
  int bits = d <= 256 ? 16 : 12;
  size_t lutn = (size_t)1 << bits;
  uint16_t *lut = malloc((size_t)d * lutn * sizeof *lut);
  if (!b->codes || (!b->rows && d <= GBDT_ROWS_MAX_D) || !b->nbins || !b->cut_ptr || !b->hoff || !allcuts ||
      !lut) {
    free(allcuts);
    free(lut);
    gbdt_bins_free(b);
    return CREDO_ENOMEM;
  }
  /* the rows the cuts come from: all, or a uniform sample without
   * replacement (fixed seed), in row order */
  int64_t ms = n <= GBDT_BIN_SAMPLE ? n : GBDT_BIN_SAMPLE;
  int64_t *rowset = NULL;
  if (ms < n) {
    Rng rng;
    rng_seed(&rng, GBDT_BIN_SEED);
    rowset = malloc((size_t)ms * sizeof *rowset);
    if (!rowset || rng_sample(rowset, n, ms, &rng) != CREDO_OK) {
      free(rowset), free(allcuts), free(lut);
      gbdt_bins_free(b);
      return CREDO_ENOMEM;
    }
    qsort(rowset, (size_t)ms, sizeof *rowset, cmp_i64);
  }
  /* phase 1: cuts and lookup tables, one group of four features per task */
  int failed = 0;
  if (ms * (int64_t)d < 262144) n_threads = 1; /* not worth a team */
#pragma omp parallel num_threads(n_threads)
  {
    uint32_t *keys = malloc((size_t)ms * 4 * sizeof *keys);
    uint32_t *tmp = malloc((size_t)ms * sizeof *tmp);
    if (!keys || !tmp) {
#pragma omp atomic write
      failed = 1;
    }
#pragma omp for schedule(dynamic, 1)
    for (int g = 0; g < ng; g++) {
      if (keys && tmp && !credo_interrupted) {
        group_cuts(allcuts, b->nbins, X, g, rowset, ms, max_bin, keys, tmp);
        for (int j = 4 * g; j < d && j < 4 * g + 4; j++) {
          int nc = b->nbins[j] > 0 ? b->nbins[j] - 1 : 0;
          build_lut(lut + (size_t)j * lutn, bits, allcuts + (size_t)j * (max_bin - 1), nc);
        }
      }
    }
    free(keys);
    free(tmp);
  }
  free(rowset);
  if (failed || credo_interrupted) {
    free(allcuts);
    free(lut);
    gbdt_bins_free(b);
    return failed ? CREDO_ENOMEM : CREDO_EINTR;
  }
  for (int j = 0; j < d; j++) {
    int nc = b->nbins[j] > 0 ? b->nbins[j] - 1 : 0;
    b->cut_ptr[j + 1] = b->cut_ptr[j] + nc;
    b->hoff[j + 1] = b->hoff[j] + b->nbins[j] + 1;
  }
  b->cuts = malloc((size_t)(b->cut_ptr[d] > 0 ? b->cut_ptr[d] : 1) *
                   sizeof *b->cuts);
  if (!b->cuts) {
    free(allcuts);
    free(lut);
    gbdt_bins_free(b);
    return CREDO_ENOMEM;
  }
  for (int j = 0; j < d; j++)
    memcpy(b->cuts + b->cut_ptr[j], allcuts + (size_t)j * (max_bin - 1),
           (size_t)(b->cut_ptr[j + 1] - b->cut_ptr[j]) * sizeof *b->cuts);
  free(allcuts);
  /* phase 2: codes, one block of rows per task, X read row by row.  The
   * per-feature tables are read from locals: stores through uint8_t*
   * (rows) may alias anything, b included. */
  const float **fc = malloc((size_t)d * sizeof *fc);
  const uint16_t **fl = malloc((size_t)d * sizeof *fl);
  int *fn = malloc((size_t)d * sizeof *fn);
  if (!fc || !fl || !fn) {
    free(fc), free(fl), free(fn), free(lut);
    gbdt_bins_free(b);
    return CREDO_ENOMEM;
  }
  for (int j = 0; j < d; j++) {
    fc[j] = b->cuts + b->cut_ptr[j];
    fl[j] = lut + (size_t)j * lutn;
    fn[j] = b->nbins[j] == 0 ? -1 : (int)(b->cut_ptr[j + 1] - b->cut_ptr[j]);
  }
  /* Tiles of CODE_TILE rows, feature by feature inside a tile, so one
   * feature's table stays in cache while the tile's rows (in L2) are read;
   * then the tile's codes are packed into the group words and the
   * row-major copy. */
  enum { CODE_TILE = 2048 };
  int64_t ntile = (n + CODE_TILE - 1) / CODE_TILE;
  uint32_t *codes = b->codes;
  uint8_t *rows = b->rows;
  const float *x = X->x;
  int64_t rs = X->rs, cs = X->cs;
  int tfail = 0;
#pragma omp parallel num_threads(n_threads)
  {
    uint8_t *tile = malloc((size_t)CODE_TILE * (size_t)d);
    if (!tile) {
#pragma omp atomic write
      tfail = 1;
    }
#pragma omp for schedule(static)
    for (int64_t t = 0; t < ntile; t++) {
      if (!tile) continue;
      int64_t i0 = t * CODE_TILE, i1 = i0 + CODE_TILE < n ? i0 + CODE_TILE : n;
      for (int j = 0; j < d; j++) {
        const float *col = x + (int64_t)j * cs;
        uint8_t *out = tile + j;
        if (fn[j] < 0) { /* all missing: no value bins, code 0 is missing */
          for (int64_t i = i0; i < i1; i++) out[(i - i0) * d] = 0;
          continue;
        }
        for (int64_t i = i0; i < i1; i++)
          out[(i - i0) * d] = (uint8_t)lut_code(fl[j], bits, fc[j], fn[j], col[i * rs]);
      }
      for (int64_t i = i0; i < i1; i++) {
        const uint8_t *c = tile + (i - i0) * d;
        for (int g = 0; g < ng; g++) {
          int jn = d - 4 * g < 4 ? d - 4 * g : 4;
          uint32_t w = 0;
          for (int l = 0; l < jn; l++) w |= (uint32_t)c[4 * g + l] << (8 * l);
          codes[(int64_t)g * n + i] = w;
        }
        if (rows) memcpy(rows + i * d, c, (size_t)d);
      }
    }
    free(tile);
  }
  if (tfail) {
    free(fc), free(fl), free(fn), free(lut);
    gbdt_bins_free(b);
    return CREDO_ENOMEM;
  }
  free(fc);
  free(fl);
  free(fn);
  free(lut);
  return CREDO_OK;
}
