/*
 * test_svm.c: the C-SVC core (natives/svm) alone: the kernel-row cache
 * (LRU eviction, budget, swaps against a reference), WSS3 on a tiny problem
 * checked by hand, the KKT conditions at the solver's solution (with and
 * without shrinking, with a cache of two rows), decision values against a
 * naive sum and across thread counts, and Platt's sigmoid at a stationary
 * point.
 */
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "../../natives/random/rng.h"
#include "../../natives/svm/svm.h"
#include "ctest.h"

/* ---- the cache ---- */

static void fill(svm_qfloat *row, int from, int len, int who, const int *orig) {
  for (int j = from; j < len; j++) row[j] = (svm_qfloat)(100 * orig[who] + orig[j]);
}

static void test_cache_lru(void) {
  int orig[6] = {0, 1, 2, 3, 4, 5};
  SvmCache *c = svm_cache_new(6, 3); /* raised to 2 l = 12 entries */
  svm_qfloat *r;
  CHECK(svm_cache_get(c, 0, 6, &r) == 0);
  fill(r, 0, 6, 0, orig);
  CHECK(svm_cache_get(c, 1, 4, &r) == 0);
  fill(r, 0, 4, 1, orig);
  CHECK(svm_cache_used(c) == 10);
  /* row 1 longer: only entries 4, 5 are new */
  CHECK(svm_cache_get(c, 1, 6, &r) == 4);
  fill(r, 4, 6, 1, orig);
  CHECK(svm_cache_used(c) == 12);
  /* row 0 is the least recent: a third row evicts it */
  CHECK(svm_cache_get(c, 2, 3, &r) == 0);
  fill(r, 0, 3, 2, orig);
  CHECK(svm_cache_used(c) == 9);
  CHECK(svm_cache_get(c, 1, 5, &r) == 5); /* still cached, nothing to fill */
  CHECK(r[5] == 105);
  CHECK(svm_cache_get(c, 0, 2, &r) == 0); /* evicted: refill */
  fill(r, 0, 2, 0, orig);
  CHECK(svm_cache_used(c) <= 12);
  svm_cache_free(c);
}

/* Random gets and swaps against the reference value 100 orig_i + orig_j. */
static void test_cache_swaps(void) {
  enum { L = 40 };
  int orig[L];
  for (int i = 0; i < L; i++) orig[i] = i;
  Rng g;
  rng_seed(&g, 11);
  SvmCache *c = svm_cache_new(L, 5 * L);
  SvmCache *cb = svm_cache_new(L, 5 * L);
  int bad = 0, badb = 0, maxused = 0;
  for (int step = 0; step < 3000; step++) {
    int i = (int)rng_bounded(&g, L), len = 1 + (int)rng_bounded(&g, L);
    svm_qfloat *r, *rb;
    int s = svm_cache_get(c, i, len, &r), sb = svm_cache_get(cb, i, len, &rb);
    fill(r, s, len, i, orig);
    fill(rb, sb, len, i, orig);
    for (int j = 0; j < len; j++) {
      bad += r[j] != (svm_qfloat)(100 * orig[i] + orig[j]);
      badb += rb[j] != (svm_qfloat)(100 * orig[i] + orig[j]);
    }
    if ((int)svm_cache_used(c) > maxused) maxused = (int)svm_cache_used(c);
    if (step % 7 == 0) {
      /* a batch of swaps: one by one in c, all at once in cb */
      int pairs[8];
      for (int k = 0; k < 4; k++) {
        pairs[2 * k] = (int)rng_bounded(&g, L);
        pairs[2 * k + 1] = (int)rng_bounded(&g, L);
        svm_cache_swap(c, pairs[2 * k], pairs[2 * k + 1]);
        int t = orig[pairs[2 * k]];
        orig[pairs[2 * k]] = orig[pairs[2 * k + 1]];
        orig[pairs[2 * k + 1]] = t;
      }
      svm_cache_swap_batch(cb, pairs, 4);
    }
  }
  printf("  cache: %d wrong entries (one by one), %d (batched), peak %d of %d\n", bad,
         badb, maxused, 5 * L);
  CHECK(bad == 0);
  CHECK(badb == 0);
  CHECK(maxused <= 5 * L);
  svm_cache_free(c);
  svm_cache_free(cb);
}

/* ---- working-set selection, by hand ---- */

static void test_wss_by_hand(void) {
  /* 1-d points 0, 1, 2, 3, labels -1 -1 +1 +1, linear kernel, C = 10 */
  double X[4] = {0, 1, 2, 3}, C[4] = {10, 10, 10, 10};
  int8_t y[4] = {-1, -1, 1, 1};
  SvmKernel k = {SVM_LINEAR, 1, 0, 3};
  SvmSolverParams p = {1e-3, 1, 1, -1};
  SvmSolver *s;
  CHECK(svm_solver_new(&s, X, y, C, 4, 1, &k, &p) == CREDO_OK);
  int i = -1, j = -1;
  /* alpha = 0, G = -1: I_up = {2, 3} (ties: the last), and j minimises
   * -(b^2)/a with b = 2 and a = (x_i - x_j)^2: 9 for j = 0, 4 for j = 1 */
  CHECK(svm_solver_select(s, &i, &j) == 0);
  CHECK(i == 3 && j == 1);
  /* alpha = (0, .5, 0, .5): G = (-1, -2, 1, 2); I_up = {1, 2, 3} with
   * -y G = (-2, -1, -2): i = 2; j in {1, 3}, b = 1 and a = 1 for both: the
   * last of equal objectives, 3 */
  double a[4] = {0, 0.5, 0, 0.5};
  CHECK(svm_solver_set_alpha(s, a) == CREDO_OK);
  CHECK(svm_solver_select(s, &i, &j) == 0);
  CHECK(i == 2 && j == 3);
  svm_solver_free(s);
  double alpha[4];
  SvmSolveInfo info;
  CHECK(svm_solve(alpha, &info, X, y, C, 4, 1, &k, &p) == CREDO_OK);
  /* the hard margin between x = 1 and x = 2: w = 2, rho = 3, and
   * w = alpha_1 (-1)(1) + alpha_2 (+1)(2) with alpha_1 = alpha_2 gives 2;
   * then WSS3 reports optimality at that point */
  CHECK_NEAR(alpha[0], 0, 1e-9);
  CHECK_NEAR(alpha[1], 2, 1e-3);
  CHECK_NEAR(alpha[2], 2, 1e-3);
  CHECK_NEAR(alpha[3], 0, 1e-9);
  CHECK_NEAR(info.rho, 3, 1e-3);
  CHECK(info.converged);
  CHECK(svm_solver_new(&s, X, y, C, 4, 1, &k, &p) == CREDO_OK);
  CHECK(svm_solver_set_alpha(s, alpha) == CREDO_OK);
  CHECK(svm_solver_select(s, &i, &j) == 1);
  svm_solver_free(s);
}

/* ---- KKT at the solution ---- */

typedef struct {
  int n, d;
  double *X, *C;
  int8_t *y;
} Problem;

static Problem make_problem(int n, int d, uint64_t seed) {
  Problem P = {n, d, malloc(sizeof(double) * n * d), malloc(sizeof(double) * n),
               malloc((size_t)n)};
  Rng g;
  rng_seed(&g, seed);
  for (int i = 0; i < n; i++) {
    double s = 0;
    for (int k = 0; k < d; k++) {
      P.X[i * d + k] = rng_normal(&g);
      s += (k + 1) * P.X[i * d + k] * P.X[i * d + k] * (k % 2 ? -1 : 1);
    }
    P.y[i] = s + 0.7 * rng_normal(&g) > 0 ? 1 : -1;
    P.C[i] = P.y[i] == 1 ? 2.0 : 0.7; /* class weights */
  }
  return P;
}

static void free_problem(Problem *P) {
  free(P->X);
  free(P->C);
  free(P->y);
}

/* m(alpha) - M(alpha) (Chang and Lin 2011, eq. 4.8) from a gradient built
 * from scratch with svm_kernel_eval; also the equality constraint and box. */
static double kkt_gap(const Problem *P, const SvmKernel *k, const double *alpha,
                      double *eq, int *box_ok) {
  int n = P->n, d = P->d;
  double m = -INFINITY, M = INFINITY;
  *eq = 0;
  *box_ok = 1;
  for (int i = 0; i < n; i++) {
    double G = -1;
    for (int j = 0; j < n; j++)
      if (alpha[j] != 0)
        G += P->y[i] * P->y[j] * alpha[j] *
             svm_kernel_eval(k, P->X + i * d, P->X + j * d, d);
    double v = -P->y[i] * G;
    int up = (P->y[i] == 1 && alpha[i] < P->C[i]) || (P->y[i] == -1 && alpha[i] > 0);
    int low = (P->y[i] == 1 && alpha[i] > 0) || (P->y[i] == -1 && alpha[i] < P->C[i]);
    if (up && v > m) m = v;
    if (low && v < M) M = v;
    *eq += P->y[i] * alpha[i];
    if (!(alpha[i] >= 0 && alpha[i] <= P->C[i])) *box_ok = 0;
  }
  return m - M;
}

static void test_kkt(void) {
  Problem P = make_problem(1000, 4, 5);
  SvmKernel kernels[3] = {{SVM_RBF, 0.3, 0, 3}, {SVM_POLY, 0.5, 1, 2}, {SVM_LINEAR, 1, 0, 3}};
  const char *names[3] = {"rbf", "poly", "linear"};
  for (int kk = 0; kk < 3; kk++) {
    double *a[3];
    SvmSolveInfo info[3];
    /* shrinking with a roomy cache, shrinking with two rows, no shrinking */
    SvmSolverParams ps[3] = {{1e-3, 100, 1, -1}, {1e-3, 1e-6, 1, -1}, {1e-3, 100, 0, -1}};
    for (int v = 0; v < 3; v++) {
      a[v] = malloc(sizeof(double) * P.n);
      CHECK(svm_solve(a[v], &info[v], P.X, P.y, P.C, P.n, P.d, &kernels[kk], &ps[v]) ==
            CREDO_OK);
      double eq;
      int box;
      double gap = kkt_gap(&P, &kernels[kk], a[v], &eq, &box);
      printf("  kkt %-6s variant %d: gap %.3g (tol 1e-3), sum y a %.3g, %lld iterations\n",
             names[kk], v, gap, eq, (long long)info[v].n_iter);
      /* the stopping test runs on float32 kernel values: allow their
       * rounding in the float64 recomputation */
      CHECK(gap < 1e-3 + 1e-4);
      CHECK(fabs(eq) < 1e-9);
      CHECK(box);
      CHECK(info[v].converged);
    }
    /* the cache size changes nothing: recomputed rows are the same bits */
    CHECK(memcmp(a[0], a[1], sizeof(double) * P.n) == 0);
    CHECK(info[0].n_iter == info[1].n_iter && info[0].rho == info[1].rho);
    /* shrinking changes the path, not the optimum (to tol) */
    CHECK_NEAR(info[0].obj, info[2].obj, 1e-3);
    for (int v = 0; v < 3; v++) free(a[v]);
  }
  free_problem(&P);
}

/* ---- decision values ---- */

static void test_decision(void) {
  Problem P = make_problem(150, 3, 9);
  SvmKernel k = {SVM_RBF, 0.5, 0, 3};
  SvmSolverParams p = {1e-3, 10, 1, -1};
  double alpha[150];
  SvmSolveInfo info;
  CHECK(svm_solve(alpha, &info, P.X, P.y, P.C, P.n, P.d, &k, &p) == CREDO_OK);
  double coef[150];
  for (int i = 0; i < P.n; i++) coef[i] = P.y[i] * alpha[i];
  Problem T = make_problem(517, 3, 10);
  double *f1 = malloc(sizeof(double) * T.n), *f2 = malloc(sizeof(double) * T.n);
  double *ref = malloc(sizeof(double) * T.n);
  omp_set_num_threads(1);
  CHECK(svm_decision(f1, T.X, T.n, P.X, coef, P.n, P.d, -info.rho, &k) == CREDO_OK);
  omp_set_num_threads(2);
  CHECK(svm_decision(f2, T.X, T.n, P.X, coef, P.n, P.d, -info.rho, &k) == CREDO_OK);
  for (int r = 0; r < T.n; r++) {
    double s = 0;
    for (int j = 0; j < P.n; j++)
      s += coef[j] * svm_kernel_eval(&k, T.X + r * 3, P.X + j * 3, 3);
    ref[r] = s - info.rho;
  }
  ctest_check_array("decision vs naive sum", f1, ref, T.n, 1e-12);
  CHECK(memcmp(f1, f2, sizeof(double) * T.n) == 0);
  /* on the training rows, free support vectors sit on the margin */
  double ft[150], worst = 0;
  CHECK(svm_decision(ft, P.X, P.n, P.X, coef, P.n, P.d, -info.rho, &k) == CREDO_OK);
  for (int i = 0; i < P.n; i++)
    if (alpha[i] > 0 && alpha[i] < P.C[i]) worst = fmax(worst, fabs(P.y[i] * ft[i] - 1));
  printf("  free support vectors: max |y f - 1| = %.3g\n", worst);
  CHECK(worst < 2e-3);
  /* poly through powi equals pow */
  double x[2] = {0.3, -1.2}, z[2] = {2.0, 0.5};
  SvmKernel kp = {SVM_POLY, 0.7, 1.5, 5};
  CHECK_NEAR(svm_kernel_eval(&kp, x, z, 2), pow(0.7 * (0.6 - 0.6) + 1.5, 5), 1e-14);
  SvmKernel ks = {SVM_SIGMOID, 0.7, 0.2, 3};
  CHECK_NEAR(svm_kernel_eval(&ks, x, z, 2), tanh(0.2), 1e-15);
  free(f1);
  free(f2);
  free(ref);
  free_problem(&P);
  free_problem(&T);
}

/* ---- Platt ---- */

static void test_platt(void) {
  enum { N = 400 };
  double dec[N];
  int8_t y[N];
  Rng g;
  rng_seed(&g, 3);
  int pos = 0;
  for (int i = 0; i < N; i++) {
    y[i] = rng_uniform(&g) < 0.3 ? 1 : -1;
    pos += y[i] == 1;
    dec[i] = 1.3 * y[i] + rng_normal(&g);
  }
  double A, B;
  CHECK(svm_platt_fit(&A, &B, dec, y, N) == CREDO_OK);
  /* the gradient of the regularised log-loss vanishes there */
  double hi = (pos + 1.0) / (pos + 2.0), lo = 1.0 / (N - pos + 2.0), g1 = 0, g2 = 0;
  for (int i = 0; i < N; i++) {
    double t = y[i] == 1 ? hi : lo, p = 1 / (1 + exp(A * dec[i] + B));
    g1 += dec[i] * (t - p);
    g2 += t - p;
  }
  printf("  platt: A %.6f B %.6f, gradient (%.2g, %.2g)\n", A, B, g1, g2);
  CHECK(fabs(g1) < 1e-5 && fabs(g2) < 1e-5);
  CHECK(A < 0);
  /* no overflow far out */
  CHECK(svm_platt_predict(1e6, -1, 0) == 1.0);
  CHECK(svm_platt_predict(-1e6, -1, 0) == 0.0);
  CHECK_NEAR(svm_platt_predict(2, -1, 0.5), 1 / (1 + exp(-1.5)), 1e-15);
}

int main(void) {
  test_cache_lru();
  test_cache_swaps();
  test_wss_by_hand();
  test_kkt();
  test_decision();
  test_platt();
  return ctest_summary();
}
