/*
 * optim_lua.c: the binding of the optimiser kernels (optim.h), opened as
 * `credo.nn_optim` (credo.core.nn_optim) by luaopen_credo_nn_optim.
 *
 * An internal interface for stdlib/credo/optim: each function updates one
 * parameter tensor and its state in place, arguments in the kernel's order
 * (parameter, state, gradient, then scalars):
 *   sgd(p, buf|nil, g, lr, momentum, dampening, weight_decay, nesterov, first)
 *   adagrad(p, sum, g, step, lr, lr_decay, weight_decay, eps)
 *   rmsprop(p, square_avg, grad_avg|nil, buf|nil, g, lr, alpha, eps,
 *           weight_decay, momentum)
 *   adam(p, exp_avg, exp_avg_sq, max_exp_avg_sq|nil, g, step, lr, beta1,
 *        beta2, eps, weight_decay, decoupled)
 *   grad_norm({g1, g2, ...}, norm_type) -> total norm
 *   clip_grad_norm({g1, g2, ...}, max_norm, norm_type) -> total norm
 * and the two row copies of the training loop (batch.h):
 *   gather_rows(out, x, idx, start, count): out[i] = x[idx[start + i - 1]]
 *   put_rows(dst, start, src): dst rows start .. start + #src - 1 = src
 * It checks every tensor (float dtype, the parameter's dtype, contiguous,
 * the parameter's element count, not an expanded view) and every scalar
 * (finite, in range), so no call can crash; the messages users see (naming
 * the optimiser and its option) come from the Lua layer, which checks
 * first.
 *
 * What it is not: it allocates nothing and keeps no state.
 */
#include <math.h>
#include <string.h>

#include "../common/credo_lua.h"
#include "nn_bind.h"
#include "batch.h"
#include "optim.h"

/* The parameter at i: float32/float64, contiguous, writable. */
static Tensor *param(lua_State *L, int i) { return floatany(L, i); }

/* A state or gradient tensor at i matching parameter p. */
static Tensor *like(lua_State *L, int i, const Tensor *p) {
  return arr(L, i, p->dtype, tensor_numel(p));
}

static Tensor *optlike(lua_State *L, int i, const Tensor *p) {
  return lua_isnoneornil(L, i) ? NULL : like(L, i, p);
}

static double num(lua_State *L, int i) {
  double v = luaL_checknumber(L, i);
  luaL_argcheck(L, isfinite(v), i, "expected a finite number");
  return v;
}

static double nonneg(lua_State *L, int i) {
  double v = num(L, i);
  luaL_argcheck(L, v >= 0, i, "expected a number >= 0");
  return v;
}

/* beta in [0, 1) */
static double unit(lua_State *L, int i) {
  double v = num(L, i);
  luaL_argcheck(L, v >= 0 && v < 1, i, "expected a number in [0, 1)");
  return v;
}

static int64_t stepcount(lua_State *L, int i) {
  lua_Integer s = luaL_checkinteger(L, i);
  luaL_argcheck(L, s >= 1, i, "step must be >= 1");
  return (int64_t)s;
}

/* sgd(p, buf|nil, g, lr, momentum, dampening, weight_decay, nesterov, first) */
static int l_sgd(lua_State *L) {
  Tensor *p = param(L, 1);
  Tensor *buf = optlike(L, 2, p), *g = like(L, 3, p);
  double lr = nonneg(L, 4), mom = nonneg(L, 5), damp = num(L, 6);
  double wd = nonneg(L, 7);
  int nesterov = lua_toboolean(L, 8), first = lua_toboolean(L, 9);
  luaL_argcheck(L, mom == 0 || buf != NULL, 2,
                "a momentum buffer is required when momentum != 0");
  int64_t n = tensor_numel(p);
  BY_DTYPE(p, optim_sgd, ptr(p), ptr(buf), ptr(g), n, lr, mom, damp, wd, nesterov, first);
  return 0;
}

/* adagrad(p, sum, g, step, lr, lr_decay, weight_decay, eps) */
static int l_adagrad(lua_State *L) {
  Tensor *p = param(L, 1);
  Tensor *sum = like(L, 2, p), *g = like(L, 3, p);
  int64_t step = stepcount(L, 4);
  double lr = nonneg(L, 5), lrd = nonneg(L, 6), wd = nonneg(L, 7);
  double eps = nonneg(L, 8);
  int64_t n = tensor_numel(p);
  BY_DTYPE(p, optim_adagrad, ptr(p), ptr(sum), ptr(g), n, step, lr, lrd, wd, eps);
  return 0;
}

/* rmsprop(p, square_avg, grad_avg|nil, buf|nil, g, lr, alpha, eps,
 *         weight_decay, momentum) */
static int l_rmsprop(lua_State *L) {
  Tensor *p = param(L, 1);
  Tensor *sq = like(L, 2, p), *ga = optlike(L, 3, p), *buf = optlike(L, 4, p);
  Tensor *g = like(L, 5, p);
  double lr = nonneg(L, 6), alpha = nonneg(L, 7), eps = nonneg(L, 8);
  double wd = nonneg(L, 9), mom = nonneg(L, 10);
  luaL_argcheck(L, mom == 0 || buf != NULL, 4,
                "a momentum buffer is required when momentum > 0");
  int64_t n = tensor_numel(p);
  BY_DTYPE(p, optim_rmsprop, ptr(p), ptr(sq), ptr(ga), ptr(buf), ptr(g), n, lr, alpha,
           eps, wd, mom);
  return 0;
}

/* adam(p, m, v, vmax|nil, g, step, lr, beta1, beta2, eps, weight_decay,
 *      decoupled) */
static int l_adam(lua_State *L) {
  Tensor *p = param(L, 1);
  Tensor *m = like(L, 2, p), *v = like(L, 3, p), *vmax = optlike(L, 4, p);
  Tensor *g = like(L, 5, p);
  int64_t step = stepcount(L, 6);
  double lr = nonneg(L, 7), b1 = unit(L, 8), b2 = unit(L, 9);
  double eps = nonneg(L, 10), wd = nonneg(L, 11);
  int decoupled = lua_toboolean(L, 12);
  int64_t n = tensor_numel(p);
  BY_DTYPE(p, optim_adam, ptr(p), ptr(m), ptr(v), ptr(vmax), ptr(g), n, step, lr, b1, b2,
           eps, wd, decoupled);
  return 0;
}

/* ---- gradient norms ---- */

/* x rounded to the dtype of the gradients (torch's norms are tensors of
 * that dtype). */
static double round_to(tensor_dtype dt, double x) {
  return dt == TENSOR_F32 ? (double)(float)x : x;
}

/* The norm of one array, as torch.norm(g, p) gives it (in g's dtype). */
static double one_norm(const Tensor *g, double p) {
  int64_t n = tensor_numel(g);
  double r;
  if (isinf(p))
    r = BY_DTYPE(g, optim_absmax, tensor_data(g), n);
  else if (p == 2)
    r = sqrt(BY_DTYPE(g, optim_sumsq, tensor_data(g), n));
  else
    r = pow(BY_DTYPE(g, optim_powsum, tensor_data(g), n, p), 1.0 / p);
  return round_to(g->dtype, r);
}

/* The list at i: a sequence of contiguous float tensors of one dtype.
 * Returns the count; *dt is their dtype (float32 for an empty list). */
static int gradlist(lua_State *L, int i, tensor_dtype *dt) {
  luaL_checktype(L, i, LUA_TTABLE);
  int k = (int)luaL_len(L, i);
  *dt = TENSOR_F32;
  for (int j = 1; j <= k; j++) {
    lua_geti(L, i, j);
    Tensor *t = credo_testtensor(L, -1);
    if (t == NULL || t->storage == NULL)
      luaL_argerror(L, i, lua_pushfstring(L, "element %d is not a tensor", j));
    if (t->dtype != TENSOR_F32 && t->dtype != TENSOR_F64)
      luaL_argerror(L, i, lua_pushfstring(L, "element %d is not a float "
                                             "tensor", j));
    if (!tensor_is_contiguous(t))
      luaL_argerror(L, i, lua_pushfstring(L, "element %d is not contiguous",
                                          j));
    if (j == 1) *dt = t->dtype;
    else if (t->dtype != *dt)
      luaL_argerror(L, i, lua_pushfstring(L, "element %d is %s but element 1 "
                                             "is %s", j,
                                          tensor_dtype_name(t->dtype),
                                          tensor_dtype_name(*dt)));
    lua_pop(L, 1);
  }
  return k;
}

/* torch.nn.utils.clip_grad_norm_'s total: the norm of the per-tensor norms
 * (each rounded to the dtype), rounded to the dtype. */
static double total_norm(lua_State *L, int i, int k, tensor_dtype dt,
                         double p) {
  double acc = 0;
  for (int j = 1; j <= k; j++) {
    lua_geti(L, i, j);
    double nj = one_norm(credo_testtensor(L, -1), p);
    lua_pop(L, 1);
    if (isinf(p)) { if (nj > acc || nj != nj) acc = nj; }
    else acc += p == 2 ? nj * nj : pow(nj, p);
  }
  if (isinf(p)) return acc;
  return round_to(dt, p == 2 ? sqrt(acc) : pow(acc, 1.0 / p));
}

static double normtype(lua_State *L, int i) {
  double p = luaL_optnumber(L, i, 2.0);
  luaL_argcheck(L, p > 0 && p == p, i, "norm_type must be > 0 (or math.huge)");
  return p;
}

/* grad_norm(list, norm_type) */
static int l_grad_norm(lua_State *L) {
  tensor_dtype dt;
  int k = gradlist(L, 1, &dt);
  double p = normtype(L, 2);
  lua_pushnumber(L, total_norm(L, 1, k, dt, p));
  return 1;
}

/* clip_grad_norm(list, max_norm, norm_type): every gradient times
 * min(1, max_norm / (total + 1e-6)), computed as torch does in the
 * gradients' dtype (max_norm / t is t.reciprocal() * max_norm there). */
static int l_clip_grad_norm(lua_State *L) {
  tensor_dtype dt;
  int k = gradlist(L, 1, &dt);
  double max_norm = nonneg(L, 2);
  double p = normtype(L, 3);
  double total = total_norm(L, 1, k, dt, p);
  double coef;
  if (dt == TENSOR_F32) {
    float den = (float)total + 1e-6f;
    coef = (double)((1.0f / den) * (float)max_norm);
  } else {
    coef = (1.0 / (total + 1e-6)) * max_norm;
  }
  if (coef > 1.0) coef = 1.0;          /* torch.clamp(max=1): NaN stays NaN */
  for (int j = 1; j <= k; j++) {
    lua_geti(L, 1, j);
    Tensor *g = credo_testtensor(L, -1);
    BY_DTYPE(g, optim_scale, tensor_data(g), tensor_numel(g), coef);
    lua_pop(L, 1);
  }
  lua_pushnumber(L, total);
  return 1;
}

/* ---- rows for minibatches ---- */

/* Bytes of one row (dim 1 removed) of a contiguous tensor with ndim >= 1. */
static size_t row_bytes(const Tensor *t) {
  size_t b = tensor_dtype_size(t->dtype);
  for (int d = 1; d < t->ndim; d++) b *= (size_t)t->shape[d];
  return b;
}

/* x's shape without dim 1 equals y's without dim 1 */
static int same_rows(const Tensor *x, const Tensor *y) {
  if (x->ndim != y->ndim) return 0;
  for (int d = 1; d < x->ndim; d++)
    if (x->shape[d] != y->shape[d]) return 0;
  return 1;
}

static Tensor *rowtensor(lua_State *L, int i) {
  Tensor *t = credo_checktensor(L, i);
  luaL_argcheck(L, t->ndim >= 1, i, "expected a tensor with at least 1 dimension");
  luaL_argcheck(L, tensor_is_contiguous(t), i, "expected a contiguous tensor");
  return t;
}

/* gather_rows(out, x, idx, start, count) */
static int l_gather_rows(lua_State *L) {
  Tensor *out = rowtensor(L, 1), *x = rowtensor(L, 2);
  Tensor *idx = credo_checktensor(L, 3);
  luaL_argcheck(L, idx->dtype == TENSOR_I64 && idx->ndim == 1 &&
                tensor_is_contiguous(idx), 3,
                "expected a contiguous 1-d int64 tensor");
  lua_Integer start = luaL_checkinteger(L, 4), count = luaL_checkinteger(L, 5);
  luaL_argcheck(L, count >= 0 && start >= 1 && start - 1 <= idx->shape[0] - count,
                4, "rows out of range of the index");
  luaL_argcheck(L, out->dtype == x->dtype && same_rows(out, x) &&
                out->shape[0] == count, 1,
                "expected a tensor of x's dtype with count rows of x's shape");
  const int64_t *ix = tensor_i64(idx) + (start - 1);
  int64_t bad = batch_find_bad_index(ix, count, x->shape[0]);
  if (bad >= 0)
    luaL_argerror(L, 3, lua_pushfstring(L, "index %I at position %I out of range "
                                           "for %I rows",
                                        (lua_Integer)ix[bad],
                                        (lua_Integer)(start + bad),
                                        (lua_Integer)x->shape[0]));
  if (count > 0) batch_gather_rows(tensor_data(out), tensor_data(x), ix, count,
                                   row_bytes(x));
  return 0;
}

/* put_rows(dst, start, src) */
static int l_put_rows(lua_State *L) {
  Tensor *dst = rowtensor(L, 1), *src = rowtensor(L, 3);
  lua_Integer start = luaL_checkinteger(L, 2);
  luaL_argcheck(L, dst->dtype == src->dtype && same_rows(dst, src), 3,
                "expected a tensor of dst's dtype and row shape");
  luaL_argcheck(L, start >= 1 && start - 1 <= dst->shape[0] - src->shape[0], 2,
                "rows out of range");
  size_t rb = row_bytes(dst);
  if (src->shape[0] > 0 && rb > 0)
    memmove((char *)tensor_data(dst) + (size_t)(start - 1) * rb, tensor_data(src),
            (size_t)src->shape[0] * rb);
  return 0;
}

static const luaL_Reg optim_funcs[] = {
  {"gather_rows", l_gather_rows},
  {"put_rows", l_put_rows},
  {"sgd", l_sgd},
  {"adagrad", l_adagrad},
  {"rmsprop", l_rmsprop},
  {"adam", l_adam},
  {"grad_norm", l_grad_norm},
  {"clip_grad_norm", l_clip_grad_norm},
  {NULL, NULL}
};

int luaopen_credo_nn_optim(lua_State *L) {
  luaL_newlib(L, optim_funcs);
  return 1;
}
