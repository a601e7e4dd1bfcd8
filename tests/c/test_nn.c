/*
 * test_nn.c: the nn kernels (natives/nn) against their _ref twins and
 * against central differences of their own forward kernels, in float64;
 * float32 kernels against the float64 ones; the same bits with 1 and 2
 * threads; gradients that accumulate; dropout's mask rate and
 * reproducibility; stability of the losses at large logits.  Prints the
 * largest difference of every comparison (llm.c's check_tensor).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ctest.h"
#include "../../natives/nn/nn.h"

/* ---- helpers ---- */

static Rng rng;

static double *randn(int64_t n, double scale) {
  double *p = malloc((size_t)(n > 0 ? n : 1) * sizeof(double));
  for (int64_t i = 0; i < n; i++) p[i] = scale * rng_normal(&rng);
  return p;
}

static double *zeros(int64_t n) {
  return calloc((size_t)(n > 0 ? n : 1), sizeof(double));
}

static float *to_f32(const double *x, int64_t n) {
  float *p = malloc((size_t)(n > 0 ? n : 1) * sizeof(float));
  for (int64_t i = 0; i < n; i++) p[i] = (float)x[i];
  return p;
}

static double *to_f64(const float *x, int64_t n) {
  double *p = malloc((size_t)(n > 0 ? n : 1) * sizeof(double));
  for (int64_t i = 0; i < n; i++) p[i] = x[i];
  return p;
}

/* one check: float32 result against the float64 one */
static void check_f32(const char *name, const float *got, const double *want,
                      int64_t n, double tol) {
  double *g = to_f64(got, n);
  ctest_check_array(name, g, want, n, tol);
  free(g);
}

static double dot(const double *a, const double *b, int64_t n) {
  double s = 0;
  for (int64_t i = 0; i < n; i++) s += a[i] * b[i];
  return s;
}

/* ---- dense ---- */

static void test_dense(int64_t B, int64_t C, int64_t OC, int bias) {
  char name[96];
  double *x = randn(B * C, 1), *w = randn(OC * C, 0.3), *b = bias ? randn(OC, 1) : NULL;
  double *out = randn(B * OC, 1), *ref = zeros(B * OC);
  dense_forward_f64(out, x, w, b, B, C, OC);
  dense_forward_ref_f64(ref, x, w, b, B, C, OC);
  snprintf(name, sizeof name, "dense fwd %ldx%ldx%ld%s", (long)B, (long)C,
           (long)OC, bias ? "" : " nobias");
  ctest_check_array(name, out, ref, B * OC, 1e-12);

  /* backward twice into nonzero gradients: adds, never overwrites */
  double *dout = randn(B * OC, 1);
  double *dx = randn(B * C, 1), *dw = randn(OC * C, 1), *db = randn(OC, 1);
  double *rdx = malloc(B * C * sizeof(double)), *rdw = malloc(OC * C * sizeof(double));
  double *rdb = malloc(OC * sizeof(double));
  memcpy(rdx, dx, B * C * sizeof(double));
  memcpy(rdw, dw, OC * C * sizeof(double));
  memcpy(rdb, db, OC * sizeof(double));
  for (int k = 0; k < 2; k++) {
    dense_backward_f64(dx, dw, bias ? db : NULL, dout, x, w, B, C, OC);
    dense_backward_ref_f64(rdx, rdw, bias ? rdb : NULL, dout, x, w, B, C, OC);
  }
  snprintf(name, sizeof name, "dense bwd dx %ldx%ldx%ld", (long)B, (long)C, (long)OC);
  ctest_check_array(name, dx, rdx, B * C, 1e-12);
  ctest_check_array("dense bwd dw", dw, rdw, OC * C, 1e-12);
  if (bias) ctest_check_array("dense bwd db", db, rdb, OC, 1e-12);

  /* float32 against float64 */
  float *fx = to_f32(x, B * C), *fw = to_f32(w, OC * C), *fb = b ? to_f32(b, OC) : NULL;
  float *fo = calloc(B * OC, sizeof(float));
  double *xr = to_f64(fx, B * C), *wr = to_f64(fw, OC * C), *br = fb ? to_f64(fb, OC) : NULL;
  dense_forward_ref_f64(ref, xr, wr, br, B, C, OC);
  dense_forward_f32(fo, fx, fw, fb, B, C, OC);
  check_f32("dense fwd f32", fo, ref, B * OC, 1e-5);
  free(fx); free(fw); free(fb); free(fo); free(xr); free(wr); free(br);
  free(x); free(w); free(b); free(out); free(ref); free(dout); free(dx);
  free(dw); free(db); free(rdx); free(rdw); free(rdb);
}

/* ---- elementwise activations: backward against central differences of
 * the forward kernel (f = sum dout * act(x)) ---- */

typedef void (*fwd_fn)(double *, const double *, int64_t);

static void numeric_grad(double *g, fwd_fn f, const double *x,
                         const double *dout, int64_t n) {
  double *xp = malloc(n * sizeof(double)), *y = malloc(n * sizeof(double));
  memcpy(xp, x, n * sizeof(double));
  const double eps = 1e-6;
  for (int64_t i = 0; i < n; i++) {
    xp[i] = x[i] + eps;
    f(y, xp, n);
    double fp = dot(y, dout, n);
    xp[i] = x[i] - eps;
    f(y, xp, n);
    double fm = dot(y, dout, n);
    xp[i] = x[i];
    g[i] = (fp - fm) / (2 * eps);
  }
  free(xp);
  free(y);
}

static double leaky_slope = 0.1;
static void leaky_fwd(double *o, const double *x, int64_t n) {
  act_leaky_relu_forward_f64(o, x, leaky_slope, n);
}

static void test_activations(void) {
  const int64_t n = 64;
  double *x = randn(n, 2), *dout = randn(n, 1);
  for (int64_t i = 0; i < n; i++)      /* keep away from the kink at 0 */
    if (fabs(x[i]) < 1e-3) x[i] = 0.5;
  double *y = zeros(n), *dx = zeros(n), *num = zeros(n), *want = zeros(n);

  act_relu_forward_f64(y, x, n);
  for (int64_t i = 0; i < n; i++) want[i] = x[i] > 0 ? x[i] : 0;
  ctest_check_array("relu fwd", y, want, n, 0);
  memset(dx, 0, n * sizeof(double));
  act_relu_backward_f64(dx, dout, x, n);
  numeric_grad(num, act_relu_forward_f64, x, dout, n);
  ctest_check_array("relu bwd vs numeric", dx, num, n, 1e-8);

  act_leaky_relu_forward_f64(y, x, leaky_slope, n);
  for (int64_t i = 0; i < n; i++) want[i] = x[i] > 0 ? x[i] : 0.1 * x[i];
  ctest_check_array("leaky_relu fwd", y, want, n, 0);
  memset(dx, 0, n * sizeof(double));
  act_leaky_relu_backward_f64(dx, dout, x, leaky_slope, n);
  numeric_grad(num, leaky_fwd, x, dout, n);
  ctest_check_array("leaky_relu bwd vs numeric", dx, num, n, 1e-8);

  act_sigmoid_forward_f64(y, x, n);
  for (int64_t i = 0; i < n; i++) want[i] = 1 / (1 + exp(-x[i]));
  ctest_check_array("sigmoid fwd", y, want, n, 1e-15);
  memset(dx, 0, n * sizeof(double));
  act_sigmoid_backward_f64(dx, dout, y, n);
  numeric_grad(num, act_sigmoid_forward_f64, x, dout, n);
  ctest_check_array("sigmoid bwd vs numeric", dx, num, n, 1e-8);

  act_tanh_forward_f64(y, x, n);
  for (int64_t i = 0; i < n; i++) want[i] = tanh(x[i]);
  ctest_check_array("tanh fwd", y, want, n, 0);
  memset(dx, 0, n * sizeof(double));
  act_tanh_backward_f64(dx, dout, y, n);
  numeric_grad(num, act_tanh_forward_f64, x, dout, n);
  ctest_check_array("tanh bwd vs numeric", dx, num, n, 1e-8);

  /* sigmoid does not overflow at large |x| */
  double big[4] = {-1000, -80, 80, 1000}, sb[4];
  act_sigmoid_forward_f64(sb, big, 4);
  CHECK(sb[0] == 0 && sb[3] == 1 && isfinite(sb[1]) && sb[1] > 0);
  float bigf[2] = {-200.0f, 200.0f}, sf[2];
  act_sigmoid_forward_f32(sf, bigf, 2);
  CHECK(sf[0] == 0.0f && sf[1] == 1.0f);

  /* NaN passes through ReLU */
  double nan_in = NAN, nan_out = 0;
  act_relu_forward_f64(&nan_out, &nan_in, 1);
  CHECK(isnan(nan_out));

  /* float32 kernels against float64 */
  float *fx = to_f32(x, n), *fy = calloc(n, sizeof(float));
  double *xr = to_f64(fx, n);
  act_tanh_forward_f32(fy, fx, n);
  act_tanh_forward_f64(want, xr, n);
  check_f32("tanh fwd f32", fy, want, n, 1e-6);
  act_sigmoid_forward_f32(fy, fx, n);
  act_sigmoid_forward_f64(want, xr, n);
  check_f32("sigmoid fwd f32", fy, want, n, 1e-6);
  free(fx); free(fy); free(xr);
  free(x); free(dout); free(y); free(dx); free(num); free(want);
}

/* ---- softmax over (outer, n, inner) ---- */

static void test_softmax(int64_t outer, int64_t n, int64_t inner) {
  int64_t N = outer * n * inner;
  double *x = randn(N, 3), *y = zeros(N), *ref = zeros(N);
  act_softmax_forward_f64(y, x, outer, n, inner);
  act_softmax_forward_ref_f64(ref, x, outer, n, inner);
  char name[80];
  snprintf(name, sizeof name, "softmax fwd (%ld,%ld,%ld)", (long)outer, (long)n, (long)inner);
  ctest_check_array(name, y, ref, N, 1e-15);

  /* backward against the Jacobian y_j (delta_jk - y_k), lane by lane */
  double *dout = randn(N, 1), *dx = zeros(N), *jac = zeros(N);
  act_softmax_backward_f64(dx, dout, y, outer, n, inner);
  for (int64_t o = 0; o < outer; o++)
    for (int64_t j = 0; j < inner; j++)
      for (int64_t k = 0; k < n; k++) {
        double s = 0;
        for (int64_t i = 0; i < n; i++) {
          double yi = y[(o * n + i) * inner + j], yk = y[(o * n + k) * inner + j];
          s += dout[(o * n + i) * inner + j] * yi * ((i == k) - yk);
        }
        jac[(o * n + k) * inner + j] = s;
      }
  ctest_check_array("softmax bwd vs Jacobian", dx, jac, N, 1e-14);

  double *ly = zeros(N);
  act_log_softmax_forward_f64(ly, x, outer, n, inner);
  act_log_softmax_forward_ref_f64(ref, x, outer, n, inner);
  ctest_check_array("log_softmax fwd", ly, ref, N, 1e-14);
  memset(dx, 0, N * sizeof(double));
  act_log_softmax_backward_f64(dx, dout, ly, outer, n, inner);
  for (int64_t o = 0; o < outer; o++)
    for (int64_t j = 0; j < inner; j++)
      for (int64_t k = 0; k < n; k++) {
        double s = 0;
        for (int64_t i = 0; i < n; i++)
          s += dout[(o * n + i) * inner + j] * ((i == k) - y[(o * n + k) * inner + j]);
        jac[(o * n + k) * inner + j] = s;
      }
  ctest_check_array("log_softmax bwd vs Jacobian", dx, jac, N, 1e-14);

  /* large logits: no overflow */
  double big[3] = {1000, 999, -1000}, sb[3];
  act_softmax_forward_f64(sb, big, 1, 3, 1);
  CHECK(isfinite(sb[0]) && fabs(sb[0] + sb[1] + sb[2] - 1) < 1e-15);
  free(x); free(y); free(ref); free(dout); free(dx); free(jac); free(ly);
}

/* ---- dropout ---- */

static void test_dropout(void) {
  const int64_t n = 100000;
  const double p = 0.3;
  double *x = randn(n, 1), *y = zeros(n), *mask = zeros(n);
  Rng r1, r2;
  rng_seed(&r1, 99);
  dropout_forward_f64(y, mask, x, p, n, &r1);
  int64_t dropped = 0;
  int ok = 1;
  for (int64_t i = 0; i < n; i++) {
    if (mask[i] == 0) dropped++;
    else ok &= mask[i] == 1.0 / (1.0 - p);
    ok &= y[i] == x[i] * mask[i];
  }
  printf("  dropout rate %.4f (p = %.2f)\n", (double)dropped / n, p);
  CHECK(ok);
  CHECK(fabs((double)dropped / n - p) < 0.01);
  /* the same state gives the same mask, in float32 too */
  float *fx = to_f32(x, n), *fy = calloc(n, sizeof(float)), *fm = calloc(n, sizeof(float));
  rng_seed(&r2, 99);
  dropout_forward_f32(fy, fm, fx, p, n, &r2);
  int same = 1;
  for (int64_t i = 0; i < n; i++) same &= (fm[i] == 0) == (mask[i] == 0);
  CHECK(same);
  /* backward: dout * mask, added */
  double *dout = randn(n, 1), *dx = zeros(n);
  dropout_backward_f64(dx, dout, mask, n);
  dropout_backward_f64(dx, dout, mask, n);
  int bok = 1;
  for (int64_t i = 0; i < n; i++) bok &= dx[i] == 2 * (dout[i] * mask[i]);
  CHECK(bok);
  free(x); free(y); free(mask); free(fx); free(fy); free(fm); free(dout); free(dx);
}

/* ---- batch norm ---- */

static void test_batchnorm(int64_t N, int64_t C, int64_t L) {
  int64_t n = N * C * L;
  double *x = randn(n, 2), *w = randn(C, 1), *b = randn(C, 1);
  for (int64_t i = 0; i < n; i++) x[i] += 1.5;
  double *out = zeros(n), *ref = zeros(n), *mean = zeros(C), *rstd = zeros(C);
  double *rmean = zeros(C), *rrstd = zeros(C);
  double *rm = randn(C, 1), *rv = zeros(C), *rm2 = zeros(C), *rv2 = zeros(C);
  for (int64_t c = 0; c < C; c++) rv[c] = 1 + 0.1 * c;
  memcpy(rm2, rm, C * sizeof(double));
  memcpy(rv2, rv, C * sizeof(double));
  batchnorm_forward_train_f64(out, mean, rstd, rm, rv, x, w, b, N, C, L, 1e-5, 0.1);
  batchnorm_forward_train_ref_f64(ref, rmean, rrstd, rm2, rv2, x, w, b, N, C, L, 1e-5, 0.1);
  char name[80];
  snprintf(name, sizeof name, "batchnorm train fwd (%ld,%ld,%ld)", (long)N, (long)C, (long)L);
  ctest_check_array(name, out, ref, n, 1e-12);
  ctest_check_array("batchnorm mean/rstd", rstd, rrstd, C, 1e-12);
  ctest_check_array("batchnorm running_mean", rm, rm2, C, 1e-12);
  ctest_check_array("batchnorm running_var", rv, rv2, C, 1e-12);

  double *dout = randn(n, 1), *dx = zeros(n), *rdx = zeros(n);
  double *dw = zeros(C), *db = zeros(C), *rdw = zeros(C), *rdb = zeros(C);
  batchnorm_backward_train_f64(dx, dw, db, dout, x, mean, rstd, w, N, C, L);
  batchnorm_backward_train_ref_f64(rdx, rdw, rdb, dout, x, rmean, rrstd, w, N, C, L);
  ctest_check_array("batchnorm train bwd dx", dx, rdx, n, 1e-12);
  ctest_check_array("batchnorm train bwd dw", dw, rdw, C, 1e-12);
  ctest_check_array("batchnorm train bwd db", db, rdb, C, 1e-12);

  /* dx against central differences of the training forward (the batch
   * statistics move with x): f = sum dout * out */
  double *xp = malloc(n * sizeof(double)), *num = zeros(n), *o2 = zeros(n);
  double *m2 = zeros(C), *s2 = zeros(C);
  memcpy(xp, x, n * sizeof(double));
  for (int64_t i = 0; i < n; i++) {
    xp[i] = x[i] + 1e-6;
    batchnorm_forward_train_f64(o2, m2, s2, NULL, NULL, xp, w, b, N, C, L, 1e-5, 0.1);
    double fp = dot(o2, dout, n);
    xp[i] = x[i] - 1e-6;
    batchnorm_forward_train_f64(o2, m2, s2, NULL, NULL, xp, w, b, N, C, L, 1e-5, 0.1);
    double fm = dot(o2, dout, n);
    xp[i] = x[i];
    num[i] = (fp - fm) / 2e-6;
  }
  ctest_check_array("batchnorm train bwd vs numeric", dx, num, n, 1e-7);

  /* evaluation: the running statistics */
  batchnorm_forward_eval_f64(out, x, rm, rv, w, b, N, C, L, 1e-5);
  for (int64_t i = 0; i < N; i++)
    for (int64_t c = 0; c < C; c++)
      for (int64_t k = 0; k < L; k++) {
        int64_t j = (i * C + c) * L + k;
        ref[j] = (x[j] - rm[c]) / sqrt(rv[c] + 1e-5) * w[c] + b[c];
      }
  ctest_check_array("batchnorm eval fwd", out, ref, n, 1e-14);
  memset(dx, 0, n * sizeof(double));
  batchnorm_backward_eval_f64(dx, NULL, NULL, dout, x, rm, rv, w, N, C, L, 1e-5);
  for (int64_t i = 0; i < N; i++)
    for (int64_t c = 0; c < C; c++)
      for (int64_t k = 0; k < L; k++) {
        int64_t j = (i * C + c) * L + k;
        ref[j] = dout[j] * w[c] / sqrt(rv[c] + 1e-5);
      }
  ctest_check_array("batchnorm eval bwd dx", dx, ref, n, 1e-14);

  free(x); free(w); free(b); free(out); free(ref); free(mean); free(rstd);
  free(rmean); free(rrstd); free(rm); free(rv); free(rm2); free(rv2);
  free(dout); free(dx); free(rdx); free(dw); free(db); free(rdw); free(rdb);
  free(xp); free(num); free(o2); free(m2); free(s2);
}

/* ---- embedding ---- */

static void test_embedding(void) {
  const int64_t V = 5, D = 3, n = 7;
  int64_t idx[7] = {1, 5, 2, 2, 5, 5, 3};
  double *w = randn(V * D, 1), *out = zeros(n * D), *dout = randn(n * D, 1);
  double *dw = zeros(V * D), *want = zeros(V * D);
  embedding_forward_f64(out, idx, w, n, D);
  int ok = 1;
  for (int64_t i = 0; i < n; i++)
    for (int64_t j = 0; j < D; j++) ok &= out[i * D + j] == w[(idx[i] - 1) * D + j];
  CHECK(ok);
  embedding_backward_f64(dw, dout, idx, n, D);
  for (int64_t i = 0; i < n; i++)
    for (int64_t j = 0; j < D; j++) want[(idx[i] - 1) * D + j] += dout[i * D + j];
  ctest_check_array("embedding bwd scatter-add", dw, want, V * D, 0);
  int64_t bad[3] = {1, 6, 0};
  CHECK(embedding_find_bad(bad, 3, 5) == 1);
  CHECK(embedding_find_bad(idx, 7, 5) == -1);
  CHECK(embedding_find_bad(bad + 2, 1, 5) == 0);
  free(w); free(out); free(dout); free(dw); free(want);
}

/* ---- losses: backward against central differences of the forward ---- */

typedef double (*loss_fn)(double *x, void *ctx);

static void loss_numeric(double *g, loss_fn f, double *x, int64_t n, void *ctx) {
  for (int64_t i = 0; i < n; i++) {
    double v = x[i];
    x[i] = v + 1e-6;
    double fp = f(x, ctx);
    x[i] = v - 1e-6;
    double fm = f(x, ctx);
    x[i] = v;
    g[i] = (fp - fm) / 2e-6;
  }
}

typedef struct {
  const double *y, *w, *pw, *cw;
  const int64_t *t;
  int64_t wdiv, npw, n, N, C;
  double delta;
} LossCtx;

static double f_mse(double *x, void *c) {
  LossCtx *k = c;
  return loss_mse_forward_f64(NULL, x, k->y, k->n);
}
static double f_huber(double *x, void *c) {
  LossCtx *k = c;
  return loss_huber_forward_f64(NULL, x, k->y, k->delta, k->n);
}
static double f_bce(double *x, void *c) {
  LossCtx *k = c;
  return loss_bce_forward_f64(NULL, x, k->y, k->w, k->wdiv, k->n);
}
static double f_bcel(double *x, void *c) {
  LossCtx *k = c;
  return loss_bce_logits_forward_f64(NULL, x, k->y, k->w, k->wdiv, k->pw, k->npw, k->n);
}
static double f_ce(double *x, void *c) {
  LossCtx *k = c;
  return loss_cross_entropy_forward_f64(NULL, NULL, x, k->t, k->cw, k->N, k->C);
}

static void test_losses(void) {
  const int64_t N = 6, C = 4, n = N * C;
  double *x = randn(n, 1.5), *y = zeros(n), *w = zeros(N), *pw = zeros(C);
  double *dx = zeros(n), *num = zeros(n), *per = zeros(n), *ref = zeros(n);
  for (int64_t i = 0; i < n; i++) y[i] = rng_uniform(&rng);
  for (int64_t i = 0; i < N; i++) w[i] = 0.5 + rng_uniform(&rng);
  for (int64_t c = 0; c < C; c++) pw[c] = 0.5 + c;
  int64_t t[6] = {0, 3, 1, 2, 2, 0};
  double cw[4] = {1, 2, 0.5, 3};
  LossCtx k = {y, w, pw, cw, t, C, C, n, N, C, 0.8};

  double s = loss_mse_forward_f64(per, x, y, n), s2 = 0;
  for (int64_t i = 0; i < n; i++) s2 += (x[i] - y[i]) * (x[i] - y[i]);
  CHECK_NEAR(s, s2, 1e-14);
  loss_mse_backward_f64(dx, NULL, 1.0, x, y, n);
  loss_numeric(num, f_mse, x, n, &k);
  ctest_check_array("mse bwd vs numeric", dx, num, n, 1e-8);

  for (int64_t i = 0; i < n; i++)     /* away from the Huber kink at delta */
    if (fabs(fabs(x[i] - y[i]) - k.delta) < 1e-3) x[i] += 0.01;
  memset(dx, 0, n * sizeof(double));
  loss_huber_backward_f64(dx, NULL, 1.0, x, y, k.delta, n);
  loss_numeric(num, f_huber, x, n, &k);
  ctest_check_array("huber bwd vs numeric", dx, num, n, 1e-8);

  /* BCE on probabilities */
  double *p = zeros(n);
  for (int64_t i = 0; i < n; i++) p[i] = 0.05 + 0.9 * rng_uniform(&rng);
  memset(dx, 0, n * sizeof(double));
  loss_bce_backward_f64(dx, NULL, 1.0, p, y, w, C, n);
  loss_numeric(num, f_bce, p, n, &k);
  ctest_check_array("bce bwd vs numeric", dx, num, n, 1e-7);
  double p01[2] = {0.0, 1.0}, y01[2] = {1.0, 0.0};
  CHECK_NEAR(loss_bce_forward_f64(NULL, p01, y01, NULL, 1, 2), 200.0, 0);

  /* BCE with logits: the stable form against the textbook one */
  s = loss_bce_logits_forward_f64(per, x, y, w, C, pw, C, n);
  s2 = loss_bce_logits_forward_ref_f64(ref, x, y, w, C, pw, C, n);
  ctest_check_array("bce_logits fwd vs ref", per, ref, n, 1e-13);
  CHECK_NEAR(s, s2, 1e-12);
  memset(dx, 0, n * sizeof(double));
  loss_bce_logits_backward_f64(dx, NULL, 1.0, x, y, w, C, pw, C, n);
  loss_numeric(num, f_bcel, x, n, &k);
  ctest_check_array("bce_logits bwd vs numeric", dx, num, n, 1e-8);
  double big[2] = {800, -800}, yb[2] = {0, 1}, lb[2];
  loss_bce_logits_forward_f64(lb, big, yb, NULL, 1, NULL, 1, 2);
  CHECK(isfinite(lb[0]) && fabs(lb[0] - 800) < 1e-9 && fabs(lb[1] - 800) < 1e-9);

  /* cross-entropy */
  double ws, ws2;
  s = loss_cross_entropy_forward_f64(per, &ws, x, t, cw, N, C);
  s2 = loss_cross_entropy_forward_ref_f64(ref, &ws2, x, t, cw, N, C);
  ctest_check_array("cross_entropy fwd vs ref", per, ref, N, 1e-13);
  CHECK_NEAR(ws, 1 + 3 + 2 + 0.5 + 0.5 + 1, 0);
  CHECK_NEAR(ws, ws2, 0);
  memset(dx, 0, n * sizeof(double));
  loss_cross_entropy_backward_f64(dx, NULL, 1.0, x, t, cw, N, C);
  loss_numeric(num, f_ce, x, n, &k);
  ctest_check_array("cross_entropy bwd vs numeric", dx, num, n, 1e-8);
  double bigc[3] = {1000, -1000, 0};
  int64_t tb = 1;
  double lbig = loss_cross_entropy_forward_f64(NULL, NULL, bigc, &tb, NULL, 1, 3);
  CHECK(isfinite(lbig) && fabs(lbig - 2000) < 1e-9);
  int64_t badt[3] = {0, 4, -1};
  CHECK(loss_find_bad_label(badt, 3, 4) == 1);
  CHECK(loss_find_bad_label(t, 6, 4) == -1);

  /* float32 cross-entropy against float64 on the same values */
  float *fx = to_f32(x, n);
  double *xr = to_f64(fx, n);
  float fper[6];
  loss_cross_entropy_forward_f32(fper, NULL, fx, t, NULL, N, C);
  loss_cross_entropy_forward_f64(per, NULL, xr, t, NULL, N, C);
  check_f32("cross_entropy fwd f32", fper, per, N, 1e-6);
  free(fx); free(xr);
  free(x); free(y); free(w); free(pw); free(dx); free(num); free(per); free(ref); free(p);
}

/* ---- the same bits with 1 and 2 threads ---- */

static void test_threads(void) {
  const int64_t B = 300, C = 200, OC = 150;
  double *xd = randn(B * C, 1), *wd = randn(OC * C, 0.1);
  float *fx = to_f32(xd, B * C), *fw = to_f32(wd, OC * C);
  float *o1 = calloc(B * OC, sizeof(float)), *o2 = calloc(B * OC, sizeof(float));
  float *d1 = calloc(OC * C, sizeof(float)), *d2 = calloc(OC * C, sizeof(float));
  float *s1 = calloc(B * C, sizeof(float)), *s2 = calloc(B * C, sizeof(float));
  float *m = calloc(C, sizeof(float)), *r = calloc(C, sizeof(float));
  int saved = credo_threads_get();
  for (int t = 1; t <= 2; t++) {
    credo_threads_set(t);
    float *o = t == 1 ? o1 : o2, *d = t == 1 ? d1 : d2, *s = t == 1 ? s1 : s2;
    dense_forward_f32(o, fx, fw, NULL, B, C, OC);
    dense_backward_f32(NULL, d, NULL, o, fx, fw, B, C, OC);
    act_softmax_forward_f32(s, fx, B, C, 1);
    batchnorm_forward_train_f32(s, m, r, NULL, NULL, s, NULL, NULL, B, C, 1, 1e-5, 0.1);
  }
  credo_threads_set(saved);
  CHECK(memcmp(o1, o2, B * OC * sizeof(float)) == 0);
  CHECK(memcmp(d1, d2, OC * C * sizeof(float)) == 0);
  CHECK(memcmp(s1, s2, B * C * sizeof(float)) == 0);
  free(xd); free(wd); free(fx); free(fw); free(o1); free(o2); free(d1);
  free(d2); free(s1); free(s2); free(m); free(r);
}

int main(void) {
  rng_seed(&rng, 20240611);
  test_dense(1, 1, 1, 1);
  test_dense(7, 5, 3, 1);
  test_dense(33, 17, 9, 0);
  test_dense(300, 70, 520, 1);   /* more than one gemm tile */
  test_dense(4, 0, 3, 1);        /* no inputs: out = bias */
  test_activations();
  test_softmax(1, 5, 1);
  test_softmax(3, 4, 5);
  test_softmax(2, 1, 3);
  test_dropout();
  test_batchnorm(8, 3, 1);
  test_batchnorm(4, 3, 5);
  test_batchnorm(2, 1, 1);
  test_embedding();
  test_losses();
  test_threads();
  return ctest_summary();
}
