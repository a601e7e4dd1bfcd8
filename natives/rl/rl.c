/*
 * rl.c: the sum tree and the Q-network training step of credo.rl (rl.h
 * has the contracts and the references).
 *
 * The Q-network's products are dense_forward/dense_backward (natives/nn,
 * linalg_gemm underneath: fixed tiles, the same bits at any thread count)
 * and its optimiser is optim_adam (natives/nn/optim.c, torch's rounding);
 * this file adds the gather of a batch from the replay arrays, the one-hot
 * first layer, the Double-DQN target, the loss gradient with importance
 * weights, ReLU, and the target updates.  Not here: argument checks
 * (rl_lua.c), replay storage (stdlib/credo/rl), other activations.
 */
#include "rl.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../nn/nn.h"
#include "../nn/optim.h"

/* ---- sum tree ---- */

credo_status sumtree_init(SumTree *t, int64_t n) {
  assert(n >= 1);
  memset(t, 0, sizeof *t);
  int64_t leaves = 1;
  while (leaves < n) {
    if (leaves > INT64_MAX / 4) return CREDO_ENOMEM;
    leaves *= 2;
  }
  size_t bytes;
  if (credo_mul_size((size_t)(2 * leaves), sizeof(double), &bytes))
    return CREDO_ENOMEM;
  t->sum = (double *)calloc(1, bytes);
  t->min = (double *)malloc(bytes);
  if (!t->sum || !t->min) {
    sumtree_free(t);
    return CREDO_ENOMEM;
  }
  for (int64_t k = 0; k < 2 * leaves; k++) t->min[k] = INFINITY;
  t->n = n;
  t->leaves = leaves;
  return CREDO_OK;
}

void sumtree_free(SumTree *t) {
  free(t->sum);
  free(t->min);
  t->sum = t->min = NULL;
  t->n = t->leaves = 0;
}

void sumtree_set(SumTree *t, int64_t i, double p) {
  assert(i >= 0 && i < t->n && p >= 0);
  int64_t k = t->leaves + i;
  t->sum[k] = p;
  t->min[k] = p > 0 ? p : INFINITY;
  for (k /= 2; k >= 1; k /= 2) {
    t->sum[k] = t->sum[2 * k] + t->sum[2 * k + 1];
    double a = t->min[2 * k], b = t->min[2 * k + 1];
    t->min[k] = a < b ? a : b;
  }
}

double sumtree_get(const SumTree *t, int64_t i) {
  assert(i >= 0 && i < t->n);
  return t->sum[t->leaves + i];
}

double sumtree_total(const SumTree *t) { return t->sum[1]; }

double sumtree_min(const SumTree *t) { return t->min[1]; }

int64_t sumtree_find(const SumTree *t, double x) {
  double total = t->sum[1];
  assert(total > 0);
  if (!(x >= 0)) x = 0; /* NaN too */
  if (x >= total) x = nextafter(total, 0);
  int64_t k = 1;
  while (k < t->leaves) {
    double l = t->sum[2 * k], r = t->sum[2 * k + 1];
    /* go right only where there is mass: rounding in the sums can leave
     * x just above the left sum of a subtree whose right part is empty */
    if (x < l || r <= 0) {
      k = 2 * k;
    } else {
      x -= l;
      k = 2 * k + 1;
    }
  }
  return k - t->leaves;
}

void sumtree_sample(int64_t *idx, const SumTree *t, int64_t k, Rng *r) {
  double total = t->sum[1], seg = total / (double)k;
  for (int64_t j = 0; j < k; j++) {
    double u = rng_uniform(r);
    idx[j] = sumtree_find(t, ((double)j + u) * seg);
  }
}

/* ---- Q-network: allocation ---- */

static size_t esize(tensor_dtype dt) {
  return dt == TENSOR_F32 ? sizeof(float) : sizeof(double);
}

credo_status qnet_init(QNet *q, tensor_dtype dt, int nlayers,
                       const int64_t *sizes) {
  assert(nlayers >= 1 && nlayers <= QNET_MAX_LAYERS);
  assert(dt == TENSOR_F32 || dt == TENSOR_F64);
  memset(q, 0, sizeof *q);
  q->dtype = dt;
  q->nlayers = nlayers;
  int64_t off = 0;
  for (int l = 0; l <= nlayers; l++) q->size[l] = sizes[l];
  for (int l = 0; l < nlayers; l++) {
    q->woff[l] = off;
    off += q->size[l + 1] * q->size[l];
    q->boff[l] = off;
    off += q->size[l + 1];
  }
  q->nparams = off;
  q->gamma = 0.99;
  q->beta1 = 0.9;
  q->beta2 = 0.999;
  q->eps = 1e-8;
  q->huber_delta = 1.0;
  q->loss = QNET_LOSS_MSE;
  q->double_q = 1;
  size_t bytes;
  if (credo_mul_size((size_t)off, esize(dt), &bytes)) return CREDO_ENOMEM;
  void **blocks[5] = {&q->online, &q->target, &q->grad, &q->m, &q->v};
  for (int i = 0; i < 5; i++) {
    *blocks[i] = calloc(1, bytes ? bytes : 1);
    if (!*blocks[i]) {
      qnet_free(q);
      return CREDO_ENOMEM;
    }
  }
  return CREDO_OK;
}

void qnet_free(QNet *q) {
  free(q->online);
  free(q->target);
  free(q->grad);
  free(q->m);
  free(q->v);
  free(q->work);
  free(q->ids);
  q->online = q->target = q->grad = q->m = q->v = q->work = NULL;
  q->ids = NULL;
  q->batch = 0;
}

void qnet_reset(QNet *q, Rng *r) {
  for (int l = 0; l < q->nlayers; l++) {
    double bound = 1.0 / sqrt((double)q->size[l]);
    int64_t nw = q->size[l + 1] * q->size[l], nb = q->size[l + 1];
    for (int64_t k = 0; k < nw + nb; k++) {
      double u = (2.0 * rng_uniform(r) - 1.0) * bound;
      int64_t at = k < nw ? q->woff[l] + k : q->boff[l] + (k - nw);
      if (q->dtype == TENSOR_F32)
        ((float *)q->online)[at] = (float)u;
      else
        ((double *)q->online)[at] = u;
    }
  }
  size_t bytes = (size_t)q->nparams * esize(q->dtype);
  memcpy(q->target, q->online, bytes);
  memset(q->m, 0, bytes);
  memset(q->v, 0, bytes);
  memset(q->grad, 0, bytes);
  q->adam_step = 0;
}

/* Workspace elements for B rows: x (2B, n_in); per layer l: h (2B, n_l),
 * target th (B, n_l), dh (B, n_l), n_l = size[l+1]. */
static int64_t work_elems(const QNet *q, int64_t B) {
  int64_t e = 2 * B * q->size[0];
  for (int l = 0; l < q->nlayers; l++) e += 4 * B * q->size[l + 1];
  return e;
}

credo_status qnet_reserve(QNet *q, int64_t B) {
  if (B <= q->batch) return CREDO_OK;
  size_t bytes, ib;
  if (credo_mul_size((size_t)work_elems(q, B), esize(q->dtype), &bytes) ||
      credo_mul_size((size_t)(2 * B), sizeof(int64_t), &ib))
    return CREDO_ENOMEM;
  void *w = malloc(bytes);
  int64_t *a = (int64_t *)malloc(ib);
  if (!w || !a) {
    free(w);
    free(a);
    return CREDO_ENOMEM;
  }
  free(q->work);
  free(q->ids);
  q->work = w;
  q->ids = a;
  q->batch = B;
  return CREDO_OK;
}

/* ---- Q-network: the kernels, float32 and float64 ----
 *
 * Pointers into the workspace for B reserved rows: x (2B, n_in),
 * h[l] (2B, n_l), th[l] (B, n_l), dh[l] (B, n_l); q->ids (2B) holds the
 * gathered state ids of s and s' in one-hot mode. */
#define QNET_DEFINE(T, SFX)                                                   \
  typedef struct {                                                            \
    T *x, *h[QNET_MAX_LAYERS], *th[QNET_MAX_LAYERS], *dh[QNET_MAX_LAYERS];    \
  } Work_##SFX;                                                               \
                                                                              \
  static Work_##SFX work_##SFX(const QNet *q) {                               \
    Work_##SFX w;                                                             \
    int64_t B = q->batch;                                                     \
    T *p = (T *)q->work;                                                      \
    w.x = p;                                                                  \
    p += 2 * B * q->size[0];                                                  \
    for (int l = 0; l < q->nlayers; l++) {                                    \
      int64_t n = q->size[l + 1];                                             \
      w.h[l] = p, p += 2 * B * n;                                             \
      w.th[l] = p, p += B * n;                                                \
      w.dh[l] = p, p += B * n;                                                \
    }                                                                         \
    return w;                                                                 \
  }                                                                           \
                                                                              \
  /* out (N, n_1) = b + W[:, ids[i]] for each row i (the one-hot product) */  \
  static void onehot_forward_##SFX(T *out, const int64_t *ids, const T *W,    \
                                   const T *b, int64_t N, int64_t C,          \
                                   int64_t OC) {                              \
    for (int64_t i = 0; i < N; i++) {                                         \
      T *o = out + i * OC;                                                    \
      const T *wc = W + ids[i];                                               \
      for (int64_t j = 0; j < OC; j++) o[j] = wc[j * C] + b[j];               \
    }                                                                         \
  }                                                                           \
                                                                              \
  /* dW[:, ids[i]] += dout[i]; db += column sums of dout (double, batch      \
   * order, as dense_backward) */                                             \
  static void onehot_backward_##SFX(T *dW, T *db, const T *dout,              \
                                    const int64_t *ids, int64_t N, int64_t C, \
                                    int64_t OC) {                             \
    for (int64_t i = 0; i < N; i++) {                                         \
      const T *g = dout + i * OC;                                             \
      T *wc = dW + ids[i];                                                    \
      for (int64_t j = 0; j < OC; j++) wc[j * C] += g[j];                     \
    }                                                                         \
    for (int64_t j = 0; j < OC; j++) {                                        \
      double acc = 0;                                                         \
      for (int64_t i = 0; i < N; i++) acc += dout[i * OC + j];                \
      db[j] += (T)acc;                                                        \
    }                                                                         \
  }                                                                           \
                                                                              \
  /* outs[l] (N, n_l) for every layer of parameters P; input x (N, n_in)    \
   * dense or ids (N) */                                                      \
  static void forward_##SFX(const QNet *q, const T *P, const T *x,            \
                            const int64_t *ids, int64_t N, T *const *outs) {  \
    for (int l = 0; l < q->nlayers; l++) {                                    \
      int64_t C = q->size[l], OC = q->size[l + 1];                            \
      const T *W = P + q->woff[l], *b = P + q->boff[l];                       \
      if (l == 0 && ids)                                                      \
        onehot_forward_##SFX(outs[0], ids, W, b, N, C, OC);                   \
      else                                                                    \
        dense_forward_##SFX(outs[l], l == 0 ? x : outs[l - 1], W, b, N, C,    \
                            OC);                                              \
      if (l + 1 < q->nlayers) act_relu_forward_##SFX(outs[l], outs[l], N * OC); \
    }                                                                         \
  }                                                                           \
                                                                              \
  static void qforward_##SFX(QNet *q, T *out, const T *x, const int64_t *xi,  \
                             int64_t base, int64_t N, int which) {            \
    Work_##SFX w = work_##SFX(q);                                             \
    if (xi && base) {                                                         \
      for (int64_t i = 0; i < N; i++) q->ids[i] = xi[i] - base;               \
      xi = q->ids;                                                            \
    }                                                                         \
    T *outs[QNET_MAX_LAYERS];                                                 \
    for (int l = 0; l < q->nlayers; l++) outs[l] = w.h[l];                    \
    outs[q->nlayers - 1] = out;                                               \
    forward_##SFX(q, (const T *)(which ? q->target : q->online), x, xi, N,    \
                  outs);                                                      \
  }                                                                           \
                                                                              \
  static double grad_##SFX(QNet *q, const QBatch *bt, double *td) {           \
    Work_##SFX w = work_##SFX(q);                                             \
    int64_t B = bt->B, nin = q->size[0], A = q->size[q->nlayers];             \
    int L = q->nlayers;                                                       \
    int64_t *ids = NULL;                                                      \
    /* gather s (rows 0..B-1) and s' (rows B..2B-1) */                        \
    if (bt->si) {                                                             \
      ids = q->ids;     \
      for (int64_t i = 0; i < B; i++) {                                       \
        int64_t row = bt->idx[i] - bt->base;                                  \
        ids[i] = bt->si[row] - bt->base;                                      \
        ids[B + i] = bt->s2i[row] - bt->base;                                 \
      }                                                                       \
    } else {                                                                  \
      const T *s = (const T *)bt->s, *s2 = (const T *)bt->s2;                 \
      for (int64_t i = 0; i < B; i++) {                                       \
        int64_t row = bt->idx[i] - bt->base;                                  \
        memcpy(w.x + i * nin, s + row * nin, nin * sizeof(T));                \
        memcpy(w.x + (B + i) * nin, s2 + row * nin, nin * sizeof(T));         \
      }                                                                       \
    }                                                                         \
    const T *on = (const T *)q->online, *tg = (const T *)q->target;           \
    /* online on s and s' at once (the s' half only picks a*), target on s' */\
    int64_t nrows = q->double_q ? 2 * B : B;                                  \
    forward_##SFX(q, on, w.x, ids, nrows, w.h);                               \
    forward_##SFX(q, tg, w.x + B * nin, ids ? ids + B : NULL, B, w.th);       \
    const T *qs = w.h[L - 1], *qs2 = w.h[L - 1] + B * A, *qt = w.th[L - 1];   \
    const T *r = (const T *)bt->r, *dn = (const T *)bt->done;                 \
    const T *iw = (const T *)bt->w;                                           \
    T gamma = (T)q->gamma, delta = (T)q->huber_delta;                         \
    T scale = (T)(1.0 / (double)B);                                           \
    T *dq = w.dh[L - 1];                                                      \
    memset(dq, 0, (size_t)(B * A) * sizeof(T));                               \
    double loss = 0;                                                          \
    for (int64_t i = 0; i < B; i++) {                                         \
      int64_t row = bt->idx[i] - bt->base;                                    \
      T next;                                                                 \
      if (q->double_q) {                                                      \
        const T *o = qs2 + i * A;                                             \
        int64_t best = 0;                                                     \
        for (int64_t a = 1; a < A; a++)                                       \
          if (o[a] > o[best] || (o[a] != o[a] && o[best] == o[best]))         \
            best = a;                                                         \
        next = qt[i * A + best];                                              \
      } else {                                                                \
        const T *o = qt + i * A;                                              \
        next = o[0];                                                          \
        for (int64_t a = 1; a < A; a++)                                       \
          if (o[a] > next || o[a] != o[a]) next = o[a];                       \
      }                                                                       \
      T y = r[row];                                                           \
      if (!dn || dn[row] == 0) y = r[row] + gamma * next;                     \
      int64_t a = bt->a[row] - bt->base;                                      \
      T d = qs[i * A + a] - y;                                                \
      T wi = iw ? iw[i] : (T)1;                                               \
      T g, li;                                                                \
      if (q->loss == QNET_LOSS_MSE) {                                         \
        li = d * d;                                                           \
        g = 2 * d;                                                            \
      } else {                                                                \
        T ad = d < 0 ? -d : d;                                                \
        if (ad < delta) {                                                     \
          li = (T)0.5 * d * d;                                                \
          g = d;                                                              \
        } else {                                                              \
          li = delta * (ad - (T)0.5 * delta);                                 \
          g = d < 0 ? -delta : delta;                                         \
        }                                                                     \
      }                                                                       \
      loss += (double)wi * (double)li;                                        \
      dq[i * A + a] = g * wi * scale;                                         \
      if (td) td[i] = -(double)d;                                             \
    }                                                                         \
    /* backward over the s rows */                                            \
    T *G = (T *)q->grad;                                                      \
    memset(G, 0, (size_t)q->nparams * sizeof(T));                             \
    for (int l = L - 1; l >= 0; l--) {                                        \
      int64_t C = q->size[l], OC = q->size[l + 1];                            \
      const T *W = on + q->woff[l];                                           \
      T *gW = G + q->woff[l], *gb = G + q->boff[l];                           \
      if (l == 0) {                                                           \
        if (ids)                                                              \
          onehot_backward_##SFX(gW, gb, w.dh[0], ids, B, C, OC);              \
        else                                                                  \
          dense_backward_##SFX(NULL, gW, gb, w.dh[0], w.x, W, B, C, OC);      \
      } else {                                                                \
        /* dL/dh into th[l-1] (free now, same shape), then through ReLU */   \
        T *din = w.dh[l - 1], *raw = w.th[l - 1];                             \
        const T *hin = w.h[l - 1];                                            \
        memset(raw, 0, (size_t)(B * C) * sizeof(T));                          \
        dense_backward_##SFX(raw, gW, gb, w.dh[l], hin, W, B, C, OC);         \
        memset(din, 0, (size_t)(B * C) * sizeof(T));                          \
        act_relu_backward_##SFX(din, raw, hin, B * C);                        \
      }                                                                       \
    }                                                                         \
    return loss / (double)B;                                                  \
  }                                                                           \
                                                                              \
  static void soft_##SFX(T *t, const T *o, int64_t n, double tau) {           \
    T wt = (T)tau;                                                            \
    if (fabs((double)wt) < 0.5)                                               \
      for (int64_t k = 0; k < n; k++) t[k] = t[k] + wt * (o[k] - t[k]);       \
    else                                                                      \
      for (int64_t k = 0; k < n; k++)                                         \
        t[k] = o[k] - (o[k] - t[k]) * ((T)1 - wt);                            \
  }

QNET_DEFINE(float, f32)
QNET_DEFINE(double, f64)

void qnet_forward(QNet *q, void *out, const void *x, const int64_t *xi,
                  int64_t base, int64_t N, int which) {
  assert(N <= q->batch);
  switch (q->dtype) {
  case TENSOR_F32:
    qforward_f32(q, (float *)out, (const float *)x, xi, base, N, which);
    break;
  default:
    qforward_f64(q, (double *)out, (const double *)x, xi, base, N, which);
  }
}

double qnet_compute_grad(QNet *q, const QBatch *b, double *td) {
  assert(b->B >= 1 && b->B <= q->batch);
  switch (q->dtype) {
  case TENSOR_F32:
    return grad_f32(q, b, td);
  default:
    return grad_f64(q, b, td);
  }
}

void qnet_adam(QNet *q, double lr) {
  q->adam_step++;
  if (q->dtype == TENSOR_F32)
    optim_adam_f32((float *)q->online, (float *)q->m, (float *)q->v, NULL,
                   (const float *)q->grad, q->nparams, q->adam_step, lr,
                   q->beta1, q->beta2, q->eps, 0, 0);
  else
    optim_adam_f64((double *)q->online, (double *)q->m, (double *)q->v, NULL,
                   (const double *)q->grad, q->nparams, q->adam_step, lr,
                   q->beta1, q->beta2, q->eps, 0, 0);
}

void qnet_soft_update(QNet *q, double tau) {
  if (q->dtype == TENSOR_F32)
    soft_f32((float *)q->target, (const float *)q->online, q->nparams, tau);
  else
    soft_f64((double *)q->target, (const double *)q->online, q->nparams, tau);
}

void qnet_hard_update(QNet *q) {
  memcpy(q->target, q->online, (size_t)q->nparams * esize(q->dtype));
}

double qnet_train_step(QNet *q, const QBatch *b, double lr, double tau,
                       double *td) {
  double loss = qnet_compute_grad(q, b, td);
  qnet_adam(q, lr);
  if (tau > 0) qnet_soft_update(q, tau);
  return loss;
}
