/*
 * gbdt_lua.c: Lua binding of the histogram booster (natives/gbdt, gbdt.h),
 * opened as `credo.gbdt_core`; the model class is stdlib/credo/gbdt.lua.
 *
 *   state = train(X, y, opts, params)      -- opts: sample_weight, eval_set
 *   out = predict(X, state, output [, ntrees])
 *         -- output "margin" (n) f32, "proba" (n, 2) f32, "label" (n) i64
 *   imp = importance(kind, state [, normalize [, ntrees]])
 *         -- kind "split", "gain", "total_gain", "cover", "total_cover"
 *
 * Arguments are ordered as the model methods see them (X first, opts
 * third), so an error names the argument the user passed.
 * The state is plain data (numbers, strings, tensors; docs/gbdt.md), so
 * credo.save can write it; predict and importance rebuild the trees from it
 * and check every field, since a state may come from a file.  This file
 * checks arguments and converts tensors; it never raises while owning
 * malloc'd memory: the trees live in a GC-owned box (credo.gbdt.Model).
 * What it is not: no training logic, no defaults beyond XGBoost's.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../common/credo_lua.h"
#include "gbdt.h"

#define GBDT_BOX "credo.gbdt.Model"

static const char *const OBJECTIVES[] = {"binary:logistic", "reg:squarederror", NULL};
static const char *const METRICS[] = {"logloss", "auc", "error", "rmse", NULL};
static const char *const GROWTHS[] = {"depthwise", "leafwise", "oblivious", NULL};

/* ---- the GC-owned model box ---- */

static GbdtModel *newbox(lua_State *L) {
  GbdtModel *m = (GbdtModel *)lua_newuserdatauv(L, sizeof *m, 0);
  memset(m, 0, sizeof *m);
  luaL_setmetatable(L, GBDT_BOX);
  return m;
}

static int box_gc(lua_State *L) {
  gbdt_model_free((GbdtModel *)luaL_checkudata(L, 1, GBDT_BOX));
  return 0;
}

/* ---- argument helpers ---- */

/* Tensor at stack slot idx as a float32 matrix (n >= 1, d >= 1); errors
 * name argument #i (idx itself, or the options table the tensor came
 * from).  Non-float32 input is converted into a new tensor left on the
 * stack.  With no_inf, infinities are errors (training binning cannot
 * place them). */
static void check_matrix(lua_State *L, int idx, int i, const char *name, int no_inf,
                         GbdtMatrix *M) {
  Tensor *t = credo_checkmatrix_at(L, idx, i, name, CREDO_MATRIX_COLS);
  if (t->shape[0] >= (int64_t)UINT32_MAX)
    credo_argfail(L, i, "%s has too many rows (at most 4294967294)", name);
  if (t->shape[1] > (1 << 24)) credo_argfail(L, i, "%s has too many columns", name);
  const Tensor *orig = t;
  if (t->dtype != TENSOR_F32) {
    Tensor *c = credo_newtensor(L, TENSOR_F32, 2, t->shape);
    tensor_copy(c, t);
    t = c;
  }
  M->x = tensor_f32(t);
  M->n = t->shape[0];
  M->d = t->shape[1];
  M->rs = t->stride[0];
  M->cs = t->stride[1];
  if (no_inf)
    for (int64_t r = 0; r < M->n; r++)
      for (int64_t c = 0; c < M->d; c++)
        if (isinf(M->x[r * M->rs + c * M->cs])) {
          double v = tensor_get_flat(orig, r * M->d + c);
          if (isfinite(v))     /* finite in float64, beyond float32 */
            credo_argfail(L, i, "%s holds %f at row %d, column %d, beyond float32's range "
                                "(the booster bins in float32: scale the column)", name, v,
                          (int)(r + 1), (int)(c + 1));
          credo_argfail(L, i, "%s has an infinite value at row %d, column %d (use NaN "
                              "for missing values)", name, (int)(r + 1), (int)(c + 1));
        }
}

/* Tensor at stack slot idx (argument #i in errors) as n float32 values (a
 * new contiguous copy on the stack). */
static float *check_vector(lua_State *L, int idx, int i, const char *name, int64_t n) {
  Tensor *t = credo_checktensor_at(L, idx, i);
  char buf[64];
  if (t->ndim != 1 || t->shape[0] != n)
    credo_argfail(L, i, "%s must be a 1-d tensor of %d values (got shape %s)", name,
                  (int)n, tensor_shape_str(t, buf, sizeof buf));
  Tensor *c = credo_newtensor(L, TENSOR_F32, 1, &n);
  tensor_copy(c, t);
  return tensor_f32(c);
}

/* Labels: no NaN; 0/1 with both classes for the logistic objective, finite
 * otherwise. */
static void check_labels(lua_State *L, int i, const char *name, const float *y,
                         int64_t n, gbdt_objective obj, int need_both) {
  int64_t npos = 0;
  for (int64_t k = 0; k < n; k++) {
    float v = y[k];
    if (v != v) credo_argfail(L, i, "%s has NaN at index %d", name, (int)(k + 1));
    if (obj == GBDT_OBJ_LOGISTIC) {
      if (v != 0.0f && v != 1.0f)
        credo_argfail(L, i, "%s must hold 0/1 labels for binary:logistic (found %f at "
                            "index %d)", name, (double)v, (int)(k + 1));
      npos += v == 1.0f;
    } else if (isinf(v)) {
      credo_argfail(L, i, "%s has an infinite value at index %d", name, (int)(k + 1));
    }
  }
  if (obj == GBDT_OBJ_LOGISTIC && need_both && (npos == 0 || npos == n))
    credo_argfail(L, i, "%s has a single class (%d); binary:logistic needs both 0 "
                        "and 1", name, npos == 0 ? 0 : 1);
}

/* Field `name` of the table at t as a number in [lo, hi] (lo excluded when
 * lo_open), or def when absent. */
static double num_field(lua_State *L, int t, const char *name, double def,
                        double lo, int lo_open, double hi) {
  double v = def;
  if (lua_getfield(L, t, name) != LUA_TNIL) {
    if (!lua_isnumber(L, -1))
      credo_argfail(L, t, "%s must be a number (got %s)", name, luaL_typename(L, -1));
    v = lua_tonumber(L, -1);
  }
  lua_pop(L, 1);
  if (v != v || (lo_open ? !(v > lo) : !(v >= lo)) || !(v <= hi))
    credo_argfail(L, t, "%s must be in %s%f, %f] (got %f)", name, lo_open ? "(" : "[",
                  lo, hi, v);
  return v;
}

static lua_Integer int_field(lua_State *L, int t, const char *name,
                             lua_Integer def, lua_Integer lo, lua_Integer hi) {
  lua_Integer v = def;
  if (lua_getfield(L, t, name) != LUA_TNIL) {
    int ok;
    v = lua_tointegerx(L, -1, &ok);
    if (!ok)
      credo_argfail(L, t, "%s must be an integer (got %s)", name, luaL_typename(L, -1));
  }
  lua_pop(L, 1);
  if (v < lo || v > hi)
    credo_argfail(L, t, "%s must be in [%I, %I] (got %I)", name, lo, hi, v);
  return v;
}

static int enum_value(lua_State *L, int t, int idx, const char *name,
                      const char *const *names) {
  const char *s = lua_tostring(L, idx);
  for (int k = 0; s && names[k]; k++)
    if (strcmp(s, names[k]) == 0) return k;
  return credo_argfail(L, t, "%s: unknown value '%s'", name, s ? s : luaL_typename(L, idx));
}

static void read_params(lua_State *L, int t, GbdtParams *p) {
  luaL_checktype(L, t, LUA_TTABLE);
  memset(p, 0, sizeof *p);
  p->objective = GBDT_OBJ_LOGISTIC;
  if (lua_getfield(L, t, "objective") != LUA_TNIL)
    p->objective = (gbdt_objective)enum_value(L, t, -1, "objective", OBJECTIVES);
  lua_pop(L, 1);
  p->tree.growth = GBDT_GROW_DEPTHWISE;
  if (lua_getfield(L, t, "growth") != LUA_TNIL) {
    if (!lua_isstring(L, -1))
      credo_argfail(L, t, "growth must be a string (got %s)", luaL_typename(L, -1));
    p->tree.growth = (gbdt_growth)enum_value(L, t, -1, "growth", GROWTHS);
  }
  lua_pop(L, 1);
  p->n_estimators = (int)int_field(L, t, "n_estimators", 100, 1, 1000000);
  /* -1: no leaf cap beyond the depth (leaf-wise: 2^max_depth leaves) */
  p->tree.max_leaves = (int)int_field(L, t, "max_leaves", 0, -1, INT32_MAX / 2);
  p->tree.min_child_samples = (int)int_field(L, t, "min_child_samples", 0, 0, INT32_MAX / 2);
  switch (p->tree.growth) {
  case GBDT_GROW_LEAFWISE:
    p->tree.max_depth = (int)int_field(L, t, "max_depth", -1, -1, 1 << 20);
    if (p->tree.max_depth == 0)
      credo_argfail(L, t, "max_depth must be -1 (no limit) or >= 1 for leafwise growth");
    if (p->tree.max_leaves == -1) {
      if (p->tree.max_depth < 1 || p->tree.max_depth > 20)
        credo_argfail(L, t, "max_leaves = -1 (2^max_depth leaves) needs max_depth in [1, 20] "
                            "for leafwise growth (got %d)", p->tree.max_depth);
      p->tree.max_leaves = 1 << p->tree.max_depth;
    }
    if (p->tree.max_leaves == 0) p->tree.max_leaves = 31;
    if (p->tree.max_leaves < 2 || p->tree.max_leaves > (1 << 20))
      credo_argfail(L, t, "max_leaves must be in [2, 1048576] for leafwise growth (got %d)",
                    p->tree.max_leaves);
    break;
  case GBDT_GROW_OBLIVIOUS:
    p->tree.max_depth = (int)int_field(L, t, "max_depth", 6, 1, 16);
    if (p->tree.max_leaves == -1) p->tree.max_leaves = 0;
    if (p->tree.max_leaves != 0)
      credo_argfail(L, t, "max_leaves must be 0 for oblivious growth (a tree of depth k "
                          "has 2^k leaves)");
    break;
  default:
    p->tree.max_depth = (int)int_field(L, t, "max_depth", 6, 1, 64);
    if (p->tree.max_leaves == -1) p->tree.max_leaves = 0;
  }
  if (p->tree.min_child_samples > 0 && p->tree.growth != GBDT_GROW_LEAFWISE)
    credo_argfail(L, t, "min_child_samples needs leafwise growth");
  p->max_bin = (int)int_field(L, t, "max_bin", GBDT_MAX_BIN, 2, GBDT_MAX_BIN);
  p->tree.learning_rate = (float)num_field(L, t, "learning_rate", 0.3, 0, 1, HUGE_VAL);
  p->tree.reg_lambda = (float)num_field(L, t, "reg_lambda", 1, 0, 0, HUGE_VAL);
  p->tree.reg_alpha = (float)num_field(L, t, "reg_alpha", 0, 0, 0, HUGE_VAL);
  p->tree.gamma = (float)num_field(L, t, "gamma", 0, 0, 0, HUGE_VAL);
  p->tree.min_child_weight = (float)num_field(L, t, "min_child_weight", 1, 0, 0, HUGE_VAL);
  p->subsample = num_field(L, t, "subsample", 1, 0, 1, 1);
  p->colsample_bytree = num_field(L, t, "colsample_bytree", 1, 0, 1, 1);
  p->scale_pos_weight = (float)num_field(L, t, "scale_pos_weight", 1, 0, 1, HUGE_VAL);
  if (p->objective == GBDT_OBJ_LOGISTIC) {
    p->base_score = num_field(L, t, "base_score", 0.5, 0, 1, 1);
    if (!(p->base_score < 1))
      credo_argfail(L, t, "base_score must be in (0, 1) for binary:logistic (got %f)",
                    p->base_score);
  } else {
    p->base_score = num_field(L, t, "base_score", 0.5, -HUGE_VAL, 0, HUGE_VAL);
    if (isinf(p->base_score)) credo_argfail(L, t, "base_score must be finite");
  }
  if (p->tree.reg_lambda == 0 && p->tree.min_child_weight == 0)
    credo_argfail(L, t, "reg_lambda and min_child_weight cannot both be 0 (leaf "
                        "weights would divide by a zero hessian)");
  lua_Integer seed = 0;
  if (lua_getfield(L, t, "seed") != LUA_TNIL) {
    int ok;
    seed = lua_tointegerx(L, -1, &ok);
    if (!ok) credo_argfail(L, t, "seed must be an integer (got %s)", luaL_typename(L, -1));
  }
  lua_pop(L, 1);
  p->seed = (uint64_t)seed;
  p->early_stopping_rounds = (int)int_field(L, t, "early_stopping_rounds", 0, 0, INT32_MAX);
  /* metrics: a name or a list of names; default by objective */
  int ty = lua_getfield(L, t, "eval_metric");
  if (ty == LUA_TNIL || (ty == LUA_TSTRING && strcmp(lua_tostring(L, -1), "auto") == 0)) {
    p->n_metrics = 1;
    p->metrics[0] = p->objective == GBDT_OBJ_LOGISTIC ? GBDT_METRIC_LOGLOSS
                                                      : GBDT_METRIC_RMSE;
  } else if (ty == LUA_TSTRING) {
    p->n_metrics = 1;
    p->metrics[0] = (gbdt_metric)enum_value(L, t, -1, "eval_metric", METRICS);
  } else if (ty == LUA_TTABLE) {
    int k = (int)luaL_len(L, -1);
    if (k < 1 || k > GBDT_MAX_METRICS)
      credo_argfail(L, t, "eval_metric must list 1 to %d metrics", GBDT_MAX_METRICS);
    for (int q = 0; q < k; q++) {
      lua_geti(L, -1, q + 1);
      p->metrics[q] = (gbdt_metric)enum_value(L, t, -1, "eval_metric", METRICS);
      lua_pop(L, 1);
    }
    p->n_metrics = k;
  } else {
    credo_argfail(L, t, "eval_metric must be a string or a list of strings");
  }
  lua_pop(L, 1);
  p->n_threads = credo_threads_get();
}

/* ---- state <-> model ---- */

static void set_tensor_field(lua_State *L, const char *name) {
  lua_setfield(L, -2, name); /* state[name] = tensor on top */
}

/* Push the state table of a fitted model (box at index `box`). */
static void push_state(lua_State *L, const GbdtModel *m) {
  int64_t T = m->n_trees, N = T > 0 ? m->tree_ptr[T] : 0;
  lua_createtable(L, 0, 20);
  lua_pushinteger(L, m->n_features);
  lua_setfield(L, -2, "n_features");
  lua_pushstring(L, OBJECTIVES[m->objective]);
  lua_setfield(L, -2, "objective");
  lua_pushnumber(L, (lua_Number)m->base_margin);
  lua_setfield(L, -2, "base_margin");
  lua_pushinteger(L, m->best_iteration);
  lua_setfield(L, -2, "best_iteration");
  if (m->best_score == m->best_score) {
    lua_pushnumber(L, m->best_score);
    lua_setfield(L, -2, "best_score");
  }
  int64_t tp = T + 1;
  int64_t *ptr = tensor_i64(credo_newtensor(L, TENSOR_I64, 1, &tp));
  for (int64_t t = 0; t <= T; t++) ptr[t] = m->tree_ptr[t];
  set_tensor_field(L, "tree_ptr");
  int64_t *feat = tensor_i64(credo_newtensor(L, TENSOR_I64, 1, &N));
  set_tensor_field(L, "feature");
  int64_t *left = tensor_i64(credo_newtensor(L, TENSOR_I64, 1, &N));
  set_tensor_field(L, "left");
  int64_t *right = tensor_i64(credo_newtensor(L, TENSOR_I64, 1, &N));
  set_tensor_field(L, "right");
  int64_t *dl = tensor_i64(credo_newtensor(L, TENSOR_I64, 1, &N));
  set_tensor_field(L, "default_left");
  float *thr = tensor_f32(credo_newtensor(L, TENSOR_F32, 1, &N));
  set_tensor_field(L, "threshold");
  float *val = tensor_f32(credo_newtensor(L, TENSOR_F32, 1, &N));
  set_tensor_field(L, "value");
  float *gain = tensor_f32(credo_newtensor(L, TENSOR_F32, 1, &N));
  set_tensor_field(L, "gain");
  float *cover = tensor_f32(credo_newtensor(L, TENSOR_F32, 1, &N));
  set_tensor_field(L, "cover");
  for (int64_t k = 0; k < N; k++) {
    const GbdtNode *nd = &m->nodes[k];
    int leaf = nd->feature < 0;
    feat[k] = leaf ? 0 : nd->feature + 1; /* 1-based; 0 = leaf */
    left[k] = leaf ? 0 : nd->left + 1;    /* tree-local, 1-based */
    right[k] = leaf ? 0 : nd->right + 1;
    dl[k] = nd->default_left;
    thr[k] = leaf ? 0.0f : nd->threshold;
    val[k] = nd->value;
    gain[k] = nd->gain;
    cover[k] = nd->cover;
  }
  /* history: one table per eval set, metric name -> float64 (rounds) */
  lua_createtable(L, m->n_evals, 0);
  for (int e = 0; e < m->n_evals; e++) {
    lua_createtable(L, 0, m->n_metrics);
    for (int k = 0; k < m->n_metrics; k++) {
      int64_t r = m->n_rounds;
      double *h = tensor_f64(credo_newtensor(L, TENSOR_F64, 1, &r));
      for (int64_t q = 0; q < r; q++)
        h[q] = m->history[((size_t)q * m->n_evals + e) * m->n_metrics + k];
      lua_setfield(L, -2, METRICS[m->metrics[k]]);
    }
    lua_seti(L, -2, e + 1);
  }
  lua_setfield(L, -2, "history");
}

/* state[name] as a 1-d tensor of n elements (pushed). */
static Tensor *state_tensor(lua_State *L, int i, const char *name, int64_t n) {
  lua_getfield(L, i, name);
  Tensor *t = credo_testtensor(L, -1);
  if (!t || !t->storage)
    credo_argfail(L, i, "model state field '%s' must be a tensor", name);
  if (t->ndim != 1 || (n >= 0 && t->shape[0] != n))
    credo_argfail(L, i, "model state field '%s' has the wrong shape", name);
  return t;
}

/* Rebuild the model stored in the state table at i into m (a box), checking
 * every field: a state may come from a file. */
static void model_from_state(lua_State *L, int i, GbdtModel *m) {
  luaL_checktype(L, i, LUA_TTABLE);
  int top = lua_gettop(L);
  lua_getfield(L, i, "n_features");
  int ok;
  lua_Integer d = lua_tointegerx(L, -1, &ok);
  if (!ok || d < 1 || d > (1 << 24))
    credo_argfail(L, i, "model state field 'n_features' must be a positive integer");
  lua_getfield(L, i, "objective");
  m->objective = (gbdt_objective)enum_value(L, i, -1, "objective", OBJECTIVES);
  lua_getfield(L, i, "base_margin");
  if (!lua_isnumber(L, -1) || !isfinite(lua_tonumber(L, -1)))
    credo_argfail(L, i, "model state field 'base_margin' must be a finite number");
  m->n_features = (int)d;
  m->base_margin = (float)lua_tonumber(L, -1);
  Tensor *tp = state_tensor(L, i, "tree_ptr", -1);
  int64_t T = tp->shape[0] - 1;
  if (T < 0 || T > INT32_MAX / 2) credo_argfail(L, i, "model state field 'tree_ptr' is empty");
  int64_t N = (int64_t)tensor_get_flat(tp, T);
  if (tensor_get_flat(tp, 0) != 0 || N < T || N > ((int64_t)1 << 40))
    credo_argfail(L, i, "model state field 'tree_ptr' is inconsistent");
  Tensor *feat = state_tensor(L, i, "feature", N);
  Tensor *left = state_tensor(L, i, "left", N);
  Tensor *right = state_tensor(L, i, "right", N);
  Tensor *dl = state_tensor(L, i, "default_left", N);
  Tensor *thr = state_tensor(L, i, "threshold", N);
  Tensor *val = state_tensor(L, i, "value", N);
  Tensor *gain = state_tensor(L, i, "gain", N);
  Tensor *cover = state_tensor(L, i, "cover", N);
  m->nodes = malloc((size_t)(N > 0 ? N : 1) * sizeof *m->nodes);
  m->tree_ptr = malloc((size_t)(T + 1) * sizeof *m->tree_ptr);
  if (!m->nodes || !m->tree_ptr) luaL_error(L, "not enough memory for a model");
  m->node_cap = N;
  m->tree_ptr[0] = 0;
  for (int64_t t = 0; t < T; t++) {
    int64_t b = (int64_t)tensor_get_flat(tp, t), e = (int64_t)tensor_get_flat(tp, t + 1);
    if (!(e > b) || b < 0 || e > N)
      credo_argfail(L, i, "model state field 'tree_ptr' is not increasing at tree %d",
                    (int)(t + 1));
    m->tree_ptr[t + 1] = e;
    for (int64_t k = b; k < e; k++) {
      int64_t loc = k - b + 1, size = e - b;
      double f = tensor_get_flat(feat, k), l = tensor_get_flat(left, k),
             r = tensor_get_flat(right, k), th = tensor_get_flat(thr, k),
             v = tensor_get_flat(val, k);
      GbdtNode *nd = &m->nodes[k];
      memset(nd, 0, sizeof *nd);
      if (f != floor(f) || f < 0 || f > d || !isfinite(v))
        credo_argfail(L, i, "model state: bad node %d of tree %d", (int)loc, (int)(t + 1));
      nd->feature = (int32_t)f - 1;
      nd->value = (float)v;
      nd->gain = (float)tensor_get_flat(gain, k);
      nd->cover = (float)tensor_get_flat(cover, k);
      nd->default_left = tensor_get_flat(dl, k) != 0;
      if (f > 0) {
        /* children come after their parent: the walk always ends */
        if (l != floor(l) || r != floor(r) || l <= loc || r <= loc || l > size ||
            r > size || th != th)
          credo_argfail(L, i, "model state: bad split at node %d of tree %d", (int)loc,
                        (int)(t + 1));
        nd->left = (int32_t)l - 1;
        nd->right = (int32_t)r - 1;
        nd->threshold = (float)th;
      } else {
        nd->left = nd->right = -1;
      }
    }
  }
  m->n_trees = (int)T;
  lua_settop(L, top);
}

static int opt_ntrees(lua_State *L, int i, const GbdtModel *m) {
  if (lua_isnoneornil(L, i)) return m->n_trees;
  lua_Integer k = luaL_checkinteger(L, i);
  if (k < 0 || k > m->n_trees)
    credo_argfail(L, i, "ntrees must be in [0, %d] (got %I)", m->n_trees, k);
  return (int)k;
}

/* ---- categorical columns (ordered target statistics, gbdt_cat.c) ---- */

#define GBDT_CAT_MAX 4096
#define GBDT_CAT_SEED 0x6f72646572656474ULL /* xor'ed into the seed */

typedef struct CatEnc {
  int k;                /* categorical columns */
  int f[GBDT_CAT_MAX];  /* 0-based columns, ascending */
  const int64_t *ptr;   /* (k+1) column c's levels are [ptr[c], ptr[c+1]) */
  const float *lev, *st;
  float prior;
} CatEnc;

/* Push a contiguous float32 copy of M with the categorical columns replaced
 * by their full-data statistics; M then describes the copy. */
static void cat_transform(lua_State *L, GbdtMatrix *M, const CatEnc *e) {
  int64_t shape[2] = {M->n, M->d};
  float *o = tensor_f32(credo_newtensor(L, TENSOR_F32, 2, shape));
  for (int64_t i = 0; i < M->n; i++)
    for (int64_t j = 0; j < M->d; j++) o[i * M->d + j] = M->x[i * M->rs + j * M->cs];
  for (int c = 0; c < e->k; c++) {
    int64_t n = M->n, lo = e->ptr[c];
    float *col = tensor_f32(credo_newtensor(L, TENSOR_F32, 1, &n));
    gbdt_cat_apply(col, M->x + e->f[c] * M->cs, M->rs, n, e->lev + lo, e->st + lo,
                   e->ptr[c + 1] - lo, e->prior);
    for (int64_t i = 0; i < n; i++) o[i * M->d + e->f[c]] = col[i];
    lua_pop(L, 1);
  }
  M->x = o;
  M->rs = M->d;
  M->cs = 1;
}

/* The encoder in state.cat (at index i), checked (it may come from a file);
 * its tensors stay referenced by the state.  Returns 0 when absent. */
static int cat_from_state(lua_State *L, int i, int d, CatEnc *e) {
  int top = lua_gettop(L);
  if (lua_getfield(L, i, "cat") == LUA_TNIL) {
    lua_settop(L, top);
    return 0;
  }
  int c = lua_gettop(L);
  if (!lua_istable(L, c)) credo_argfail(L, i, "model state field 'cat' must be a table");
  Tensor *f = state_tensor(L, c, "features", -1);
  int64_t k = f->shape[0];
  if (k < 1 || k > GBDT_CAT_MAX) credo_argfail(L, i, "model state field 'cat' is inconsistent");
  Tensor *ptr = state_tensor(L, c, "ptr", k + 1);
  if (f->dtype != TENSOR_I64 || ptr->dtype != TENSOR_I64 || !tensor_is_contiguous(ptr))
    credo_argfail(L, i, "model state field 'cat' is inconsistent");
  e->ptr = tensor_i64(ptr);
  int64_t tot = e->ptr[k];
  Tensor *lev = state_tensor(L, c, "levels", tot);
  Tensor *st = state_tensor(L, c, "stats", tot);
  if (lev->dtype != TENSOR_F32 || st->dtype != TENSOR_F32 || !tensor_is_contiguous(lev) ||
      !tensor_is_contiguous(st))
    credo_argfail(L, i, "model state field 'cat' is inconsistent");
  e->lev = tensor_f32(lev);
  e->st = tensor_f32(st);
  e->k = (int)k;
  for (int64_t q = 0; q < k; q++) {
    double fv = tensor_get_flat(f, q);
    if (fv != floor(fv) || fv < 1 || fv > d || e->ptr[q] < 0 || e->ptr[q + 1] < e->ptr[q] ||
        (q == 0 && e->ptr[0] != 0))
      credo_argfail(L, i, "model state field 'cat' is inconsistent");
    e->f[q] = (int)fv - 1;
  }
  lua_getfield(L, c, "prior");
  if (!lua_isnumber(L, -1)) credo_argfail(L, i, "model state field 'cat' is inconsistent");
  e->prior = (float)lua_tonumber(L, -1);
  lua_settop(L, top);
  return 1;
}

/* params.cat_features at t: a list of distinct 1-based column indices. */
static int cat_columns(lua_State *L, int t, int d, int *f) {
  int ty = lua_getfield(L, t, "cat_features");
  int k = 0;
  if (ty != LUA_TNIL) {
    if (ty != LUA_TTABLE) credo_argfail(L, t, "cat_features must be a list of column indices");
    lua_Integer len = luaL_len(L, -1);
    if (len > GBDT_CAT_MAX) credo_argfail(L, t, "cat_features lists too many columns");
    for (lua_Integer q = 1; q <= len; q++) {
      lua_geti(L, -1, q);
      int ok;
      lua_Integer v = lua_tointegerx(L, -1, &ok);
      if (!ok || v < 1 || v > d)
        credo_argfail(L, t, "cat_features[%d] must be a column index in [1, %d]", (int)q, d);
      for (int r = 0; r < k; r++)
        if (f[r] == (int)v - 1) credo_argfail(L, t, "cat_features lists column %d twice", (int)v);
      f[k++] = (int)v - 1;
      lua_pop(L, 1);
    }
  }
  lua_pop(L, 1);
  /* ascending */
  for (int a = 1; a < k; a++)
    for (int b = a; b > 0 && f[b - 1] > f[b]; b--) {
      int tmp = f[b];
      f[b] = f[b - 1];
      f[b - 1] = tmp;
    }
  return k;
}

/* ---- functions ---- */

/* train(X, y, opts, params) -> state */
static int l_train(lua_State *L) {
  GbdtMatrix X;
  GbdtParams p;
  lua_settop(L, 4);
  check_matrix(L, 1, 1, "X", 1, &X);
  read_params(L, 4, &p);
  float *y = check_vector(L, 2, 2, "y", X.n);
  check_labels(L, 2, "y", y, X.n, p.objective, 1);
  /* categorical columns: ordered statistics for X, full ones for eval sets */
  CatEnc cat; /* 16 KB of column indices */
  CatEnc *ce = &cat;
  ce->k = cat_columns(L, 4, (int)X.d, ce->f);
  int catidx = 0;
  if (ce->k > 0) {
    if (p.objective != GBDT_OBJ_LOGISTIC)
      credo_argfail(L, 4, "cat_features needs the binary:logistic objective");
    double prior = num_field(L, 4, "cat_prior", 0.5, 0, 0, 1);
    double a = num_field(L, 4, "cat_smoothing", 1, 0, 1, HUGE_VAL);
    lua_createtable(L, 0, 5); /* the encoder, state.cat */
    catidx = lua_gettop(L);
    int64_t k = ce->k, k1 = k + 1, tot = k * X.n, n = X.n;
    int64_t *feat = tensor_i64(credo_newtensor(L, TENSOR_I64, 1, &k));
    for (int q = 0; q < ce->k; q++) feat[q] = ce->f[q] + 1;
    lua_setfield(L, catidx, "features");
    int64_t *ptr = tensor_i64(credo_newtensor(L, TENSOR_I64, 1, &k1));
    lua_setfield(L, catidx, "ptr");
    float *lev = tensor_f32(credo_newtensor(L, TENSOR_F32, 1, &tot));
    float *st = tensor_f32(credo_newtensor(L, TENSOR_F32, 1, &tot));
    lua_pushnumber(L, (float)prior);
    lua_setfield(L, catidx, "prior");
    int64_t shape[2] = {X.n, X.d};
    float *o = tensor_f32(credo_newtensor(L, TENSOR_F32, 2, shape));
    for (int64_t i = 0; i < X.n; i++)
      for (int64_t j = 0; j < X.d; j++) o[i * X.d + j] = X.x[i * X.rs + j * X.cs];
    float *col = tensor_f32(credo_newtensor(L, TENSOR_F32, 1, &n));
    ptr[0] = 0;
    for (int q = 0; q < ce->k; q++) {
      int64_t nl = 0;
      credo_status cs = gbdt_cat_fit(col, lev + ptr[q], st + ptr[q], &nl,
                                     X.x + ce->f[q] * X.cs, X.rs, y, n, prior, a,
                                     p.seed ^ GBDT_CAT_SEED);
      if (cs != CREDO_OK) return credo_statuserror(L, "GBDT:fit", cs);
      ptr[q + 1] = ptr[q] + nl;
      for (int64_t i = 0; i < n; i++) o[i * X.d + ce->f[q]] = col[i];
    }
    lua_pop(L, 1); /* col */
    /* the levels and stats, cut to their size */
    int64_t used = ptr[ce->k];
    float *lv2 = tensor_f32(credo_newtensor(L, TENSOR_F32, 1, &used));
    memcpy(lv2, lev, (size_t)used * sizeof *lv2);
    lua_setfield(L, catidx, "levels");
    float *st2 = tensor_f32(credo_newtensor(L, TENSOR_F32, 1, &used));
    memcpy(st2, st, (size_t)used * sizeof *st2);
    lua_setfield(L, catidx, "stats");
    X.x = o;
    X.rs = X.d;
    X.cs = 1;
    ce->ptr = ptr;
    ce->lev = lv2;
    ce->st = st2;
    ce->prior = (float)prior;
  }
  const float *w = NULL;
  GbdtEval ev[16];
  int nev = 0;
  if (!lua_isnil(L, 3)) {
    luaL_checktype(L, 3, LUA_TTABLE);
    if (lua_getfield(L, 3, "sample_weight") != LUA_TNIL) {
      int wi = lua_gettop(L);
      float *wv = check_vector(L, wi, 3, "sample_weight", X.n);
      double sum = 0;
      for (int64_t k = 0; k < X.n; k++) {
        if (!(wv[k] >= 0) || isinf(wv[k]))
          credo_argfail(L, 3, "sample_weight must be finite and >= 0 (index %d)", (int)(k + 1));
        sum += wv[k];
      }
      if (!(sum > 0)) credo_argfail(L, 3, "sample_weight sums to 0");
      w = wv;
    }
    if (lua_getfield(L, 3, "eval_set") != LUA_TNIL) {
      int es = lua_gettop(L);
      /* each set's tensors are read from their own slots; errors name
       * argument #3, the options table */
      luaL_checktype(L, es, LUA_TTABLE);
      nev = (int)luaL_len(L, es);
      if (nev > 16) credo_argfail(L, 3, "eval_set holds more than 16 sets");
      for (int e = 0; e < nev; e++) {
        lua_geti(L, es, e + 1);
        int pe = lua_gettop(L);
        if (!lua_istable(L, pe)) credo_argfail(L, 3, "eval_set[%d] must be a pair {X, y}", e + 1);
        lua_geti(L, pe, 1);
        int xi = lua_gettop(L);
        if (!credo_testtensor(L, xi))
          credo_argfail(L, 3, "eval_set[%d][1] must be a tensor", e + 1);
        check_matrix(L, xi, 3, "eval_set X", 0, &ev[e].X);
        if (ev[e].X.d != X.d)
          credo_argfail(L, 3, "eval_set[%d] has %d columns, X has %d", e + 1, (int)ev[e].X.d,
                        (int)X.d);
        lua_geti(L, pe, 2);
        int yi = lua_gettop(L);
        if (!credo_testtensor(L, yi))
          credo_argfail(L, 3, "eval_set[%d][2] must be a tensor", e + 1);
        float *ye = check_vector(L, yi, 3, "eval_set y", ev[e].X.n);
        int binary = p.objective == GBDT_OBJ_LOGISTIC, auc = 0;
        for (int k = 0; k < p.n_metrics; k++) {
          binary |= p.metrics[k] != GBDT_METRIC_RMSE;
          auc |= p.metrics[k] == GBDT_METRIC_AUC;
        }
        /* AUC of a one-class set is undefined (NaN), and early stopping
         * would watch it: both classes are required then */
        check_labels(L, 3, "eval_set y", ye,
                     ev[e].X.n, binary ? GBDT_OBJ_LOGISTIC : GBDT_OBJ_SQUARED, auc);
        ev[e].y = ye;
        if (ce->k > 0) cat_transform(L, &ev[e].X, ce);
      }
    }
  }
  if (p.early_stopping_rounds > 0 && nev == 0)
    credo_argfail(L, 3, "early_stopping_rounds needs an eval_set");
  GbdtModel *m = newbox(L);
  credo_status st = gbdt_fit(m, &p, &X, y, w, ev, nev);
  if (st != CREDO_OK) return credo_statuserror(L, "GBDT:fit", st);
  push_state(L, m);
  gbdt_model_free(m);
  if (catidx) {
    lua_pushvalue(L, catidx);
    lua_setfield(L, -2, "cat");
  }
  return 1;
}

/* predict(X, state, output [, ntrees]) */
static int l_predict(lua_State *L) {
  static const char *const outputs[] = {"margin", "proba", "label", NULL};
  lua_settop(L, 4);
  GbdtModel *m = newbox(L); /* at 5, owns the rebuilt trees */
  model_from_state(L, 2, m);
  int output = luaL_checkoption(L, 3, "margin", outputs);
  if (output != 0 && m->objective != GBDT_OBJ_LOGISTIC)
    credo_argfail(L, 3, "'%s' needs the binary:logistic objective", outputs[output]);
  GbdtMatrix X;
  check_matrix(L, 1, 1, "X", 0, &X);
  if (X.d != m->n_features)
    credo_argfail(L, 1, "X has %d columns, the model was fitted on %d", (int)X.d,
                  m->n_features);
  CatEnc cat;
  if (cat_from_state(L, 2, m->n_features, &cat)) cat_transform(L, &X, &cat);
  int ntrees = opt_ntrees(L, 4, m);
  int64_t n = X.n;
  Tensor *mg = credo_newtensor(L, TENSOR_F32, 1, &n);
  float *mv = tensor_f32(mg);
  gbdt_predict_margin(mv, m, ntrees, &X, credo_threads_get());
  if (output == 1) {
    int64_t shape[2] = {n, 2};
    float *pr = tensor_f32(credo_newtensor(L, TENSOR_F32, 2, shape));
    for (int64_t i = 0; i < n; i++) {
      float p = gbdt_sigmoid(mv[i]);
      pr[2 * i] = 1.0f - p;
      pr[2 * i + 1] = p;
    }
  } else if (output == 2) {
    int64_t *lab = tensor_i64(credo_newtensor(L, TENSOR_I64, 1, &n));
    for (int64_t i = 0; i < n; i++) lab[i] = gbdt_sigmoid(mv[i]) > 0.5f;
  }
  return 1;
}

/* importance(kind, state [, normalize [, ntrees]]) -> float64 (n_features):
 * split counts, total or average (per split) gain or cover; normalize
 * divides by the sum (when positive). */
static int l_importance(lua_State *L) {
  static const char *const kinds[] = {"split", "gain", "total_gain", "cover",
                                      "total_cover", NULL};
  lua_settop(L, 4);
  GbdtModel *m = newbox(L); /* at 5 */
  model_from_state(L, 2, m);
  int kind = luaL_checkoption(L, 1, "gain", kinds);
  int normalize = lua_toboolean(L, 3);
  int ntrees = opt_ntrees(L, 4, m);
  int64_t d = m->n_features;
  double *out = tensor_f64(credo_newtensor(L, TENSOR_F64, 1, &d));
  double *cnt = malloc((size_t)d * sizeof *cnt);
  if (!cnt) return luaL_error(L, "not enough memory");
  gbdt_importance(cnt, m, ntrees, 0);
  if (kind == 0) memcpy(out, cnt, (size_t)d * sizeof *out);
  else gbdt_importance(out, m, ntrees, kind <= 2 ? 1 : 2);
  if (kind == 1 || kind == 3)
    for (int64_t j = 0; j < d; j++) out[j] = cnt[j] > 0 ? out[j] / cnt[j] : 0.0;
  free(cnt);
  if (normalize) {
    double sum = 0;
    for (int64_t j = 0; j < d; j++) sum += out[j];
    if (sum > 0)
      for (int64_t j = 0; j < d; j++) out[j] /= sum;
  }
  return 1;
}

static const luaL_Reg funcs[] = {
  {"train", l_train},
  {"predict", l_predict},
  {"importance", l_importance},
  {NULL, NULL}
};

static const luaL_Reg box_meta[] = {
  {"__gc", box_gc},
  {"__close", box_gc},
  {NULL, NULL}
};

int luaopen_credo_gbdt(lua_State *L) {
  luaL_newmetatable(L, GBDT_BOX);
  luaL_setfuncs(L, box_meta, 0);
  lua_pop(L, 1);
  luaL_newlib(L, funcs);
  lua_pushinteger(L, GBDT_MAX_BIN);
  lua_setfield(L, -2, "MAX_BIN");
  return 1;
}
