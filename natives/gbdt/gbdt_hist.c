/*
 * gbdt_hist.c: gradient histograms of the booster, the hot loop.
 *
 * gbdt_hist_group fills the histograms of up to four features (one group
 * of the bin matrix, gbdt.h) for a run of rows: per row one 32-bit load of
 * its codes and one (g, h) pair, widened to double and added to each
 * feature's entry with a single 128-bit add.  The four histograms (at most
 * 4 x 256 x 16 bytes) stay in L1.  Rows come either as a contiguous range
 * (the root of an unsampled tree) or through an index list (ordered
 * gradients: gh[i] belongs to row idx[i]), the code words then prefetched
 * 32 rows ahead.  Full groups take two rows per iteration, unrolled over
 * the four lanes.  gbdt_hist_rows does all features of a row from the
 * row-major codes, for nodes whose rows are spread thin.  In every kernel
 * each entry receives its rows in order, so the sums equal the reference
 * twin's bit for bit.
 *
 * What it is not: no count channel (docs/gbdt.md: counting rows costs
 * 20-40% here and neither XGBoost's nor LightGBM's splits need it), no
 * float accumulators, no quantised gradients.
 */
#include "gbdt.h"

#include <assert.h>
#include <string.h>

#if defined(__SSE2__)
#include <emmintrin.h>
typedef __m128d ghvec;
/* (g, h) float pair -> double pair; the integer load is alias-safe. */
static inline ghvec gh_load(const float *p) {
  return _mm_cvtps_pd(_mm_castsi128_ps(_mm_loadl_epi64((const __m128i *)p)));
}
static inline void gh_add(GbdtGH *e, ghvec v) {
  _mm_storeu_pd(&e->g, _mm_add_pd(_mm_loadu_pd(&e->g), v));
}
#else
typedef struct { double g, h; } ghvec;
static inline ghvec gh_load(const float *p) {
  ghvec v = {p[0], p[1]};
  return v;
}
static inline void gh_add(GbdtGH *e, ghvec v) {
  e->g += v.g;
  e->h += v.h;
}
#endif

#define PREFETCH 32
#define PREFETCH_ROWS 16

/* A full group: four lanes with constant shifts, unrolled by hand (the
 * compiler keeps the four histogram pointers in registers). */
#define ADD4(c, v)                                   \
  do {                                               \
    gh_add(H0 + ((c) & 255u), v);                    \
    gh_add(H1 + (((c) >> 8) & 255u), v);             \
    gh_add(H2 + (((c) >> 16) & 255u), v);            \
    gh_add(H3 + ((c) >> 24), v);                     \
  } while (0)

static void hist_full(GbdtGH *H0, GbdtGH *H1, GbdtGH *H2, GbdtGH *H3,
                      const uint32_t *words, const uint32_t *idx,
                      int64_t first, const float *gh, int64_t m) {
  int64_t i = 0;
  if (idx) {
    for (; i + 1 < m; i += 2) {
      if (i + PREFETCH + 1 < m) {
        __builtin_prefetch(words + idx[i + PREFETCH]);
        __builtin_prefetch(words + idx[i + PREFETCH + 1]);
      }
      uint32_t c0 = words[idx[i]], c1 = words[idx[i + 1]];
      ghvec v0 = gh_load(gh + 2 * i), v1 = gh_load(gh + 2 * i + 2);
      ADD4(c0, v0);
      ADD4(c1, v1);
    }
  } else {
    const uint32_t *w = words + first;
    for (; i + 1 < m; i += 2) {
      uint32_t c0 = w[i], c1 = w[i + 1];
      ghvec v0 = gh_load(gh + 2 * i), v1 = gh_load(gh + 2 * i + 2);
      ADD4(c0, v0);
      ADD4(c1, v1);
    }
  }
  for (; i < m; i++) {
    uint32_t c = idx ? words[idx[i]] : words[first + i];
    ghvec v = gh_load(gh + 2 * i);
    ADD4(c, v);
  }
}

/* Any subset of lanes: H[l] is the histogram of lane l's feature, sh[l] its
 * bit shift in the code word. */
static void hist_lanes(GbdtGH *const *H, const int *sh, int k,
                       const uint32_t *words, const uint32_t *idx,
                       int64_t first, const float *gh, int64_t m) {
  for (int64_t i = 0; i < m; i++) {
    if (idx && i + PREFETCH < m) __builtin_prefetch(words + idx[i + PREFETCH]);
    uint32_t c = idx ? words[idx[i]] : words[first + i];
    ghvec v = gh_load(gh + 2 * i);
    for (int l = 0; l < k; l++) gh_add(H[l] + ((c >> sh[l]) & 255u), v);
  }
}

void gbdt_hist_group(GbdtGH *hist, const GbdtBins *b, int grp, unsigned mask,
                     const uint32_t *idx, int64_t first, const float *gh,
                     int64_t m) {
  assert(grp >= 0 && grp < b->ngroups);
  GbdtGH *H[4];
  int sh[4], k = 0;
  for (int l = 0; l < 4; l++) {
    int j = 4 * grp + l;
    if ((mask >> l) & 1u) {
      assert(j < b->d);
      H[k] = hist + b->hoff[j];
      sh[k] = 8 * l;
      k++;
    }
  }
  const uint32_t *words = b->codes + (int64_t)grp * b->n;
  if (k == 4)
    hist_full(H[0], H[1], H[2], H[3], words, idx, first, gh, m);
  else if (k > 0)
    hist_lanes(H, sh, k, words, idx, first, gh, m);
}

void gbdt_hist_rows(GbdtGH *hist, const GbdtBins *b, const int *feats,
                    int nfeat, const uint8_t *rows, int64_t stride,
                    const uint32_t *idx, const float *gh, int64_t m) {
  int d = b->d;
  const int64_t *hoff = b->hoff;
  for (int64_t i = 0; i < m; i++) {
    const uint8_t *row;
    if (idx) {
      if (i + PREFETCH_ROWS < m) {
        const uint8_t *q = rows + (int64_t)idx[i + PREFETCH_ROWS] * stride;
        __builtin_prefetch(q);
        __builtin_prefetch(q + d - 1);
      }
      row = rows + (int64_t)idx[i] * stride;
    } else {
      row = rows + i * stride;
    }
    ghvec v = gh_load(gh + 2 * i);
    if (nfeat == d)
      for (int j = 0; j < d; j++) gh_add(hist + hoff[j] + row[j], v);
    else
      for (int k = 0; k < nfeat; k++) gh_add(hist + hoff[feats[k]] + row[feats[k]], v);
  }
}

void gbdt_hist_group_ref(GbdtGH *hist, const GbdtBins *b, int grp,
                         unsigned mask, const uint32_t *idx, int64_t first,
                         const float *gh, int64_t m) {
  for (int l = 0; l < 4; l++) {
    int j = 4 * grp + l;
    if (!((mask >> l) & 1u)) continue;
    GbdtGH *h = hist + b->hoff[j];
    for (int64_t i = 0; i < m; i++) {
      int64_t r = idx ? (int64_t)idx[i] : first + i;
      int c = gbdt_code(b, r, j);
      h[c].g += (double)gh[2 * i];
      h[c].h += (double)gh[2 * i + 1];
    }
  }
}

void gbdt_hist_subtract(GbdtGH *out, const GbdtGH *parent,
                        const GbdtGH *child, int64_t lo, int64_t hi) {
  for (int64_t i = lo; i < hi; i++) {
    out[i].g = parent[i].g - child[i].g;
    out[i].h = parent[i].h - child[i].h;
  }
}
