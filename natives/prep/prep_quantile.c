/*
 * prep_quantile.c: NaN-aware column statistics (count, mean, population
 * variance, min, max, mode), numpy's percentiles and scikit-learn 1.2's
 * QuantileTransformer (dense fit, forward and inverse transform), on
 * row-major (n, d) double matrices.
 *
 * The percentile is numpy 1.24's "linear" method bit for bit (virtual
 * index (n-1)*q, numpy's two-sided lerp); the quantile transform follows
 * sklearn/preprocessing/_data.py (_dense_fit, _transform_col), including
 * np.interp's rules for repeated knots.  What it is not: no sparse input,
 * no weighted statistics; columns are independent and run in parallel
 * (OpenMP), each with its own scratch, so results never depend on the
 * thread count.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../random/rng.h"
#include "prep.h"
#include "prep_omp.h"

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* The non-NaN values of column j of x (n, d) into v, sorted; returns how
 * many. */
static int64_t column_sorted(double *v, const double *x, int64_t n, int64_t d,
                             int64_t j) {
  int64_t m = 0;
  for (int64_t i = 0; i < n; i++) {
    double a = x[i * d + j];
    if (!isnan(a)) v[m++] = a;
  }
  qsort(v, (size_t)m, sizeof *v, cmp_double);
  return m;
}

/* numpy's _lerp: a + (b-a)*t below t = 0.5, b - (b-a)*(1-t) from 0.5 on. */
static double lerp(double a, double b, double t) {
  double diff = b - a;
  return t >= 0.5 ? b - diff * (1.0 - t) : a + diff * t;
}

double prep_percentile_sorted(const double *v, int64_t n, double q) {
  double vi = (double)(n - 1) * q;
  double prev = floor(vi);
  double gamma = vi - prev;
  int64_t lo, hi;
  if (vi >= (double)(n - 1)) {
    lo = hi = n - 1;
  } else if (vi < 0) {
    lo = hi = 0;
  } else {
    lo = (int64_t)prev;
    hi = lo + 1;
  }
  return lerp(v[lo], v[hi], gamma);
}

credo_status prep_col_moments(int64_t *count, double *mean, double *var,
                              double *min, double *max, const double *x,
                              int64_t n, int64_t d) {
  for (int64_t j = 0; j < d; j++) {
    if (credo_interrupted) return CREDO_EINTR;
    int64_t c = 0;
    double s = 0, lo = INFINITY, hi = -INFINITY;
    for (int64_t i = 0; i < n; i++) {
      double a = x[i * d + j];
      if (isnan(a)) continue;
      c++;
      s += a;
      if (a < lo) lo = a;
      if (a > hi) hi = a;
    }
    double mu = c ? s / (double)c : NAN;
    double v = NAN;
    if (c) {
      /* corrected two-pass (Chan, Golub & LeVeque 1983), as scikit-learn's
       * _incremental_mean_and_var: sum (x - mu)^2 - (sum (x - mu))^2 / c */
      double s1 = 0, s2 = 0;
      for (int64_t i = 0; i < n; i++) {
        double a = x[i * d + j];
        if (isnan(a)) continue;
        double t = a - mu;
        s1 += t;
        s2 += t * t;
      }
      v = (s2 - s1 * s1 / (double)c) / (double)c;
    }
    if (count) count[j] = c;
    if (mean) mean[j] = mu;
    if (var) var[j] = v;
    if (min) min[j] = c ? lo : NAN;
    if (max) max[j] = c ? hi : NAN;
  }
  return CREDO_OK;
}

credo_status prep_col_percentiles(double *out, const double *x, int64_t n,
                                  int64_t d, const double *q, int64_t nq) {
  credo_status st = CREDO_OK;
#pragma omp parallel for schedule(static) num_threads(credo_threads_get()) if (d > 1 && n * d > 100000)
  for (int64_t j = 0; j < d; j++) {
    if (prep_status_get(&st) != CREDO_OK) continue;
    if (credo_interrupted) { prep_status_set(&st, CREDO_EINTR); continue; }
    double *v = malloc((size_t)(n ? n : 1) * sizeof *v);
    if (!v) { prep_status_set(&st, CREDO_ENOMEM); continue; }
    int64_t m = column_sorted(v, x, n, d, j);
    for (int64_t k = 0; k < nq; k++)
      out[k * d + j] = m ? prep_percentile_sorted(v, m, q[k]) : NAN;
    free(v);
  }
  return st;
}

credo_status prep_col_mode(double *out, const double *x, int64_t n, int64_t d) {
  double *v = malloc((size_t)(n ? n : 1) * sizeof *v);
  if (!v) return CREDO_ENOMEM;
  for (int64_t j = 0; j < d; j++) {
    if (credo_interrupted) { free(v); return CREDO_EINTR; }
    int64_t m = column_sorted(v, x, n, d, j);
    double best = NAN;
    int64_t best_run = 0;
    for (int64_t i = 0; i < m;) {
      int64_t k = i;
      while (k < m && v[k] == v[i]) k++;
      if (k - i > best_run) { best_run = k - i; best = v[i]; }
      i = k;
    }
    out[j] = best;
  }
  free(v);
  return CREDO_OK;
}

credo_status prep_quantile_fit(double *quantiles, double *references,
                               const double *x, int64_t n, int64_t d,
                               int64_t nq, int64_t sub, uint64_t seed) {
  /* np.linspace(0, 1, nq): i * (1 / (nq - 1)), the last exactly 1 */
  if (nq == 1) {
    references[0] = 0.0;
  } else {
    double step = 1.0 / (double)(nq - 1);
    for (int64_t i = 0; i < nq; i++) references[i] = (double)i * step;
    references[nq - 1] = 1.0;
  }
  int subsample = sub > 0 && sub < n;
  int64_t rows = subsample ? sub : n;
  credo_status st = CREDO_OK;
#pragma omp parallel for schedule(static) num_threads(credo_threads_get()) if (d > 1 && rows * d > 100000)
  for (int64_t j = 0; j < d; j++) {
    if (prep_status_get(&st) != CREDO_OK) continue;
    if (credo_interrupted) { prep_status_set(&st, CREDO_EINTR); continue; }
    double *v = malloc((size_t)(rows ? rows : 1) * sizeof *v);
    int64_t *idx = subsample ? malloc((size_t)rows * sizeof *idx) : NULL;
    if (!v || (subsample && !idx)) {
      free(v); free(idx);
      prep_status_set(&st, CREDO_ENOMEM);
      continue;
    }
    int64_t m = 0;
    if (subsample) {
      Rng r;
      rng_stream(&r, seed, (uint64_t)j);
      credo_status s2 = rng_sample(idx, n, rows, &r);
      if (s2 != CREDO_OK) { free(v); free(idx); prep_status_set(&st, s2); continue; }
      for (int64_t i = 0; i < rows; i++) {
        double a = x[idx[i] * d + j];
        if (!isnan(a)) v[m++] = a;
      }
      qsort(v, (size_t)m, sizeof *v, cmp_double);
    } else {
      m = column_sorted(v, x, n, d, j);
    }
    /* np.nanpercentile(col, references * 100): q = (r * 100) / 100 */
    for (int64_t k = 0; k < nq; k++) {
      double q = (references[k] * 100.0) / 100.0;
      quantiles[k * d + j] = m ? prep_percentile_sorted(v, m, q) : NAN;
    }
    /* np.maximum.accumulate down the column */
    for (int64_t k = 1; k < nq; k++) {
      double a = quantiles[(k - 1) * d + j], b = quantiles[k * d + j];
      quantiles[k * d + j] = (isnan(a) || isnan(b)) ? NAN : (b > a ? b : a);
    }
    free(v);
    free(idx);
  }
  return st;
}

double prep_interp(double x, const double *xp, const double *fp, int64_t m) {
  if (isnan(x)) return x;
  if (m == 1) return fp[0];
  if (x < xp[0]) return fp[0];
  if (x > xp[m - 1]) return fp[m - 1];
  /* j: the rightmost knot with xp[j] <= x (numpy's binary_search_with_guess) */
  int64_t lo = 0, hi = m;
  while (lo < hi) {
    int64_t mid = lo + ((hi - lo) >> 1);
    if (x >= xp[mid]) lo = mid + 1;
    else hi = mid;
  }
  int64_t j = lo - 1;
  if (j >= m - 1) return fp[m - 1];
  if (xp[j] == x) return fp[j];
  double slope = (fp[j + 1] - fp[j]) / (xp[j + 1] - xp[j]);
  double r = slope * (x - xp[j]) + fp[j];
  if (isnan(r)) {
    r = slope * (x - xp[j + 1]) + fp[j + 1];
    if (isnan(r) && fp[j] == fp[j + 1]) r = fp[j];
  }
  return r;
}

#define BOUNDS_THRESHOLD 1e-7

credo_status prep_quantile_transform(double *out, const double *x, int64_t n,
                                     int64_t d, const double *quantiles,
                                     const double *references, int64_t nq,
                                     int normal, int inverse) {
  /* the clip of the normal output: ppf(1e-7 - eps), ppf(1 - (1e-7 - eps)),
   * eps = np.spacing(1) = 2^-52 */
  const double eps = 2.220446049250313e-16;
  const double clip_min = prep_norm_ppf(BOUNDS_THRESHOLD - eps);
  const double clip_max = prep_norm_ppf(1.0 - (BOUNDS_THRESHOLD - eps));
  credo_status st = CREDO_OK;
#pragma omp parallel for schedule(static) num_threads(credo_threads_get()) if (d > 1 && n * d > 100000)
  for (int64_t j = 0; j < d; j++) {
    if (prep_status_get(&st) != CREDO_OK) continue;
    double *buf = malloc((size_t)nq * 4 * sizeof *buf);
    if (!buf) { prep_status_set(&st, CREDO_ENOMEM); continue; }
    /* q: the column's quantiles; nq_rev = -q[::-1]; nr_rev = -references[::-1] */
    double *q = buf, *nq_rev = buf + nq, *nr_rev = buf + 2 * nq;
    for (int64_t k = 0; k < nq; k++) {
      q[k] = quantiles[k * d + j];
      nq_rev[k] = -quantiles[(nq - 1 - k) * d + j];
      nr_rev[k] = -references[nq - 1 - k];
    }
    double qlo = q[0], qhi = q[nq - 1];
    for (int64_t i = 0; i < n; i++) {
      if ((i & 65535) == 0 && credo_interrupted) { prep_status_set(&st, CREDO_EINTR); break; }
      double v = x[i * d + j], r;
      if (!inverse) {
        int lower, upper;
        if (normal) {
          lower = v - BOUNDS_THRESHOLD < qlo;
          upper = v + BOUNDS_THRESHOLD > qhi;
        } else {
          lower = v == qlo;
          upper = v == qhi;
        }
        if (isnan(v)) r = v;
        else r = 0.5 * (prep_interp(v, q, references, nq) -
                        prep_interp(-v, nq_rev, nr_rev, nq));
        if (upper) r = 1.0;
        if (lower) r = 0.0;
        if (normal) {
          r = prep_norm_ppf(r);
          if (r < clip_min) r = clip_min;  /* np.clip: NaN stays NaN */
          if (r > clip_max) r = clip_max;
        }
      } else {
        if (normal) v = prep_norm_cdf(v);
        int lower, upper;
        if (normal) {
          lower = v - BOUNDS_THRESHOLD < 0;
          upper = v + BOUNDS_THRESHOLD > 1;
        } else {
          lower = v == 0;
          upper = v == 1;
        }
        r = isnan(v) ? v : prep_interp(v, references, q, nq);
        if (upper) r = qhi;
        if (lower) r = qlo;
      }
      out[i * d + j] = r;
    }
    free(buf);
  }
  return st;
}
