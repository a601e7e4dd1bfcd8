/*
 * test_rnn.c: the recurrent and convolutional kernels (natives/nn/rnn.c,
 * conv.c) against their _ref twins, the reference twins against central
 * differences, float32 against float64, and the same bits at 1 and 2
 * threads.  Prints the largest difference of every comparison (llm.c's
 * check_tensor habit).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../../natives/nn/conv.h"
#include "../../natives/nn/rnn.h"
#include "../../natives/random/rng.h"
#include "ctest.h"

static Rng rng;

static double *randn(int64_t n, double scale) {
  double *p = malloc((size_t)(n > 0 ? n : 1) * sizeof *p);
  for (int64_t i = 0; i < n; i++) p[i] = scale * (2 * rng_uniform(&rng) - 1);
  return p;
}
static double *zeros(int64_t n) {
  return calloc((size_t)(n > 0 ? n : 1), sizeof(double));
}
static float *to_f32(const double *p, int64_t n) {
  float *f = malloc((size_t)(n > 0 ? n : 1) * sizeof *f);
  for (int64_t i = 0; i < n; i++) f[i] = (float)p[i];
  return f;
}
static double *to_f64(const float *p, int64_t n) {
  double *d = malloc((size_t)(n > 0 ? n : 1) * sizeof *d);
  for (int64_t i = 0; i < n; i++) d[i] = p[i];
  return d;
}
static double dot(const double *a, const double *b, int64_t n) {
  double s = 0;
  for (int64_t i = 0; i < n; i++) s += a[i] * b[i];
  return s;
}
/* Relative difference scaled by the largest magnitude of want (so tiny
 * entries of a large tensor are not judged alone). */
static void check_scaled(const char *name, const double *got,
                         const double *want, int64_t n, double tol) {
  double big = 1e-300, worst = 0;
  for (int64_t i = 0; i < n; i++) big = fmax(big, fabs(want[i]));
  for (int64_t i = 0; i < n; i++)
    worst = fmax(worst, fabs(got[i] - want[i]) / big);
  printf("  %-40s max diff / max |ref| %.3g\n", name, worst);
  CHECK(worst <= tol);
}
static void check_f32(const char *name, const float *got, const double *want,
                      int64_t n, double tol) {
  double *g = to_f64(got, n);
  check_scaled(name, g, want, n, tol);
  free(g);
}
static int same_bits(const void *a, const void *b, size_t bytes) {
  return memcmp(a, b, bytes) == 0;
}

/* ---------------------------------------------------------------------
 * float32 nonlinearities
 * --------------------------------------------------------------------- */

static void test_fast_math(void) {
  printf("float32 exp / sigmoid / tanh against libm\n");
  enum { N = 200001 };
  float *x = malloc(N * sizeof *x), *y = malloc(N * sizeof *y);
  double worst_e = 0, worst_s = 0, worst_t = 0;
  for (int i = 0; i < N; i++) x[i] = -87.0f + 175.0f * i / (N - 1);
  rnn_exp_f32(y, x, N);
  for (int i = 0; i < N; i++) {
    double r = exp((double)x[i]);
    worst_e = fmax(worst_e, fabs(y[i] - r) / r);
  }
  for (int i = 0; i < N; i++) x[i] = -30.0f + 60.0f * i / (N - 1);
  rnn_sigmoid_f32(y, x, N);
  for (int i = 0; i < N; i++) {
    double r = 1 / (1 + exp(-(double)x[i]));
    worst_s = fmax(worst_s, fabs(y[i] - r) / r);
  }
  rnn_tanh_f32(y, x, N);
  for (int i = 0; i < N; i++) {
    double r = tanh((double)x[i]);
    if (r != 0) worst_t = fmax(worst_t, fabs(y[i] - r) / fabs(r));
  }
  /* small arguments, where tanh x ~ x */
  for (int i = 0; i < N; i++) x[i] = ldexpf(1.0f + (float)i / N, -(i % 40));
  rnn_tanh_f32(y, x, N);
  for (int i = 0; i < N; i++) {
    double r = tanh((double)x[i]);
    worst_t = fmax(worst_t, fabs(y[i] - r) / fabs(r));
  }
  printf("  exp     max rel err %.3g (%.2f ulp of 2^-24)\n", worst_e,
         worst_e / 5.96e-8);
  printf("  sigmoid max rel err %.3g\n", worst_s);
  printf("  tanh    max rel err %.3g\n", worst_t);
  CHECK(worst_e < 3e-7);
  CHECK(worst_s < 3e-7);
  CHECK(worst_t < 3e-7);
  /* limits and special values */
  float sp[] = {INFINITY, -INFINITY, NAN, 0.0f, -0.0f, 100.0f, -100.0f};
  float e[7], s[7], t[7];
  rnn_exp_f32(e, sp, 7);
  rnn_sigmoid_f32(s, sp, 7);
  rnn_tanh_f32(t, sp, 7);
  CHECK(e[0] > 1e38f && e[1] < 1e-37f && isnan(e[2]) && e[3] == 1.0f);
  CHECK(s[0] == 1.0f && s[1] < 1e-37f && isnan(s[2]) && s[3] == 0.5f);
  CHECK(s[5] == 1.0f && s[6] < 1e-37f);
  CHECK(t[0] == 1.0f && t[1] == -1.0f && isnan(t[2]));
  CHECK(t[3] == 0.0f && !signbit(t[3]) && t[4] == 0.0f && signbit(t[4]));
  CHECK(t[5] == 1.0f && t[6] == -1.0f);
  free(x);
  free(y);
}

/* ---------------------------------------------------------------------
 * LSTM / GRU
 * --------------------------------------------------------------------- */

typedef struct {
  int gru;           /* 0: LSTM, 1: GRU */
  int64_t B, T, I, H;
  int init, bias;    /* initial states given; biases present */
  int seq_grad;      /* gradient on the output sequence (else only hn) */
} Case;

typedef struct {
  int64_t G, nx, nh, nwi, nwh, ncache, nscratch;
  double *x, *h0, *c0, *wi, *wh, *bi, *bh;
  double *rout, *rhn, *rcn; /* upstream gradients */
} Prob;

static void prob_make(Prob *p, const Case *c) {
  p->G = (c->gru ? 3 : 4) * c->H;
  p->nx = c->B * c->T * c->I;
  p->nh = c->B * c->H;
  p->nwi = p->G * c->I;
  p->nwh = p->G * c->H;
  p->ncache = c->gru ? gru_cache_numel(c->B, c->T, c->H)
                     : lstm_cache_numel(c->B, c->T, c->H);
  p->nscratch = c->gru ? gru_scratch_numel(c->B, c->T, c->I, c->H)
                       : lstm_scratch_numel(c->B, c->T, c->I, c->H);
  double s = 1 / sqrt((double)c->H);
  p->x = randn(p->nx, 1.0);
  p->h0 = c->init ? randn(p->nh, 0.8) : NULL;
  p->c0 = c->init && !c->gru ? randn(p->nh, 0.8) : NULL;
  p->wi = randn(p->nwi, 2 * s);
  p->wh = randn(p->nwh, 2 * s);
  p->bi = c->bias ? randn(p->G, s) : NULL;
  p->bh = c->bias ? randn(p->G, s) : NULL;
  p->rout = c->seq_grad ? randn(c->B * c->T * c->H, 1.0) : NULL;
  p->rhn = randn(p->nh, 1.0);
  p->rcn = c->gru ? NULL : randn(p->nh, 1.0);
}

static void prob_free(Prob *p) {
  free(p->x), free(p->h0), free(p->c0), free(p->wi), free(p->wh);
  free(p->bi), free(p->bh), free(p->rout), free(p->rhn), free(p->rcn);
}

/* Forward (fast or ref, f64): out, hn, cn, cache. */
static void fwd64(const Case *c, const Prob *p, int ref, double *out,
                  double *hn, double *cn, double *cache) {
  credo_status st;
  if (c->gru)
    st = (ref ? gru_forward_ref_f64 : gru_forward_f64)(
        out, hn, cache, p->x, p->h0, p->wi, p->wh, p->bi, p->bh, c->B, c->T,
        c->I, c->H);
  else
    st = (ref ? lstm_forward_ref_f64 : lstm_forward_f64)(
        out, hn, cn, cache, p->x, p->h0, p->c0, p->wi, p->wh, p->bi, p->bh,
        c->B, c->T, c->I, c->H);
  CHECK(st == CREDO_OK);
}

/* The scalar loss the gradient checks differentiate:
 * sum(out * rout) + sum(hn * rhn) + sum(cn * rcn). */
static double loss_of(const Case *c, const Prob *p) {
  int64_t no = c->B * c->T * c->H;
  double *out = zeros(no), *hn = zeros(p->nh), *cn = zeros(p->nh);
  double *cache = zeros(p->ncache);
  fwd64(c, p, 1, out, hn, cn, cache);
  double l = dot(hn, p->rhn, p->nh);
  if (p->rout) l += dot(out, p->rout, no);
  if (p->rcn) l += dot(cn, p->rcn, p->nh);
  free(out), free(hn), free(cn), free(cache);
  return l;
}

typedef struct {
  double *dx, *dh0, *dc0, *dwi, *dwh, *dbi, *dbh;
} Grads;

static void grads_alloc(Grads *g, const Case *c, const Prob *p) {
  g->dx = zeros(p->nx);
  g->dh0 = zeros(p->nh);
  g->dc0 = zeros(p->nh);
  g->dwi = zeros(p->nwi);
  g->dwh = zeros(p->nwh);
  g->dbi = zeros(p->G);
  g->dbh = zeros(p->G);
  (void)c;
}
static void grads_free(Grads *g) {
  free(g->dx), free(g->dh0), free(g->dc0), free(g->dwi), free(g->dwh);
  free(g->dbi), free(g->dbh);
}

static void bwd64(const Case *c, const Prob *p, int ref, Grads *g,
                  double *scratch, const double *cache) {
  credo_status st;
  double *dbi = c->bias ? g->dbi : NULL, *dbh = c->bias ? g->dbh : NULL;
  if (c->gru)
    st = (ref ? gru_backward_ref_f64 : gru_backward_f64)(
        g->dx, g->dh0, g->dwi, g->dwh, dbi, dbh, scratch, p->rout, p->rhn,
        p->x, cache, p->wi, p->wh, c->B, c->T, c->I, c->H);
  else
    st = (ref ? lstm_backward_ref_f64 : lstm_backward_f64)(
        g->dx, g->dh0, g->dc0, g->dwi, g->dwh, dbi, dbh, scratch, p->rout,
        p->rhn, p->rcn, p->x, cache, p->wi, p->wh, c->B, c->T, c->I, c->H);
  CHECK(st == CREDO_OK);
}

/* Central differences of loss_of over every element of v (n), against
 * the analytic gradient g. */
static double fd_check(const Case *c, const Prob *p, double *v,
                       const double *g, int64_t n) {
  double worst = 0, eps = 1e-6;
  for (int64_t i = 0; i < n; i++) {
    double keep = v[i];
    v[i] = keep + eps;
    double lp = loss_of(c, p);
    v[i] = keep - eps;
    double lm = loss_of(c, p);
    v[i] = keep;
    double num = (lp - lm) / (2 * eps);
    worst = fmax(worst, fabs(num - g[i]) / fmax(1.0, fabs(num)));
  }
  return worst;
}

static const char *cname(const Case *c, char *buf, size_t n) {
  snprintf(buf, n, "%s B=%ld T=%ld I=%ld H=%ld%s%s%s", c->gru ? "gru" : "lstm",
           (long)c->B, (long)c->T, (long)c->I, (long)c->H,
           c->init ? " h0" : "", c->bias ? " bias" : "",
           c->seq_grad ? " dout" : "");
  return buf;
}

/* The reference backward against central differences of the reference
 * forward (small problems). */
static void test_gradcheck_ref(const Case *c) {
  char nm[128], lab[200];
  cname(c, nm, sizeof nm);
  Prob p;
  prob_make(&p, c);
  int64_t no = c->B * c->T * c->H;
  double *out = zeros(no), *hn = zeros(p.nh), *cn = zeros(p.nh);
  double *cache = zeros(p.ncache), *scratch = zeros(p.nscratch);
  fwd64(c, &p, 1, out, hn, cn, cache);
  Grads g;
  grads_alloc(&g, c, &p);
  bwd64(c, &p, 1, &g, scratch, cache);
  double w = 0;
  w = fmax(w, fd_check(c, &p, p.x, g.dx, p.nx));
  w = fmax(w, fd_check(c, &p, p.wi, g.dwi, p.nwi));
  w = fmax(w, fd_check(c, &p, p.wh, g.dwh, p.nwh));
  if (c->bias) {
    w = fmax(w, fd_check(c, &p, p.bi, g.dbi, p.G));
    w = fmax(w, fd_check(c, &p, p.bh, g.dbh, p.G));
  }
  if (c->init) {
    w = fmax(w, fd_check(c, &p, p.h0, g.dh0, p.nh));
    if (!c->gru) w = fmax(w, fd_check(c, &p, p.c0, g.dc0, p.nh));
  }
  snprintf(lab, sizeof lab, "ref gradcheck %s", nm);
  printf("  %-56s max rel err %.3g\n", lab, w);
  CHECK(w < 1e-7);
  free(out), free(hn), free(cn), free(cache), free(scratch);
  grads_free(&g);
  prob_free(&p);
}

/* Fast f64 against ref f64 (forward, cache, backward, calling backward
 * twice doubles the gradients), fast f32 against ref f64. */
static void test_fast_vs_ref(const Case *c) {
  char nm[128], lab[200];
  cname(c, nm, sizeof nm);
  printf(" %s\n", nm);
  Prob p;
  prob_make(&p, c);
  int64_t no = c->B * c->T * c->H;
  double *o1 = zeros(no), *h1 = zeros(p.nh), *c1 = zeros(p.nh);
  double *k1 = zeros(p.ncache), *s1 = zeros(p.nscratch);
  double *o2 = zeros(no), *h2 = zeros(p.nh), *c2 = zeros(p.nh);
  double *k2 = zeros(p.ncache), *s2 = zeros(p.nscratch);
  fwd64(c, &p, 1, o1, h1, c1, k1);
  fwd64(c, &p, 0, o2, h2, c2, k2);
  check_scaled("f64 out", o2, o1, no, 1e-13);
  check_scaled("f64 hn", h2, h1, p.nh, 1e-13);
  if (!c->gru) check_scaled("f64 cn", c2, c1, p.nh, 1e-13);
  check_scaled("f64 cache", k2, k1, p.ncache, 1e-13);
  Grads gr, gf;
  grads_alloc(&gr, c, &p);
  grads_alloc(&gf, c, &p);
  bwd64(c, &p, 1, &gr, s1, k1);
  bwd64(c, &p, 0, &gf, s2, k2);
  check_scaled("f64 dx", gf.dx, gr.dx, p.nx, 1e-12);
  check_scaled("f64 dw_ih", gf.dwi, gr.dwi, p.nwi, 1e-12);
  check_scaled("f64 dw_hh", gf.dwh, gr.dwh, p.nwh, 1e-12);
  if (c->bias) {
    check_scaled("f64 db_ih", gf.dbi, gr.dbi, p.G, 1e-12);
    check_scaled("f64 db_hh", gf.dbh, gr.dbh, p.G, 1e-12);
  }
  check_scaled("f64 dh0", gf.dh0, gr.dh0, p.nh, 1e-12);
  if (!c->gru) check_scaled("f64 dc0", gf.dc0, gr.dc0, p.nh, 1e-12);
  /* backward again: everything doubles (gradients accumulate) */
  double *dwh1 = malloc((size_t)p.nwh * sizeof *dwh1);
  memcpy(dwh1, gf.dwh, (size_t)p.nwh * sizeof *dwh1);
  bwd64(c, &p, 0, &gf, s2, k2);
  for (int64_t i = 0; i < p.nwh; i++) dwh1[i] *= 2;
  check_scaled("f64 dw_hh after a second backward", gf.dwh, dwh1, p.nwh,
               1e-13);
  free(dwh1);

  /* float32 */
  float *x = to_f32(p.x, p.nx), *wi = to_f32(p.wi, p.nwi);
  float *wh = to_f32(p.wh, p.nwh);
  float *h0 = p.h0 ? to_f32(p.h0, p.nh) : NULL;
  float *c0 = p.c0 ? to_f32(p.c0, p.nh) : NULL;
  float *bi = p.bi ? to_f32(p.bi, p.G) : NULL;
  float *bh = p.bh ? to_f32(p.bh, p.G) : NULL;
  float *rout = p.rout ? to_f32(p.rout, no) : NULL;
  float *rhn = to_f32(p.rhn, p.nh), *rcn = p.rcn ? to_f32(p.rcn, p.nh) : NULL;
  float *out = calloc((size_t)no, 4), *hn = calloc((size_t)p.nh, 4);
  float *cn = calloc((size_t)p.nh, 4), *cache = calloc((size_t)p.ncache, 4);
  float *scr = calloc((size_t)p.nscratch, 4);
  float *dx = calloc((size_t)p.nx, 4), *dh0 = calloc((size_t)p.nh, 4);
  float *dc0 = calloc((size_t)p.nh, 4), *dwi = calloc((size_t)p.nwi, 4);
  float *dwh = calloc((size_t)p.nwh, 4), *dbi = calloc((size_t)p.G, 4);
  float *dbh = calloc((size_t)p.G, 4);
  credo_status st;
  if (c->gru) {
    st = gru_forward_f32(out, hn, cache, x, h0, wi, wh, bi, bh, c->B, c->T,
                         c->I, c->H);
    CHECK(st == CREDO_OK);
    st = gru_backward_f32(dx, dh0, dwi, dwh, bi ? dbi : NULL,
                          bh ? dbh : NULL, scr, rout, rhn, x, cache, wi, wh,
                          c->B, c->T, c->I, c->H);
  } else {
    st = lstm_forward_f32(out, hn, cn, cache, x, h0, c0, wi, wh, bi, bh, c->B,
                          c->T, c->I, c->H);
    CHECK(st == CREDO_OK);
    st = lstm_backward_f32(dx, dh0, dc0, dwi, dwh, bi ? dbi : NULL,
                           bh ? dbh : NULL, scr, rout, rhn, rcn, x, cache, wi,
                           wh, c->B, c->T, c->I, c->H);
  }
  CHECK(st == CREDO_OK);
  snprintf(lab, sizeof lab, "f32 out");
  check_f32(lab, out, o1, no, 2e-6);
  check_f32("f32 hn", hn, h1, p.nh, 2e-6);
  check_f32("f32 dx", dx, gr.dx, p.nx, 1e-5);
  check_f32("f32 dw_ih", dwi, gr.dwi, p.nwi, 1e-5);
  check_f32("f32 dw_hh", dwh, gr.dwh, p.nwh, 1e-5);
  if (c->bias) check_f32("f32 db_hh", dbh, gr.dbh, p.G, 1e-5);
  check_f32("f32 dh0", dh0, gr.dh0, p.nh, 1e-5);
  if (!c->gru) check_f32("f32 dc0", dc0, gr.dc0, p.nh, 1e-5);

  /* the same bits with 1 and 2 threads */
  credo_threads_set(1);
  float *out1 = calloc((size_t)no, 4), *cache1 = calloc((size_t)p.ncache, 4);
  float *dwh1f = calloc((size_t)p.nwh, 4), *dx1 = calloc((size_t)p.nx, 4);
  float *hn1 = calloc((size_t)p.nh, 4), *cn1 = calloc((size_t)p.nh, 4);
  if (c->gru) {
    gru_forward_f32(out1, hn1, cache1, x, h0, wi, wh, bi, bh, c->B, c->T,
                    c->I, c->H);
    gru_backward_f32(dx1, NULL, NULL, dwh1f, NULL, NULL, scr, rout, rhn, x,
                     cache1, wi, wh, c->B, c->T, c->I, c->H);
  } else {
    lstm_forward_f32(out1, hn1, cn1, cache1, x, h0, c0, wi, wh, bi, bh, c->B,
                     c->T, c->I, c->H);
    lstm_backward_f32(dx1, NULL, NULL, NULL, dwh1f, NULL, NULL, scr, rout,
                      rhn, rcn, x, cache1, wi, wh, c->B, c->T, c->I, c->H);
  }
  credo_threads_set(2);
  CHECK(same_bits(out1, out, (size_t)no * 4));
  CHECK(same_bits(cache1, cache, (size_t)p.ncache * 4));
  CHECK(same_bits(dwh1f, dwh, (size_t)p.nwh * 4));
  CHECK(same_bits(dx1, dx, (size_t)p.nx * 4));
  free(out1), free(cache1), free(dwh1f), free(dx1), free(hn1), free(cn1);

  free(x), free(wi), free(wh), free(h0), free(c0), free(bi), free(bh);
  free(rout), free(rhn), free(rcn), free(out), free(hn), free(cn);
  free(cache), free(scr), free(dx), free(dh0), free(dc0), free(dwi);
  free(dwh), free(dbi), free(dbh);
  free(o1), free(h1), free(c1), free(k1), free(s1);
  free(o2), free(h2), free(c2), free(k2), free(s2);
  grads_free(&gr);
  grads_free(&gf);
  prob_free(&p);
}

static void test_rnn_interrupt(void) {
  printf("interrupt\n");
  int64_t B = 4, T = 3, I = 2, H = 5;
  float *x = calloc((size_t)(B * T * I), 4), *wi = calloc(4 * H * I, 4);
  float *wh = calloc(4 * H * H, 4), *out = calloc((size_t)(B * T * H), 4);
  float *hn = calloc((size_t)(B * H), 4), *cn = calloc((size_t)(B * H), 4);
  float *cache = calloc((size_t)lstm_cache_numel(B, T, H), 4);
  credo_interrupted = 1;
  CHECK(lstm_forward_f32(out, hn, cn, cache, x, NULL, NULL, wi, wh, NULL,
                         NULL, B, T, I, H) == CREDO_EINTR);
  CHECK(gru_forward_f32(out, hn, cache, x, NULL, wi, wh, NULL, NULL, B, T, I,
                        H) == CREDO_EINTR);
  credo_interrupted = 0;
  CHECK(lstm_forward_f32(out, hn, cn, cache, x, NULL, NULL, wi, wh, NULL,
                         NULL, B, T, I, H) == CREDO_OK);
  free(x), free(wi), free(wh), free(out), free(hn), free(cn), free(cache);
}

/* ---------------------------------------------------------------------
 * Conv1d / MaxPool1d
 * --------------------------------------------------------------------- */

typedef struct {
  int64_t B, C, L, OC, K, stride, pad;
  int bias;
} ConvCase;

static double conv_loss(const ConvCase *c, const double *x, const double *w,
                        const double *b, const double *r) {
  int64_t Lout = conv1d_out_length(c->L, c->K, c->stride, c->pad);
  int64_t no = c->B * c->OC * Lout;
  double *out = zeros(no), *col = zeros(c->B * Lout * c->C * c->K);
  conv1d_forward_ref_f64(out, col, x, w, b, c->B, c->C, c->L, c->OC, c->K,
                         c->stride, c->pad);
  double l = dot(out, r, no);
  free(out), free(col);
  return l;
}

static double conv_fd(const ConvCase *c, double *v, const double *g,
                      int64_t n, const double *x, const double *w,
                      const double *b, const double *r) {
  double worst = 0, eps = 1e-6;
  for (int64_t i = 0; i < n; i++) {
    double keep = v[i];
    v[i] = keep + eps;
    double lp = conv_loss(c, x, w, b, r);
    v[i] = keep - eps;
    double lm = conv_loss(c, x, w, b, r);
    v[i] = keep;
    double num = (lp - lm) / (2 * eps);
    worst = fmax(worst, fabs(num - g[i]) / fmax(1.0, fabs(num)));
  }
  return worst;
}

static void test_conv(const ConvCase *c) {
  int64_t Lout = conv1d_out_length(c->L, c->K, c->stride, c->pad);
  printf(" conv1d B=%ld C=%ld L=%ld OC=%ld K=%ld stride=%ld pad=%ld%s "
         "(Lout %ld)\n",
         (long)c->B, (long)c->C, (long)c->L, (long)c->OC, (long)c->K,
         (long)c->stride, (long)c->pad, c->bias ? " bias" : "", (long)Lout);
  int64_t nx = c->B * c->C * c->L, nw = c->OC * c->C * c->K;
  int64_t no = c->B * c->OC * Lout;
  int64_t ncol = conv1d_cache_numel(c->B, c->C, c->K, Lout);
  int64_t nscr = conv1d_scratch_numel(c->B, c->C, c->OC, c->K, Lout);
  double *x = randn(nx, 1), *w = randn(nw, 0.5);
  double *b = c->bias ? randn(c->OC, 0.5) : NULL, *r = randn(no, 1);
  double *o1 = zeros(no), *col1 = zeros(ncol), *o2 = zeros(no);
  double *col2 = zeros(ncol), *scr = zeros(nscr);
  conv1d_forward_ref_f64(o1, col1, x, w, b, c->B, c->C, c->L, c->OC, c->K,
                         c->stride, c->pad);
  CHECK(conv1d_forward_f64(o2, col2, scr, x, w, b, c->B, c->C, c->L, c->OC,
                           c->K, c->stride, c->pad) == CREDO_OK);
  check_scaled("f64 out", o2, o1, no, 1e-14);
  check_scaled("f64 col", col2, col1, ncol, 0);
  double *dx1 = zeros(nx), *dw1 = zeros(nw), *db1 = zeros(c->OC);
  double *dx2 = zeros(nx), *dw2 = zeros(nw), *db2 = zeros(c->OC);
  conv1d_backward_ref_f64(dx1, dw1, c->bias ? db1 : NULL, r, x, w, c->B,
                          c->C, c->L, c->OC, c->K, c->stride, c->pad);
  CHECK(conv1d_backward_f64(dx2, dw2, c->bias ? db2 : NULL, scr, r, col2, w,
                            c->B, c->C, c->L, c->OC, c->K, c->stride,
                            c->pad) == CREDO_OK);
  check_scaled("f64 dx", dx2, dx1, nx, 1e-13);
  check_scaled("f64 dw", dw2, dw1, nw, 1e-13);
  if (c->bias) check_scaled("f64 db", db2, db1, c->OC, 1e-13);
  if (nx * nw < 200000) {
    double wst = conv_fd(c, x, dx1, nx, x, w, b, r);
    wst = fmax(wst, conv_fd(c, w, dw1, nw, x, w, b, r));
    if (c->bias) wst = fmax(wst, conv_fd(c, b, db1, c->OC, x, w, b, r));
    printf("  %-40s max rel err %.3g\n", "ref gradcheck", wst);
    CHECK(wst < 1e-7);
  }
  /* float32 */
  float *xf = to_f32(x, nx), *wf = to_f32(w, nw);
  float *bf = b ? to_f32(b, c->OC) : NULL, *rf = to_f32(r, no);
  float *of = calloc((size_t)no, 4), *colf = calloc((size_t)ncol, 4);
  float *scrf = calloc((size_t)nscr, 4), *dxf = calloc((size_t)nx, 4);
  float *dwf = calloc((size_t)nw, 4), *dbf = calloc((size_t)c->OC, 4);
  CHECK(conv1d_forward_f32(of, colf, scrf, xf, wf, bf, c->B, c->C, c->L,
                           c->OC, c->K, c->stride, c->pad) == CREDO_OK);
  CHECK(conv1d_backward_f32(dxf, dwf, dbf, scrf, rf, colf, wf, c->B,
                            c->C, c->L, c->OC, c->K, c->stride,
                            c->pad) == CREDO_OK);
  check_f32("f32 out", of, o1, no, 1e-6);
  check_f32("f32 dx", dxf, dx1, nx, 1e-6);
  check_f32("f32 dw", dwf, dw1, nw, 1e-6);
  if (c->bias) check_f32("f32 db", dbf, db1, c->OC, 1e-6);
  /* 1 thread, same bits */
  credo_threads_set(1);
  float *of1 = calloc((size_t)no, 4), *dwf1 = calloc((size_t)nw, 4);
  float *dxf1 = calloc((size_t)nx, 4);
  conv1d_forward_f32(of1, colf, scrf, xf, wf, bf, c->B, c->C, c->L, c->OC,
                     c->K, c->stride, c->pad);
  conv1d_backward_f32(dxf1, dwf1, NULL, scrf, rf, colf, wf, c->B, c->C,
                      c->L, c->OC, c->K, c->stride, c->pad);
  credo_threads_set(2);
  CHECK(same_bits(of1, of, (size_t)no * 4));
  CHECK(same_bits(dwf1, dwf, (size_t)nw * 4));
  CHECK(same_bits(dxf1, dxf, (size_t)nx * 4));
  free(of1), free(dwf1), free(dxf1);
  free(xf), free(wf), free(bf), free(rf), free(of), free(colf), free(scrf);
  free(dxf), free(dwf), free(dbf);
  free(x), free(w), free(b), free(r), free(o1), free(col1), free(o2);
  free(col2), free(scr), free(dx1), free(dw1), free(db1), free(dx2);
  free(dw2), free(db2);
}

static void test_maxpool(int64_t N, int64_t L, int64_t K, int64_t stride,
                         int64_t pad) {
  int64_t Lout = maxpool1d_out_length(L, K, stride, pad);
  printf(" maxpool1d N=%ld L=%ld K=%ld stride=%ld pad=%ld (Lout %ld)\n",
         (long)N, (long)L, (long)K, (long)stride, (long)pad, (long)Lout);
  double *x = randn(N * L, 1);
  /* ties: a run of equal values in row 0 (the first must win) */
  for (int64_t p = 0; p < L && p < 4; p++) x[p] = 5.0;
  double *o1 = zeros(N * Lout), *o2 = zeros(N * Lout);
  int64_t *i1 = calloc((size_t)(N * Lout), 8), *i2 = calloc((size_t)(N * Lout), 8);
  maxpool1d_forward_ref_f64(o1, i1, x, N, L, K, stride, pad);
  CHECK(maxpool1d_forward_f64(o2, i2, x, N, L, K, stride, pad) == CREDO_OK);
  check_scaled("f64 out", o2, o1, N * Lout, 0);
  CHECK(memcmp(i1, i2, (size_t)(N * Lout) * 8) == 0);
  /* the first window of row 0 starts inside the run of ties */
  int64_t first = 0 - pad < 0 ? 0 : 0 - pad;
  CHECK(i2[0] == first);
  float *xf = to_f32(x, N * L), *of = calloc((size_t)(N * Lout), 4);
  int64_t *i3 = calloc((size_t)(N * Lout), 8);
  CHECK(maxpool1d_forward_f32(of, i3, xf, N, L, K, stride, pad) == CREDO_OK);
  CHECK(memcmp(i1, i3, (size_t)(N * Lout) * 8) == 0);
  /* backward: every dout lands on its argmax */
  double *r = randn(N * Lout, 1), *dx = zeros(N * L), *want = zeros(N * L);
  maxpool1d_backward_f64(dx, r, i2, N, L, Lout);
  for (int64_t n = 0; n < N; n++)
    for (int64_t l = 0; l < Lout; l++)
      want[n * L + i1[n * Lout + l]] += r[n * Lout + l];
  check_scaled("f64 dx", dx, want, N * L, 0);
  free(x), free(o1), free(o2), free(i1), free(i2), free(xf), free(of);
  free(i3), free(r), free(dx), free(want);
}

static void test_maxpool_nan(void) {
  double x[6] = {1, NAN, 3, 2, 2, -1};
  double o[3];
  int64_t idx[3];
  maxpool1d_forward_f64(o, idx, x, 1, 6, 2, 2, 0);
  CHECK(isnan(o[0]) && idx[0] == 1);
  CHECK(o[1] == 3 && idx[1] == 2);
  CHECK(o[2] == 2 && idx[2] == 4);
  /* padding never wins, even over -inf */
  double y[3] = {-INFINITY, -INFINITY, -INFINITY};
  double oy[2];
  int64_t iy[2];
  maxpool1d_forward_f64(oy, iy, y, 1, 3, 3, 2, 1);
  CHECK(iy[0] == 0 && iy[1] == 1 && oy[0] == -INFINITY);
}

int main(void) {
  rng_seed(&rng, 20240601);
  credo_threads_set(2);
  test_fast_math();

  printf("reference backward against central differences\n");
  Case small[] = {
      {0, 2, 3, 3, 4, 1, 1, 1}, {0, 2, 3, 2, 3, 0, 0, 0},
      {1, 2, 3, 3, 4, 1, 1, 1}, {1, 2, 4, 2, 3, 0, 1, 0},
      {0, 1, 1, 1, 2, 1, 1, 1}, {1, 1, 1, 1, 2, 1, 0, 1},
  };
  for (size_t i = 0; i < sizeof small / sizeof *small; i++)
    test_gradcheck_ref(&small[i]);

  printf("fast kernels against the reference\n");
  Case cases[] = {
      {0, 37, 5, 3, 6, 1, 1, 1},  {0, 70, 4, 1, 16, 0, 1, 0},
      {0, 3, 2, 4, 5, 0, 0, 1},   {1, 37, 5, 3, 6, 1, 1, 1},
      {1, 70, 4, 7, 16, 0, 1, 0}, {1, 3, 2, 4, 5, 1, 0, 1},
      {0, 65, 16, 1, 64, 0, 1, 1}, {1, 65, 16, 64, 32, 0, 1, 0},
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
    test_fast_vs_ref(&cases[i]);
  test_rnn_interrupt();

  printf("conv1d\n");
  ConvCase cc[] = {
      {3, 2, 9, 4, 3, 1, 0, 1}, {2, 3, 11, 5, 4, 2, 1, 1},
      {2, 1, 7, 3, 3, 3, 2, 0}, {4, 2, 5, 2, 5, 1, 2, 1},
      {130, 32, 7, 64, 3, 1, 0, 1}, {128, 1, 16, 32, 3, 1, 0, 1},
      /* large enough for the copies to run on several threads */
      {600, 32, 7, 64, 3, 1, 0, 1},
  };
  for (size_t i = 0; i < sizeof cc / sizeof *cc; i++) test_conv(&cc[i]);

  printf("maxpool1d\n");
  test_maxpool(6, 14, 2, 2, 0);
  test_maxpool(5, 11, 3, 2, 1);
  test_maxpool(3, 10, 4, 3, 2);
  test_maxpool(4000, 14, 2, 2, 0);
  test_maxpool(20000, 14, 2, 2, 0); /* several threads */
  test_maxpool_nan();
  return ctest_summary();
}
