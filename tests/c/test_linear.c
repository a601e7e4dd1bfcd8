/*
 * test_linear.c: the logistic-regression core (natives/linear) alone:
 * objective gradient against float64 central differences on a dense +
 * sparse design, the CSC copy, a separable and a near-separable problem,
 * l1 sparsity with OWL-QN's optimality conditions, and the same bits for 1
 * and 2 threads.  Prints the largest differences seen.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ctest.h"
#include "../../natives/linear/linear.h"

static uint64_t rng_state = 88172645463325252ULL;

static double urand(void) { /* xorshift64, [0, 1) */
  rng_state ^= rng_state << 13;
  rng_state ^= rng_state >> 7;
  rng_state ^= rng_state << 17;
  return (double)(rng_state >> 11) / 9007199254740992.0;
}

static double nrand(void) {
  double u = urand() + 1e-300, v = urand();
  return sqrt(-2 * log(u)) * cos(6.283185307179586 * v);
}

/* A design of n rows: dense (n, dd) normals, sparse ds columns with k
 * entries per row (values or implicit ones). */
typedef struct {
  LinearDesign D;
  double *X, *val, *cval;
  int64_t *ptr, *ind, *cptr, *crow;
} Owned;

static void make_design(Owned *o, int64_t n, int64_t dd, int64_t ds, int k, int ones) {
  memset(o, 0, sizeof *o);
  o->X = malloc((size_t)(n * dd + 1) * sizeof(double));
  for (int64_t i = 0; i < n * dd; i++) o->X[i] = nrand();
  o->ptr = malloc((size_t)(n + 1) * sizeof(int64_t));
  o->ind = malloc((size_t)(n * k + 1) * sizeof(int64_t));
  o->val = ones ? NULL : malloc((size_t)(n * k + 1) * sizeof(double));
  o->ptr[0] = 0;
  for (int64_t i = 0; i < n; i++) {
    for (int j = 0; j < k; j++) {
      o->ind[i * k + j] = (int64_t)(urand() * (double)ds);
      if (o->val) o->val[i * k + j] = nrand();
    }
    o->ptr[i + 1] = (i + 1) * k;
  }
  o->cptr = malloc((size_t)(ds + 1) * sizeof(int64_t));
  o->crow = malloc((size_t)(n * k + 1) * sizeof(int64_t));
  o->cval = ones ? NULL : malloc((size_t)(n * k + 1) * sizeof(double));
  if (ds > 0) linear_design_csc(o->cptr, o->crow, o->cval, o->ptr, o->ind, o->val, n, ds);
  LinearDesign D = {n, dd, ds, dd ? o->X : NULL, ds ? o->ptr : NULL, o->ind, o->val,
                    o->cptr, o->crow, o->cval};
  o->D = D;
}

static void free_design(Owned *o) {
  free(o->X); free(o->val); free(o->cval); free(o->ptr); free(o->ind);
  free(o->cptr); free(o->crow);
}

/* y drawn from a logistic model with weights beta (d) */
static void make_labels(double *y, const LinearDesign *D, const double *beta, double b) {
  double *z = malloc((size_t)D->n * sizeof *z);
  linear_decision(z, D, beta, b);
  for (int64_t i = 0; i < D->n; i++) y[i] = urand() < 1 / (1 + exp(-z[i])) ? 1 : 0;
  free(z);
}

static void test_gradient(linear_penalty pen, int fi, int ones) {
  Owned o;
  int64_t n = 9000, dd = 4, ds = 7; /* 3 row blocks */
  make_design(&o, n, dd, ds, 2, ones);
  int64_t d = dd + ds, nv = d + fi;
  double *y = malloc((size_t)n * sizeof *y), *s = malloc((size_t)n * sizeof *s);
  double w[16], g[16], wp[16], gp[16], fd[16];
  for (int64_t j = 0; j < nv; j++) w[j] = 0.3 * nrand();
  make_labels(y, &o.D, w, fi ? w[d] : 0);
  for (int64_t i = 0; i < n; i++) s[i] = 0.5 + urand();
  LinearParams p;
  linear_params_default(&p);
  p.penalty = pen;
  p.C = 0.7;
  p.fit_intercept = fi;
  double f;
  CHECK(linear_objective(&f, g, &o.D, y, s, w, &p) == CREDO_OK);
  /* f by a direct sum */
  double ref = 0, *z = malloc((size_t)n * sizeof *z);
  linear_decision(z, &o.D, w, fi ? w[d] : 0);
  for (int64_t i = 0; i < n; i++)
    ref += s[i] * (log1p(exp(z[i])) - y[i] * z[i]);
  if (pen == LINEAR_L2)
    for (int64_t j = 0; j < d; j++) ref += 0.5 / p.C * w[j] * w[j];
  CHECK_NEAR(f, ref, 1e-12);
  for (int64_t j = 0; j < nv; j++) {
    double h = 1e-5, fp, fm;
    memcpy(wp, w, sizeof w);
    wp[j] = w[j] + h;
    linear_objective(&fp, gp, &o.D, y, s, wp, &p);
    wp[j] = w[j] - h;
    linear_objective(&fm, gp, &o.D, y, s, wp, &p);
    fd[j] = (fp - fm) / (2 * h);
  }
  char name[64];
  snprintf(name, sizeof name, "gradient pen %d fi %d ones %d", (int)pen, fi, ones);
  ctest_check_array(name, g, fd, (long)nv, 5e-6); /* f ~ 1e4: rounding / h */
  free(z); free(y); free(s);
  free_design(&o);
}

/* The CSC copy lists each column's rows ascending, with the right values. */
static void test_csc(void) {
  Owned o;
  make_design(&o, 50, 0, 9, 3, 0);
  int ok = 1;
  for (int64_t j = 0; j < 9; j++)
    for (int64_t k = o.cptr[j]; k < o.cptr[j + 1]; k++) {
      int64_t i = o.crow[k];
      if (k > o.cptr[j] && o.crow[k - 1] > i) ok = 0;
      double v = 0;
      for (int64_t q = o.ptr[i]; q < o.ptr[i + 1]; q++)
        if (o.ind[q] == j && o.val[q] == o.cval[k]) v = 1;
      if (v != 1) ok = 0;
    }
  CHECK(ok);
  CHECK(o.cptr[9] == 150);
  free_design(&o);
}

/* Separable data: without a penalty the coefficients grow until max_iter
 * (or no step decreases f); never converged, never NaN.  With l2 the fit
 * converges.  One flipped label (near-separable) gives a finite optimum. */
static void test_separable(void) {
  enum { N = 40 };
  double X[N], y[N];
  for (int i = 0; i < N; i++) {
    X[i] = (i - 19.5) / 10.0;
    y[i] = i >= 20;
  }
  LinearDesign D = {N, 1, 0, X, NULL, NULL, NULL, NULL, NULL, NULL};
  LinearParams p;
  linear_params_default(&p);
  p.penalty = LINEAR_NONE;
  p.max_iter = 50;
  double w[2] = {0, 0};
  LinearReport rep;
  CHECK(linear_fit(w, &rep, &D, y, NULL, &p) == CREDO_OK);
  printf("  separable, none: coef %.3g, stop %d, n_iter %d, loss %.3g\n", w[0],
         (int)rep.stop, rep.n_iter, rep.loss);
  /* the gradient vanishes as coef grows: gtol may stop it, at a tiny loss */
  CHECK(isfinite(w[0]) && w[0] > 20);
  CHECK(rep.loss < 1e-2);
  CHECK(rep.converged == (rep.grad_norm <= p.tol || rep.stop == LINEAR_STOP_FTOL));
  /* tol 0: only max_iter stops it, reported as not converged */
  p.tol = 0;
  p.ftol = 0;
  p.max_iter = 5;
  w[0] = w[1] = 0;
  CHECK(linear_fit(w, &rep, &D, y, NULL, &p) == CREDO_OK);
  CHECK(!rep.converged && rep.stop == LINEAR_STOP_MAXITER && rep.n_iter == 5);
  p.tol = 1e-4;
  p.penalty = LINEAR_L2;
  p.max_iter = 100;
  w[0] = w[1] = 0;
  CHECK(linear_fit(w, &rep, &D, y, NULL, &p) == CREDO_OK);
  CHECK(rep.converged && rep.stop == LINEAR_STOP_GTOL);
  CHECK(rep.grad_norm <= 1e-4);
  /* near-separable: flip two labels near the boundary */
  y[18] = 1;
  y[21] = 0;
  p.penalty = LINEAR_NONE;
  p.tol = 1e-8;
  p.ftol = 0;
  w[0] = w[1] = 0;
  CHECK(linear_fit(w, &rep, &D, y, NULL, &p) == CREDO_OK);
  double g[2], f;
  linear_objective(&f, g, &D, y, NULL, w, &p);
  printf("  near-separable: coef %.6g, intercept %.3g, grad %.2g\n", w[0], w[1],
         fmax(fabs(g[0]), fabs(g[1])));
  CHECK(isfinite(w[0]) && w[0] > 1 && w[0] < 100);
  CHECK(fmax(fabs(g[0]), fabs(g[1])) <= 1e-6);
}

/* l1: noise features get exact zeros; the optimality conditions hold:
 * |g_j| <= 1/C where coef_j = 0, g_j = -sign(coef_j)/C elsewhere. */
static void test_l1(void) {
  Owned o;
  int64_t n = 2000, d = 12;
  make_design(&o, n, d, 0, 0, 1);
  double beta[12] = {2, -1.5, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0};
  double *y = malloc((size_t)n * sizeof *y);
  make_labels(y, &o.D, beta, 0.3);
  LinearParams p;
  linear_params_default(&p);
  p.penalty = LINEAR_L1;
  p.solver = LINEAR_OWLQN;
  p.C = 0.02;
  p.tol = 1e-7;
  p.ftol = 0;
  p.max_iter = 1000;
  double w[13] = {0}, g[13];
  LinearReport rep;
  CHECK(linear_fit(w, &rep, &o.D, y, NULL, &p) == CREDO_OK);
  int zeros = 0;
  for (int j = 3; j < 12; j++) zeros += w[j] == 0;
  printf("  l1: %d of 9 noise coefficients exactly zero, n_iter %d, stop %d\n", zeros,
         rep.n_iter, (int)rep.stop);
  CHECK(zeros >= 7);
  CHECK(w[0] > 0.5 && w[1] < -0.5 && w[2] > 0.3);
  LinearParams ps = p;
  ps.penalty = LINEAR_NONE; /* the smooth part alone */
  double f, worst = 0;
  linear_objective(&f, g, &o.D, y, NULL, w, &ps);
  for (int j = 0; j < 12; j++) {
    double viol = w[j] == 0 ? fmax(0, fabs(g[j]) - 1 / p.C)
                            : fabs(g[j] + (w[j] > 0 ? 1 : -1) / p.C);
    if (viol > worst) worst = viol;
  }
  worst = fmax(worst, fabs(g[12]));
  printf("  l1 optimality violation %.2g\n", worst);
  CHECK(worst <= 1e-6);
  free(y);
  free_design(&o);
}

/* Same bits for 1 and 2 threads (fixed row blocks, ordered reduction). */
static void test_threads(void) {
  Owned o;
  int64_t n = 30000, dd = 6, ds = 50;
  make_design(&o, n, dd, ds, 3, 1);
  double beta[56];
  for (int j = 0; j < 56; j++) beta[j] = 0.2 * nrand();
  double *y = malloc((size_t)n * sizeof *y);
  make_labels(y, &o.D, beta, -0.2);
  LinearParams p;
  linear_params_default(&p);
  double w1[57] = {0}, w2[57] = {0};
  LinearReport r1, r2;
  credo_threads_set(1);
  linear_fit(w1, &r1, &o.D, y, NULL, &p);
  credo_threads_set(2);
  linear_fit(w2, &r2, &o.D, y, NULL, &p);
  CHECK(memcmp(w1, w2, sizeof w1) == 0);
  CHECK(r1.n_iter == r2.n_iter && r1.loss == r2.loss);
  free(y);
  free_design(&o);
}

static void test_hash(void) {
  int64_t a[2] = {3, 7}, b[2] = {7, 3};
  int64_t h1 = linear_cross_hash(a, 2, 1, 1000), h2 = linear_cross_hash(a, 2, 1, 1000);
  CHECK(h1 == h2 && h1 >= 0 && h1 < 1000);
  CHECK(linear_cross_hash(a, 2, 1, 1 << 20) != linear_cross_hash(b, 2, 1, 1 << 20));
  CHECK(linear_cross_hash(a, 2, 1, 1 << 20) != linear_cross_hash(a, 2, 2, 1 << 20));
  int64_t codes[6] = {0, 2, 1, 0, 2, 1}, off[3] = {0, 3, 6}, ind[6];
  linear_onehot_indices(ind, codes, off, 3, 2);
  CHECK(ind[0] == 0 && ind[1] == 5 && ind[2] == 1 && ind[3] == 3 && ind[4] == 2 && ind[5] == 4);
}

int main(void) {
  for (int pen = 0; pen < 3; pen += 2)
    for (int fi = 0; fi < 2; fi++)
      for (int ones = 0; ones < 2; ones++) test_gradient((linear_penalty)pen, fi, ones);
  test_csc();
  test_separable();
  test_l1();
  test_threads();
  test_hash();
  return ctest_summary();
}
