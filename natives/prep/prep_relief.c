/*
 * prep_relief.c: ReliefF feature weights (Kononenko, "Estimating
 * attributes: analysis and extensions of RELIEF", ECML 1994; the form of
 * Robnik-Sikonja & Kononenko, "Theoretical and empirical analysis of
 * ReliefF and RReliefF", Machine Learning 53, 2003, fig. 3).
 *
 * For each chosen instance R (class c_R): its k nearest hits H_j (same
 * class) and, for every other class C, its k nearest misses M_j(C); then
 * for each feature A
 *   W[A] -= sum_j diff(A, R, H_j) / (m k_H)
 *   W[A] += sum_{C != c_R} P(C) / (1 - P(c_R)) sum_j diff(A, R, M_j(C)) / (m k_C)
 * with diff the absolute difference of min-max normalised values (0 for a
 * constant feature), distances the sum of diffs (Manhattan), k_H and k_C
 * the neighbours actually found (fewer than k when a class is small),
 * P(C) the class frequencies over all n rows.  Ties in distance go to the
 * lower row.
 *
 * Instances are processed in fixed chunks of 64, in parallel; each chunk
 * sums into its own row of partial weights, and chunks are added in
 * order, so the result does not depend on the thread count.  What it is
 * not: no regression (RReliefF), no missing values, no nominal diff.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "prep.h"
#include "prep_omp.h"

#define CHUNK 64

/* Insert (dist, j) into the sorted list of the k nearest (cnt so far). */
static void keep_nearest(double *nd, int64_t *nj, int64_t *cnt, int64_t k,
                         double dist, int64_t j) {
  if (*cnt == k && !(dist < nd[k - 1])) return;  /* ties keep the lower row */
  int64_t p = *cnt < k ? (*cnt)++ : k - 1;
  while (p > 0 && dist < nd[p - 1]) {
    nd[p] = nd[p - 1];
    nj[p] = nj[p - 1];
    p--;
  }
  nd[p] = dist;
  nj[p] = j;
}

credo_status prep_relieff(double *w, const double *x, const int64_t *y,
                          int64_t n, int64_t d, int64_t n_classes, int64_t k,
                          const int64_t *sample, int64_t m) {
  size_t cells;
  if (credo_mul_size((size_t)n, (size_t)(d ? d : 1), &cells)) return CREDO_ENOMEM;
  double *xn = malloc(cells * sizeof *xn);
  double *prior = calloc((size_t)n_classes, sizeof *prior);
  int64_t nchunks = (m + CHUNK - 1) / CHUNK;
  double *partial = calloc((size_t)(nchunks ? nchunks : 1) * (size_t)(d ? d : 1),
                           sizeof *partial);
  if (!xn || !prior || !partial) {
    free(xn); free(prior); free(partial);
    return CREDO_ENOMEM;
  }
  /* min-max normalisation; a constant feature becomes all 0 */
  for (int64_t a = 0; a < d; a++) {
    double lo = INFINITY, hi = -INFINITY;
    for (int64_t i = 0; i < n; i++) {
      double v = x[i * d + a];
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    double range = hi - lo;
    for (int64_t i = 0; i < n; i++)
      xn[i * d + a] = range > 0 ? (x[i * d + a] - lo) / range : 0.0;
  }
  for (int64_t i = 0; i < n; i++) prior[y[i]] += 1.0;
  for (int64_t c = 0; c < n_classes; c++) prior[c] /= (double)n;

  credo_status st = CREDO_OK;
#pragma omp parallel for schedule(dynamic, 1) num_threads(credo_threads_get()) if (m * n > 20000)
  for (int64_t ch = 0; ch < nchunks; ch++) {
    if (prep_status_get(&st) != CREDO_OK) continue;
    if (credo_interrupted) { prep_status_set(&st, CREDO_EINTR); continue; }
    double *nd = malloc((size_t)(n_classes * k) * sizeof *nd);
    int64_t *nj = malloc((size_t)(n_classes * k) * sizeof *nj);
    int64_t *cnt = malloc((size_t)n_classes * sizeof *cnt);
    if (!nd || !nj || !cnt) {
      free(nd); free(nj); free(cnt);
      prep_status_set(&st, CREDO_ENOMEM);
      continue;
    }
    double *acc = partial + ch * d;
    int64_t end = (ch + 1) * CHUNK < m ? (ch + 1) * CHUNK : m;
    for (int64_t s = ch * CHUNK; s < end; s++) {
      int64_t i = sample ? sample[s] : s;
      const double *xi = xn + i * d;
      for (int64_t c = 0; c < n_classes; c++) cnt[c] = 0;
      for (int64_t j = 0; j < n; j++) {
        if (j == i) continue;
        const double *xj = xn + j * d;
        double dd = 0;
        for (int64_t a = 0; a < d; a++) dd += fabs(xi[a] - xj[a]);
        int64_t c = y[j];
        keep_nearest(nd + c * k, nj + c * k, cnt + c, k, dd, j);
      }
      int64_t ci = y[i];
      for (int64_t c = 0; c < n_classes; c++) {
        if (cnt[c] == 0) continue;
        double coef = c == ci ? -1.0 / (double)cnt[c]
                              : prior[c] / (1.0 - prior[ci]) / (double)cnt[c];
        for (int64_t q = 0; q < cnt[c]; q++) {
          const double *xj = xn + nj[c * k + q] * d;
          for (int64_t a = 0; a < d; a++) acc[a] += coef * fabs(xi[a] - xj[a]);
        }
      }
    }
    free(nd); free(nj); free(cnt);
  }
  if (st == CREDO_OK) {
    for (int64_t a = 0; a < d; a++) {
      double s = 0;
      for (int64_t ch = 0; ch < nchunks; ch++) s += partial[ch * d + a];
      w[a] = m > 0 ? s / (double)m : 0.0;
    }
  }
  free(xn); free(prior); free(partial);
  return st;
}
