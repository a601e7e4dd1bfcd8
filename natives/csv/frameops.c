/*
 * frameops.c: radix sort, quantiles, describe, factorize and counts for
 * the Frame (see frameops.h).  Pure C.
 */
#include "frameops.h"

#include <math.h>
#include <string.h>

uint64_t frame_key_f64(double x) {
  uint64_t u;
  if (x == 0) x = 0.0;  /* -0.0 sorts and groups with +0.0 */
  memcpy(&u, &x, 8);
  return (u >> 63) ? ~u : u | ((uint64_t)1 << 63);
}

double frame_unkey_f64(uint64_t k) {
  uint64_t u = (k >> 63) ? k & ~((uint64_t)1 << 63) : ~k;
  double x;
  memcpy(&x, &u, 8);
  return x;
}

void frame_radix_sort_u64(uint64_t *keys, uint64_t *tmp, int64_t *idx,
                          int64_t *idxtmp, size_t n) {
  if (n < 2) return;
  size_t cnt[8][256];
  memset(cnt, 0, sizeof cnt);
  for (size_t i = 0; i < n; i++) {
    uint64_t k = keys[i];
    for (int b = 0; b < 8; b++) cnt[b][(k >> (8 * b)) & 255]++;
  }
  uint64_t *src = keys, *dst = tmp;
  int64_t *isrc = idx, *idst = idxtmp;
  for (int b = 0; b < 8; b++) {
    if (cnt[b][(keys[0] >> (8 * b)) & 255] == n) continue;
    size_t off[256], s = 0;
    for (int d = 0; d < 256; d++) {
      off[d] = s;
      s += cnt[b][d];
    }
    for (size_t i = 0; i < n; i++) {
      size_t at = off[(src[i] >> (8 * b)) & 255]++;
      dst[at] = src[i];
      if (isrc) idst[at] = isrc[i];
    }
    uint64_t *t = src; src = dst; dst = t;
    int64_t *it = isrc; isrc = idst; idst = it;
  }
  if (src != keys) {
    memcpy(keys, src, n * sizeof *keys);
    if (idx) memcpy(idx, isrc, n * sizeof *idx);
  }
}

double frame_quantile_sorted(const double *v, int64_t n, double q) {
  double pos = q * (double)(n - 1);
  int64_t lo = (int64_t)floor(pos);
  if (lo < 0) lo = 0;
  if (lo > n - 1) lo = n - 1;
  int64_t hi = lo + 1 < n ? lo + 1 : n - 1;
  double t = pos - (double)lo, a = v[lo], b = v[hi], d = b - a;
  /* numpy's _lerp: a + d*t, computed from the nearer end */
  return t >= 0.5 ? b - d * (1 - t) : a + d * t;
}

void frame_describe_f64(frame_stats *s, const double *x, int64_t n,
                        uint64_t *scratch) {
  uint64_t *keys = scratch, *tmp = scratch + n;
  int64_t m = 0;
  double sum = 0, comp = 0;
  for (int64_t i = 0; i < n; i++) {
    double v = x[i];
    if (isnan(v)) continue;
    keys[m++] = frame_key_f64(v);
    double t = sum + v;  /* Neumaier: keep the low-order part */
    comp += fabs(sum) >= fabs(v) ? (sum - t) + v : (v - t) + sum;
    sum = t;
  }
  s->count = m;
  s->missing = n - m;
  s->mean = s->std = s->min = s->q25 = s->q50 = s->q75 = s->max = NAN;
  if (m == 0) return;
  double mean = (sum + comp) / (double)m;
  s->mean = mean;
  if (m > 1) {
    double ss = 0, c2 = 0;
    for (int64_t i = 0; i < n; i++) {
      if (isnan(x[i])) continue;
      double d = (x[i] - mean) * (x[i] - mean), t = ss + d;
      c2 += ss >= d ? (ss - t) + d : (d - t) + ss;
      ss = t;
    }
    s->std = sqrt((ss + c2) / (double)(m - 1));
  }
  frame_radix_sort_u64(keys, tmp, NULL, NULL, (size_t)m);
  double *v = (double *)tmp;  /* sorted values, reusing tmp */
  for (int64_t i = 0; i < m; i++) v[i] = frame_unkey_f64(keys[i]);
  s->min = v[0];
  s->max = v[m - 1];
  s->q25 = frame_quantile_sorted(v, m, 0.25);
  s->q50 = frame_quantile_sorted(v, m, 0.5);
  s->q75 = frame_quantile_sorted(v, m, 0.75);
}

int64_t frame_factorize_f64(int64_t *codes, double *levels, const double *x,
                            int64_t n, uint64_t *scratch) {
  uint64_t *keys = scratch, *ktmp = scratch + n;
  int64_t *idx = (int64_t *)(scratch + 2 * n), *itmp = idx + n;
  int64_t m = 0;
  for (int64_t i = 0; i < n; i++) {
    codes[i] = 0;
    if (isnan(x[i])) continue;
    keys[m] = frame_key_f64(x[i]);
    idx[m++] = i;
  }
  frame_radix_sort_u64(keys, ktmp, idx, itmp, (size_t)m);
  int64_t k = 0;
  for (int64_t t = 0; t < m; t++) {
    if (t == 0 || keys[t] != keys[t - 1]) levels[k++] = frame_unkey_f64(keys[t]);
    codes[idx[t]] = k;
  }
  return k;
}

int64_t frame_unique_counts_i64(int64_t *uniq, int64_t *counts,
                                const int64_t *keys, int64_t n,
                                uint64_t *scratch) {
  uint64_t *k = scratch, *tmp = scratch + n;
  const uint64_t flip = (uint64_t)1 << 63;
  for (int64_t i = 0; i < n; i++) k[i] = (uint64_t)keys[i] ^ flip;
  frame_radix_sort_u64(k, tmp, NULL, NULL, (size_t)n);
  int64_t u = 0;
  for (int64_t i = 0; i < n; i++) {
    if (i == 0 || k[i] != k[i - 1]) {
      uniq[u] = (int64_t)(k[i] ^ flip);
      counts[u++] = 0;
    }
    counts[u - 1]++;
  }
  return u;
}
