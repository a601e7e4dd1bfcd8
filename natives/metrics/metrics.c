/*
 * metrics.c: classification metrics and curves (see metrics.h).
 *
 * Pure C, float64 throughout.  The definitions are scikit-learn 1.2's
 * (sklearn/metrics/_ranking.py, _classification.py, calibration.py), written
 * from their documented formulas; the sort is our own LSD radix sort
 * (Knuth, TAOCP vol. 3, 5.2.5) on the order-preserving integer image of
 * IEEE-754 doubles (flip every bit of a negative, the sign bit of a
 * non-negative).  What it is not: no argument checking (the binding does
 * it), no Lua, no multilabel metrics.
 */
#include "metrics.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../random/rng.h"

/* ---- radix sort ---- */

#define RADIX_BITS 11
#define RADIX_SIZE (1 << RADIX_BITS)
#define RADIX_MASK ((uint64_t)RADIX_SIZE - 1)
#define RADIX_PASSES 6 /* 6 * 11 >= 64 */

/* An unsigned integer whose order is the order of the doubles (not NaN);
 * -0.0 is mapped like +0.0 so that the two tie, as they do for numpy. */
static inline uint64_t sort_key(double d) {
  uint64_t u;
  if (d == 0.0) d = 0.0;
  memcpy(&u, &d, sizeof u);
  return (u >> 63) ? ~u : (u | (UINT64_C(1) << 63));
}

static inline double key_value(uint64_t u) {
  double d;
  u = (u >> 63) ? (u & ~(UINT64_C(1) << 63)) : ~u;
  memcpy(&d, &u, sizeof d);
  return d;
}

/* Stable LSD radix sort of k (n) ascending, carrying v (n) along unless v
 * is NULL.  k2, v2 are scratch of the same sizes (v2 may be NULL with v);
 * h is (RADIX_PASSES, RADIX_SIZE).  The result ends in k, v.  A pass whose
 * digit is the same for every key is skipped. */
static void radix_sort(uint64_t *k, int64_t *v, uint64_t *k2, int64_t *v2,
                       int64_t n, int64_t *h) {
  if (n < 2) return;
  memset(h, 0, sizeof(int64_t) * RADIX_PASSES * RADIX_SIZE);
  for (int64_t i = 0; i < n; i++) {
    uint64_t x = k[i];
    for (int p = 0; p < RADIX_PASSES; p++)
      h[p * RADIX_SIZE + ((x >> (p * RADIX_BITS)) & RADIX_MASK)]++;
  }
  uint64_t *ks = k, *kd = k2;
  int64_t *vs = v, *vd = v2;
  for (int p = 0; p < RADIX_PASSES; p++) {
    int64_t *hp = h + p * RADIX_SIZE;
    int shift = p * RADIX_BITS;
    if (hp[(ks[0] >> shift) & RADIX_MASK] == n) continue;
    int64_t sum = 0;
    for (int d = 0; d < RADIX_SIZE; d++) {
      int64_t c = hp[d];
      hp[d] = sum;
      sum += c;
    }
    if (vs) {
      for (int64_t i = 0; i < n; i++) {
        int64_t pos = hp[(ks[i] >> shift) & RADIX_MASK]++;
        kd[pos] = ks[i];
        vd[pos] = vs[i];
      }
      int64_t *t = vs; vs = vd; vd = t;
    } else {
      for (int64_t i = 0; i < n; i++)
        kd[hp[(ks[i] >> shift) & RADIX_MASK]++] = ks[i];
    }
    uint64_t *t = ks; ks = kd; kd = t;
  }
  if (ks != k) {
    memcpy(k, ks, sizeof(uint64_t) * (size_t)n);
    if (v) memcpy(v, vs, sizeof(int64_t) * (size_t)n);
  }
}

static void reverse_i64(int64_t *a, int64_t n) {
  for (int64_t i = 0, j = n - 1; i < j; i++, j--) {
    int64_t t = a[i]; a[i] = a[j]; a[j] = t;
  }
}

/* malloc of n elements of size sz with overflow check (n may be 0). */
static void *alloc_n(int64_t n, size_t sz) {
  size_t bytes;
  if (n < 0 || credo_mul_size((size_t)n, sz, &bytes)) return NULL;
  return malloc(bytes ? bytes : 1);
}

credo_status metrics_argsort_desc(int64_t *order, const double *score,
                                  int64_t n) {
  for (int64_t i = 0; i < n; i++) order[i] = i;
  if (n < 2) return CREDO_OK;
  uint64_t *k = alloc_n(n, sizeof *k), *k2 = alloc_n(n, sizeof *k2);
  int64_t *v2 = alloc_n(n, sizeof *v2);
  int64_t *h = alloc_n(RADIX_PASSES * RADIX_SIZE, sizeof *h);
  credo_status st = CREDO_ENOMEM;
  if (k && k2 && v2 && h) {
    for (int64_t i = 0; i < n; i++) k[i] = sort_key(score[i]);
    radix_sort(k, order, k2, v2, n, h);
    reverse_i64(order, n);
    st = CREDO_OK;
  }
  free(k); free(k2); free(v2); free(h);
  return st;
}

/* Top-down stable merge sort of a (n) by score ascending; tmp (n). */
static void merge_sort(int64_t *a, int64_t *tmp, int64_t n,
                       const double *s) {
  if (n < 2) return;
  int64_t m = n / 2;
  merge_sort(a, tmp, m, s);
  merge_sort(a + m, tmp, n - m, s);
  int64_t i = 0, j = m, o = 0;
  while (i < m && j < n) tmp[o++] = (s[a[j]] < s[a[i]]) ? a[j++] : a[i++];
  while (i < m) tmp[o++] = a[i++];
  while (j < n) tmp[o++] = a[j++];
  memcpy(a, tmp, sizeof(int64_t) * (size_t)n);
}

credo_status metrics_argsort_desc_ref(int64_t *order, const double *score,
                                      int64_t n) {
  for (int64_t i = 0; i < n; i++) order[i] = i;
  int64_t *tmp = alloc_n(n, sizeof *tmp);
  if (!tmp) return CREDO_ENOMEM;
  merge_sort(order, tmp, n, score);
  reverse_i64(order, n);
  free(tmp);
  return CREDO_OK;
}

/* ---- binary ranking curves ---- */

static inline double eff_weight(const double *w, const int32_t *cnt,
                                int64_t i) {
  double x = w ? w[i] : 1.0;
  return cnt ? x * (double)cnt[i] : x;
}

int64_t metrics_clf_curve_sorted(double *fps, double *tps, double *thr,
                                 const int64_t *order, const uint8_t *ypos,
                                 const double *score, const double *w,
                                 const int32_t *cnt, int64_t n) {
  /* sklearn: tps = cumsum(y * w), fps = cumsum((1 - y) * w) along the
   * sorted samples, read at the last sample of each run of equal scores;
   * the threshold is that sample's score. */
  double tp = 0, fp = 0, cur = 0;
  int64_t m = 0;
  int open = 0;
  for (int64_t j = 0; j < n; j++) {
    int64_t i = order[j];
    double wi = eff_weight(w, cnt, i);
    if (wi == 0) continue;
    if (open && score[i] != cur) {
      fps[m] = fp; tps[m] = tp; thr[m] = cur;
      m++;
    }
    cur = score[i];
    open = 1;
    if (ypos[i]) tp += wi;
    else fp += wi;
  }
  if (open) {
    fps[m] = fp; tps[m] = tp; thr[m] = cur;
    m++;
  }
  return m;
}

credo_status metrics_clf_curve(double *fps, double *tps, double *thr,
                               int64_t *m, const uint8_t *ypos,
                               const double *score, const double *w,
                               int64_t n) {
  int64_t *order = alloc_n(n, sizeof *order);
  if (!order) return CREDO_ENOMEM;
  credo_status st = metrics_argsort_desc(order, score, n);
  if (st == CREDO_OK)
    *m = metrics_clf_curve_sorted(fps, tps, thr, order, ypos, score, w, NULL,
                                  n);
  free(order);
  return st;
}

int64_t metrics_roc_curve(double *fpr, double *tpr, double *thr_out,
                          const double *fps, const double *tps,
                          const double *thr, int64_t m,
                          int drop_intermediate) {
  assert(m >= 1);
  int64_t c = 1;
  for (int64_t i = 0; i < m; i++) {
    if (drop_intermediate && m > 2 && i > 0 && i < m - 1) {
      /* np.diff(x, 2) at point i, evaluated as numpy does */
      double d2f = (fps[i + 1] - fps[i]) - (fps[i] - fps[i - 1]);
      double d2t = (tps[i + 1] - tps[i]) - (tps[i] - tps[i - 1]);
      if (d2f == 0 && d2t == 0) continue;
    }
    fpr[c] = fps[i];
    tpr[c] = tps[i];
    thr_out[c] = thr[i];
    c++;
  }
  fpr[0] = 0;
  tpr[0] = 0;
  thr_out[0] = thr[0] + 1;
  double F = fps[m - 1], T = tps[m - 1];
  for (int64_t i = 0; i < c; i++) {
    fpr[i] = F > 0 ? fpr[i] / F : NAN;
    tpr[i] = T > 0 ? tpr[i] / T : NAN;
  }
  return c;
}

void metrics_pr_curve(double *precision, double *recall, double *thr_out,
                      const double *fps, const double *tps,
                      const double *thr, int64_t m) {
  assert(m >= 1);
  double P = tps[m - 1];
  for (int64_t i = 0; i < m; i++) {
    double ps = tps[i] + fps[i];
    precision[m - 1 - i] = ps != 0 ? tps[i] / ps : 0.0;
    recall[m - 1 - i] = P == 0 ? 1.0 : tps[i] / P;
    thr_out[m - 1 - i] = thr[i];
  }
  precision[m] = 1.0;
  recall[m] = 0.0;
}

double metrics_trapz(const double *x, const double *y, int64_t n) {
  double s = 0;
  for (int64_t i = 0; i + 1 < n; i++)
    s += (x[i + 1] - x[i]) * (y[i + 1] + y[i]) / 2.0;
  return s;
}

void metrics_rank_sorted(MetricsRank *out, const int64_t *order,
                         const uint8_t *ypos, const double *score,
                         const double *w, const int32_t *cnt, int64_t n) {
  /* Totals along the sorted order, so that P is the last cumulative sum
   * exactly as sklearn's tps[-1]. */
  double P = 0, N = 0, top = NAN;
  for (int64_t j = 0; j < n; j++) {
    int64_t i = order[j];
    double wi = eff_weight(w, cnt, i);
    if (wi == 0) continue;
    if (top != top) top = score[i];
    if (ypos[i]) P += wi;
    else N += wi;
  }
  double tp = 0, fp = 0, U = 0, ap = 0, prauc = 0, ks = 0;
  double kst = top + 1, rprev = 0, pprev = 1;
  double a = 0, b = 0, cur = 0; /* group positive / negative weight */
  int open = 0;
  for (int64_t j = 0; j <= n; j++) {
    int64_t i = j < n ? order[j] : -1;
    double wi = 0;
    if (i >= 0) {
      wi = eff_weight(w, cnt, i);
      if (wi == 0) continue;
    }
    if (open && (i < 0 || score[i] != cur)) {
      /* close the group at threshold cur */
      double before = tp;
      tp += a;
      fp += b;
      U += b * (before + 0.5 * a);
      double r = P > 0 ? tp / P : 1.0;
      double p = tp / (tp + fp);
      ap += (r - rprev) * p;
      prauc += (r - rprev) * (p + pprev) / 2.0;
      if (P > 0 && N > 0) {
        double d = fabs(tp / P - fp / N);
        if (d > ks) { ks = d; kst = cur; }
      }
      rprev = r;
      pprev = p;
      a = b = 0;
    }
    if (i < 0) break;
    cur = score[i];
    open = 1;
    if (ypos[i]) a += wi;
    else b += wi;
  }
  out->pos = P;
  out->neg = N;
  int both = P > 0 && N > 0;
  out->auc = both ? U / (P * N) : NAN;
  out->ap = ap;
  out->pr_auc = prauc;
  out->ks = both ? ks : NAN;
  out->ks_threshold = both ? kst : NAN;
}

/* Mann-Whitney on positives and negatives sorted apart: for each run of
 * equal negative keys, count the positives above (1 each) and equal (1/2
 * each), in integers doubled. */
static credo_status roc_auc_unweighted(double *auc, const uint8_t *ypos,
                                       const double *score, int64_t n) {
  int64_t P = 0;
  for (int64_t i = 0; i < n; i++) P += ypos[i] != 0;
  int64_t N = n - P;
  if (P == 0 || N == 0) {
    *auc = NAN;
    return CREDO_OK;
  }
  uint64_t *k = alloc_n(n, sizeof *k), *tmp = alloc_n(n, sizeof *tmp);
  int64_t *h = alloc_n(2 * RADIX_PASSES * RADIX_SIZE, sizeof *h);
  if (!k || !tmp || !h) {
    free(k); free(tmp); free(h);
    return CREDO_ENOMEM;
  }
  int64_t ip = 0, in = P;
  for (int64_t i = 0; i < n; i++) {
    uint64_t key = sort_key(score[i]);
    if (ypos[i]) k[ip++] = key;
    else k[in++] = key;
  }
  int nt = (n >= 65536 && credo_threads_get() > 1) ? 2 : 1;
#pragma omp parallel sections num_threads(nt)
  {
#pragma omp section
    radix_sort(k, NULL, tmp, NULL, P, h);
#pragma omp section
    radix_sort(k + P, NULL, tmp + P, NULL, N, h + RADIX_PASSES * RADIX_SIZE);
  }
  const uint64_t *pk = k, *nk = k + P;
  uint64_t U2 = 0;
  int64_t i = 0, j = 0;
  while (j < N) {
    uint64_t v = nk[j];
    int64_t cn = 0;
    while (j < N && nk[j] == v) { cn++; j++; }
    while (i < P && pk[i] < v) i++;
    int64_t e = i;
    while (e < P && pk[e] == v) e++;
    U2 += (uint64_t)cn * (uint64_t)(2 * (P - e) + (e - i));
    i = e;
  }
  *auc = (double)U2 / (2.0 * (double)P * (double)N);
  free(k); free(tmp); free(h);
  return CREDO_OK;
}

credo_status metrics_roc_auc(double *auc, const uint8_t *ypos,
                             const double *score, const double *w,
                             int64_t n) {
  if (!w && n < (INT64_C(1) << 32))
    return roc_auc_unweighted(auc, ypos, score, n);
  int64_t *order = alloc_n(n, sizeof *order);
  if (!order) return CREDO_ENOMEM;
  credo_status st = metrics_argsort_desc(order, score, n);
  if (st == CREDO_OK) {
    MetricsRank r;
    metrics_rank_sorted(&r, order, ypos, score, w, NULL, n);
    *auc = r.auc;
  }
  free(order);
  return st;
}

double metrics_roc_auc_ref(const uint8_t *ypos, const double *score,
                           const double *w, int64_t n) {
  double P = 0, N = 0, U = 0;
  for (int64_t i = 0; i < n; i++) {
    double wi = w ? w[i] : 1.0;
    if (ypos[i]) P += wi;
    else N += wi;
  }
  for (int64_t i = 0; i < n; i++) {
    if (!ypos[i]) continue;
    for (int64_t j = 0; j < n; j++) {
      if (ypos[j]) continue;
      double c = score[i] > score[j] ? 1.0 : score[i] == score[j] ? 0.5 : 0.0;
      U += c * (w ? w[i] * w[j] : 1.0);
    }
  }
  return (P > 0 && N > 0) ? U / (P * N) : NAN;
}

/* ---- cost curve ---- */

static inline double cost_line(double F, double T, double pc) {
  return (1 - T) * pc + F * (1 - pc);
}

static inline double grid_point(int64_t i, int64_t n_grid) {
  /* numpy.linspace(0, 1, n_grid): i * step, the last exactly 1 */
  return i == n_grid - 1 ? 1.0 : (double)i * (1.0 / (double)(n_grid - 1));
}

credo_status metrics_cost_curve(double *pc, double *nec, double *area,
                                const double *fpr, const double *tpr,
                                int64_t m, int64_t n_grid) {
  assert(n_grid >= 2);
  double *hx = alloc_n(m + 2, sizeof *hx), *hy = alloc_n(m + 2, sizeof *hy);
  if (!hx || !hy) {
    free(hx); free(hy);
    return CREDO_ENOMEM;
  }
  /* Upper convex hull (Andrew's monotone chain) of (0,0), the points and
   * (1,1), left to right: pop while the last turn is not clockwise. */
  int64_t h = 0;
  for (int64_t i = -1; i <= m; i++) {
    double x = i < 0 ? 0.0 : i == m ? 1.0 : fpr[i];
    double y = i < 0 ? 0.0 : i == m ? 1.0 : tpr[i];
    while (h >= 2) {
      double cr = (hx[h - 1] - hx[h - 2]) * (y - hy[h - 2]) -
                  (hy[h - 1] - hy[h - 2]) * (x - hx[h - 2]);
      if (cr < 0) break;
      h--;
    }
    hx[h] = x;
    hy[h] = y;
    h++;
  }
  /* Vertex j wins on [lo, hi]: hi = dF / (dF + dT) of the edge to j + 1. */
  double A = 0, lo = 0;
  for (int64_t j = 0; j < h; j++) {
    double hi = 1.0;
    if (j + 1 < h) {
      double dF = hx[j + 1] - hx[j], dT = hy[j + 1] - hy[j];
      hi = dF + dT > 0 ? dF / (dF + dT) : lo;
      if (hi < lo) hi = lo;
    }
    double F = hx[j], T = hy[j];
    A += (1 - T - F) * (hi * hi - lo * lo) / 2.0 + F * (hi - lo);
    lo = hi;
  }
  *area = A;
  int64_t j = 0;
  for (int64_t i = 0; i < n_grid; i++) {
    double x = grid_point(i, n_grid);
    while (j + 1 < h &&
           cost_line(hx[j + 1], hy[j + 1], x) <= cost_line(hx[j], hy[j], x))
      j++;
    pc[i] = x;
    nec[i] = cost_line(hx[j], hy[j], x);
  }
  free(hx);
  free(hy);
  return CREDO_OK;
}

void metrics_cost_curve_ref(double *nec, const double *pc, const double *fpr,
                            const double *tpr, int64_t m, int64_t n_grid) {
  for (int64_t i = 0; i < n_grid; i++) {
    double x = pc[i];
    double best = fmin(cost_line(0, 0, x), cost_line(1, 1, x));
    for (int64_t j = 0; j < m; j++) best = fmin(best, cost_line(fpr[j], tpr[j], x));
    nec[i] = best;
  }
}

/* ---- probability losses ---- */

/* Loops over idx (a bootstrap replicate, in draw order) or 0..n-1, so
 * that a replicate computed here equals the metric of the materialised
 * replicate bit for bit. */
static inline int64_t at(const int64_t *idx, int64_t i) {
  return idx ? idx[i] : i;
}

static double brier_idx(const int64_t *idx, const uint8_t *ypos,
                        const double *p, const double *w, int64_t n) {
  double acc = 0, ws = 0;
  for (int64_t t = 0; t < n; t++) {
    int64_t i = at(idx, t);
    double d = (double)ypos[i] - p[i];
    if (w) {
      acc += d * d * w[i];
      ws += w[i];
    } else {
      acc += d * d;
    }
  }
  return w ? acc / ws : acc / (double)n;
}

double metrics_brier(const uint8_t *ypos, const double *p, const double *w,
                     int64_t n) {
  return brier_idx(NULL, ypos, p, w, n);
}

static double log_loss_idx(const int64_t *idx, const uint8_t *ypos,
                           const double *p, const double *w, int64_t n,
                           double eps) {
  double acc = 0, ws = 0;
  for (int64_t t = 0; t < n; t++) {
    int64_t i = at(idx, t);
    double c = fmin(fmax(p[i], eps), 1 - eps);
    double q = 1 - c, s = q + c;
    double l = ypos[i] ? -log(c / s) : -log(q / s);
    if (w) {
      acc += l * w[i];
      ws += w[i];
    } else {
      acc += l;
    }
  }
  return w ? acc / ws : acc / (double)n;
}

double metrics_log_loss(const uint8_t *ypos, const double *p, const double *w,
                        int64_t n, double eps) {
  return log_loss_idx(NULL, ypos, p, w, n, eps);
}

double metrics_log_loss_multi(const int64_t *y, const double *p,
                              const double *w, int64_t n, int64_t k,
                              double eps) {
  double acc = 0, ws = 0;
  for (int64_t i = 0; i < n; i++) {
    const double *row = p + i * k;
    double s = 0;
    for (int64_t c = 0; c < k; c++) s += fmin(fmax(row[c], eps), 1 - eps);
    double l = -log(fmin(fmax(row[y[i]], eps), 1 - eps) / s);
    if (w) {
      acc += l * w[i];
      ws += w[i];
    } else {
      acc += l;
    }
  }
  return w ? acc / ws : acc / (double)n;
}

/* ---- calibration ---- */

double metrics_quantile_sorted(const double *x, int64_t n, double q) {
  assert(n >= 1);
  double v = (double)(n - 1) * q;
  if (v >= (double)(n - 1)) return x[n - 1];
  if (v <= 0) return x[0];
  double f = floor(v), g = v - f;
  int64_t i = (int64_t)f;
  double a = x[i], b = x[i + 1], d = b - a;
  return g >= 0.5 ? b - d * (1 - g) : a + d * g;
}

credo_status metrics_calibration_curve(double *prob_true, double *prob_pred,
                                       int64_t *m, const uint8_t *ypos,
                                       const double *p, int64_t n,
                                       int64_t n_bins, int quantile) {
  assert(n >= 1 && n_bins >= 1);
  double *edges = alloc_n(n_bins + 1, sizeof *edges);
  double *sums = calloc((size_t)n_bins, sizeof *sums);
  double *trues = calloc((size_t)n_bins, sizeof *trues);
  int64_t *counts = calloc((size_t)n_bins, sizeof *counts);
  uint64_t *k = NULL, *tmp = NULL;
  int64_t *h = NULL;
  credo_status st = CREDO_ENOMEM;
  if (!edges || !sums || !trues || !counts) goto done;
  double step = 1.0 / (double)n_bins;
  if (quantile) {
    k = alloc_n(n, sizeof *k);
    tmp = alloc_n(n, sizeof *tmp);
    h = alloc_n(RADIX_PASSES * RADIX_SIZE, sizeof *h);
    if (!k || !tmp || !h) goto done;
    for (int64_t i = 0; i < n; i++) k[i] = sort_key(p[i]);
    radix_sort(k, NULL, tmp, NULL, n, h);
    double *x = (double *)tmp; /* sorted values, reusing the scratch */
    for (int64_t i = 0; i < n; i++) x[i] = key_value(k[i]);
    for (int64_t i = 0; i <= n_bins; i++) {
      /* linspace(0, 1, n_bins + 1) * 100, then percentile divides by 100 */
      double q = i == n_bins ? 1.0 : ((double)i * step) * 100.0 / 100.0;
      edges[i] = metrics_quantile_sorted(x, n, q);
    }
  } else {
    for (int64_t i = 0; i <= n_bins; i++)
      edges[i] = i == n_bins ? 1.0 : (double)i * step;
  }
  /* bin = number of interior edges (edges[1..n_bins-1]) strictly below p:
   * numpy.searchsorted(edges[1:-1], p, side="left") */
  for (int64_t i = 0; i < n; i++) {
    int64_t lo = 0, hi = n_bins - 1;
    while (lo < hi) {
      int64_t mid = lo + (hi - lo) / 2;
      if (edges[1 + mid] < p[i]) lo = mid + 1;
      else hi = mid;
    }
    sums[lo] += p[i];
    trues[lo] += (double)ypos[i];
    counts[lo]++;
  }
  int64_t c = 0;
  for (int64_t b = 0; b < n_bins; b++) {
    if (counts[b] == 0) continue;
    prob_true[c] = trues[b] / (double)counts[b];
    prob_pred[c] = sums[b] / (double)counts[b];
    c++;
  }
  *m = c;
  st = CREDO_OK;
done:
  free(edges); free(sums); free(trues); free(counts);
  free(k); free(tmp); free(h);
  return st;
}

/* ---- label metrics ---- */

static void confusion_idx(double *cm, const int64_t *idx, const int64_t *yt,
                          const int64_t *yp, const double *w, int64_t n,
                          const int32_t *map, int64_t k) {
  memset(cm, 0, sizeof(double) * (size_t)(k * k));
  for (int64_t t = 0; t < n; t++) {
    int64_t i = at(idx, t);
    int32_t a = map[yt[i]], b = map[yp[i]];
    if (a < 0 || b < 0) continue;
    cm[a * k + b] += w ? w[i] : 1.0;
  }
}

void metrics_confusion(double *cm, const int64_t *yt, const int64_t *yp,
                       const double *w, int64_t n, const int32_t *map,
                       int64_t k) {
  confusion_idx(cm, NULL, yt, yp, w, n, map, k);
}

static double accuracy_idx(const int64_t *idx, const int64_t *yt,
                           const int64_t *yp, const double *w, int64_t n) {
  double acc = 0, ws = 0;
  for (int64_t t = 0; t < n; t++) {
    int64_t i = at(idx, t);
    double hit = yt[i] == yp[i] ? 1.0 : 0.0;
    if (w) {
      acc += hit * w[i];
      ws += w[i];
    } else {
      acc += hit;
    }
  }
  return w ? acc / ws : acc / (double)n;
}

double metrics_accuracy(const int64_t *yt, const int64_t *yp,
                        const double *w, int64_t n) {
  return accuracy_idx(NULL, yt, yp, w, n);
}

static inline double prf_div(double num, double den, double zd) {
  return den == 0.0 ? zd : num / den;
}

static inline double fbeta(double p, double r, double beta) {
  if (isinf(beta)) return r;
  double b2 = beta * beta, den = b2 * p + r;
  if (den == 0.0) den = 1.0;
  return (1 + b2) * p * r / den;
}

static void class_sums_idx(double *tp, double *pred, double *tru,
                           const int64_t *idx, const int64_t *yt,
                           const int64_t *yp, const double *w, int64_t n,
                           const int32_t *map, int64_t k) {
  for (int64_t c = 0; c < k; c++) tp[c] = pred[c] = tru[c] = 0;
  for (int64_t t = 0; t < n; t++) {
    int64_t i = at(idx, t);
    int32_t a = map[yt[i]], b = map[yp[i]];
    if (a < 0 || b < 0) continue;
    double wi = w ? w[i] : 1.0;
    if (a == b) tp[a] += wi;
    pred[b] += wi;
    tru[a] += wi;
  }
}

void metrics_class_sums(double *tp, double *pred, double *tru,
                        const int64_t *yt, const int64_t *yp, const double *w,
                        int64_t n, const int32_t *map, int64_t k) {
  class_sums_idx(tp, pred, tru, NULL, yt, yp, w, n, map, k);
}

void metrics_prf(double *precision, double *recall, double *fscore,
                 double *support, const double *tp, const double *pred,
                 const double *tru, int64_t nsel, metrics_average avg,
                 double beta, double zero_division) {
  assert(nsel >= 1);
  double zd = zero_division;
  if (avg == METRICS_AVG_MICRO) {
    double t = 0, pr = 0, tr = 0;
    for (int64_t j = 0; j < nsel; j++) {
      t += tp[j];
      pr += pred[j];
      tr += tru[j];
    }
    double p = prf_div(t, pr, zd), r = prf_div(t, tr, zd);
    precision[0] = p;
    recall[0] = r;
    fscore[0] = fbeta(p, r, beta);
    support[0] = tr;
    return;
  }
  double sp = 0, sr = 0, sf = 0, wsum = 0, psum = 0;
  for (int64_t j = 0; j < nsel; j++) {
    double p = prf_div(tp[j], pred[j], zd), r = prf_div(tp[j], tru[j], zd);
    double f = fbeta(p, r, beta);
    if (avg == METRICS_AVG_NONE) {
      precision[j] = p;
      recall[j] = r;
      fscore[j] = f;
      support[j] = tru[j];
    } else if (avg == METRICS_AVG_WEIGHTED) {
      sp += p * tru[j];
      sr += r * tru[j];
      sf += f * tru[j];
    } else {
      sp += p;
      sr += r;
      sf += f;
    }
    wsum += tru[j];
    psum += pred[j];
  }
  if (avg == METRICS_AVG_NONE) return;
  support[0] = wsum;
  if (avg == METRICS_AVG_WEIGHTED) {
    if (wsum == 0) {
      precision[0] = psum == 0 ? zd : 0.0;
      recall[0] = zd;
      fscore[0] = psum == 0 ? zd : 0.0;
      return;
    }
    precision[0] = sp / wsum;
    recall[0] = sr / wsum;
    fscore[0] = sf / wsum;
    return;
  }
  precision[0] = sp / (double)nsel;
  recall[0] = sr / (double)nsel;
  fscore[0] = sf / (double)nsel;
}

double metrics_balanced_accuracy(const double *cm, int64_t k) {
  double s = 0;
  int64_t c = 0;
  for (int64_t j = 0; j < k; j++) {
    double row = 0;
    for (int64_t i = 0; i < k; i++) row += cm[j * k + i];
    if (row == 0) continue;
    s += cm[j * k + j] / row;
    c++;
  }
  return c ? s / (double)c : NAN;
}

/* ---- bootstrap ---- */

void metrics_bootstrap_indices(int64_t *out, int64_t n, const int64_t *members,
                               const int64_t *offsets, int64_t k,
                               uint64_t seed, uint64_t b) {
  Rng r;
  rng_stream(&r, seed, b);
  if (k == 0) {
    for (int64_t i = 0; i < n; i++) out[i] = (int64_t)rng_bounded(&r, (uint64_t)n);
    return;
  }
  int64_t o = 0;
  for (int64_t s = 0; s < k; s++) {
    int64_t c = offsets[s + 1] - offsets[s];
    const int64_t *mem = members + offsets[s];
    for (int64_t t = 0; t < c; t++) out[o++] = mem[rng_bounded(&r, (uint64_t)c)];
  }
  assert(o == n);
}

static int is_rank_metric(metrics_id id) {
  return id == METRICS_ID_ROC_AUC || id == METRICS_ID_GINI ||
         id == METRICS_ID_AVERAGE_PRECISION || id == METRICS_ID_PR_AUC ||
         id == METRICS_ID_KS;
}

/* One replicate of a non-ranking metric from its drawn indices. */
static double replicate_value(metrics_id id, const int64_t *idx,
                              const uint8_t *ypos, const int64_t *y,
                              const double *s, const int64_t *yp,
                              const double *w, int64_t n, int64_t ncls,
                              double *cm, const int32_t *map, double eps) {
  switch (id) {
  case METRICS_ID_BRIER:
    return brier_idx(idx, ypos, s, w, n);
  case METRICS_ID_LOG_LOSS:
    return log_loss_idx(idx, ypos, s, w, n, eps);
  case METRICS_ID_ACCURACY:
    return accuracy_idx(idx, y, yp, w, n);
  case METRICS_ID_BALANCED_ACCURACY:
    confusion_idx(cm, idx, y, yp, w, n, map, ncls);
    return metrics_balanced_accuracy(cm, ncls);
  case METRICS_ID_PRECISION:
  case METRICS_ID_RECALL:
  case METRICS_ID_F1: {
    /* class 1 first, as the binding orders labels for average="binary" */
    double p, r, f, sup;
    class_sums_idx(cm, cm + 2, cm + 4, idx, y, yp, w, n, map, 2);
    metrics_prf(&p, &r, &f, &sup, cm, cm + 2, cm + 4, 1, METRICS_AVG_BINARY,
                1.0, 0.0);
    return id == METRICS_ID_PRECISION ? p : id == METRICS_ID_RECALL ? r : f;
  }
  default:
    return NAN;
  }
}

credo_status metrics_bootstrap(double *values, metrics_id id,
                               const int64_t *y, const double *s,
                               const int64_t *yp, const double *w, int64_t n,
                               int64_t ncls, const int64_t *members,
                               const int64_t *offsets, int64_t k,
                               uint64_t seed, int64_t reps, double eps) {
  int rank = is_rank_metric(id);
  int labels = id >= METRICS_ID_ACCURACY;
  int binary = id >= METRICS_ID_PRECISION; /* labels 0/1, class 1 first */
  uint8_t *ypos = NULL;
  int64_t *order = NULL;
  int32_t *map = NULL;
  credo_status st = CREDO_ENOMEM;
  int64_t nmap = labels ? (ncls > 2 ? ncls : 2) : 0;
  if (!labels && !(ypos = alloc_n(n, 1))) goto done;
  if (rank && !(order = alloc_n(n, sizeof *order))) goto done;
  if (labels && !(map = alloc_n(nmap, sizeof *map))) goto done;
  if (!labels)
    for (int64_t i = 0; i < n; i++) ypos[i] = y[i] == 1;
  if (rank && metrics_argsort_desc(order, s, n) != CREDO_OK) goto done;
  if (labels) {
    for (int64_t c = 0; c < nmap; c++) map[c] = (int32_t)c;
    if (binary) { map[0] = 1; map[1] = 0; } /* class 1 first */
  }
  int fail = 0, intr = 0;
  int nt = credo_threads_get();
  if (nt > reps) nt = reps > 0 ? (int)reps : 1;
#pragma omp parallel num_threads(nt)
  {
    int64_t *idx = alloc_n(n, sizeof *idx);
    int32_t *cnt = rank ? alloc_n(n, sizeof *cnt) : NULL;
    double *cm = labels ? alloc_n(nmap * (nmap + 2), sizeof *cm) : NULL;
    if (!idx || (rank && !cnt) || (labels && !cm)) {
#pragma omp atomic write
      fail = 1;
    }
#pragma omp for schedule(static)
    for (int64_t b = 0; b < reps; b++) {
      int stop;
#pragma omp atomic read
      stop = fail;
      if (!stop) {
#pragma omp atomic read
        stop = intr;
      }
      if (!stop && credo_interrupted) {
#pragma omp atomic write
        intr = 1;
        stop = 1;
      }
      if (stop || !idx || (rank && !cnt) || (labels && !cm)) {
        values[b] = NAN;
        continue;
      }
      metrics_bootstrap_indices(idx, n, members, offsets, k, seed,
                                (uint64_t)b);
      if (rank) {
        MetricsRank r;
        memset(cnt, 0, sizeof(int32_t) * (size_t)n);
        for (int64_t t = 0; t < n; t++) cnt[idx[t]]++;
        metrics_rank_sorted(&r, order, ypos, s, w, cnt, n);
        values[b] = id == METRICS_ID_ROC_AUC ? r.auc
                    : id == METRICS_ID_GINI  ? 2 * r.auc - 1
                    : id == METRICS_ID_AVERAGE_PRECISION ? r.ap
                    : id == METRICS_ID_PR_AUC ? r.pr_auc
                                              : r.ks;
      } else {
        values[b] = replicate_value(id, idx, ypos, y, s, yp, w, n, nmap, cm,
                                    map, eps);
      }
    }
    free(idx);
    free(cnt);
    free(cm);
  }
  st = fail ? CREDO_ENOMEM : intr ? CREDO_EINTR : CREDO_OK;
done:
  free(ypos);
  free(order);
  free(map);
  return st;
}
