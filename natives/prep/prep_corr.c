/*
 * prep_corr.c: average ranks and correlation matrices with two-sided
 * p-values, as scipy 1.10 computes them.
 *
 * Pearson: each column centred on its mean and divided by its Euclidean
 * norm, then r = the dot product of two such columns, clipped to [-1, 1]
 * (scipy.stats.pearsonr).  The p-value of the null "no correlation" is
 * P(|T| >= |t|) for Student's t with n - 2 degrees of freedom,
 * t = r sqrt((n-2) / (1 - r^2)); in terms of r it is
 * I_{1-r^2}((n-2)/2, 1/2), which is what is computed (prep_betainc, with
 * 1 - r^2 = (1 - r)(1 + r)).  scipy writes the same p as twice the tail of
 * a Beta(n/2 - 1, n/2 - 1) on [-1, 1]; the two are the same function.
 * Spearman: the same on the columns' average ranks (scipy.stats.spearmanr
 * with its t approximation).
 *
 * What it is not: no NaN handling (the binding refuses NaN), no one-sided
 * alternatives, no Kendall tau.  Pairs run in parallel, each computed on
 * its own, so the bits do not depend on the thread count.
 */
#include <math.h>
#include <stdlib.h>

#include "../tensor/tensor_reduce.h"
#include "prep.h"
#include "prep_omp.h"

credo_status prep_rank_average(double *rank, const double *x, int64_t n,
                               int64_t stride) {
  double *v = malloc((size_t)(n ? n : 1) * sizeof *v);
  int64_t *idx = malloc((size_t)(n ? n : 1) * 2 * sizeof *idx);
  if (!v || !idx) { free(v); free(idx); return CREDO_ENOMEM; }
  for (int64_t i = 0; i < n; i++) v[i] = x[i * stride];
  tensor_argsort_f64_scratch(idx, v, n, 0, idx + n);
  for (int64_t i = 0; i < n;) {
    int64_t k = i;
    while (k < n && v[idx[k]] == v[idx[i]]) k++;
    /* positions i..k-1 (0-based) share the rank mean of i+1..k */
    double r = 0.5 * (double)(i + 1 + k);
    for (int64_t t = i; t < k; t++) rank[idx[t]] = r;
    i = k;
  }
  free(v);
  free(idx);
  return CREDO_OK;
}

/* p-value of a correlation r from n observations (two-sided). */
static double corr_pvalue(double r, int64_t n) {
  if (isnan(r)) return NAN;
  double df = (double)(n - 2);
  if (df <= 0) return 1.0;
  double y = r * r;
  if (y >= 1.0) return 0.0;
  return prep_betainc(0.5 * df, 0.5, (1.0 - r) * (1.0 + r), y);
}

credo_status prep_corr(double *r, double *p, const double *x, int64_t n,
                       int64_t d, int spearman) {
  /* z (d, n): each column, ranked if asked, centred and scaled to norm 1;
   * constant[j] when every value of column j equals the first */
  size_t cells;
  if (credo_mul_size((size_t)d, (size_t)(n ? n : 1), &cells)) return CREDO_ENOMEM;
  double *z = malloc(cells * sizeof *z);
  char *constant = malloc((size_t)(d ? d : 1));
  if (!z || !constant) { free(z); free(constant); return CREDO_ENOMEM; }
  credo_status st = CREDO_OK;
  for (int64_t j = 0; j < d && st == CREDO_OK; j++) {
    if (credo_interrupted) { st = CREDO_EINTR; break; }
    double *zj = z + j * n;
    constant[j] = 1;
    for (int64_t i = 1; i < n; i++)
      if (x[i * d + j] != x[j]) { constant[j] = 0; break; }
    if (spearman) {
      st = prep_rank_average(zj, x + j, n, d);
    } else {
      for (int64_t i = 0; i < n; i++) zj[i] = x[i * d + j];
    }
    if (st != CREDO_OK || constant[j]) continue;
    double s = 0;
    for (int64_t i = 0; i < n; i++) s += zj[i];
    double mu = s / (double)n;
    /* the norm as scipy.linalg.norm (LAPACK dnrm2: scaled sum of squares) */
    double scale = 0, ssq = 1;
    for (int64_t i = 0; i < n; i++) {
      zj[i] -= mu;
      double a = fabs(zj[i]);
      if (a == 0) continue;
      if (scale < a) {
        ssq = 1 + ssq * (scale / a) * (scale / a);
        scale = a;
      } else {
        ssq += (a / scale) * (a / scale);
      }
    }
    double norm = scale * sqrt(ssq);
    for (int64_t i = 0; i < n; i++) zj[i] /= norm;
  }
  if (st != CREDO_OK) { free(z); free(constant); return st; }
  int64_t npairs = d * (d + 1) / 2;
#pragma omp parallel for schedule(dynamic, 16) num_threads(credo_threads_get()) if (npairs * n > 100000)
  for (int64_t t = 0; t < npairs; t++) {
    if (prep_status_get(&st) != CREDO_OK) continue;
    if (credo_interrupted) { prep_status_set(&st, CREDO_EINTR); continue; }
    /* pair t -> (a, b) with a <= b, row by row of the upper triangle */
    int64_t a = 0, rem = t;
    while (rem >= d - a) { rem -= d - a; a++; }
    int64_t b = a + rem;
    double rv;
    if (constant[a] || constant[b]) {
      rv = NAN;
    } else if (a == b) {
      rv = 1.0;
    } else {
      const double *za = z + a * n, *zb = z + b * n;
      double s = 0;
      for (int64_t i = 0; i < n; i++) s += za[i] * zb[i];
      rv = s > 1.0 ? 1.0 : (s < -1.0 ? -1.0 : s);
    }
    r[a * d + b] = r[b * d + a] = rv;
    if (p) p[a * d + b] = p[b * d + a] = a == b ? (isnan(rv) ? NAN : 0.0)
                                               : corr_pvalue(rv, n);
  }
  free(z);
  free(constant);
  return st;
}
