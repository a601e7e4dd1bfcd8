/*
 * sample.c: splits and resamplers, the pure C core (see sample.h).
 *
 * Class bookkeeping, scikit-learn's stratified allocations, K-fold
 * assignment, the exact nearest-neighbour search under SMOTE, SMOTE's
 * synthesis and Gaussian-noise rows.  What it refuses to be: a checker (the
 * binding validates), a strategy parser (sampling.lua), or a general kNN
 * library (one metric, one query set equal to the data, brute force).
 */
#include "sample.h"

#include <assert.h>
#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

static void *xmalloc(size_t n, size_t sz) {
  size_t b;
  if (credo_mul_size(n, sz, &b)) return NULL;
  return malloc(b ? b : 1);
}

/* ---- classes ---- */

void sample_class_counts(int64_t *counts, const int64_t *y, int64_t n,
                         int64_t K) {
  memset(counts, 0, sizeof(int64_t) * (size_t)K);
  for (int64_t i = 0; i < n; i++) {
    assert(y[i] >= 0 && y[i] < K);
    counts[y[i]]++;
  }
}

void sample_group_by_class(int64_t *order, int64_t *start, const int64_t *y,
                           int64_t n, int64_t K) {
  memset(start, 0, sizeof(int64_t) * (size_t)(K + 1));
  for (int64_t i = 0; i < n; i++) start[y[i] + 1]++;
  for (int64_t c = 0; c < K; c++) start[c + 1] += start[c];
  /* fill with a moving cursor per class, then restore the offsets */
  for (int64_t i = 0; i < n; i++) order[start[y[i]]++] = i;
  for (int64_t c = K; c > 0; c--) start[c] = start[c - 1];
  start[0] = 0;
}

/* ---- stratified allocation ---- */

/* Fisher-Yates from the front on a (n), the same draws as rng_permutation
 * (Durstenfeld 1964). */
static void shuffle_i64(int64_t *a, int64_t n, Rng *r) {
  for (int64_t i = 0; i + 1 < n; i++) {
    int64_t j = i + (int64_t)rng_bounded(r, (uint64_t)(n - i));
    int64_t t = a[i];
    a[i] = a[j];
    a[j] = t;
  }
}

credo_status sample_approx_mode(int64_t *out, const int64_t *counts, int64_t K,
                                int64_t n_draws, Rng *r) {
  int64_t total = 0, floors = 0;
  for (int64_t c = 0; c < K; c++) total += counts[c];
  assert(n_draws >= 0 && n_draws <= total);
  if (total == 0) {
    memset(out, 0, sizeof(int64_t) * (size_t)K);
    return CREDO_OK;
  }
  double *rem = xmalloc((size_t)K, sizeof(double));
  int64_t *ties = xmalloc((size_t)K, sizeof(int64_t));
  int64_t *pick = xmalloc((size_t)K, sizeof(int64_t));
  credo_status st = CREDO_OK;
  if (!rem || !ties || !pick) {
    st = CREDO_ENOMEM;
    goto done;
  }
  for (int64_t c = 0; c < K; c++) {
    /* numpy: class_counts / class_counts.sum() * n_draws */
    double cont = (double)counts[c] / (double)total * (double)n_draws;
    double f = floor(cont);
    out[c] = (int64_t)f;
    rem[c] = cont - f;
    /* rounding can put cont a hair above counts[c]: never give it more */
    if (out[c] >= counts[c]) {
      out[c] = counts[c];
      rem[c] = -1;
    }
    floors += out[c];
  }
  int64_t need = n_draws - floors;
  while (need > 0) {
    double v = -1;
    for (int64_t c = 0; c < K; c++)
      if (rem[c] > v) v = rem[c];
    if (v < 0) break; /* nothing left to receive (cannot happen) */
    int64_t nt = 0;
    for (int64_t c = 0; c < K; c++)
      if (rem[c] == v) ties[nt++] = c;
    int64_t add = nt < need ? nt : need;
    if (add < nt) {
      st = rng_sample(pick, nt, add, r);
      if (st != CREDO_OK) goto done;
      for (int64_t q = 0; q < add; q++) out[ties[pick[q]]]++;
    } else {
      for (int64_t q = 0; q < nt; q++) out[ties[q]]++;
    }
    for (int64_t q = 0; q < nt; q++) rem[ties[q]] = -1;
    need -= add;
  }
done:
  free(rem);
  free(ties);
  free(pick);
  return st;
}

credo_status sample_stratified_split(int64_t *out, const int64_t *y, int64_t n,
                                     int64_t K, const int64_t *alloc, int P,
                                     Rng *r) {
  credo_status st = CREDO_OK;
  int64_t *order = xmalloc((size_t)n, sizeof(int64_t));
  int64_t *start = xmalloc((size_t)K + 1, sizeof(int64_t));
  int64_t *perm = xmalloc((size_t)n, sizeof(int64_t));
  int64_t *tmp = xmalloc((size_t)n, sizeof(int64_t));
  int64_t *cur = xmalloc((size_t)P + 1, sizeof(int64_t));
  int64_t *offs = xmalloc((size_t)P + 1, sizeof(int64_t));
  if (!order || !start || !perm || !tmp || !cur || !offs) {
    st = CREDO_ENOMEM;
    goto done;
  }
  sample_group_by_class(order, start, y, n, K);
  /* parts laid out one after another: part p at offs[p]; cur[p] is where
   * its next row goes */
  offs[0] = 0;
  for (int p = 0; p < P; p++) {
    int64_t sz = 0;
    for (int64_t c = 0; c < K; c++) sz += alloc[c * P + p];
    offs[p + 1] = offs[p] + sz;
  }
  for (int p = 0; p < P; p++) cur[p] = offs[p];
  for (int64_t c = 0; c < K; c++) {
    int64_t m = start[c + 1] - start[c], pos = 0;
    st = rng_permutation(perm, m, r);
    if (st != CREDO_OK) goto done;
    for (int p = 0; p < P; p++) {
      int64_t a = alloc[c * P + p];
      assert(pos + a <= m);
      for (int64_t q = 0; q < a; q++) out[cur[p]++] = order[start[c] + perm[pos++]];
    }
  }
  for (int p = 0; p < P; p++) {
    int64_t m = offs[p + 1] - offs[p];
    st = rng_permutation(perm, m, r);
    if (st != CREDO_OK) goto done;
    for (int64_t q = 0; q < m; q++) tmp[q] = out[offs[p] + perm[q]];
    memcpy(out + offs[p], tmp, sizeof(int64_t) * (size_t)m);
  }
done:
  free(order);
  free(start);
  free(perm);
  free(tmp);
  free(cur);
  free(offs);
  return st;
}

/* How many p in [0, x) have p mod k == f. */
static int64_t count_mod(int64_t x, int64_t k, int64_t f) {
  return x > f ? (x - f - 1) / k + 1 : 0;
}

credo_status sample_stratified_kfold(int64_t *fold, const int64_t *y,
                                     int64_t n, int64_t K, int64_t k,
                                     int shuffle, Rng *r) {
  credo_status st = CREDO_OK;
  int64_t *enc = xmalloc((size_t)K, sizeof(int64_t));
  int64_t *cnt = xmalloc((size_t)K + 1, sizeof(int64_t));
  int64_t *off = xmalloc((size_t)K + 1, sizeof(int64_t));
  int64_t *list = xmalloc((size_t)n, sizeof(int64_t));
  int64_t *pos = xmalloc((size_t)K, sizeof(int64_t));
  if (!enc || !cnt || !off || !list || !pos) {
    st = CREDO_ENOMEM;
    goto done;
  }
  /* classes numbered by first appearance (sklearn's y_encoded) */
  int64_t nc = 0;
  for (int64_t c = 0; c < K; c++) enc[c] = -1;
  for (int64_t i = 0; i < n; i++)
    if (enc[y[i]] < 0) enc[y[i]] = nc++;
  memset(cnt, 0, sizeof(int64_t) * (size_t)(nc + 1));
  for (int64_t i = 0; i < n; i++) cnt[enc[y[i]]]++;
  off[0] = 0;
  for (int64_t e = 0; e < nc; e++) off[e + 1] = off[e] + cnt[e];
  /* class e occupies positions off[e] .. off[e+1] of the sorted labels;
   * fold f gets the positions congruent to f mod k */
  for (int64_t e = 0; e < nc; e++) {
    int64_t w = off[e];
    for (int64_t f = 0; f < k; f++) {
      int64_t a = count_mod(off[e + 1], k, f) - count_mod(off[e], k, f);
      for (int64_t q = 0; q < a; q++) list[w++] = f;
    }
    assert(w == off[e + 1]);
    if (shuffle) shuffle_i64(list + off[e], cnt[e], r);
    pos[e] = off[e];
  }
  for (int64_t i = 0; i < n; i++) {
    int64_t e = enc[y[i]];
    fold[i] = list[pos[e]++];
  }
done:
  free(enc);
  free(cnt);
  free(off);
  free(list);
  free(pos);
  return st;
}

void sample_kfold(int64_t *fold, int64_t n, int64_t k, const int64_t *perm) {
  int64_t base = n / k, extra = n % k, p = 0;
  for (int64_t f = 0; f < k; f++) {
    int64_t sz = base + (f < extra);
    for (int64_t q = 0; q < sz; q++, p++) fold[perm ? perm[p] : p] = f;
  }
}

void sample_fold_indices(int64_t *train, int64_t *test, const int64_t *fold,
                         int64_t n, int64_t f) {
  int64_t a = 0, b = 0;
  for (int64_t i = 0; i < n; i++) {
    if (fold[i] == f) test[b++] = i;
    else train[a++] = i;
  }
}

int64_t sample_complement(int64_t *out, const int64_t *idx, int64_t m,
                          int64_t n, unsigned char *seen) {
  memset(seen, 0, (size_t)n);
  for (int64_t q = 0; q < m; q++) {
    assert(idx[q] >= 0 && idx[q] < n);
    seen[idx[q]] = 1;
  }
  int64_t c = 0;
  for (int64_t i = 0; i < n; i++)
    if (!seen[i]) out[c++] = i;
  return c;
}

/* ---- nearest neighbours ----
 *
 * The distance.  D_ij = sum over f of ((x_if - x_jf) sc)^2 in double, sc
 * the power of two of knn_scale (exact scaling: the same order as the
 * plain squared distance, without its overflow and underflow).
 *
 * The filter.  Rows are centred and scaled, c_i = (x_i - mu) sc (so every
 * |c_if| < 1), and rounded to float: xf.  For a pair the float key is
 *   key = fl(n_i + n_j) - 2 g,   n_i = fl32(|xf_i|^2),   g = xf_i . xf_j
 * with g summed in any order (an sgemm tile, or FMA registers in the fused
 * path, which also folds the -2 g into one rounding).  With u = 2^-24 and
 * S = |c_i| + |c_j| (which bounds |c_i - c_j|): rounding c to float moves
 * |c_i - c_j|^2 by <= 3u S^2; rounding the norms, their sum and the final
 * operation add <= 3u S^2; the dot product, in any summation order, is
 * within gamma_d sum |xf_i xf_j| <= d u |c_i| |c_j| (Higham, Accuracy and
 * Stability of Numerical Algorithms, 2nd ed., 3.1), so -2 g adds
 * <= (d / 2) u S^2; the double distance D_ij is within (d + 2) 2^-53 S^2 of
 * its real value.  So |key - D_ij| <= (6 + d/2) u S^2 (to first order);
 * we use the bound
 *   e_ij = (d + 12) u (|c_i| + |c_j|)^2 + (d + 2) 2^-100,
 * at least twice that, the absolute term for float underflow.  e_i, the
 * same with M = max_j |c_j| for |c_j|, bounds every e_ij and e_ji of row
 * i.  If T is the k-th smallest key of row i then every j among its k
 * nearest by D (ties by index included) has key_ij <= T + 2 e_i: the k
 * rows with keys <= T have D <= T + e_i, so the k-th smallest D is
 * <= T + e_i, and such a j has key <= D + e_i.  Each row keeps the L
 * smallest keys it has seen (L = k + 1).  Usually the k + 1 smallest keys
 * are further apart than their bounds, and then their order is the
 * distances' order (knn_finish_row); otherwise the candidates under
 * T + 2 e_i are measured in double and sorted by (distance, index), or,
 * when a dropped key could be under it (many equal distances), the row is
 * measured against all rows.
 *
 * The tiles.  Only tiles (I, J) with I <= J of the symmetric key matrix are
 * computed; an off-diagonal tile offers key_ij to row i's list and to row
 * j's.  Lists are per thread (a tile updates rows of two blocks), and the
 * finishing step merges them: each ordered pair is offered exactly once,
 * so the union of the threads' lists holds the L smallest keys of the row
 * overall.  Which thread saw which tile changes nothing in the result. */

#define KNN_TILE 256  /* rows per tile side; a multiple of KNN_VEC */
#define KNN_VEC 16    /* keys tested per chunk */
#define KNN_EXTRA 1   /* list length L = k + KNN_EXTRA (at most n - 1) */

typedef struct {
  int L;          /* list length */
  int S;          /* row stride: 8 when L <= 8 (one AVX register), else L */
  float *key;     /* (n, S): the L smallest keys offered, ascending; the
                   * lanes beyond cnt hold +inf or keys pushed out */
  int32_t *idx;   /* (n, S) */
  int *cnt;       /* (n) */
  float *worst;   /* (n): key[L-1] once full, the starting threshold before */
} KnnLists;

static void knn_lists_free(KnnLists *s) {
  free(s->key);
  free(s->idx);
  free(s->cnt);
  free(s->worst);
}

static int knn_lists_init(KnnLists *s, int64_t n, int L) {
  s->L = L;
  s->S = L <= 8 ? 8 : L;
  s->key = xmalloc((size_t)n * (size_t)s->S, sizeof(float));
  s->idx = xmalloc((size_t)n * (size_t)s->S, sizeof(int32_t));
  s->cnt = calloc((size_t)n + 1, sizeof(int));
  s->worst = xmalloc((size_t)n + KNN_TILE, sizeof(float));
  if (!s->key || !s->idx || !s->cnt || !s->worst) return -1;
  for (size_t q = 0; q < (size_t)n * (size_t)s->S; q++) {
    s->key[q] = INFINITY;
    s->idx[q] = -1;
  }
  for (int64_t i = 0; i < n + KNN_TILE; i++) s->worst[i] = INFINITY;
  return 0;
}

/* Offer (key, j) to row i's list; the caller has seen key < worst[i]. */
static inline void knn_insert(KnnLists *s, int64_t i, float key, int64_t j) {
  int L = s->L, c = s->cnt[i];
  float *kk = s->key + (size_t)i * (size_t)s->S;
  int32_t *ii = s->idx + (size_t)i * (size_t)s->S;
  int p = c < L ? c : L - 1;
  while (p > 0 && kk[p - 1] > key) {
    kk[p] = kk[p - 1];
    ii[p] = ii[p - 1];
    p--;
  }
  kk[p] = key;
  ii[p] = (int32_t)j;
  if (c < L) s->cnt[i] = ++c;
  if (c == L) s->worst[i] = kk[L - 1];
}

/* Bits q of the result: v[q] < w[q] for the KNN_VEC keys at v (16-byte
 * aligned); w is one threshold (ws NULL) or KNN_VEC thresholds at ws. */
#if defined(__SSE2__)
static inline unsigned lessmask(const float *v, float w, const float *ws) {
  unsigned m = 0;
  __m128 wv = _mm_set1_ps(w);
  for (int q = 0; q < KNN_VEC; q += 4) {
    __m128 a = _mm_load_ps(v + q);
    __m128 t = ws ? _mm_load_ps(ws + q) : wv;
    m |= (unsigned)_mm_movemask_ps(_mm_cmplt_ps(a, t)) << q;
  }
  return m;
}
#else
static inline unsigned lessmask(const float *v, float w, const float *ws) {
  unsigned m = 0;
  for (int q = 0; q < KNN_VEC; q++) m |= (unsigned)(v[q] < (ws ? ws[q] : w)) << q;
  return m;
}
#endif

/* g (tile, tile) = keys of rows i0.. (the real ones: < n) against rows
 * j0..  A diagonal tile holds both orders of every pair, so it only feeds
 * row lists (skipping the row itself); an off-diagonal tile feeds row i and
 * column j.  A threshold only falls, so keys are re-tested before
 * insertion. */
static void knn_scan(KnnLists *s, const float *g, int64_t i0, int64_t j0,
                     int tile, int64_t n) {
  int diag = i0 == j0;
  float *wc = s->worst + j0;
  for (int r = 0; r < tile && i0 + r < n; r++) {
    int64_t i = i0 + r;
    const float *row = g + (size_t)r * (size_t)tile;
    for (int c = 0; c < tile; c += KNN_VEC) {
      unsigned mr = lessmask(row + c, s->worst[i], NULL);
      unsigned mc = diag ? 0 : lessmask(row + c, 0, wc + c);
      unsigned m = mr | mc;
      while (m) {
        int q = __builtin_ctz(m);
        m &= m - 1;
        float v = row[c + q];
        int64_t j = j0 + c + q;
        if (v < s->worst[i] && j != i) knn_insert(s, i, v, j);
        if (!diag && v < wc[c + q]) knn_insert(s, j, v, i);
      }
    }
  }
}

/* g (tile, tile) = n2[i0 + r] + n2[j0 + c], before the GEMM adds -2 x_i.x_j
 * (beta = 1, so OpenBLAS does not make a zeroing pass of its own). */
static void knn_tile_init(float *g, const float *n2, int64_t i0, int64_t j0,
                          int tile) {
  for (int r = 0; r < tile; r++) {
    float ni = n2[i0 + r], *row = g + (size_t)r * (size_t)tile;
    const float *nj = n2 + j0;
#if defined(__SSE2__)
    __m128 nv = _mm_set1_ps(ni);
    for (int c = 0; c < tile; c += 4)
      _mm_store_ps(row + c, _mm_add_ps(nv, _mm_load_ps(nj + c)));
#else
    for (int c = 0; c < tile; c++) row[c] = ni + nj[c];
#endif
  }
}

/* The distance the search ranks by: sum over f, in order, of
 * ((a[f] - b[f]) * sc)^2 in double, sc the power of two of knn_scale. */
static inline double dist2_f64(const double *a, const double *b, int d,
                               double sc) {
  double s = 0;
  for (int f = 0; f < d; f++) {
    double t = (a[f] - b[f]) * sc;
    s += t * t;
  }
  return s;
}

/* mu (d) = the column means (as sums of x / n: no overflow) and the
 * returned power of two sc that brings the largest |x - mu| into
 * [0.5, 1) (1 when all rows are equal; clamped to 2^1000 for subnormal
 * spreads).  Scaling by sc is exact, so ranking by the scaled distance is
 * ranking by the plain one wherever the plain squares neither overflow
 * nor underflow, and the scaled one does neither.  Returns 0 when the
 * spread itself overflows (rows near DBL_MAX of opposite signs). */
static double knn_scale(double *mu, const double *x, int64_t n, int d) {
  for (int f = 0; f < d; f++) mu[f] = 0;
  for (int64_t i = 0; i < n; i++)
    for (int f = 0; f < d; f++) mu[f] += x[(size_t)i * (size_t)d + f] / (double)n;
  double A = 0;
  for (int64_t i = 0; i < n; i++)
    for (int f = 0; f < d; f++) {
      double c = fabs(x[(size_t)i * (size_t)d + f] - mu[f]);
      if (!(c <= A)) A = c; /* NaN / inf propagate */
    }
  if (!isfinite(A)) return 0;
  if (A == 0) return 1;
  int ex;
  frexp(A, &ex); /* A = m 2^ex, m in [0.5, 1) */
  if (ex < -1000) ex = -1000;
  return ldexp(1.0, -ex);
}

/* Keep (dd, j) in the sorted top list (bd, bi) of c entries (capacity k);
 * an equal distance stays behind the entries already there (lower index
 * when offered in increasing j). */
static inline void top_insert(double *bd, int64_t *bi, int *c, int k,
                              double dd, int64_t j) {
  if (*c == k && !(dd < bd[k - 1])) return;
  int p = *c < k ? *c : k - 1;
  while (p > 0 && bd[p - 1] > dd) {
    bd[p] = bd[p - 1];
    bi[p] = bi[p - 1];
    p--;
  }
  bd[p] = dd;
  bi[p] = j;
  if (*c < k) (*c)++;
}

/* nn row of i by measuring every other row; bd (k) scratch. */
static void knn_brute_row(int64_t *nnrow, double *bd, int64_t i,
                          const double *x, int64_t n, int d, int k,
                          double sc) {
  int c = 0;
  const double *xi = x + (size_t)i * (size_t)d;
  for (int64_t j = 0; j < n; j++) {
    if (j == i) continue;
    top_insert(bd, nnrow, &c, k,
               dist2_f64(xi, x + (size_t)j * (size_t)d, d, sc), j);
  }
}

credo_status sample_knn_ref_f64(int64_t *nn, const double *x, int64_t n,
                                int d, int k) {
  assert(k >= 1 && k < n);
  double *bd = xmalloc((size_t)k, sizeof(double));
  double *mu = xmalloc((size_t)d, sizeof(double));
  if (!bd || !mu) {
    free(bd);
    free(mu);
    return CREDO_ENOMEM;
  }
  double sc = knn_scale(mu, x, n, d);
  if (sc == 0) sc = 1;
  credo_status st = CREDO_OK;
  for (int64_t i = 0; i < n; i++) {
    if ((i & 255) == 0 && credo_interrupted) {
      st = CREDO_EINTR;
      break;
    }
    knn_brute_row(nn + (size_t)i * (size_t)k, bd, i, x, n, d, k, sc);
  }
  free(bd);
  free(mu);
  return st;
}

static double *to_f64(const float *x, size_t m) {
  double *y = xmalloc(m, sizeof(double));
  if (y)
    for (size_t i = 0; i < m; i++) y[i] = x[i];
  return y;
}

credo_status sample_knn_ref_f32(int64_t *nn, const float *x, int64_t n,
                                int d, int k) {
  double *xd = to_f64(x, (size_t)n * (size_t)d);
  if (!xd) return CREDO_ENOMEM;
  credo_status st = sample_knn_ref_f64(nn, xd, n, d, k);
  free(xd);
  return st;
}

/* Merge row i's lists into the candidates (ck, ci), sorted by key; then
 * the answer.  Each key is within e_ij = ceps (|c_i| + |c_j|)^2 + cabs of
 * its distance (nrm holds |c|), and e_i (M for |c_j|) bounds them all.
 * A key not in the lists is at or above dmin, the smallest threshold of a
 * full list.  Fast: if the k first candidates' intervals [key - e, key + e]
 * are disjoint and in order, and every other candidate (listed or dropped)
 * lies above the k-th's interval, the k first are the answer, in order.
 * Otherwise measure in double the candidates within T + 2 e_i (T the k-th
 * key), or every row when a dropped key could be among them.  ck, ci
 * (T*L) and cd (T*L, at least k) are scratch. */
static void knn_finish_row(int64_t *nnrow, int64_t i, const KnnLists *lists,
                           int T, const double *x, int64_t n, int d, int k,
                           double sc, const double *nrm, double Ms,
                           double ceps, double cabs, float *ck, int64_t *ci,
                           double *cd) {
  int m = 0;
  double dmin = INFINITY;
  for (int t = 0; t < T; t++) {
    const KnnLists *s = &lists[t];
    if (s->cnt[i] == s->L && (double)s->worst[i] < dmin) dmin = s->worst[i];
    for (int q = 0; q < s->cnt[i]; q++) {
      float v = s->key[(size_t)i * (size_t)s->S + q];
      int64_t j = s->idx[(size_t)i * (size_t)s->S + q];
      int p = m++;
      while (p > 0 && ck[p - 1] > v) {
        ck[p] = ck[p - 1];
        ci[p] = ci[p - 1];
        p--;
      }
      ck[p] = v;
      ci[p] = j;
    }
  }
  assert(m >= k);
  double ni = nrm[i], ei = ceps * (ni + Ms) * (ni + Ms) + cabs;
#define PAIR_E(q) (ceps * (ni + nrm[ci[q]]) * (ni + nrm[ci[q]]) + cabs)
  double hi = (double)ck[k - 1] + PAIR_E(k - 1);
  int sep = dmin - ei > hi;
  for (int q = 0; sep && q + 1 < k; q++)
    sep = (double)ck[q + 1] - PAIR_E(q + 1) > (double)ck[q] + PAIR_E(q);
  for (int q = k; sep && q < m; q++) sep = (double)ck[q] - PAIR_E(q) > hi;
#undef PAIR_E
  if (sep) {
    for (int q = 0; q < k; q++) nnrow[q] = ci[q];
    return;
  }
  double tau = (double)ck[k - 1] + 2 * ei;
  if (dmin <= tau) {
    knn_brute_row(nnrow, cd, i, x, n, d, k, sc);
    return;
  }
  int mc = 0;
  while (mc < m && (double)ck[mc] <= tau) mc++;
  /* measure the candidates, offered in increasing index order so that
   * top_insert keeps the lower index among equal distances */
  for (int q = 1; q < mc; q++) {
    int64_t j = ci[q];
    int p = q;
    while (p > 0 && ci[p - 1] > j) {
      ci[p] = ci[p - 1];
      p--;
    }
    ci[p] = j;
  }
  const double *xi = x + (size_t)i * (size_t)d;
  int c = 0;
  for (int q = 0; q < mc; q++)
    top_insert(cd, nnrow, &c, k,
               dist2_f64(xi, x + (size_t)ci[q] * (size_t)d, d, sc), ci[q]);
}

static void blas_serial(void) {
#ifdef _OPENMP
  if (omp_in_parallel()) return;
#endif
  if (openblas_get_num_threads() != 1) openblas_set_num_threads(1);
}

/* The fused path: keys computed in registers with AVX2 FMA and tested
 * there, never stored, for CPUs that have it (checked at run time).  xf
 * rows give the row operands; panel holds the same rows as (d, 16) blocks
 * (panel[(j/16)*16*d + f*16 + j%16] = xf[j][f]) so 16 columns of one
 * feature are two loads.  Four rows by 16 columns per step. */
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define KNN_FUSED 1

/* knn_insert for lists of at most 8 (s->S == 8), without branches: the
 * lanes above key move up one lane (a permute and a blend), key and j go
 * into the first of them. */
__attribute__((target("avx2,fma"))) static inline void
knn_insert8(KnnLists *s, int64_t i, float key, int64_t j) {
  float *kk = s->key + (size_t)i * 8;
  int32_t *ii = s->idx + (size_t)i * 8;
  const __m256i up = _mm256_setr_epi32(0, 0, 1, 2, 3, 4, 5, 6);
  const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  __m256 kv = _mm256_loadu_ps(kk);
  __m256i iv = _mm256_loadu_si256((const __m256i *)ii);
  __m256 kb = _mm256_set1_ps(key);
  __m256 gt = _mm256_cmp_ps(kv, kb, _CMP_GT_OQ); /* a suffix of lanes */
  int p = __builtin_ctz((unsigned)_mm256_movemask_ps(gt) | 0x100u);
  __m256 at = _mm256_castsi256_ps(_mm256_cmpeq_epi32(lane, _mm256_set1_epi32(p)));
  kv = _mm256_blendv_ps(kv, _mm256_permutevar8x32_ps(kv, up), gt);
  kv = _mm256_blendv_ps(kv, kb, at);
  __m256i is = _mm256_permutevar8x32_epi32(iv, up);
  iv = _mm256_castps_si256(_mm256_blendv_ps(_mm256_castsi256_ps(iv),
                                            _mm256_castsi256_ps(is), gt));
  iv = _mm256_castps_si256(_mm256_blendv_ps(
      _mm256_castsi256_ps(iv), _mm256_castsi256_ps(_mm256_set1_epi32((int32_t)j)), at));
  _mm256_storeu_ps(kk, kv);
  _mm256_storeu_si256((__m256i *)ii, iv);
  int c = s->cnt[i] + (s->cnt[i] < s->L);
  s->cnt[i] = c;
  if (c == s->L) s->worst[i] = kk[s->L - 1];
}

__attribute__((target("avx2,fma"))) static void
knn_tile_fused(KnnLists *s, const float *xf, const float *panel,
               const float *n2, int64_t i0, int64_t j0, int tile, int d,
               int64_t n) {
  int diag = i0 == j0;
  const __m256 m2 = _mm256_set1_ps(-2.0f);
  float kb[4][16];
  for (int r = 0; r < tile && i0 + r < n; r += 4) {
    int64_t i = i0 + r;
    const float *a0 = xf + (size_t)i * (size_t)d;
    const float *a1 = a0 + d, *a2 = a1 + d, *a3 = a2 + d;
    __m256 ni[4];
    for (int q = 0; q < 4; q++) ni[q] = _mm256_set1_ps(n2[i + q]);
    for (int c = 0; c < tile; c += 16) {
      int64_t j = j0 + c;
      const float *p = panel + (size_t)j * (size_t)d;
      __m256 c00 = _mm256_setzero_ps(), c01 = c00, c10 = c00, c11 = c00;
      __m256 c20 = c00, c21 = c00, c30 = c00, c31 = c00;
      for (int f = 0; f < d; f++) {
        __m256 b0 = _mm256_loadu_ps(p + (size_t)f * 16);
        __m256 b1 = _mm256_loadu_ps(p + (size_t)f * 16 + 8);
        __m256 v = _mm256_broadcast_ss(a0 + f);
        c00 = _mm256_fmadd_ps(v, b0, c00);
        c01 = _mm256_fmadd_ps(v, b1, c01);
        v = _mm256_broadcast_ss(a1 + f);
        c10 = _mm256_fmadd_ps(v, b0, c10);
        c11 = _mm256_fmadd_ps(v, b1, c11);
        v = _mm256_broadcast_ss(a2 + f);
        c20 = _mm256_fmadd_ps(v, b0, c20);
        c21 = _mm256_fmadd_ps(v, b1, c21);
        v = _mm256_broadcast_ss(a3 + f);
        c30 = _mm256_fmadd_ps(v, b0, c30);
        c31 = _mm256_fmadd_ps(v, b1, c31);
      }
      __m256 nj0 = _mm256_loadu_ps(n2 + j), nj1 = _mm256_loadu_ps(n2 + j + 8);
      __m256 k[8];
      k[0] = _mm256_fmadd_ps(m2, c00, _mm256_add_ps(ni[0], nj0));
      k[1] = _mm256_fmadd_ps(m2, c01, _mm256_add_ps(ni[0], nj1));
      k[2] = _mm256_fmadd_ps(m2, c10, _mm256_add_ps(ni[1], nj0));
      k[3] = _mm256_fmadd_ps(m2, c11, _mm256_add_ps(ni[1], nj1));
      k[4] = _mm256_fmadd_ps(m2, c20, _mm256_add_ps(ni[2], nj0));
      k[5] = _mm256_fmadd_ps(m2, c21, _mm256_add_ps(ni[2], nj1));
      k[6] = _mm256_fmadd_ps(m2, c30, _mm256_add_ps(ni[3], nj0));
      k[7] = _mm256_fmadd_ps(m2, c31, _mm256_add_ps(ni[3], nj1));
      __m256 wc0 = _mm256_loadu_ps(s->worst + j);
      __m256 wc1 = _mm256_loadu_ps(s->worst + j + 8);
      /* padding rows (i + q >= n) have infinite keys: never below */
      __m256 w[4];
      for (int q = 0; q < 4; q++)
        w[q] = _mm256_set1_ps(i + q < n ? s->worst[i + q] : 0.0f);
      /* most blocks offer nothing: test the column minima over the four
       * rows against the larger of the rows' largest threshold and each
       * column's threshold first (a key below its row's or its column's
       * threshold is below that) */
      __m256 w4 = _mm256_max_ps(_mm256_max_ps(w[0], w[1]), _mm256_max_ps(w[2], w[3]));
      __m256 c0 = _mm256_min_ps(_mm256_min_ps(k[0], k[2]), _mm256_min_ps(k[4], k[6]));
      __m256 c1 = _mm256_min_ps(_mm256_min_ps(k[1], k[3]), _mm256_min_ps(k[5], k[7]));
      __m256 hit = diag ? _mm256_or_ps(_mm256_cmp_ps(c0, w4, _CMP_LT_OQ),
                                       _mm256_cmp_ps(c1, w4, _CMP_LT_OQ))
                        : _mm256_or_ps(_mm256_cmp_ps(c0, _mm256_max_ps(w4, wc0), _CMP_LT_OQ),
                                       _mm256_cmp_ps(c1, _mm256_max_ps(w4, wc1), _CMP_LT_OQ));
      if (!_mm256_movemask_ps(hit)) continue;
      unsigned m[4];
      for (int q = 0; q < 4; q++) {
        __m256 t0 = _mm256_cmp_ps(k[2 * q], w[q], _CMP_LT_OQ);
        __m256 t1 = _mm256_cmp_ps(k[2 * q + 1], w[q], _CMP_LT_OQ);
        if (!diag) {
          t0 = _mm256_or_ps(t0, _mm256_cmp_ps(k[2 * q], wc0, _CMP_LT_OQ));
          t1 = _mm256_or_ps(t1, _mm256_cmp_ps(k[2 * q + 1], wc1, _CMP_LT_OQ));
        }
        m[q] = (unsigned)_mm256_movemask_ps(t0) |
               (unsigned)_mm256_movemask_ps(t1) << 8;
      }
      for (int q = 0; q < 4; q++) {
        _mm256_storeu_ps(kb[q], k[2 * q]);
        _mm256_storeu_ps(kb[q] + 8, k[2 * q + 1]);
      }
      /* thresholds only fall: re-test each flagged key before inserting */
      for (int q = 0; q < 4; q++)
        while (m[q]) {
          int e = __builtin_ctz(m[q]);
          m[q] &= m[q] - 1;
          float v = kb[q][e];
          if (v < s->worst[i + q] && j + e != i + q) {
            if (s->S == 8) knn_insert8(s, i + q, v, j + e);
            else knn_insert(s, i + q, v, j + e);
          }
          if (!diag && v < s->worst[j + e]) {
            if (s->S == 8) knn_insert8(s, j + e, v, i + q);
            else knn_insert(s, j + e, v, i + q);
          }
        }
    }
  }
}

static int knn_fused_ok(void) {
  __builtin_cpu_init(); /* idempotent; needed if called before constructors */
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}
#else
#define KNN_FUSED 0
#endif

/* Offer the keys of tile (i0.., j0..) to the lists s: fused in registers,
 * or through an sgemm tile gt (fused = 0).  panel is the fused path's
 * copy of xf. */
static void knn_tile(KnnLists *s, const float *xf, const float *panel,
                     float *gt, const float *n2, int64_t i0, int64_t j0,
                     int tile, int d, int64_t n, int fused) {
#if KNN_FUSED
  if (fused) {
    knn_tile_fused(s, xf, panel, n2, i0, j0, tile, d, n);
    return;
  }
#endif
  (void)panel;
  (void)fused;
  knn_tile_init(gt, n2, i0, j0, tile);
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, tile, tile, d, -2.0f,
              xf + (size_t)i0 * (size_t)d, d, xf + (size_t)j0 * (size_t)d, d,
              1.0f, gt, tile);
  knn_scan(s, gt, i0, j0, tile, n);
}

/* The k nearest neighbours with the BLAS path (fused = 0) or the fused
 * one. */
static credo_status knn_run(int64_t *nn, const double *x, int64_t n, int d,
                            int k, int fused) {
  assert(k >= 1 && k < n && d >= 1 && n <= INT32_MAX);
  int L = k + KNN_EXTRA;
  if (L > n - 1) L = (int)(n - 1);
  int64_t npad = (n + KNN_TILE - 1) / KNN_TILE * KNN_TILE;
  if (n < KNN_TILE) npad = (n + KNN_VEC - 1) / KNN_VEC * KNN_VEC;
  int tile = npad < KNN_TILE ? (int)npad : KNN_TILE;
  int64_t nb = npad / tile, ntiles = nb * (nb + 1) / 2;
  int T = credo_threads_get();
  if ((double)n * (double)n * (double)d < 4e6) T = 1;
  if (T > ntiles) T = (int)ntiles;

  credo_status st = CREDO_OK;
  float *xf = xmalloc((size_t)npad * (size_t)d, sizeof(float));
  float *n2 = xmalloc((size_t)npad, sizeof(float));
  double *nrm = xmalloc((size_t)n, sizeof(double));
  double *mu = calloc((size_t)d, sizeof(double));
  /* BLAS: T tiles of keys; fused: the panel copy of xf */
  float *g = fused ? xmalloc((size_t)npad * (size_t)d, sizeof(float))
                   : xmalloc((size_t)T * (size_t)tile * (size_t)tile,
                             sizeof(float));
  /* lists[0]: the diagonal tiles' offers; lists[1 + t]: thread t's
   * offers from the other tiles */
  KnnLists *lists = calloc((size_t)T + 1, sizeof(KnnLists));
  if (!xf || !n2 || !nrm || !mu || !g || !lists) {
    st = CREDO_ENOMEM;
    goto done;
  }
  for (int t = 0; t <= T; t++)
    if (knn_lists_init(&lists[t], n, L)) {
      st = CREDO_ENOMEM;
      goto done;
    }

  /* centre, and scale by a power of two (exact) */
  double sc = knn_scale(mu, x, n, d), Ms = 0;
  if (sc == 0) { /* the spread overflows: measure every pair */
    st = sample_knn_ref_f64(nn, x, n, d, k);
    goto done;
  }
  for (int64_t i = 0; i < n; i++) {
    double s = 0, t = 0;
    for (int f = 0; f < d; f++) {
      double c = (x[(size_t)i * (size_t)d + f] - mu[f]) * sc;
      float v = (float)c;
      xf[(size_t)i * (size_t)d + f] = v;
      s += (double)v * (double)v;
      t += c * c;
    }
    n2[i] = (float)s;
    nrm[i] = sqrt(t);
    if (nrm[i] > Ms) Ms = nrm[i];
  }
  /* padding rows: key = n_i + inf - 0 = inf, never offered */
  for (int64_t i = n; i < npad; i++) {
    memset(xf + (size_t)i * (size_t)d, 0, sizeof(float) * (size_t)d);
    n2[i] = INFINITY;
  }
  if (fused)
    for (int64_t j = 0; j < npad; j++)
      for (int f = 0; f < d; f++)
        g[(size_t)(j / 16) * 16 * (size_t)d + (size_t)f * 16 + (size_t)(j % 16)] =
            xf[(size_t)j * (size_t)d + f];
  Ms *= 1 + 1e-12;
  double ceps = (d + 12) * 0x1p-24, cabs = (d + 2) * 0x1p-100;

  if (!fused) blas_serial();
  /* Two phases.  The diagonal tiles first, into lists[0] (a diagonal tile
   * touches only its own block's rows, so threads never share a row):
   * each row then holds its nearest within its block.  Then the other
   * tiles into per-thread lists whose thresholds start at lists[0]'s: a
   * key at or above it cannot be among the row's L smallest, which
   * lists[0] already holds enough keys below.  So a thread's list is not
   * filled from scratch, and the work does not grow with the thread
   * count. */
  int fail = 0;
#pragma omp parallel num_threads(T) reduction(| : fail)
  {
#ifdef _OPENMP
    int t = omp_get_thread_num();
#else
    int t = 0;
#endif
    float *gt = fused ? NULL : g + (size_t)t * (size_t)tile * (size_t)tile;
    size_t cap = (size_t)(T + 1) * (size_t)L + (size_t)k;
    float *ck = xmalloc(cap, sizeof(float));
    int64_t *ci = xmalloc(cap, sizeof(int64_t));
    double *cd = xmalloc(cap, sizeof(double));
    if (!ck || !ci || !cd) fail = 1;
#pragma omp for schedule(dynamic, 1)
    for (int64_t it = 0; it < nb; it++) {
      if (credo_interrupted) continue;
      knn_tile(&lists[0], xf, g, gt, n2, it * tile, it * tile, tile, d, n,
               fused);
    }
    /* (the loop's barrier: lists[0] is complete) */
    KnnLists *s = &lists[1 + t];
    memcpy(s->worst, lists[0].worst, sizeof(float) * (size_t)n);
#pragma omp for schedule(dynamic, 1)
    for (int64_t it = nb; it < ntiles; it++) {
      if (credo_interrupted) continue;
      /* tile it -> blocks (bi, bj), bi < bj, row by row over the strict
       * upper triangle */
      int64_t rest = it - nb, bi = 0;
      while (rest >= nb - 1 - bi) {
        rest -= nb - 1 - bi;
        bi++;
      }
      int64_t bj = bi + 1 + rest;
      knn_tile(s, xf, g, gt, n2, bi * tile, bj * tile, tile, d, n, fused);
    }
    /* (every list is complete) */
#pragma omp for schedule(dynamic, 64) nowait
    for (int64_t i = 0; i < n; i++) {
      if (!ck || !ci || !cd || credo_interrupted) continue;
      knn_finish_row(nn + (size_t)i * (size_t)k, i, lists, T + 1, x, n, d, k,
                     sc, nrm, Ms, ceps, cabs, ck, ci, cd);
    }
    free(ck);
    free(ci);
    free(cd);
  }
  if (credo_interrupted) st = CREDO_EINTR;
  else if (fail) st = CREDO_ENOMEM;

done:
  if (lists)
    for (int t = 0; t <= T; t++) knn_lists_free(&lists[t]);
  free(lists);
  free(xf);
  free(n2);
  free(nrm);
  free(mu);
  free(g);
  return st;
}

credo_status sample_knn_f64(int64_t *nn, const double *x, int64_t n, int d,
                            int k) {
#if KNN_FUSED
  return knn_run(nn, x, n, d, k, knn_fused_ok());
#else
  return knn_run(nn, x, n, d, k, 0);
#endif
}

credo_status sample_knn_blas_f64(int64_t *nn, const double *x, int64_t n,
                                 int d, int k) {
  return knn_run(nn, x, n, d, k, 0);
}

credo_status sample_knn_f32(int64_t *nn, const float *x, int64_t n, int d,
                            int k) {
  double *xd = to_f64(x, (size_t)n * (size_t)d);
  if (!xd) return CREDO_ENOMEM;
  credo_status st = sample_knn_f64(nn, xd, n, d, k);
  free(xd);
  return st;
}

/* ---- synthesis ---- */

static int work_threads(double work) {
  return work < 262144.0 ? 1 : credo_threads_get();
}

/* ---- copying and finiteness ----
 * A product with 0 is NaN exactly for NaN and infinities, and eight
 * independent sums of such products tell whether any is present at memory
 * speed; only then is the position searched. */

int64_t sample_first_nonfinite_f64(const double *x, int64_t m) {
  double acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  int64_t i = 0;
  for (; i + 8 <= m; i += 8)
    for (int q = 0; q < 8; q++) acc[q] += x[i + q] * 0.0;
  for (; i < m; i++) acc[0] += x[i] * 0.0;
  double s = ((acc[0] + acc[1]) + (acc[2] + acc[3])) +
             ((acc[4] + acc[5]) + (acc[6] + acc[7]));
  if (s == 0) return -1;
  for (i = 0; i < m; i++)
    if (!isfinite(x[i])) return i;
  return -1;
}

int64_t sample_first_nonfinite_f32(const float *x, int64_t m) {
  float acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  int64_t i = 0;
  for (; i + 8 <= m; i += 8)
    for (int q = 0; q < 8; q++) acc[q] += x[i + q] * 0.0f;
  for (; i < m; i++) acc[0] += x[i] * 0.0f;
  float s = ((acc[0] + acc[1]) + (acc[2] + acc[3])) +
            ((acc[4] + acc[5]) + (acc[6] + acc[7]));
  if (s == 0) return -1;
  for (i = 0; i < m; i++)
    if (!isfinite(x[i])) return i;
  return -1;
}

#define COPY_PIECE 16384 /* elements per piece: copied, then checked in cache */

int64_t sample_copy_finite_f64(double *dst, const double *src, int64_t m) {
  int64_t np = (m + COPY_PIECE - 1) / COPY_PIECE, first = INT64_MAX;
#pragma omp parallel for schedule(dynamic, 8) num_threads(work_threads((double)m)) reduction(min : first)
  for (int64_t p = 0; p < np; p++) {
    int64_t a = p * COPY_PIECE, c = m - a < COPY_PIECE ? m - a : COPY_PIECE;
    memcpy(dst + a, src + a, sizeof(double) * (size_t)c);
    int64_t b = sample_first_nonfinite_f64(dst + a, c);
    if (b >= 0 && a + b < first) first = a + b;
  }
  return first == INT64_MAX ? -1 : first;
}

int64_t sample_copy_finite_f32(float *dst, const float *src, int64_t m) {
  int64_t np = (m + COPY_PIECE - 1) / COPY_PIECE, first = INT64_MAX;
#pragma omp parallel for schedule(dynamic, 8) num_threads(work_threads((double)m)) reduction(min : first)
  for (int64_t p = 0; p < np; p++) {
    int64_t a = p * COPY_PIECE, c = m - a < COPY_PIECE ? m - a : COPY_PIECE;
    memcpy(dst + a, src + a, sizeof(float) * (size_t)c);
    int64_t b = sample_first_nonfinite_f32(dst + a, c);
    if (b >= 0 && a + b < first) first = a + b;
  }
  return first == INT64_MAX ? -1 : first;
}

/* The draws of cnt consecutive synthetic rows (one block stream): for
 * each, r = bounded(m k), sample a = r / k, neighbour b = nn[a][r mod k]
 * (a 32-bit division when m k fits: a 64-bit one costs several times
 * more), then the gap.  The rows a and b are prefetched, as they are read
 * at random from the class. */
#define SMOTE_CHUNK 16
static void smote_draw(int64_t *a, int64_t *b, double *g, int cnt, Rng *r,
                       const int64_t *nn, int k, uint64_t range,
                       const char *x, size_t rowbytes) {
  for (int q = 0; q < cnt; q++) {
    uint64_t rr = rng_bounded(r, range), ai, ci;
    if (range <= UINT32_MAX) {
      uint32_t r32 = (uint32_t)rr, k32 = (uint32_t)k;
      ai = r32 / k32;
      ci = r32 - (uint32_t)ai * k32;
    } else {
      ai = rr / (uint64_t)k;
      ci = rr % (uint64_t)k;
    }
    a[q] = (int64_t)ai;
    b[q] = nn[ai * (uint64_t)k + ci];
    g[q] = rng_uniform(r);
    __builtin_prefetch(x + (size_t)a[q] * rowbytes);
    __builtin_prefetch(x + (size_t)b[q] * rowbytes);
  }
}

/* SMOTE's synthetic rows for both element types (f32: x and out are
 * float, the interpolation is computed in double and rounded once). */
static credo_status smote_rows(void *out, int64_t *src, int64_t *nbr, double *gap,
                               const void *x, int f32, const int64_t *nn, int64_t m,
                               int d, int k, int64_t n_new, uint64_t seed,
                               uint64_t stream0) {
  int64_t nblk = (n_new + SAMPLE_BLOCK - 1) / SAMPLE_BLOCK;
  uint64_t range = (uint64_t)m * (uint64_t)k;
  size_t rowbytes = (f32 ? sizeof(float) : sizeof(double)) * (size_t)d;
#pragma omp parallel for schedule(dynamic, 1) num_threads(work_threads((double)n_new * d))
  for (int64_t bl = 0; bl < nblk; bl++) {
    if (credo_interrupted) continue;
    Rng r;
    rng_stream(&r, seed, stream0 + (uint64_t)bl);
    int64_t s1 = (bl + 1) * SAMPLE_BLOCK < n_new ? (bl + 1) * SAMPLE_BLOCK : n_new;
    for (int64_t s0 = bl * SAMPLE_BLOCK; s0 < s1; s0 += SMOTE_CHUNK) {
      int cnt = s1 - s0 < SMOTE_CHUNK ? (int)(s1 - s0) : SMOTE_CHUNK;
      int64_t a[SMOTE_CHUNK], b[SMOTE_CHUNK];
      double g[SMOTE_CHUNK];
      smote_draw(a, b, g, cnt, &r, nn, k, range, (const char *)x, rowbytes);
      for (int q = 0; q < cnt; q++) {
        size_t ra = (size_t)a[q] * (size_t)d, rb = (size_t)b[q] * (size_t)d;
        size_t ro = (size_t)(s0 + q) * (size_t)d;
        if (f32) {
          const float *xa = (const float *)x + ra, *xb = (const float *)x + rb;
          float *o = (float *)out + ro;
          for (int f = 0; f < d; f++)
            o[f] = (float)((double)xa[f] + g[q] * ((double)xb[f] - (double)xa[f]));
        } else {
          const double *xa = (const double *)x + ra, *xb = (const double *)x + rb;
          double *o = (double *)out + ro;
          for (int f = 0; f < d; f++) o[f] = xa[f] + g[q] * (xb[f] - xa[f]);
        }
        if (src) src[s0 + q] = a[q];
        if (nbr) nbr[s0 + q] = b[q];
        if (gap) gap[s0 + q] = g[q];
      }
    }
  }
  return credo_interrupted ? CREDO_EINTR : CREDO_OK;
}

credo_status sample_smote_f64(double *out, int64_t *src, int64_t *nbr,
                              double *gap, const double *x, const int64_t *nn,
                              int64_t m, int d, int k, int64_t n_new,
                              uint64_t seed, uint64_t stream0) {
  return smote_rows(out, src, nbr, gap, x, 0, nn, m, d, k, n_new, seed, stream0);
}

credo_status sample_smote_f32(float *out, int64_t *src, int64_t *nbr,
                              double *gap, const float *x, const int64_t *nn,
                              int64_t m, int d, int k, int64_t n_new,
                              uint64_t seed, uint64_t stream0) {
  return smote_rows(out, src, nbr, gap, x, 1, nn, m, d, k, n_new, seed, stream0);
}

/* Noise rows x[src[s]] + sigma * z for both element types (f32: computed
 * in double, rounded once). */
static credo_status noise_rows(void *out, const void *x, int f32, const int64_t *src,
                               const double *sigma, int64_t n_new, int d,
                               uint64_t seed, uint64_t stream0) {
  int64_t nblk = (n_new + SAMPLE_BLOCK - 1) / SAMPLE_BLOCK;
#pragma omp parallel for schedule(dynamic, 1) num_threads(work_threads((double)n_new * d * 8))
  for (int64_t b = 0; b < nblk; b++) {
    if (credo_interrupted) continue;
    Rng r;
    rng_stream(&r, seed, stream0 + (uint64_t)b);
    int64_t s1 = (b + 1) * SAMPLE_BLOCK < n_new ? (b + 1) * SAMPLE_BLOCK : n_new;
    for (int64_t s = b * SAMPLE_BLOCK; s < s1; s++) {
      size_t ra = (size_t)src[s] * (size_t)d, ro = (size_t)s * (size_t)d;
      for (int f = 0; f < d; f += 2) {
        double z0, z1;
        rng_normal_pair(&r, &z0, &z1);
        if (f32) {
          const float *xa = (const float *)x + ra;
          float *o = (float *)out + ro;
          o[f] = (float)((double)xa[f] + sigma[f] * z0);
          if (f + 1 < d) o[f + 1] = (float)((double)xa[f + 1] + sigma[f + 1] * z1);
        } else {
          const double *xa = (const double *)x + ra;
          double *o = (double *)out + ro;
          o[f] = xa[f] + sigma[f] * z0;
          if (f + 1 < d) o[f + 1] = xa[f + 1] + sigma[f + 1] * z1;
        }
      }
    }
  }
  return credo_interrupted ? CREDO_EINTR : CREDO_OK;
}

credo_status sample_add_noise_f64(double *out, const double *x,
                                  const int64_t *src, const double *sigma,
                                  int64_t n_new, int d, uint64_t seed,
                                  uint64_t stream0) {
  return noise_rows(out, x, 0, src, sigma, n_new, d, seed, stream0);
}

credo_status sample_add_noise_f32(float *out, const float *x,
                                  const int64_t *src, const double *sigma,
                                  int64_t n_new, int d, uint64_t seed,
                                  uint64_t stream0) {
  return noise_rows(out, x, 1, src, sigma, n_new, d, seed, stream0);
}
