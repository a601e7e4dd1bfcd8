/*
 * rl_lua.c: the binding of credo.rl's native core (rl.h), reached from Lua
 * as `credo.core.rl_core`.
 *
 * Two userdata types: credo.rl.SumTree (a sum tree of priorities) and
 * credo.rl.QNet (a small ReLU MLP with online and target parameters, Adam
 * state, and the fused DQN / Double-DQN step).  Every index crossing this
 * boundary is 1-based (leaves, actions, state ids, replay rows).
 *
 * What it is not: the user-facing API (stdlib/credo/rl.lua wraps these
 * with friendlier errors); it checks every argument so that no call can
 * crash, and computes nothing itself.
 */
#include <math.h>
#include <string.h>

#include "../common/credo_lua.h"
#include "rl.h"

#define RL_SUMTREE "credo.rl.SumTree"
#define RL_QNET "credo.rl.QNet"

/* ---- helpers ---- */

static Tensor *checkcontig(lua_State *L, int i, tensor_dtype dt,
                           const char *what) {
  Tensor *t = credo_checktensor(L, i);
  if (t->dtype != dt || !tensor_is_contiguous(t))
    luaL_argerror(L, i,
                  lua_pushfstring(L, "%s must be a contiguous %s tensor", what,
                                  dt == TENSOR_F32   ? "float32"
                                  : dt == TENSOR_F64 ? "float64"
                                                     : "int64"));
  return t;
}

static int64_t numel(const Tensor *t) {
  int64_t n = 1;
  for (int d = 0; d < t->ndim; d++) n *= t->shape[d];
  return n;
}

static Rng *checkgen(lua_State *L, int i) {
  return (Rng *)luaL_checkudata(L, i, CREDO_GENERATOR);
}

/* uniform_indices(out int64 (k), n, gen) -> out: k draws uniform in 1..n
 * with replacement (rng_bounded, in order), for uniform replay without
 * allocating a tensor per batch. */
static int l_uniform_indices(lua_State *L) {
  Tensor *out = checkcontig(L, 1, TENSOR_I64, "out");
  lua_Integer n = luaL_checkinteger(L, 2);
  luaL_argcheck(L, n >= 1, 2, "the population must be >= 1");
  Rng *r = checkgen(L, 3);
  int64_t *o = tensor_i64(out);
  for (int64_t j = 0, k = numel(out); j < k; j++)
    o[j] = (int64_t)rng_bounded(r, (uint64_t)n) + 1;
  lua_settop(L, 1);
  return 1;
}

/* ---- SumTree ---- */

static SumTree *checktree(lua_State *L) {
  SumTree *t = (SumTree *)luaL_checkudata(L, 1, RL_SUMTREE);
  if (!t->sum) luaL_error(L, "attempt to use a freed SumTree");
  return t;
}

static int l_SumTree(lua_State *L) {
  lua_Integer n = luaL_checkinteger(L, 1);
  luaL_argcheck(L, n >= 1 && n <= ((lua_Integer)1 << 40), 1,
                "capacity must be a positive integer");
  SumTree *t = (SumTree *)lua_newuserdatauv(L, sizeof(SumTree), 0);
  memset(t, 0, sizeof *t);
  luaL_setmetatable(L, RL_SUMTREE);
  credo_status s = sumtree_init(t, (int64_t)n);
  if (s != CREDO_OK) return credo_statuserror(L, "SumTree", s);
  return 1;
}

static int64_t checkleaf(lua_State *L, int i, const SumTree *t) {
  lua_Integer k = luaL_checkinteger(L, i);
  if (k < 1 || k > t->n)
    luaL_argerror(L, i,
                  lua_pushfstring(L, "index %I out of range 1..%I", k,
                                  (lua_Integer)t->n));
  return (int64_t)k - 1;
}

static double checkprio(lua_State *L, int i, double p) {
  if (!(p >= 0) || isinf(p))
    luaL_argerror(L, i, "priority must be a finite number >= 0");
  return p;
}

static int l_tree_set(lua_State *L) {
  SumTree *t = checktree(L);
  int64_t k = checkleaf(L, 2, t);
  sumtree_set(t, k, checkprio(L, 3, luaL_checknumber(L, 3)));
  return 0;
}

/* set_many(idx int64 (k) 1-based, p float64 (k)): all checked first */
static int l_tree_set_many(lua_State *L) {
  SumTree *t = checktree(L);
  Tensor *it = checkcontig(L, 2, TENSOR_I64, "indices");
  Tensor *pt = checkcontig(L, 3, TENSOR_F64, "priorities");
  int64_t k = numel(it);
  luaL_argcheck(L, numel(pt) == k, 3,
                "priorities must have one value per index");
  const int64_t *idx = tensor_i64(it);
  const double *p = tensor_f64(pt);
  for (int64_t j = 0; j < k; j++) {
    if (idx[j] < 1 || idx[j] > t->n)
      return luaL_argerror(L, 2,
                           lua_pushfstring(L, "index %I out of range 1..%I",
                                           (lua_Integer)idx[j],
                                           (lua_Integer)t->n));
    checkprio(L, 3, p[j]);
  }
  for (int64_t j = 0; j < k; j++) sumtree_set(t, idx[j] - 1, p[j]);
  return 0;
}

static int l_tree_get(lua_State *L) {
  SumTree *t = checktree(L);
  lua_pushnumber(L, sumtree_get(t, checkleaf(L, 2, t)));
  return 1;
}

static int l_tree_total(lua_State *L) {
  lua_pushnumber(L, sumtree_total(checktree(L)));
  return 1;
}

static int l_tree_min(lua_State *L) {
  lua_pushnumber(L, sumtree_min(checktree(L)));
  return 1;
}

static int l_tree_len(lua_State *L) {
  lua_pushinteger(L, (lua_Integer)checktree(L)->n);
  return 1;
}

static int l_tree_find(lua_State *L) {
  SumTree *t = checktree(L);
  double x = luaL_checknumber(L, 2);
  luaL_argcheck(L, sumtree_total(t) > 0, 1, "every priority is 0");
  luaL_argcheck(L, x == x, 2, "prefix sum is NaN");
  lua_pushinteger(L, (lua_Integer)sumtree_find(t, x) + 1);
  return 1;
}

/* sample(k, gen [, out int64 (k)]) -> out, 1-based leaves */
static int l_tree_sample(lua_State *L) {
  SumTree *t = checktree(L);
  lua_Integer k = luaL_checkinteger(L, 2);
  luaL_argcheck(L, k >= 1 && k <= ((lua_Integer)1 << 40), 2,
                "sample size must be a positive integer");
  Rng *r = checkgen(L, 3);
  luaL_argcheck(L, sumtree_total(t) > 0, 1, "every priority is 0");
  Tensor *out;
  if (lua_isnoneornil(L, 4)) {
    int64_t shape[1] = {(int64_t)k};
    out = credo_newtensor(L, TENSOR_I64, 1, shape);
  } else {
    out = checkcontig(L, 4, TENSOR_I64, "out");
    luaL_argcheck(L, numel(out) == k, 4, "out must hold k indices");
    lua_pushvalue(L, 4);
  }
  int64_t *o = tensor_i64(out);
  sumtree_sample(o, t, (int64_t)k, r);
  for (lua_Integer j = 0; j < k; j++) o[j] += 1;
  return 1;
}

static int l_tree_gc(lua_State *L) {
  SumTree *t = (SumTree *)luaL_checkudata(L, 1, RL_SUMTREE);
  sumtree_free(t);
  return 0;
}

static int l_tree_tostring(lua_State *L) {
  SumTree *t = (SumTree *)luaL_checkudata(L, 1, RL_SUMTREE);
  lua_pushfstring(L, "SumTree(%I, total=%f)", (lua_Integer)t->n,
                  t->sum ? sumtree_total(t) : 0.0);
  return 1;
}

/* ---- QNet ---- */

static QNet *checkq(lua_State *L) {
  QNet *q = (QNet *)luaL_checkudata(L, 1, RL_QNET);
  if (!q->online) luaL_error(L, "attempt to use a freed QNet");
  return q;
}

/* QNet(sizes {n_in, h1, ..., n_actions}, dtype) */
static int l_QNet(lua_State *L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  lua_Integer n = (lua_Integer)lua_rawlen(L, 1);
  luaL_argcheck(L, n >= 2 && n <= QNET_MAX_LAYERS + 1, 1,
                "sizes must list 2 to 9 layer widths");
  int64_t sizes[QNET_MAX_LAYERS + 1];
  for (lua_Integer i = 1; i <= n; i++) {
    lua_rawgeti(L, 1, i);
    int ok;
    lua_Integer v = lua_tointegerx(L, -1, &ok);
    lua_pop(L, 1);
    luaL_argcheck(L, ok && v >= 1 && v <= (1 << 24), 1,
                  "layer widths must be positive integers");
    sizes[i - 1] = (int64_t)v;
  }
  tensor_dtype dt = credo_optdtype(L, 2, TENSOR_F32);
  luaL_argcheck(L, dt == TENSOR_F32 || dt == TENSOR_F64, 2,
                "dtype must be float32 or float64");
  QNet *q = (QNet *)lua_newuserdatauv(L, sizeof(QNet), 0);
  memset(q, 0, sizeof *q);
  luaL_setmetatable(L, RL_QNET);
  credo_status s = qnet_init(q, dt, (int)n - 1, sizes);
  if (s == CREDO_OK) s = qnet_reserve(q, 64);
  if (s != CREDO_OK) return credo_statuserror(L, "QNet", s);
  return 1;
}

static int l_q_reset(lua_State *L) {
  QNet *q = checkq(L);
  qnet_reset(q, checkgen(L, 2));
  return 0;
}

/* configure(gamma, beta1, beta2, eps, loss "mse"|"huber", delta, double) */
static int l_q_configure(lua_State *L) {
  QNet *q = checkq(L);
  double gamma = luaL_checknumber(L, 2), b1 = luaL_checknumber(L, 3),
         b2 = luaL_checknumber(L, 4), eps = luaL_checknumber(L, 5);
  static const char *const losses[] = {"mse", "huber", NULL};
  int loss = luaL_checkoption(L, 6, NULL, losses);
  double delta = luaL_checknumber(L, 7);
  luaL_argcheck(L, gamma >= 0 && gamma <= 1, 2, "gamma must be in [0, 1]");
  luaL_argcheck(L, b1 >= 0 && b1 < 1, 3, "beta1 must be in [0, 1)");
  luaL_argcheck(L, b2 >= 0 && b2 < 1, 4, "beta2 must be in [0, 1)");
  luaL_argcheck(L, eps >= 0 && isfinite(eps), 5, "eps must be >= 0");
  luaL_argcheck(L, delta > 0 && isfinite(delta), 7,
                "huber delta must be > 0");
  q->gamma = gamma;
  q->beta1 = b1;
  q->beta2 = b2;
  q->eps = eps;
  q->loss = loss ? QNET_LOSS_HUBER : QNET_LOSS_MSE;
  q->huber_delta = delta;
  q->double_q = lua_toboolean(L, 8);
  return 0;
}

/* Arguments 2..8 of train_step / compute_grad:
 * S, A, R, S2, D|nil, idx, W|nil (all replay arrays as rl.h's QBatch). */
static void checkbatch(lua_State *L, const char *op, QNet *q, QBatch *b) {
  (void)op;
  memset(b, 0, sizeof *b);
  b->base = 1;
  Tensor *S = credo_checktensor(L, 2), *S2 = credo_checktensor(L, 5);
  int onehot = S->dtype == TENSOR_I64;
  int64_t N;
  if (onehot) {
    checkcontig(L, 2, TENSOR_I64, "states");
    checkcontig(L, 5, TENSOR_I64, "next states");
    luaL_argcheck(L, S->ndim == 1, 2, "state ids must be 1-d");
    N = S->shape[0];
    luaL_argcheck(L, S2->ndim == 1 && S2->shape[0] == N, 5,
                  "next state ids must match the states' shape");
    b->si = tensor_i64(S);
    b->s2i = tensor_i64(S2);
  } else {
    checkcontig(L, 2, q->dtype, "states");
    checkcontig(L, 5, q->dtype, "next states");
    luaL_argcheck(L, S->ndim == 2 && S->shape[1] == q->size[0], 2,
                  lua_pushfstring(L, "states must be (N, %I)",
                                  (lua_Integer)q->size[0]));
    N = S->shape[0];
    luaL_argcheck(L,
                  S2->ndim == 2 && S2->shape[0] == N &&
                      S2->shape[1] == q->size[0],
                  5, "next states must match the states' shape");
    b->s = tensor_data(S);
    b->s2 = tensor_data(S2);
  }
  Tensor *A = checkcontig(L, 3, TENSOR_I64, "actions");
  Tensor *R = checkcontig(L, 4, q->dtype, "rewards");
  luaL_argcheck(L, numel(A) == N, 3, "actions must hold one per transition");
  luaL_argcheck(L, numel(R) == N, 4, "rewards must hold one per transition");
  b->a = tensor_i64(A);
  b->r = tensor_data(R);
  if (!lua_isnoneornil(L, 6)) {
    Tensor *D = checkcontig(L, 6, q->dtype, "dones");
    luaL_argcheck(L, numel(D) == N, 6, "dones must hold one per transition");
    b->done = tensor_data(D);
  }
  Tensor *I = checkcontig(L, 7, TENSOR_I64, "indices");
  int64_t B = numel(I);
  luaL_argcheck(L, B >= 1, 7, "the batch is empty");
  b->B = B;
  b->idx = tensor_i64(I);
  if (!lua_isnoneornil(L, 8)) {
    Tensor *W = checkcontig(L, 8, q->dtype, "weights");
    luaL_argcheck(L, numel(W) == B, 8, "weights must hold one per index");
    b->w = tensor_data(W);
  }
  /* the gathered rows */
  int64_t nin = q->size[0], na = q->size[q->nlayers];
  for (int64_t i = 0; i < B; i++) {
    int64_t row = b->idx[i];
    if (row < 1 || row > N)
      luaL_argerror(L, 7,
                    lua_pushfstring(L, "index %I out of range 1..%I",
                                    (lua_Integer)row, (lua_Integer)N));
    row -= 1;
    if (b->a[row] < 1 || b->a[row] > na)
      luaL_argerror(L, 3,
                    lua_pushfstring(L, "action %I out of range 1..%I",
                                    (lua_Integer)b->a[row], (lua_Integer)na));
    if (onehot) {
      if (b->si[row] < 1 || b->si[row] > nin)
        luaL_argerror(L, 2, lua_pushfstring(L, "state %I out of range 1..%I",
                                            (lua_Integer)b->si[row],
                                            (lua_Integer)nin));
      if (b->s2i[row] < 1 || b->s2i[row] > nin)
        luaL_argerror(L, 5, lua_pushfstring(L, "state %I out of range 1..%I",
                                            (lua_Integer)b->s2i[row],
                                            (lua_Integer)nin));
    }
    double rv = q->dtype == TENSOR_F32 ? ((const float *)b->r)[row]
                                       : ((const double *)b->r)[row];
    if (!isfinite(rv)) luaL_argerror(L, 4, "rewards must be finite");
    if (b->done) {
      double dv = q->dtype == TENSOR_F32 ? ((const float *)b->done)[row]
                                         : ((const double *)b->done)[row];
      if (dv != 0 && dv != 1) luaL_argerror(L, 6, "dones must be 0 or 1");
    }
    if (b->w) {
      double wv = q->dtype == TENSOR_F32 ? ((const float *)b->w)[i]
                                         : ((const double *)b->w)[i];
      if (!(wv >= 0) || isinf(wv))
        luaL_argerror(L, 8, "weights must be finite and >= 0");
    }
  }
  credo_status s = qnet_reserve(q, B);
  if (s != CREDO_OK) credo_statuserror(L, op, s);
}

static double *opttd(lua_State *L, int i, int64_t B) {
  if (lua_isnoneornil(L, i)) return NULL;
  Tensor *t = checkcontig(L, i, TENSOR_F64, "td errors");
  luaL_argcheck(L, numel(t) == B, i, "td errors must hold one per index");
  return tensor_f64(t);
}

static double checkrate(lua_State *L, int i, const char *what) {
  double v = luaL_checknumber(L, i);
  if (!(v >= 0) || isinf(v))
    luaL_argerror(L, i, lua_pushfstring(L, "%s must be finite and >= 0", what));
  return v;
}

/* train_step(S, A, R, S2, D, idx, W, lr, tau [, td]) -> loss */
static int l_q_train_step(lua_State *L) {
  QNet *q = checkq(L);
  QBatch b;
  checkbatch(L, "train_step", q, &b);
  double lr = checkrate(L, 9, "lr");
  double tau = checkrate(L, 10, "tau");
  luaL_argcheck(L, tau <= 1, 10, "tau must be in [0, 1]");
  double *td = opttd(L, 11, b.B);
  lua_pushnumber(L, qnet_train_step(q, &b, lr, tau, td));
  return 1;
}

/* compute_grad(S, A, R, S2, D, idx, W [, td]) -> loss (gradient kept) */
static int l_q_compute_grad(lua_State *L) {
  QNet *q = checkq(L);
  QBatch b;
  checkbatch(L, "compute_grad", q, &b);
  double *td = opttd(L, 9, b.B);
  lua_pushnumber(L, qnet_compute_grad(q, &b, td));
  return 1;
}

static int l_q_adam(lua_State *L) {
  QNet *q = checkq(L);
  qnet_adam(q, checkrate(L, 2, "lr"));
  return 0;
}

static int l_q_soft_update(lua_State *L) {
  QNet *q = checkq(L);
  double tau = checkrate(L, 2, "tau");
  luaL_argcheck(L, tau <= 1, 2, "tau must be in [0, 1]");
  qnet_soft_update(q, tau);
  return 0;
}

static int l_q_hard_update(lua_State *L) {
  qnet_hard_update(checkq(L));
  return 0;
}

/* forward(x [, which "online"|"target"]) -> (N, A) tensor; x is a dense
 * (N, n_in) tensor of the net's dtype or int64 state ids (N), 1-based. */
static int l_q_forward(lua_State *L) {
  QNet *q = checkq(L);
  Tensor *x = credo_checktensor(L, 2);
  static const char *const whiches[] = {"online", "target", NULL};
  int which = luaL_checkoption(L, 3, "online", whiches);
  int64_t N;
  int64_t nin = q->size[0];
  if (x->dtype == TENSOR_I64) {
    checkcontig(L, 2, TENSOR_I64, "states");
    luaL_argcheck(L, x->ndim == 1, 2, "state ids must be 1-d");
    N = x->shape[0];
    const int64_t *xi = tensor_i64(x);
    for (int64_t i = 0; i < N; i++)
      if (xi[i] < 1 || xi[i] > nin)
        return luaL_argerror(L, 2,
                             lua_pushfstring(L, "state %I out of range 1..%I",
                                             (lua_Integer)xi[i],
                                             (lua_Integer)nin));
  } else {
    checkcontig(L, 2, q->dtype, "states");
    luaL_argcheck(L, x->ndim == 2 && x->shape[1] == nin, 2,
                  lua_pushfstring(L, "states must be (N, %I)",
                                  (lua_Integer)nin));
    N = x->shape[0];
  }
  luaL_argcheck(L, N >= 1, 2, "no states");
  credo_status s = qnet_reserve(q, N);
  if (s != CREDO_OK) return credo_statuserror(L, "forward", s);
  int64_t shape[2] = {N, q->size[q->nlayers]};
  Tensor *out = credo_newtensor(L, q->dtype, 2, shape);
  if (x->dtype == TENSOR_I64)
    qnet_forward(q, tensor_data(out), NULL, tensor_i64(x), 1, N, which);
  else
    qnet_forward(q, tensor_data(out), tensor_data(x), NULL, 0, N, which);
  return 1;
}

/* The block of `what` ("online", "target", "grad", "m", "v"). */
static void *block(lua_State *L, QNet *q, int i) {
  static const char *const names[] = {"online", "target", "grad", "m", "v",
                                      NULL};
  switch (luaL_checkoption(L, i, "online", names)) {
  case 0: return q->online;
  case 1: return q->target;
  case 2: return q->grad;
  case 3: return q->m;
  default: return q->v;
  }
}

/* params([which]) -> {W1, b1, W2, b2, ...} copies (W as (out, in)) */
static int l_q_params(lua_State *L) {
  QNet *q = checkq(L);
  const char *base = (const char *)block(L, q, 2);
  size_t es = q->dtype == TENSOR_F32 ? sizeof(float) : sizeof(double);
  lua_createtable(L, 2 * q->nlayers, 0);
  for (int l = 0; l < q->nlayers; l++) {
    int64_t ws[2] = {q->size[l + 1], q->size[l]}, bs[1] = {q->size[l + 1]};
    Tensor *w = credo_newtensor(L, q->dtype, 2, ws);
    memcpy(tensor_data(w), base + q->woff[l] * es, (size_t)(ws[0] * ws[1]) * es);
    lua_rawseti(L, -2, 2 * l + 1);
    Tensor *b = credo_newtensor(L, q->dtype, 1, bs);
    memcpy(tensor_data(b), base + q->boff[l] * es, (size_t)bs[0] * es);
    lua_rawseti(L, -2, 2 * l + 2);
  }
  return 1;
}

/* set_params(list, [which]): copy a list {W1, b1, ...} in (checked first) */
static int l_q_set_params(lua_State *L) {
  QNet *q = checkq(L);
  luaL_checktype(L, 2, LUA_TTABLE);
  char *base = (char *)block(L, q, 3);
  size_t es = q->dtype == TENSOR_F32 ? sizeof(float) : sizeof(double);
  luaL_argcheck(L, (int)lua_rawlen(L, 2) == 2 * q->nlayers, 2,
                "expected one weight and one bias per layer");
  for (int pass = 0; pass < 2; pass++)
    for (int l = 0; l < q->nlayers; l++)
      for (int k = 0; k < 2; k++) {
        lua_rawgeti(L, 2, 2 * l + k + 1);
        Tensor *t = credo_testtensor(L, -1);
        int64_t want = k ? q->size[l + 1] : q->size[l + 1] * q->size[l];
        int okshape = t && t->dtype == q->dtype && tensor_is_contiguous(t) &&
                      numel(t) == want &&
                      (k ? t->ndim == 1
                         : t->ndim == 2 && t->shape[0] == q->size[l + 1]);
        if (!okshape)
          return luaL_argerror(
              L, 2,
              lua_pushfstring(L, "entry %d must be a contiguous %s %s of %s",
                              2 * l + k + 1,
                              q->dtype == TENSOR_F32 ? "float32" : "float64",
                              k ? "bias" : "weight (out, in)",
                              k ? "the layer's width" : "the layer's shape"));
        if (pass == 1)
          memcpy(base + (k ? q->boff[l] : q->woff[l]) * es, tensor_data(t),
                 (size_t)want * es);
        lua_pop(L, 1);
      }
  return 0;
}

static int l_q_info(lua_State *L) {
  QNet *q = checkq(L);
  lua_createtable(L, 0, 4);
  lua_createtable(L, q->nlayers + 1, 0);
  for (int l = 0; l <= q->nlayers; l++) {
    lua_pushinteger(L, (lua_Integer)q->size[l]);
    lua_rawseti(L, -2, l + 1);
  }
  lua_setfield(L, -2, "sizes");
  lua_pushstring(L, q->dtype == TENSOR_F32 ? "float32" : "float64");
  lua_setfield(L, -2, "dtype");
  lua_pushinteger(L, (lua_Integer)q->nparams);
  lua_setfield(L, -2, "nparams");
  lua_pushinteger(L, (lua_Integer)q->adam_step);
  lua_setfield(L, -2, "adam_step");
  return 1;
}

static int l_q_set_adam_step(lua_State *L) {
  QNet *q = checkq(L);
  lua_Integer s = luaL_checkinteger(L, 2);
  luaL_argcheck(L, s >= 0, 2, "step must be >= 0");
  q->adam_step = (int64_t)s;
  return 0;
}

static int l_q_gc(lua_State *L) {
  QNet *q = (QNet *)luaL_checkudata(L, 1, RL_QNET);
  qnet_free(q);
  return 0;
}

static const luaL_Reg tree_methods[] = {
  {"set", l_tree_set},
  {"set_many", l_tree_set_many},
  {"get", l_tree_get},
  {"total", l_tree_total},
  {"min", l_tree_min},
  {"find", l_tree_find},
  {"sample", l_tree_sample},
  {"size", l_tree_len},
  {NULL, NULL}
};

static const luaL_Reg tree_meta[] = {
  {"__gc", l_tree_gc},
  {"__close", l_tree_gc},
  {"__len", l_tree_len},
  {"__tostring", l_tree_tostring},
  {"__index", NULL},
  {NULL, NULL}
};

static const luaL_Reg q_methods[] = {
  {"reset", l_q_reset},
  {"configure", l_q_configure},
  {"train_step", l_q_train_step},
  {"compute_grad", l_q_compute_grad},
  {"adam", l_q_adam},
  {"soft_update", l_q_soft_update},
  {"hard_update", l_q_hard_update},
  {"forward", l_q_forward},
  {"params", l_q_params},
  {"set_params", l_q_set_params},
  {"info", l_q_info},
  {"set_adam_step", l_q_set_adam_step},
  {NULL, NULL}
};

static const luaL_Reg q_meta[] = {
  {"__gc", l_q_gc},
  {"__close", l_q_gc},
  {"__index", NULL},
  {NULL, NULL}
};

static const luaL_Reg funcs[] = {
  {"uniform_indices", l_uniform_indices},
  {"SumTree", l_SumTree},
  {"QNet", l_QNet},
  {NULL, NULL}
};

static void createmeta(lua_State *L, const char *name, const luaL_Reg *meta,
                       const luaL_Reg *methods) {
  luaL_newmetatable(L, name);
  luaL_setfuncs(L, meta, 0);
  lua_newtable(L);
  luaL_setfuncs(L, methods, 0);
  lua_setfield(L, -2, "__index"); /* metatable.__index = methods */
  lua_pop(L, 1);
}

int luaopen_credo_rl(lua_State *L) {
  createmeta(L, RL_SUMTREE, tree_meta, tree_methods);
  createmeta(L, RL_QNET, q_meta, q_methods);
  luaL_newlib(L, funcs);
  return 1;
}
