/*
 * nn_lua.c: the binding of the feed-forward nn kernels (nn.h), opened as
 * `credo.nn_core` (credo.core.nn_core) by luaopen_credo_nn.
 *
 * An internal interface for the Lua layers in stdlib/credo/nn: every
 * function takes its outputs first, then its inputs, as the kernels do
 * (`linear_forward(out, x, w, b)`), and returns nothing but what the kernel
 * computes (loss sums).  It checks every tensor (dtype, contiguity, sizes)
 * so that no call can crash or write out of bounds, with plain
 * `bad argument` messages; the messages users see (naming the layer and
 * the shapes) come from the Lua layers, which check first.
 *
 * What it is not: it allocates nothing (outputs are the layers'
 * workspaces), keeps no state, and holds no layer logic (modes, momentum,
 * reductions are the Lua layers').
 */
#include <limits.h>
#include <math.h>
#include <string.h>

#include "../common/credo_lua.h"
#include "nn_bind.h"
#include "nn.h"

/* ---- argument helpers ---- */

/* A float tensor (float32/float64), contiguous: the primary input. */
#define floatarg floatany

static int64_t blasdim(lua_State *L, int i, int64_t v) {
  luaL_argcheck(L, v <= INT_MAX, i, "dimension too large for BLAS (2^31-1)");
  return v;
}

static double finitenum(lua_State *L, int i) {
  double v = luaL_checknumber(L, i);
  luaL_argcheck(L, isfinite(v), i, "expected a finite number");
  return v;
}


/* ---- dense ---- */

/* linear_forward(out, x, w, b|nil): x (B,C), w (OC,C), b (OC), out (B,OC) */
static int l_linear_forward(lua_State *L) {
  Tensor *x = floatarg(L, 2);
  luaL_argcheck(L, x->ndim == 2, 2, "expected a 2-d tensor");
  Tensor *w = arr(L, 3, x->dtype, -1);
  luaL_argcheck(L, w->ndim == 2 && w->shape[1] == x->shape[1], 3,
                "weight must be (OC, C)");
  int64_t B = blasdim(L, 2, x->shape[0]), C = blasdim(L, 2, x->shape[1]);
  int64_t OC = blasdim(L, 3, w->shape[0]);
  Tensor *b = optarr(L, 4, x->dtype, OC);
  Tensor *out = arr(L, 1, x->dtype, B * OC);
  BY_DTYPE(x, dense_forward, ptr(out), ptr(x), ptr(w), ptr(b), B, C, OC);
  return 0;
}

/* linear_backward(dx|nil, dw|nil, db|nil, dout, x, w) */
static int l_linear_backward(lua_State *L) {
  Tensor *x = floatarg(L, 5);
  luaL_argcheck(L, x->ndim == 2, 5, "expected a 2-d tensor");
  Tensor *w = arr(L, 6, x->dtype, -1);
  luaL_argcheck(L, w->ndim == 2 && w->shape[1] == x->shape[1], 6,
                "weight must be (OC, C)");
  int64_t B = blasdim(L, 5, x->shape[0]), C = blasdim(L, 5, x->shape[1]);
  int64_t OC = blasdim(L, 6, w->shape[0]);
  Tensor *dout = arr(L, 4, x->dtype, B * OC);
  Tensor *dx = optarr(L, 1, x->dtype, B * C);
  Tensor *dw = optarr(L, 2, x->dtype, OC * C);
  Tensor *db = optarr(L, 3, x->dtype, OC);
  BY_DTYPE(x, dense_backward, ptr(dx), ptr(dw), ptr(db), ptr(dout), ptr(x), ptr(w), B, C,
           OC);
  return 0;
}

/* ---- embedding ---- */

/* embedding_find_bad(idx, V) -> nil, or position (1-based) and value of
 * the first index outside 1..V */
static int l_embedding_find_bad(lua_State *L) {
  Tensor *idx = arr(L, 1, TENSOR_I64, -1);
  int64_t V = (int64_t)luaL_checkinteger(L, 2);
  int64_t i = embedding_find_bad(tensor_i64(idx), tensor_numel(idx), V);
  if (i < 0) return 0;
  lua_pushinteger(L, (lua_Integer)i + 1);
  lua_pushinteger(L, (lua_Integer)tensor_i64(idx)[i]);
  return 2;
}

/* embedding_forward(out, idx, w): idx int64 (n) 1-based, w (V,D), out (n*D) */
static int l_embedding_forward(lua_State *L) {
  Tensor *w = floatarg(L, 3);
  luaL_argcheck(L, w->ndim == 2, 3, "expected a 2-d tensor");
  Tensor *idx = arr(L, 2, TENSOR_I64, -1);
  int64_t n = tensor_numel(idx), D = w->shape[1];
  luaL_argcheck(L, embedding_find_bad(tensor_i64(idx), n, w->shape[0]) < 0, 2,
                "index out of range");
  Tensor *out = arr(L, 1, w->dtype, n * D);
  BY_DTYPE(w, embedding_forward, ptr(out), tensor_i64(idx), ptr(w), n, D);
  return 0;
}

/* embedding_backward(dw, dout, idx) */
static int l_embedding_backward(lua_State *L) {
  Tensor *dw = floatarg(L, 1);
  luaL_argcheck(L, dw->ndim == 2, 1, "expected a 2-d tensor");
  Tensor *idx = arr(L, 3, TENSOR_I64, -1);
  int64_t n = tensor_numel(idx), D = dw->shape[1];
  luaL_argcheck(L, embedding_find_bad(tensor_i64(idx), n, dw->shape[0]) < 0, 3,
                "index out of range");
  Tensor *dout = arr(L, 2, dw->dtype, n * D);
  BY_DTYPE(dw, embedding_backward, ptr(dw), ptr(dout), tensor_i64(idx), n, D);
  return 0;
}

/* ---- elementwise activations: f_forward(out, x), f_backward(dx, dout, t)
 * where t is the input (relu, leaky) or the output (sigmoid, tanh) ---- */

#define ACT_BINDING(NAME)                                                     \
  static int l_##NAME##_forward(lua_State *L) {                               \
    Tensor *x = floatarg(L, 2);                                               \
    int64_t n = tensor_numel(x);                                              \
    Tensor *out = arr(L, 1, x->dtype, n);                                     \
    BY_DTYPE(x, act_##NAME##_forward, ptr(out), ptr(x), n);                   \
    return 0;                                                                 \
  }                                                                           \
  static int l_##NAME##_backward(lua_State *L) {                              \
    Tensor *t = floatarg(L, 3);                                               \
    int64_t n = tensor_numel(t);                                              \
    Tensor *dx = arr(L, 1, t->dtype, n), *dout = arr(L, 2, t->dtype, n);      \
    BY_DTYPE(t, act_##NAME##_backward, ptr(dx), ptr(dout), ptr(t), n);        \
    return 0;                                                                 \
  }

ACT_BINDING(relu)
ACT_BINDING(sigmoid)
ACT_BINDING(tanh)

/* leaky_relu_forward(out, x, slope), leaky_relu_backward(dx, dout, x, slope) */
static int l_leaky_relu_forward(lua_State *L) {
  Tensor *x = floatarg(L, 2);
  int64_t n = tensor_numel(x);
  Tensor *out = arr(L, 1, x->dtype, n);
  double s = finitenum(L, 3);
  BY_DTYPE(x, act_leaky_relu_forward, ptr(out), ptr(x), s, n);
  return 0;
}

static int l_leaky_relu_backward(lua_State *L) {
  Tensor *x = floatarg(L, 3);
  int64_t n = tensor_numel(x);
  Tensor *dx = arr(L, 1, x->dtype, n), *dout = arr(L, 2, x->dtype, n);
  double s = finitenum(L, 4);
  BY_DTYPE(x, act_leaky_relu_backward, ptr(dx), ptr(dout), ptr(x), s, n);
  return 0;
}

/* (outer, n, inner) of t around dim d (0-based) */
static void around(const Tensor *t, int d, int64_t *outer, int64_t *n,
                   int64_t *inner) {
  *outer = 1;
  *inner = 1;
  for (int i = 0; i < d; i++) *outer *= t->shape[i];
  for (int i = d + 1; i < t->ndim; i++) *inner *= t->shape[i];
  *n = t->ndim ? t->shape[d] : 1;
}

/* softmax_forward(out, x, dim), softmax_backward(dx, dout, out, dim); the
 * same for log_softmax.  dim is 1-based (negative from the end). */
#define SOFTMAX_BINDING(NAME)                                                 \
  static int l_##NAME##_forward(lua_State *L) {                               \
    Tensor *x = floatarg(L, 2);                                               \
    int d = credo_checkdim(L, 3, x);                                          \
    int64_t outer, n, inner;                                                  \
    around(x, d, &outer, &n, &inner);                                         \
    Tensor *out = arr(L, 1, x->dtype, tensor_numel(x));                       \
    if (n == 0) return 0;                                                     \
    BY_DTYPE(x, act_##NAME##_forward, ptr(out), ptr(x), outer, n, inner);     \
    return 0;                                                                 \
  }                                                                           \
  static int l_##NAME##_backward(lua_State *L) {                              \
    Tensor *y = floatarg(L, 3);                                               \
    int d = credo_checkdim(L, 4, y);                                          \
    int64_t outer, n, inner;                                                  \
    around(y, d, &outer, &n, &inner);                                         \
    Tensor *dx = arr(L, 1, y->dtype, tensor_numel(y));                        \
    Tensor *dout = arr(L, 2, y->dtype, tensor_numel(y));                      \
    if (n == 0) return 0;                                                     \
    BY_DTYPE(y, act_##NAME##_backward, ptr(dx), ptr(dout), ptr(y), outer, n,  \
             inner);                                                          \
    return 0;                                                                 \
  }

SOFTMAX_BINDING(softmax)
SOFTMAX_BINDING(log_softmax)

/* ---- dropout ---- */

/* dropout_forward(out, mask, x, p, generator).  The Generator userdata of
 * random_lua.c begins with its Rng (its first member), so a pointer to the
 * userdata is a pointer to that Rng (C11 6.7.2.1p15). */
static int l_dropout_forward(lua_State *L) {
  Tensor *x = floatarg(L, 3);
  int64_t n = tensor_numel(x);
  Tensor *out = arr(L, 1, x->dtype, n), *mask = arr(L, 2, x->dtype, n);
  double p = luaL_checknumber(L, 4);
  luaL_argcheck(L, p >= 0 && p <= 1, 4, "p must be in [0, 1]");
  Rng *r = (Rng *)luaL_checkudata(L, 5, CREDO_GENERATOR);
  BY_DTYPE(x, dropout_forward, ptr(out), ptr(mask), ptr(x), p, n, r);
  return 0;
}

/* dropout_backward(dx, dout, mask) */
static int l_dropout_backward(lua_State *L) {
  Tensor *mask = floatarg(L, 3);
  int64_t n = tensor_numel(mask);
  Tensor *dx = arr(L, 1, mask->dtype, n), *dout = arr(L, 2, mask->dtype, n);
  BY_DTYPE(mask, dropout_backward, ptr(dx), ptr(dout), ptr(mask), n);
  return 0;
}

/* ---- batch normalisation: x is (N,C) or (N,C,L) ---- */

static void bnshape(lua_State *L, int i, const Tensor *x, int64_t *N,
                    int64_t *C, int64_t *Lx) {
  luaL_argcheck(L, x->ndim == 2 || x->ndim == 3, i,
                "expected a 2-d or 3-d tensor");
  *N = x->shape[0];
  *C = x->shape[1];
  *Lx = x->ndim == 3 ? x->shape[2] : 1;
}

/* batchnorm_forward_train(out, mean, rstd, rm|nil, rv|nil, x, w|nil,
 * b|nil, eps, momentum) */
static int l_batchnorm_forward_train(lua_State *L) {
  Tensor *x = floatarg(L, 6);
  int64_t N, C, Lx;
  bnshape(L, 6, x, &N, &C, &Lx);
  luaL_argcheck(L, N * Lx >= 2, 6, "need more than 1 value per channel");
  tensor_dtype dt = x->dtype;
  Tensor *out = arr(L, 1, dt, tensor_numel(x));
  Tensor *mean = arr(L, 2, dt, C), *rstd = arr(L, 3, dt, C);
  Tensor *rm = optarr(L, 4, dt, C), *rv = optarr(L, 5, dt, C);
  Tensor *w = optarr(L, 7, dt, C), *b = optarr(L, 8, dt, C);
  double eps = finitenum(L, 9), mom = finitenum(L, 10);
  BY_DTYPE(x, batchnorm_forward_train, ptr(out), ptr(mean), ptr(rstd), ptr(rm), ptr(rv),
           ptr(x), ptr(w), ptr(b), N, C, Lx, eps, mom);
  return 0;
}

/* batchnorm_forward_eval(out, x, rm, rv, w|nil, b|nil, eps) */
static int l_batchnorm_forward_eval(lua_State *L) {
  Tensor *x = floatarg(L, 2);
  int64_t N, C, Lx;
  bnshape(L, 2, x, &N, &C, &Lx);
  tensor_dtype dt = x->dtype;
  Tensor *out = arr(L, 1, dt, tensor_numel(x));
  Tensor *rm = arr(L, 3, dt, C), *rv = arr(L, 4, dt, C);
  Tensor *w = optarr(L, 5, dt, C), *b = optarr(L, 6, dt, C);
  double eps = finitenum(L, 7);
  BY_DTYPE(x, batchnorm_forward_eval, ptr(out), ptr(x), ptr(rm), ptr(rv), ptr(w), ptr(b),
           N, C, Lx, eps);
  return 0;
}

/* batchnorm_backward_train(dx|nil, dw|nil, db|nil, dout, x, mean, rstd,
 * w|nil) */
static int l_batchnorm_backward_train(lua_State *L) {
  Tensor *x = floatarg(L, 5);
  int64_t N, C, Lx;
  bnshape(L, 5, x, &N, &C, &Lx);
  tensor_dtype dt = x->dtype;
  int64_t n = tensor_numel(x);
  Tensor *dx = optarr(L, 1, dt, n), *dw = optarr(L, 2, dt, C);
  Tensor *db = optarr(L, 3, dt, C), *dout = arr(L, 4, dt, n);
  Tensor *mean = arr(L, 6, dt, C), *rstd = arr(L, 7, dt, C);
  Tensor *w = optarr(L, 8, dt, C);
  BY_DTYPE(x, batchnorm_backward_train, ptr(dx), ptr(dw), ptr(db), ptr(dout), ptr(x),
           ptr(mean), ptr(rstd), ptr(w), N, C, Lx);
  return 0;
}

/* batchnorm_backward_eval(dx|nil, dw|nil, db|nil, dout, x, rm, rv, w|nil,
 * eps) */
static int l_batchnorm_backward_eval(lua_State *L) {
  Tensor *x = floatarg(L, 5);
  int64_t N, C, Lx;
  bnshape(L, 5, x, &N, &C, &Lx);
  tensor_dtype dt = x->dtype;
  int64_t n = tensor_numel(x);
  Tensor *dx = optarr(L, 1, dt, n), *dw = optarr(L, 2, dt, C);
  Tensor *db = optarr(L, 3, dt, C), *dout = arr(L, 4, dt, n);
  Tensor *rm = arr(L, 6, dt, C), *rv = arr(L, 7, dt, C);
  Tensor *w = optarr(L, 8, dt, C);
  double eps = finitenum(L, 9);
  BY_DTYPE(x, batchnorm_backward_eval, ptr(dx), ptr(dw), ptr(db), ptr(dout), ptr(x),
           ptr(rm), ptr(rv), ptr(w), N, C, Lx, eps);
  return 0;
}

/* ---- losses: x the input, y the target (x's dtype and size), out the
 * per-element losses or nil; forward returns the sum ---- */

/* mse_forward(out|nil, x, y) -> sum; mse_backward(dx, dout|nil, scale, x, y) */
static int l_mse_forward(lua_State *L) {
  Tensor *x = floatarg(L, 2);
  int64_t n = tensor_numel(x);
  Tensor *y = arr(L, 3, x->dtype, n), *out = optarr(L, 1, x->dtype, n);
  lua_pushnumber(L, BY_DTYPE(x, loss_mse_forward, ptr(out), ptr(x), ptr(y), n));
  return 1;
}

static int l_mse_backward(lua_State *L) {
  Tensor *x = floatarg(L, 4);
  int64_t n = tensor_numel(x);
  Tensor *dx = arr(L, 1, x->dtype, n), *dout = optarr(L, 2, x->dtype, n);
  double scale = finitenum(L, 3);
  Tensor *y = arr(L, 5, x->dtype, n);
  BY_DTYPE(x, loss_mse_backward, ptr(dx), ptr(dout), scale, ptr(x), ptr(y), n);
  return 0;
}

/* huber_forward(out|nil, x, y, delta); huber_backward(dx, dout|nil, scale,
 * x, y, delta) */
static int l_huber_forward(lua_State *L) {
  Tensor *x = floatarg(L, 2);
  int64_t n = tensor_numel(x);
  Tensor *y = arr(L, 3, x->dtype, n), *out = optarr(L, 1, x->dtype, n);
  double delta = finitenum(L, 4);
  luaL_argcheck(L, delta > 0, 4, "delta must be positive");
  lua_pushnumber(L, BY_DTYPE(x, loss_huber_forward, ptr(out), ptr(x), ptr(y), delta, n));
  return 1;
}

static int l_huber_backward(lua_State *L) {
  Tensor *x = floatarg(L, 4);
  int64_t n = tensor_numel(x);
  Tensor *dx = arr(L, 1, x->dtype, n), *dout = optarr(L, 2, x->dtype, n);
  double scale = finitenum(L, 3);
  Tensor *y = arr(L, 5, x->dtype, n);
  double delta = finitenum(L, 6);
  BY_DTYPE(x, loss_huber_backward, ptr(dx), ptr(dout), scale, ptr(x), ptr(y), delta, n);
  return 0;
}

/* A weight tensor at i for x: nil, one per element (wdiv 1), or one per
 * sample (x's first dim; wdiv = the rest). */
static Tensor *weightarg(lua_State *L, int i, const Tensor *x, int64_t *wdiv) {
  *wdiv = 1;
  if (lua_isnoneornil(L, i)) return NULL;
  Tensor *w = arr(L, i, x->dtype, -1);
  int64_t n = tensor_numel(x), m = tensor_numel(w);
  int64_t N = x->ndim ? x->shape[0] : 1;
  if (m == n) return w;
  luaL_argcheck(L, m == N && N > 0, i,
                "weights must have one value per element or per sample");
  *wdiv = n / N;
  return w;
}

/* pos_weight at i: nil, 1 value, or one per entry of x's last dim. */
static Tensor *posweightarg(lua_State *L, int i, const Tensor *x,
                            int64_t *npw) {
  *npw = 1;
  if (lua_isnoneornil(L, i)) return NULL;
  Tensor *p = arr(L, i, x->dtype, -1);
  int64_t m = tensor_numel(p), last = x->ndim ? x->shape[x->ndim - 1] : 1;
  luaL_argcheck(L, m == 1 || m == last, i,
                "pos_weight must have 1 value or one per column");
  *npw = m;
  return p;
}

/* bce_forward(out|nil, x, y, w|nil) -> sum */
static int l_bce_forward(lua_State *L) {
  Tensor *x = floatarg(L, 2);
  int64_t n = tensor_numel(x), wdiv;
  Tensor *y = arr(L, 3, x->dtype, n), *out = optarr(L, 1, x->dtype, n);
  Tensor *w = weightarg(L, 4, x, &wdiv);
  lua_pushnumber(L, BY_DTYPE(x, loss_bce_forward, ptr(out), ptr(x), ptr(y), ptr(w), wdiv, n));
  return 1;
}

/* bce_backward(dx, dout|nil, scale, x, y, w|nil) */
static int l_bce_backward(lua_State *L) {
  Tensor *x = floatarg(L, 4);
  int64_t n = tensor_numel(x), wdiv;
  Tensor *dx = arr(L, 1, x->dtype, n), *dout = optarr(L, 2, x->dtype, n);
  double scale = finitenum(L, 3);
  Tensor *y = arr(L, 5, x->dtype, n), *w = weightarg(L, 6, x, &wdiv);
  BY_DTYPE(x, loss_bce_backward, ptr(dx), ptr(dout), scale, ptr(x), ptr(y), ptr(w), wdiv,
           n);
  return 0;
}

/* bce_logits_forward(out|nil, x, y, w|nil, pos_weight|nil) -> sum */
static int l_bce_logits_forward(lua_State *L) {
  Tensor *x = floatarg(L, 2);
  int64_t n = tensor_numel(x), wdiv, npw;
  Tensor *y = arr(L, 3, x->dtype, n), *out = optarr(L, 1, x->dtype, n);
  Tensor *w = weightarg(L, 4, x, &wdiv), *pw = posweightarg(L, 5, x, &npw);
  lua_pushnumber(L, BY_DTYPE(x, loss_bce_logits_forward, ptr(out), ptr(x), ptr(y), ptr(w),
                             wdiv, ptr(pw), npw, n));
  return 1;
}

/* bce_logits_backward(dx, dout|nil, scale, x, y, w|nil, pos_weight|nil) */
static int l_bce_logits_backward(lua_State *L) {
  Tensor *x = floatarg(L, 4);
  int64_t n = tensor_numel(x), wdiv, npw;
  Tensor *dx = arr(L, 1, x->dtype, n), *dout = optarr(L, 2, x->dtype, n);
  double scale = finitenum(L, 3);
  Tensor *y = arr(L, 5, x->dtype, n);
  Tensor *w = weightarg(L, 6, x, &wdiv), *pw = posweightarg(L, 7, x, &npw);
  BY_DTYPE(x, loss_bce_logits_backward, ptr(dx), ptr(dout), scale, ptr(x), ptr(y), ptr(w),
           wdiv, ptr(pw), npw, n);
  return 0;
}

/* find_bad_label(target, C) -> nil, or position (1-based) and value of the
 * first label outside 0..C-1 */
static int l_find_bad_label(lua_State *L) {
  Tensor *t = arr(L, 1, TENSOR_I64, -1);
  int64_t C = (int64_t)luaL_checkinteger(L, 2);
  int64_t i = loss_find_bad_label(tensor_i64(t), tensor_numel(t), C);
  if (i < 0) return 0;
  lua_pushinteger(L, (lua_Integer)i + 1);
  lua_pushinteger(L, (lua_Integer)tensor_i64(t)[i]);
  return 2;
}

/* x (N,C) logits and target (N) labels at ix, ix+1; cw (C) or nil at icw */
static void ceargs(lua_State *L, int ix, Tensor **x, Tensor **t, Tensor **cw,
                   int icw, int64_t *N, int64_t *C) {
  *x = floatarg(L, ix);
  luaL_argcheck(L, (*x)->ndim == 2, ix, "expected a 2-d tensor");
  *N = (*x)->shape[0];
  *C = (*x)->shape[1];
  *t = arr(L, ix + 1, TENSOR_I64, *N);
  luaL_argcheck(L, loss_find_bad_label(tensor_i64(*t), *N, *C) < 0, ix + 1,
                "label out of range");
  *cw = optarr(L, icw, (*x)->dtype, *C);
}

/* cross_entropy_forward(out|nil, x, target, cw|nil) -> sum, weight sum */
static int l_cross_entropy_forward(lua_State *L) {
  Tensor *x, *t, *cw;
  int64_t N, C;
  ceargs(L, 2, &x, &t, &cw, 4, &N, &C);
  Tensor *out = optarr(L, 1, x->dtype, N);
  double ws = 0;
  lua_pushnumber(L, BY_DTYPE(x, loss_cross_entropy_forward, ptr(out), &ws, ptr(x),
                             tensor_i64(t), ptr(cw), N, C));
  lua_pushnumber(L, ws);
  return 2;
}

/* cross_entropy_backward(dx, dout|nil, scale, x, target, cw|nil) */
static int l_cross_entropy_backward(lua_State *L) {
  Tensor *x, *t, *cw;
  int64_t N, C;
  ceargs(L, 4, &x, &t, &cw, 6, &N, &C);
  Tensor *dx = arr(L, 1, x->dtype, N * C), *dout = optarr(L, 2, x->dtype, N);
  double scale = finitenum(L, 3);
  BY_DTYPE(x, loss_cross_entropy_backward, ptr(dx), ptr(dout), scale, ptr(x),
           tensor_i64(t), ptr(cw), N, C);
  return 0;
}

static const luaL_Reg nn_funcs[] = {
  {"linear_forward", l_linear_forward},
  {"linear_backward", l_linear_backward},
  {"embedding_find_bad", l_embedding_find_bad},
  {"embedding_forward", l_embedding_forward},
  {"embedding_backward", l_embedding_backward},
  {"relu_forward", l_relu_forward},
  {"relu_backward", l_relu_backward},
  {"leaky_relu_forward", l_leaky_relu_forward},
  {"leaky_relu_backward", l_leaky_relu_backward},
  {"sigmoid_forward", l_sigmoid_forward},
  {"sigmoid_backward", l_sigmoid_backward},
  {"tanh_forward", l_tanh_forward},
  {"tanh_backward", l_tanh_backward},
  {"softmax_forward", l_softmax_forward},
  {"softmax_backward", l_softmax_backward},
  {"log_softmax_forward", l_log_softmax_forward},
  {"log_softmax_backward", l_log_softmax_backward},
  {"dropout_forward", l_dropout_forward},
  {"dropout_backward", l_dropout_backward},
  {"batchnorm_forward_train", l_batchnorm_forward_train},
  {"batchnorm_forward_eval", l_batchnorm_forward_eval},
  {"batchnorm_backward_train", l_batchnorm_backward_train},
  {"batchnorm_backward_eval", l_batchnorm_backward_eval},
  {"mse_forward", l_mse_forward},
  {"mse_backward", l_mse_backward},
  {"huber_forward", l_huber_forward},
  {"huber_backward", l_huber_backward},
  {"bce_forward", l_bce_forward},
  {"bce_backward", l_bce_backward},
  {"bce_logits_forward", l_bce_logits_forward},
  {"bce_logits_backward", l_bce_logits_backward},
  {"find_bad_label", l_find_bad_label},
  {"cross_entropy_forward", l_cross_entropy_forward},
  {"cross_entropy_backward", l_cross_entropy_backward},
  {NULL, NULL}
};

int luaopen_credo_nn(lua_State *L) {
  luaL_newlib(L, nn_funcs);
  return 1;
}
