/*
 * test_optim.c: the optimiser kernels (natives/nn/optim.c).  Each fused
 * kernel against its _ref twin (torch's sequence of whole-array passes),
 * bit for bit, in float32 and float64, over ten steps of every option
 * combination; the FMA-compiled loops against the plain ones, and one
 * thread against two, bit for bit; one step worked by hand for each
 * optimiser; AMSGrad's NaN rule; the norms used for clipping against
 * naive sums; and every optimiser minimising a quadratic.  Prints the
 * largest difference of every comparison (llm.c's check_tensor).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ctest.h"
#include "../../natives/nn/optim.h"
#include "../../natives/random/rng.h"

static Rng rng;

/* ---- a generic "state" of up to 4 arrays, both dtypes ---- */

typedef struct {
  int64_t n;
  double *p, *s[4];      /* float64 copies */
  float *pf, *sf[4];     /* float32 copies */
} Arrays;

static void arrays_init(Arrays *a, int64_t n, int nstate, double init) {
  a->n = n;
  a->p = malloc((size_t)n * sizeof(double));
  a->pf = malloc((size_t)n * sizeof(float));
  for (int64_t i = 0; i < n; i++) {
    a->p[i] = rng_normal(&rng);
    a->pf[i] = (float)a->p[i];
  }
  for (int k = 0; k < 4; k++) {
    a->s[k] = NULL;
    a->sf[k] = NULL;
    if (k < nstate) {
      a->s[k] = malloc((size_t)n * sizeof(double));
      a->sf[k] = malloc((size_t)n * sizeof(float));
      for (int64_t i = 0; i < n; i++) {
        a->s[k][i] = init;
        a->sf[k][i] = (float)init;
      }
    }
  }
}

static void arrays_copy(Arrays *dst, const Arrays *src) {
  int64_t n = src->n;
  int ns = 0;
  while (ns < 4 && src->s[ns]) ns++;
  arrays_init(dst, n, ns, 0);
  memcpy(dst->p, src->p, (size_t)n * sizeof(double));
  memcpy(dst->pf, src->pf, (size_t)n * sizeof(float));
  for (int k = 0; k < ns; k++) {
    memcpy(dst->s[k], src->s[k], (size_t)n * sizeof(double));
    memcpy(dst->sf[k], src->sf[k], (size_t)n * sizeof(float));
  }
}

static void arrays_free(Arrays *a) {
  free(a->p);
  free(a->pf);
  for (int k = 0; k < 4; k++) {
    free(a->s[k]);
    free(a->sf[k]);
  }
}

/* Count of elements whose bits differ, over parameters and state. */
static long bits_differ(const Arrays *a, const Arrays *b) {
  long d = 0;
  d += memcmp(a->p, b->p, (size_t)a->n * sizeof(double)) != 0;
  d += memcmp(a->pf, b->pf, (size_t)a->n * sizeof(float)) != 0;
  for (int k = 0; k < 4; k++) {
    if (!a->s[k]) continue;
    d += memcmp(a->s[k], b->s[k], (size_t)a->n * sizeof(double)) != 0;
    d += memcmp(a->sf[k], b->sf[k], (size_t)a->n * sizeof(float)) != 0;
  }
  return d;
}

static double max_rel_f32_vs_f64(const Arrays *a) {
  double w = 0;
  for (int64_t i = 0; i < a->n; i++) {
    double d = fabs(a->pf[i] - a->p[i]) / (fabs(a->p[i]) > 1 ? fabs(a->p[i]) : 1);
    if (d > w) w = d;
  }
  return w;
}

/* ---- one configuration of one optimiser ---- */

typedef enum { SGD, ADAGRAD, RMSPROP, ADAM } Kind;

typedef struct {
  const char *name;
  Kind kind;
  double lr, a, b, c, wd;   /* SGD: momentum, dampening; RMSprop: alpha, eps,
                               momentum; Adam: beta1, beta2, eps; Adagrad:
                               lr_decay, eps */
  int flag1, flag2;         /* SGD nesterov; RMSprop centered; Adam amsgrad,
                               decoupled */
  double init;              /* Adagrad initial accumulator */
} Config;

static int nstate(const Config *c) {
  switch (c->kind) {
  case SGD: return 1;
  case ADAGRAD: return 1;
  case RMSPROP: return 3;
  case ADAM: return 3;
  }
  return 0;
}

/* One step with gradients g (both dtypes); ref selects the _ref twins. */
static void step(const Config *c, Arrays *x, const double *g, const float *gf,
                 int64_t t, int ref) {
  int64_t n = x->n;
  switch (c->kind) {
  case SGD: {
    double *buf = c->a != 0 ? x->s[0] : NULL;
    float *buff = c->a != 0 ? x->sf[0] : NULL;
    if (ref) {
      CHECK(optim_sgd_ref_f64(x->p, buf, g, n, c->lr, c->a, c->b, c->wd, c->flag1,
                              t == 1) == CREDO_OK);
      CHECK(optim_sgd_ref_f32(x->pf, buff, gf, n, c->lr, c->a, c->b, c->wd, c->flag1,
                              t == 1) == CREDO_OK);
    } else {
      optim_sgd_f64(x->p, buf, g, n, c->lr, c->a, c->b, c->wd, c->flag1, t == 1);
      optim_sgd_f32(x->pf, buff, gf, n, c->lr, c->a, c->b, c->wd, c->flag1, t == 1);
    }
    break;
  }
  case ADAGRAD:
    if (ref) {
      CHECK(optim_adagrad_ref_f64(x->p, x->s[0], g, n, t, c->lr, c->a, c->wd, c->b) == CREDO_OK);
      CHECK(optim_adagrad_ref_f32(x->pf, x->sf[0], gf, n, t, c->lr, c->a, c->wd, c->b) ==
            CREDO_OK);
    } else {
      optim_adagrad_f64(x->p, x->s[0], g, n, t, c->lr, c->a, c->wd, c->b);
      optim_adagrad_f32(x->pf, x->sf[0], gf, n, t, c->lr, c->a, c->wd, c->b);
    }
    break;
  case RMSPROP: {
    double *ga = c->flag1 ? x->s[1] : NULL, *buf = c->c > 0 ? x->s[2] : NULL;
    float *gaf = c->flag1 ? x->sf[1] : NULL, *buff = c->c > 0 ? x->sf[2] : NULL;
    if (ref) {
      CHECK(optim_rmsprop_ref_f64(x->p, x->s[0], ga, buf, g, n, c->lr, c->a, c->b, c->wd,
                                  c->c) == CREDO_OK);
      CHECK(optim_rmsprop_ref_f32(x->pf, x->sf[0], gaf, buff, gf, n, c->lr, c->a, c->b,
                                  c->wd, c->c) == CREDO_OK);
    } else {
      optim_rmsprop_f64(x->p, x->s[0], ga, buf, g, n, c->lr, c->a, c->b, c->wd, c->c);
      optim_rmsprop_f32(x->pf, x->sf[0], gaf, buff, gf, n, c->lr, c->a, c->b, c->wd, c->c);
    }
    break;
  }
  case ADAM: {
    double *vm = c->flag1 ? x->s[2] : NULL;
    float *vmf = c->flag1 ? x->sf[2] : NULL;
    if (ref) {
      CHECK(optim_adam_ref_f64(x->p, x->s[0], x->s[1], vm, g, n, t, c->lr, c->a, c->b, c->c,
                               c->wd, c->flag2) == CREDO_OK);
      CHECK(optim_adam_ref_f32(x->pf, x->sf[0], x->sf[1], vmf, gf, n, t, c->lr, c->a, c->b,
                               c->c, c->wd, c->flag2) == CREDO_OK);
    } else {
      optim_adam_f64(x->p, x->s[0], x->s[1], vm, g, n, t, c->lr, c->a, c->b, c->c, c->wd,
                     c->flag2);
      optim_adam_f32(x->pf, x->sf[0], x->sf[1], vmf, gf, n, t, c->lr, c->a, c->b, c->c, c->wd,
                     c->flag2);
    }
    break;
  }
  }
}

static const Config configs[] = {
  {"sgd", SGD, 0.1, 0, 0, 0, 0, 0, 0, 0},
  {"sgd wd", SGD, 0.1, 0, 0, 0, 0.01, 0, 0, 0},
  {"sgd momentum", SGD, 0.1, 0.9, 0, 0, 0, 0, 0, 0},
  {"sgd momentum dampening", SGD, 0.05, 0.8, 0.3, 0, 0.02, 0, 0, 0},
  {"sgd nesterov wd", SGD, 0.1, 0.9, 0, 0, 0.01, 1, 0, 0},
  {"adagrad", ADAGRAD, 0.1, 0, 1e-10, 0, 0, 0, 0, 0},
  {"adagrad decay wd init", ADAGRAD, 0.1, 0.01, 1e-6, 0, 0.01, 0, 0, 0.1},
  {"rmsprop", RMSPROP, 0.01, 0.99, 1e-8, 0, 0, 0, 0, 0},
  {"rmsprop momentum", RMSPROP, 0.01, 0.99, 1e-8, 0.9, 0, 0, 0, 0},
  {"rmsprop centered", RMSPROP, 0.01, 0.99, 1e-8, 0, 0, 1, 0, 0},
  {"rmsprop all", RMSPROP, 0.01, 0.9, 1e-6, 0.5, 0.01, 1, 0, 0},
  {"adam", ADAM, 0.01, 0.9, 0.999, 1e-8, 0, 0, 0, 0},
  {"adam wd", ADAM, 0.01, 0.9, 0.999, 1e-8, 0.01, 0, 0, 0},
  {"adam amsgrad", ADAM, 0.01, 0.9, 0.999, 1e-8, 0, 1, 0, 0},
  {"adamw", ADAM, 0.01, 0.9, 0.999, 1e-8, 0.01, 0, 1, 0},
  {"adamw amsgrad", ADAM, 0.01, 0.85, 0.95, 1e-8, 0.1, 1, 1, 0},
};
#define NCONFIGS ((int)(sizeof configs / sizeof configs[0]))

/* Ten steps of c from the same start with the same gradients, twice:
 * returns through a and b (the caller frees). */
static void ten_steps(const Config *c, Arrays *x, int64_t n, double **gs, float **gfs, int ref) {
  (void)n;
  for (int t = 1; t <= 10; t++) step(c, x, gs[t - 1], gfs[t - 1], t, ref);
}

static void make_grads(double **gs, float **gfs, int64_t n) {
  for (int t = 0; t < 10; t++) {
    gs[t] = malloc((size_t)n * sizeof(double));
    gfs[t] = malloc((size_t)n * sizeof(float));
    for (int64_t i = 0; i < n; i++) {
      double scale = (i % 7 == 0) ? 1e-4 : 1.0;       /* some near eps */
      double v = scale * rng_normal(&rng) * ((t % 3 == 2) ? -3 : 1);
      gfs[t][i] = (float)v;
      gs[t][i] = (double)gfs[t][i];
    }
  }
}

static void free_grads(double **gs, float **gfs) {
  for (int t = 0; t < 10; t++) {
    free(gs[t]);
    free(gfs[t]);
  }
}

static void test_kernels_vs_ref(int64_t n) {
  printf("kernels against _ref twins, n = %ld\n", (long)n);
  double *gs[10];
  float *gfs[10];
  make_grads(gs, gfs, n);
  for (int ci = 0; ci < NCONFIGS; ci++) {
    const Config *c = &configs[ci];
    Arrays start, fast, ref, plain, one;
    arrays_init(&start, n, nstate(c), c->kind == ADAGRAD ? c->init : 0);
    for (int64_t i = 0; i < n; i++) start.pf[i] = (float)start.p[i];
    arrays_copy(&fast, &start);
    arrays_copy(&ref, &start);
    arrays_copy(&plain, &start);
    arrays_copy(&one, &start);
    optim_set_fma(-1);
    ten_steps(c, &fast, n, gs, gfs, 0);
    ten_steps(c, &ref, n, gs, gfs, 1);
    optim_set_fma(0);
    ten_steps(c, &plain, n, gs, gfs, 0);
    optim_set_fma(-1);
    credo_threads_set(1);
    ten_steps(c, &one, n, gs, gfs, 0);
    credo_threads_set(2);
    long d1 = bits_differ(&fast, &ref), d2 = bits_differ(&fast, &plain);
    long d3 = bits_differ(&fast, &one);
    printf("  %-24s fast/ref %ld, fma/plain %ld, 2/1 threads %ld arrays differ; "
           "float32 vs float64 %.2g\n", c->name, d1, d2, d3, max_rel_f32_vs_f64(&fast));
    CHECK(d1 == 0);
    CHECK(d2 == 0);
    CHECK(d3 == 0);
    /* float32 follows float64 closely over ten steps */
    CHECK(max_rel_f32_vs_f64(&fast) < 1e-4);
    arrays_free(&start);
    arrays_free(&fast);
    arrays_free(&ref);
    arrays_free(&plain);
    arrays_free(&one);
  }
  free_grads(gs, gfs);
}

/* ---- one step by hand ---- */

static void test_by_hand(void) {
  /* SGD: p = 1 - 0.1 * (0.5 + 0.1 * 1) = 0.94 */
  double p = 1, g = 0.5, buf = 0;
  optim_sgd_f64(&p, NULL, &g, 1, 0.1, 0, 0, 0.1, 0, 1);
  CHECK_NEAR(p, 0.94, 1e-15);
  /* momentum: first step buf = g; second buf = 0.9 * 0.5 + 0.5 = 0.95 */
  p = 0;
  optim_sgd_f64(&p, &buf, &g, 1, 1, 0.9, 0, 0, 0, 1);
  CHECK_NEAR(buf, 0.5, 0);
  CHECK_NEAR(p, -0.5, 0);
  optim_sgd_f64(&p, &buf, &g, 1, 1, 0.9, 0, 0, 0, 0);
  CHECK_NEAR(buf, 0.95, 1e-15);
  CHECK_NEAR(p, -1.45, 1e-15);
  /* nesterov: d = g + 0.9 * buf = 0.5 + 0.9 * (0.9*0.95 + 0.5) */
  optim_sgd_f64(&p, &buf, &g, 1, 1, 0.9, 0, 0, 1, 0);
  CHECK_NEAR(buf, 0.9 * 0.95 + 0.5, 1e-15);
  CHECK_NEAR(p, -1.45 - (0.5 + 0.9 * (0.9 * 0.95 + 0.5)), 1e-14);

  /* Adagrad step 3 with lr_decay 0.5: clr = 1 / (1 + 2 * 0.5) = 0.5 */
  double s = 4;
  p = 0;
  g = 3;
  optim_adagrad_f64(&p, &s, &g, 1, 3, 1.0, 0.5, 0, 0);
  CHECK_NEAR(s, 13, 0);
  CHECK_NEAR(p, -0.5 * 3 / sqrt(13), 1e-15);

  /* RMSprop, first step: sq = 0.01 g^2, p = -lr g / (0.1 |g| + eps) */
  double sq = 0;
  p = 0;
  g = 2;
  optim_rmsprop_f64(&p, &sq, NULL, NULL, &g, 1, 0.01, 0.99, 0, 0, 0);
  CHECK_NEAR(sq, 0.04, 1e-15);
  CHECK_NEAR(p, -0.01 * 2 / 0.2, 1e-15);
  /* centered: ga = 0.02, avg = sqrt(0.04 - 0.0004) */
  double ga = 0;
  sq = 0;
  p = 0;
  optim_rmsprop_f64(&p, &sq, &ga, NULL, &g, 1, 0.01, 0.99, 0, 0, 0);
  CHECK_NEAR(ga, 0.02, 1e-15);
  CHECK_NEAR(p, -0.01 * 2 / sqrt(0.04 - 0.0004), 1e-14);

  /* Adam, first step: m/bc1 = g, v/bc2 = g^2, so p = -lr g / (|g| + eps) */
  double m = 0, v = 0;
  p = 1;
  g = -0.25;
  optim_adam_f64(&p, &m, &v, NULL, &g, 1, 1, 0.1, 0.9, 0.999, 1e-8, 0, 0);
  CHECK_NEAR(m, -0.025, 1e-16);
  CHECK_NEAR(v, 0.001 * 0.0625, 1e-18);
  CHECK_NEAR(p, 1 + 0.1 * 0.25 / (0.25 + 1e-8), 1e-14);
  /* AdamW decays p before the step: p = 1 * (1 - 0.1 * 0.5) + ... */
  m = v = 0;
  p = 1;
  optim_adam_f64(&p, &m, &v, NULL, &g, 1, 1, 0.1, 0.9, 0.999, 1e-8, 0.5, 1);
  CHECK_NEAR(p, 0.95 + 0.1 * 0.25 / (0.25 + 1e-8), 1e-14);
  /* Adam with L2: d = g + 0.5 p = 0.25 > 0, so p moves down by lr */
  m = v = 0;
  p = 1;
  optim_adam_f64(&p, &m, &v, NULL, &g, 1, 1, 0.1, 0.9, 0.999, 1e-8, 0.5, 0);
  CHECK_NEAR(p, 1 - 0.1 * 0.25 / (0.25 + 1e-8), 1e-14);

  /* the vector loop: a NaN gradient in lane 3 of 16 elements poisons that
   * element only, in float32 and float64 */
  {
    float pf[16], mf[16] = {0}, vf[16] = {0}, wf[16] = {0}, gf[16];
    double pd[16], md[16] = {0}, vd[16] = {0}, wd[16] = {0}, gd[16];
    for (int i = 0; i < 16; i++) {
      pf[i] = 1;
      pd[i] = 1;
      gf[i] = gd[i] = i == 3 ? NAN : 0.5;
    }
    optim_adam_f32(pf, mf, vf, wf, gf, 16, 1, 0.1, 0.9, 0.999, 1e-8, 0, 0);
    optim_adam_f64(pd, md, vd, wd, gd, 16, 1, 0.1, 0.9, 0.999, 1e-8, 0, 0);
    int bad = 0;
    for (int i = 0; i < 16; i++) {
      if (i == 3) bad += !isnan(pf[i]) + !isnan(pd[i]) + !isnan(wf[i]) + !isnan(wd[i]);
      else bad += fabs(pf[i] - (1 - 0.1 * 0.5 / (0.5 + 1e-8))) > 1e-6 ||
                  fabs(pd[i] - (1 - 0.1 * 0.5 / (0.5 + 1e-8))) > 1e-14;
    }
    CHECK(bad == 0);
  }

  /* AMSGrad keeps the largest v, and a NaN v wins (torch.maximum) */
  double vmax = 5;
  m = v = 0;
  p = 0;
  g = 1;
  optim_adam_f64(&p, &m, &v, &vmax, &g, 1, 1, 0.1, 0.9, 0.999, 1e-8, 0, 0);
  CHECK_NEAR(vmax, 5, 0);
  g = NAN;
  optim_adam_f64(&p, &m, &v, &vmax, &g, 1, 2, 0.1, 0.9, 0.999, 1e-8, 0, 0);
  CHECK(isnan(vmax));
  CHECK(isnan(p));
}

/* ---- norms ---- */

static void test_norms(void) {
  int64_t n = 1001;
  double *x = malloc((size_t)n * sizeof(double));
  float *xf = malloc((size_t)n * sizeof(float));
  double ss = 0, s1 = 0, s3 = 0, mx = 0;
  for (int64_t i = 0; i < n; i++) {
    xf[i] = (float)rng_normal(&rng);
    x[i] = xf[i];
    ss += x[i] * x[i];
    s1 += fabs(x[i]);
    s3 += pow(fabs(x[i]), 3);
    if (fabs(x[i]) > mx) mx = fabs(x[i]);
  }
  printf("norms\n");
  CHECK_NEAR(optim_sumsq_f64(x, n), ss, 1e-13);
  CHECK_NEAR(optim_sumsq_f32(xf, n), ss, 1e-13);
  CHECK_NEAR(optim_powsum_f64(x, n, 1), s1, 1e-13);
  CHECK_NEAR(optim_powsum_f32(xf, n, 3), s3, 1e-13);
  CHECK_NEAR(optim_absmax_f32(xf, n), mx, 0);
  CHECK_NEAR(optim_sumsq_f64(x, 0), 0, 0);
  CHECK_NEAR(optim_absmax_f64(x, 0), 0, 0);
  x[500] = NAN;
  CHECK(isnan(optim_absmax_f64(x, n)));
  CHECK(isnan(optim_sumsq_f64(x, n)));
  optim_scale_f32(xf, n, 0.5);
  CHECK_NEAR(xf[3], (float)x[3] * 0.5f, 0);
  free(x);
  free(xf);
}

/* ---- every optimiser minimises f(p) = sum_i c_i (p_i - 1)^2 ---- */

static void test_converges(void) {
  printf("minimising a quadratic\n");
  enum { N = 5 };
  const double cs[N] = {0.5, 1, 2, 4, 8};
  for (int ci = 0; ci < NCONFIGS; ci++) {
    Config c = configs[ci];
    if (c.wd != 0) continue;          /* decay moves the optimum */
    c.lr = c.kind == SGD ? 0.02 : c.kind == ADAGRAD ? 0.5 : 0.05;
    double p[N] = {0}, s[3][N], g[N];
    memset(s, 0, sizeof s);
    for (int t = 1; t <= 3000; t++) {
      for (int i = 0; i < N; i++) g[i] = 2 * cs[i] * (p[i] - 1);
      switch (c.kind) {
      case SGD: optim_sgd_f64(p, s[0], g, N, c.lr, c.a, c.b, 0, c.flag1, t == 1); break;
      case ADAGRAD: optim_adagrad_f64(p, s[0], g, N, t, c.lr, c.a, 0, c.b); break;
      case RMSPROP:
        optim_rmsprop_f64(p, s[0], c.flag1 ? s[1] : NULL, s[2], g, N,
                          t > 2000 ? c.lr / 100 : c.lr, c.a, c.b, 0, c.c);
        break;
      case ADAM:
        optim_adam_f64(p, s[0], s[1], c.flag1 ? s[2] : NULL, g, N, t,
                       t > 2000 ? c.lr / 100 : c.lr, c.a, c.b, c.c, 0, c.flag2);
        break;
      }
    }
    double err = 0;
    for (int i = 0; i < N; i++) err = fmax(err, fabs(p[i] - 1));
    printf("  %-24s max |p - 1| = %.2g\n", c.name, err);
    CHECK(err < 1e-2);
  }
}

int main(void) {
  rng_seed(&rng, 20240613);
  credo_threads_set(2);
  test_kernels_vs_ref(37);
  test_kernels_vs_ref(200003);   /* above OPTIM_PAR_MIN: threaded chunks */
  test_by_hand();
  test_norms();
  test_converges();
  return ctest_summary();
}
