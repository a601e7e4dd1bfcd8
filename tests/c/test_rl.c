/*
 * test_rl.c: the native core of credo.rl (natives/rl/rl.h): the sum tree
 * against brute-force prefix sums and by a chi-square test of its sampling
 * frequencies; the Q-network gradient against central differences in
 * float64 (dense and one-hot inputs, MSE and Huber, importance weights,
 * terminal transitions, Double and vanilla DQN targets); one-hot against
 * dense inputs; the target updates; the same bits at 1 and 2 threads.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../../natives/rl/rl.h"
#include "ctest.h"

/* ---- sum tree ---- */

static void test_sumtree_basic(void) {
  SumTree t;
  CHECK(sumtree_init(&t, 5) == CREDO_OK);
  CHECK(t.leaves == 8);
  CHECK(isinf(sumtree_min(&t)));
  double p[5] = {1.0, 0.0, 2.5, 0.5, 3.0};
  for (int i = 0; i < 5; i++) sumtree_set(&t, i, p[i]);
  CHECK_NEAR(sumtree_total(&t), 7.0, 0);
  CHECK_NEAR(sumtree_min(&t), 0.5, 0);
  CHECK_NEAR(sumtree_get(&t, 2), 2.5, 0);
  /* every x lands in the leaf whose prefix interval holds it; the empty
   * leaf 1 is never returned */
  int bad = 0;
  for (int k = 0; k <= 700; k++) {
    double x = k * 0.01, c = 0;
    int want = -1;
    for (int i = 0; i < 5; i++) {
      if (x >= c && x < c + p[i]) { want = i; break; }
      c += p[i];
    }
    if (want < 0) want = 4;  /* x == total clamps into the last leaf */
    if (sumtree_find(&t, x) != want) bad++;
  }
  CHECK(bad == 0);
  CHECK(sumtree_find(&t, -1.0) == 0);
  CHECK(sumtree_find(&t, 1e9) == 4);
  CHECK(sumtree_find(&t, NAN) == 0);
  /* an update recomputes the path */
  sumtree_set(&t, 4, 0.0);
  CHECK_NEAR(sumtree_total(&t), 4.0, 0);
  CHECK(sumtree_find(&t, 3.999999) == 3);
  CHECK(sumtree_find(&t, 1e9) == 3);  /* never the zero leaves 4..7 */
  sumtree_free(&t);
  sumtree_free(&t);  /* safe twice */
}

/* Chi-square goodness of fit of sampled leaf counts against p_i / sum p.
 * 10 leaves, 2 of them zero (never drawn): 7 degrees of freedom; the
 * critical value at the 0.001 level is 24.322.  Fixed seed. */
static double chisq(const long *count, const double *p, int n, long draws) {
  double total = 0, x2 = 0;
  for (int i = 0; i < n; i++) total += p[i];
  for (int i = 0; i < n; i++) {
    if (p[i] == 0) continue;
    double e = draws * p[i] / total;
    x2 += (count[i] - e) * (count[i] - e) / e;
  }
  return x2;
}

static void test_sumtree_chisq(void) {
  double p[10] = {0.5, 1.0, 0.0, 2.0, 4.0, 0.25, 3.0, 0.0, 1.5, 0.75};
  SumTree t;
  CHECK(sumtree_init(&t, 10) == CREDO_OK);
  for (int i = 0; i < 10; i++) sumtree_set(&t, i, p[i]);
  Rng r;
  rng_seed(&r, 2024);
  long count[10] = {0}, count_s[10] = {0};
  long draws = 200000;
  int64_t one, batch[32];
  for (long d = 0; d < draws; d++) { /* independent draws (k = 1) */
    sumtree_sample(&one, &t, 1, &r);
    count[one]++;
  }
  for (long d = 0; d < draws / 32; d++) { /* stratified batches of 32 */
    sumtree_sample(batch, &t, 32, &r);
    for (int j = 0; j < 32; j++) count_s[batch[j]]++;
  }
  double x2 = chisq(count, p, 10, draws), x2s = chisq(count_s, p, 10, draws);
  printf("  sum tree chi-square: iid %.3f, stratified %.3f (df 7, "
         "critical 24.322 at 0.001)\n", x2, x2s);
  CHECK(x2 < 24.322);
  CHECK(x2s < 24.322);
  CHECK(count[2] == 0 && count[7] == 0 && count_s[2] == 0 && count_s[7] == 0);
  /* and the test has power: frequencies of a wrong distribution fail it */
  double q[10] = {1, 1, 0, 1, 1, 1, 1, 0, 1, 1};
  CHECK(chisq(count, q, 10, draws) > 24.322);
  sumtree_free(&t);
}

/* ---- Q-network ---- */

enum { N = 12, NIN = 5, H1 = 6, H2 = 4, NA = 3, BATCH = 7 };

typedef struct {
  double s[N * NIN], s2[N * NIN], r[N], done[N], w[BATCH];
  int64_t si[N], s2i[N], a[N], idx[BATCH];
} Data;

static void make_data(Data *d, Rng *r, int onehot) {
  for (int i = 0; i < N; i++) {
    d->si[i] = (int64_t)rng_bounded(r, NIN);
    d->s2i[i] = (int64_t)rng_bounded(r, NIN);
    for (int k = 0; k < NIN; k++) {
      d->s[i * NIN + k] = onehot ? (k == d->si[i]) : rng_normal(r);
      d->s2[i * NIN + k] = onehot ? (k == d->s2i[i]) : rng_normal(r);
    }
    d->a[i] = (int64_t)rng_bounded(r, NA);
    d->r[i] = rng_uniform(r) < 0.5 ? 1.0 : 0.0;
    d->done[i] = rng_uniform(r) < 0.3 ? 1.0 : 0.0;
  }
  for (int j = 0; j < BATCH; j++) {
    d->idx[j] = (int64_t)rng_bounded(r, N);
    d->w[j] = 0.2 + rng_uniform(r);
  }
}

static QBatch batch_of(const Data *d, int ids, int weights, int dones) {
  QBatch b = {0};
  b.B = BATCH;
  b.base = 0;
  b.idx = d->idx;
  if (ids) {
    b.si = d->si;
    b.s2i = d->s2i;
  } else {
    b.s = d->s;
    b.s2 = d->s2;
  }
  b.a = d->a;
  b.r = d->r;
  b.done = dones ? d->done : NULL;
  b.w = weights ? d->w : NULL;
  return b;
}

static void make_net(QNet *q, tensor_dtype dt, Rng *r) {
  int64_t sizes[4] = {NIN, H1, H2, NA};
  CHECK(qnet_init(q, dt, 3, sizes) == CREDO_OK);
  CHECK(qnet_reserve(q, 2 * BATCH) == CREDO_OK);
  qnet_reset(q, r);
  /* a target that differs from the online net */
  for (int64_t k = 0; k < q->nparams; k++) {
    if (dt == TENSOR_F64)
      ((double *)q->target)[k] += 0.1 * rng_normal(r);
    else
      ((float *)q->target)[k] += (float)(0.1 * rng_normal(r));
  }
}

/* central differences of the loss in the online parameters */
static void gradcheck(const char *name, QNet *q, const QBatch *b) {
  double *g = (double *)malloc((size_t)q->nparams * sizeof(double));
  double *num = (double *)malloc((size_t)q->nparams * sizeof(double));
  qnet_compute_grad(q, b, NULL);
  memcpy(g, q->grad, (size_t)q->nparams * sizeof(double));
  double *p = (double *)q->online, eps = 1e-6;
  for (int64_t k = 0; k < q->nparams; k++) {
    double keep = p[k];
    p[k] = keep + eps;
    double fp = qnet_compute_grad(q, b, NULL);
    p[k] = keep - eps;
    double fm = qnet_compute_grad(q, b, NULL);
    p[k] = keep;
    num[k] = (fp - fm) / (2 * eps);
  }
  ctest_check_array(name, g, num, (long)q->nparams, 1e-7);
  free(g);
  free(num);
}

static void test_gradients(void) {
  Rng r;
  rng_seed(&r, 7);
  for (int ids = 0; ids < 2; ids++)
    for (int loss = 0; loss < 2; loss++)
      for (int dbl = 0; dbl < 2; dbl++) {
        Data d;
        make_data(&d, &r, ids);
        QNet q;
        make_net(&q, TENSOR_F64, &r);
        q.loss = loss ? QNET_LOSS_HUBER : QNET_LOSS_MSE;
        q.huber_delta = 0.5; /* some |d| above it, some below */
        q.double_q = dbl;
        q.gamma = 0.9;
        QBatch b = batch_of(&d, ids, 1, 1);
        char name[96];
        snprintf(name, sizeof name, "grad %s %s %s", ids ? "ids" : "dense",
                 loss ? "huber" : "mse", dbl ? "double" : "dqn");
        gradcheck(name, &q, &b);
        QBatch b2 = batch_of(&d, ids, 0, 0);
        snprintf(name, sizeof name, "grad %s %s %s no w/done",
                 ids ? "ids" : "dense", loss ? "huber" : "mse",
                 dbl ? "double" : "dqn");
        gradcheck(name, &q, &b2);
        qnet_free(&q);
      }
}

/* the loss against a plain evaluation of its definition */
static double mlp_q(const QNet *q, const double *P, const double *x, int a) {
  double h[16], o[16];
  int64_t n_in = q->size[0];
  for (int k = 0; k < n_in; k++) h[k] = x[k];
  for (int l = 0; l < q->nlayers; l++) {
    int64_t C = q->size[l], OC = q->size[l + 1];
    for (int64_t j = 0; j < OC; j++) {
      double s = P[q->boff[l] + j];
      for (int64_t c = 0; c < C; c++) s += P[q->woff[l] + j * C + c] * h[c];
      o[j] = (l + 1 < q->nlayers && s < 0) ? 0 : s;
    }
    for (int64_t j = 0; j < OC; j++) h[j] = o[j];
  }
  return h[a];
}

static void test_loss_definition(void) {
  Rng r;
  rng_seed(&r, 11);
  Data d;
  make_data(&d, &r, 0);
  QNet q;
  make_net(&q, TENSOR_F64, &r);
  q.gamma = 0.8;
  q.double_q = 1;
  QBatch b = batch_of(&d, 0, 1, 1);
  double td[BATCH];
  double loss = qnet_compute_grad(&q, &b, td);
  double want = 0, tdw[BATCH];
  const double *on = (const double *)q.online, *tg = (const double *)q.target;
  for (int i = 0; i < BATCH; i++) {
    int64_t row = d.idx[i];
    int best = 0;
    for (int a = 1; a < NA; a++)
      if (mlp_q(&q, on, d.s2 + row * NIN, a) >
          mlp_q(&q, on, d.s2 + row * NIN, best))
        best = a;
    double y = d.r[row];
    if (d.done[row] == 0) y += 0.8 * mlp_q(&q, tg, d.s2 + row * NIN, best);
    double diff = mlp_q(&q, on, d.s + row * NIN, (int)d.a[row]) - y;
    want += d.w[i] * diff * diff;
    tdw[i] = -diff;
  }
  want /= BATCH;
  CHECK_NEAR(loss, want, 1e-12);
  ctest_check_array("td errors", td, tdw, BATCH, 1e-12);
  /* vanilla DQN target: max over the target net */
  q.double_q = 0;
  loss = qnet_compute_grad(&q, &b, NULL);
  want = 0;
  for (int i = 0; i < BATCH; i++) {
    int64_t row = d.idx[i];
    double m = -INFINITY;
    for (int a = 0; a < NA; a++) {
      double v = mlp_q(&q, tg, d.s2 + row * NIN, a);
      if (v > m) m = v;
    }
    double y = d.r[row] + (d.done[row] == 0 ? 0.8 * m : 0);
    double diff = mlp_q(&q, on, d.s + row * NIN, (int)d.a[row]) - y;
    want += d.w[i] * diff * diff;
  }
  CHECK_NEAR(loss, want / BATCH, 1e-12);
  /* forward agrees with the definition, online and target */
  double out[NA * N];
  qnet_forward(&q, out, d.s, NULL, 0, 2 * BATCH > N ? N : 2 * BATCH, 1);
  double worst = 0;
  for (int i = 0; i < (2 * BATCH > N ? N : 2 * BATCH); i++)
    for (int a = 0; a < NA; a++)
      worst = fmax(worst, fabs(out[i * NA + a] - mlp_q(&q, tg, d.s + i * NIN, a)));
  printf("  forward vs definition          max abs diff %.3g\n", worst);
  CHECK(worst < 1e-12);
  qnet_free(&q);
}

/* one-hot ids give the same loss and gradient as one-hot dense rows */
static void test_onehot_equals_dense(void) {
  Rng r;
  rng_seed(&r, 5);
  Data d;
  make_data(&d, &r, 1);
  QNet q;
  make_net(&q, TENSOR_F64, &r);
  QBatch bd = batch_of(&d, 0, 1, 1), bi = batch_of(&d, 1, 1, 1);
  double *gd = (double *)malloc((size_t)q.nparams * sizeof(double));
  double ld = qnet_compute_grad(&q, &bd, NULL);
  memcpy(gd, q.grad, (size_t)q.nparams * sizeof(double));
  double li = qnet_compute_grad(&q, &bi, NULL);
  CHECK_NEAR(li, ld, 1e-14);
  ctest_check_array("one-hot ids vs dense grad", (double *)q.grad, gd,
                    (long)q.nparams, 1e-14);
  /* 1-based indices (base 1) give the same as 0-based */
  Data d1 = d;
  for (int i = 0; i < N; i++) d1.si[i]++, d1.s2i[i]++, d1.a[i]++;
  for (int j = 0; j < BATCH; j++) d1.idx[j]++;
  QBatch b1 = batch_of(&d1, 1, 1, 1);
  b1.base = 1;
  CHECK(qnet_compute_grad(&q, &b1, NULL) == li);
  free(gd);
  qnet_free(&q);
}

static void test_updates(void) {
  Rng r;
  rng_seed(&r, 3);
  QNet q;
  make_net(&q, TENSOR_F32, &r);
  float *t = (float *)q.target, *o = (float *)q.online;
  float t0 = t[0], o0 = o[0];
  qnet_soft_update(&q, 0.01);
  CHECK(t[0] == t0 + 0.01f * (o0 - t0));
  t0 = t[1], o0 = o[1];
  qnet_soft_update(&q, 0.75); /* torch's other branch */
  CHECK(t[1] == o0 - (o0 - t0) * (1.0f - 0.75f));
  qnet_hard_update(&q);
  CHECK(memcmp(q.target, q.online, (size_t)q.nparams * sizeof(float)) == 0);
  qnet_free(&q);
}

/* a few training steps give the same bits at 1 and 2 threads */
static void run_steps(float *out, int64_t n, int threads) {
  credo_threads_set(threads);
  Rng r;
  rng_seed(&r, 99);
  enum { NS = 81, NB = 64, NN = 500 };
  static int64_t si[NN], s2i[NN], a[NN], idx[NB];
  static float rew[NN];
  for (int i = 0; i < NN; i++) {
    si[i] = (int64_t)rng_bounded(&r, NS);
    s2i[i] = (int64_t)rng_bounded(&r, NS);
    a[i] = (int64_t)rng_bounded(&r, 3);
    rew[i] = (float)(rng_uniform(&r) < 0.5);
  }
  int64_t sizes[4] = {NS, 64, 64, 3};
  QNet q;
  CHECK(qnet_init(&q, TENSOR_F32, 3, sizes) == CREDO_OK);
  CHECK(qnet_reserve(&q, NB) == CREDO_OK);
  qnet_reset(&q, &r);
  q.gamma = 0.9;
  QBatch b = {0};
  b.B = NB, b.idx = idx, b.si = si, b.s2i = s2i, b.a = a, b.r = rew;
  for (int step = 0; step < 20; step++) {
    for (int j = 0; j < NB; j++) idx[j] = (int64_t)rng_bounded(&r, NN);
    qnet_train_step(&q, &b, 1e-3, 0.01, NULL);
  }
  memcpy(out, q.online, (size_t)n * sizeof(float));
  qnet_free(&q);
}

static void test_threads(void) {
  int64_t n = 81 * 64 + 64 + 64 * 64 + 64 + 64 * 3 + 3;
  float *a = (float *)malloc((size_t)n * sizeof(float));
  float *b = (float *)malloc((size_t)n * sizeof(float));
  int keep = credo_threads_get();
  run_steps(a, n, 1);
  run_steps(b, n, 2);
  credo_threads_set(keep);
  CHECK(memcmp(a, b, (size_t)n * sizeof(float)) == 0);
  free(a);
  free(b);
}

int main(void) {
  test_sumtree_basic();
  test_sumtree_chisq();
  test_gradients();
  test_loss_definition();
  test_onehot_equals_dense();
  test_updates();
  test_threads();
  return ctest_summary();
}
