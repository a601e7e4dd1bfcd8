/*
 * forest_lua.c: Lua binding of the tree and forest core (natives/forest,
 * forest.h), opened as `credo.forest_core`; the model classes are
 * stdlib/credo/forest.lua.
 *
 *   state = fit(X, y, opts, params)   -- opts: sample_weight; params:
 *                                     -- resolved hyperparameters (below)
 *   box = model(state)                -- checked, ready to predict
 *   out = predict(X, box, what)       -- "proba" (n, k) f64, "label" (n)
 *                                     -- i64, "apply" (n, trees) i64 1-based
 *   imp = importances(box [, tree])   -- (d) f64, the forest's or one tree's
 *
 * params: criterion ("gini" | "entropy"), splitter ("best" | "random"),
 * n_trees, max_depth (-1: none), min_samples_split, min_samples_leaf,
 * min_weight_fraction, max_features (counts already resolved by the Lua
 * class), min_impurity_decrease, bootstrap, n_bootstrap, oob,
 * class_weight (nil, "balanced", "balanced_subsample" or {[class] = w}),
 * seed.
 *
 * The state is plain data (numbers and tensors per tree, docs/forest.md),
 * so credo.save can write it; model() checks every field, since a state
 * may come from a file.  Arguments are numbered as the model methods see
 * them (X first).  Never raises while owning malloc'd memory: scratch is in
 * GC-owned tensors, a fitted or loaded model in a GC-owned box
 * (credo.forest.Model).  What it is not: no training logic.
 */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../common/credo_lua.h"
#include "forest.h"

#define FOREST_BOX "credo.forest.Model"

/* ---- the GC-owned model box ---- */

static ForestModel *newbox(lua_State *L) {
  ForestModel *m = (ForestModel *)lua_newuserdatauv(L, sizeof *m, 0);
  memset(m, 0, sizeof *m);
  luaL_setmetatable(L, FOREST_BOX);
  return m;
}

static ForestModel *checkbox(lua_State *L, int i) {
  ForestModel *m = (ForestModel *)luaL_checkudata(L, i, FOREST_BOX);
  if (!m->trees) luaL_argerror(L, i, "model has been freed");
  return m;
}

static int box_gc(lua_State *L) {
  forest_model_free((ForestModel *)luaL_checkudata(L, 1, FOREST_BOX));
  return 0;
}

static int box_tostring(lua_State *L) {
  ForestModel *m = (ForestModel *)luaL_checkudata(L, 1, FOREST_BOX);
  lua_pushfstring(L, "forest model (%d trees, %d features, %d classes)",
                  m->n_trees, m->d, m->k);
  return 1;
}

/* ---- argument helpers ---- */

/* Check one feature value read as double: finite and within float32. */
static float check_value(lua_State *L, int i, double v, int64_t r, int64_t c) {
  if (v != v)
    credo_argfail(L, i, "X contains NaN at row %I, column %I (trees need complete "
                        "data: impute first)", (lua_Integer)(r + 1), (lua_Integer)(c + 1));
  if (isinf(v))
    credo_argfail(L, i, "X contains an infinite value at row %I, column %I",
                  (lua_Integer)(r + 1), (lua_Integer)(c + 1));
  if (fabs(v) > FLT_MAX)
    credo_argfail(L, i, "X holds %f at row %I, column %I, beyond the float32 range", v,
                  (lua_Integer)(r + 1), (lua_Integer)(c + 1));
  return (float)v;
}

/* X at i: a 2-d tensor with rows and columns; returns it. */
static Tensor *check_X(lua_State *L, int i) {
  Tensor *t = credo_checkmatrix(L, i, "X", CREDO_MATRIX_COLS);
  if (t->shape[0] >= INT32_MAX) credo_argfail(L, i, "X has too many rows (at most 2147483646)");
  if (t->shape[1] >= INT32_MAX) credo_argfail(L, i, "X has too many columns");
  return t;
}

/* X at i as float32 (d, n) column-major, a new tensor left on the stack. */
static float *X_columns(lua_State *L, int i, const Tensor *t) {
  int64_t n = t->shape[0], d = t->shape[1];
  int64_t shape[2] = {d, n};
  float *xc = tensor_f32(credo_newtensor(L, TENSOR_F32, 2, shape));
  for (int64_t r = 0; r < n; r++)
    for (int64_t c = 0; c < d; c++) {
      int64_t off = t->offset + r * t->stride[0] + c * t->stride[1];
      double v;
      switch (t->dtype) {
      case TENSOR_F32: v = ((const float *)t->storage->data)[off]; break;
      case TENSOR_F64: v = ((const double *)t->storage->data)[off]; break;
      default: v = (double)((const int64_t *)t->storage->data)[off]; break;
      }
      xc[c * n + r] = check_value(L, i, v, r, c);
    }
  return xc;
}

/* X at i as float32 rows: the tensor itself when float32 (after checking
 * its values), else a new row-major copy left on the stack. */
static const float *X_rows(lua_State *L, int i, const Tensor *t, int64_t *rs,
                           int64_t *cs) {
  int64_t n = t->shape[0], d = t->shape[1];
  if (t->dtype == TENSOR_F32) {
    const float *x = tensor_f32(t);
    for (int64_t r = 0; r < n; r++)
      for (int64_t c = 0; c < d; c++)
        check_value(L, i, x[r * t->stride[0] + c * t->stride[1]], r, c);
    *rs = t->stride[0];
    *cs = t->stride[1];
    return x;
  }
  Tensor *o = credo_newtensor(L, TENSOR_F32, 2, t->shape);
  float *x = tensor_f32(o);
  for (int64_t r = 0; r < n; r++)
    for (int64_t c = 0; c < d; c++)
      x[r * d + c] = check_value(L, i, tensor_get_flat(t, r * d + c), r, c);
  *rs = d;
  *cs = 1;
  return x;
}

/* ---- params ---- */

static int enum_field(lua_State *L, int t, const char *name,
                      const char *const *names) {
  lua_getfield(L, t, name);
  const char *v = lua_tostring(L, -1);
  for (int i = 0; v && names[i]; i++)
    if (strcmp(v, names[i]) == 0) {
      lua_pop(L, 1);
      return i;
    }
  return credo_argfail(L, t, "params.%s: unknown value '%s'", name,
                       v ? v : luaL_typename(L, -1));
}

static void read_params(lua_State *L, int t, ForestParams *p, int64_t n, int d) {
  luaL_checktype(L, t, LUA_TTABLE);
  memset(p, 0, sizeof *p);
  static const char *const crit[] = {"gini", "entropy", NULL};
  static const char *const split[] = {"best", "random", NULL};
  p->criterion = (forest_criterion)enum_field(L, t, "criterion", crit);
  p->splitter = (forest_splitter)enum_field(L, t, "splitter", split);
  p->n_trees = (int)credo_intfield(L, t, "n_trees", 1, 1000000);
  p->max_depth = (int)credo_intfield(L, t, "max_depth", -1, INT32_MAX);
  if (p->max_depth == 0) credo_argfail(L, t, "params.max_depth must be -1 or >= 1");
  p->min_samples_leaf = credo_intfield(L, t, "min_samples_leaf", 1, INT64_MAX / 4);
  p->min_samples_split = credo_intfield(L, t, "min_samples_split", 2, INT64_MAX / 2);
  if (p->min_samples_split < 2 * p->min_samples_leaf)
    p->min_samples_split = 2 * p->min_samples_leaf; /* sklearn */
  p->min_weight_fraction = credo_numfield(L, t, "min_weight_fraction", 0.0, 0.5, 0);
  p->max_features = (int)credo_intfield(L, t, "max_features", 1, d);
  p->min_impurity_decrease = credo_numfield(L, t, "min_impurity_decrease", 0.0, HUGE_VAL, 0);
  p->bootstrap = credo_boolfield(L, t, "bootstrap");
  p->n_bootstrap = p->bootstrap ? credo_intfield(L, t, "n_bootstrap", 1, n) : 0;
  p->oob = credo_boolfield(L, t, "oob");
  if (p->oob && !p->bootstrap)
    credo_argfail(L, t, "params.oob needs bootstrap (out-of-bag rows exist only then)");
  lua_getfield(L, t, "seed");
  int ok;
  lua_Integer seed = lua_tointegerx(L, -1, &ok);
  if (!ok) credo_argfail(L, t, "params.seed must be an integer");
  lua_pop(L, 1);
  p->seed = (uint64_t)seed;
  p->n_threads = credo_threads_get();
}

/* Class weights (k) from params.class_weight into cw; returns 0 when there
 * are none.  count (k): rows per class. */
static int class_weights(lua_State *L, int t, ForestParams *p, double *cw,
                         const int64_t *count, int k, int64_t n) {
  int ty = lua_getfield(L, t, "class_weight");
  int have = 1;
  if (ty == LUA_TNIL) {
    have = 0;
  } else if (ty == LUA_TSTRING) {
    const char *s = lua_tostring(L, -1);
    int sub = strcmp(s, "balanced_subsample") == 0;
    if (!sub && strcmp(s, "balanced") != 0)
      credo_argfail(L, t, "params.class_weight: unknown value '%s'", s);
    if (sub && p->bootstrap) {
      p->balanced_subsample = 1; /* per tree, in the core */
      have = 0;
    } else { /* sklearn compute_class_weight("balanced") */
      int present = 0;
      for (int c = 0; c < k; c++) present += count[c] > 0;
      for (int c = 0; c < k; c++)
        cw[c] = count[c] > 0 ? (double)n / ((double)present * (double)count[c]) : 0.0;
    }
  } else if (ty == LUA_TTABLE) {
    for (int c = 0; c < k; c++) cw[c] = 1.0;
    lua_pushnil(L);
    while (lua_next(L, -2)) {
      int isint;
      lua_Integer c = lua_tointegerx(L, -2, &isint);
      if (!isint || lua_type(L, -2) != LUA_TNUMBER)
        credo_argfail(L, t, "params.class_weight keys must be class labels (integers)");
      if (c < 0 || c >= k || count[c] == 0)
        credo_argfail(L, t, "class_weight names class %I, which does not occur in y", c);
      int isnum;
      double v = lua_tonumberx(L, -1, &isnum);
      if (!isnum || !(v >= 0.0) || isinf(v))
        credo_argfail(L, t, "class_weight of class %I must be a finite number >= 0", c);
      cw[c] = v;
      lua_pop(L, 1);
    }
  } else {
    credo_argfail(L, t, "params.class_weight must be nil, a string or a table");
  }
  lua_pop(L, 1);
  return have;
}

/* ---- state ---- */

static Tensor *new_vec(lua_State *L, tensor_dtype dt, int64_t n) {
  return credo_newtensor(L, dt, 1, &n);
}

/* Push the state table of the fitted model m. */
static void push_state(lua_State *L, const ForestModel *m) {
  const int k = m->k;
  lua_createtable(L, 0, 6);
  lua_pushinteger(L, m->d);
  lua_setfield(L, -2, "n_features");
  lua_pushinteger(L, k);
  lua_setfield(L, -2, "n_classes");
  lua_createtable(L, m->n_trees, 0);
  for (int t = 0; t < m->n_trees; t++) {
    const ForestTree *tr = &m->trees[t];
    const int64_t N = tr->n_nodes;
    lua_createtable(L, 0, 8);
    int64_t *feat = tensor_i64(new_vec(L, TENSOR_I64, N));
    lua_setfield(L, -2, "feature");
    int64_t *left = tensor_i64(new_vec(L, TENSOR_I64, N));
    lua_setfield(L, -2, "left");
    int64_t *right = tensor_i64(new_vec(L, TENSOR_I64, N));
    lua_setfield(L, -2, "right");
    double *thr = tensor_f64(new_vec(L, TENSOR_F64, N));
    lua_setfield(L, -2, "threshold");
    double *imp = tensor_f64(new_vec(L, TENSOR_F64, N));
    lua_setfield(L, -2, "impurity");
    int64_t *ns = tensor_i64(new_vec(L, TENSOR_I64, N));
    lua_setfield(L, -2, "n_node_samples");
    double *wn = tensor_f64(new_vec(L, TENSOR_F64, N));
    lua_setfield(L, -2, "weighted_n_node_samples");
    int64_t vs[2] = {N, k};
    double *val = tensor_f64(credo_newtensor(L, TENSOR_F64, 2, vs));
    lua_setfield(L, -2, "value");
    for (int64_t i = 0; i < N; i++) {
      const ForestNode *nd = &tr->nodes[i];
      int leaf = nd->feature < 0;
      feat[i] = leaf ? 0 : nd->feature + 1;
      left[i] = leaf ? 0 : nd->left + 1;
      right[i] = leaf ? 0 : nd->right + 1;
      thr[i] = nd->threshold;
      imp[i] = nd->impurity;
      ns[i] = nd->n_samples;
      wn[i] = nd->weighted_n;
    }
    memcpy(val, tr->value, (size_t)N * (size_t)k * sizeof *val);
    lua_seti(L, -2, t + 1);
  }
  lua_setfield(L, -2, "trees");
  if (m->oob_proba) {
    lua_pushnumber(L, m->oob_score);
    lua_setfield(L, -2, "oob_score");
    lua_pushinteger(L, m->oob_missing);
    lua_setfield(L, -2, "oob_missing");
    int64_t s[2] = {m->oob_n, k};
    double *o = tensor_f64(credo_newtensor(L, TENSOR_F64, 2, s));
    memcpy(o, m->oob_proba, (size_t)m->oob_n * (size_t)k * sizeof *o);
    lua_setfield(L, -2, "oob_decision_function");
  }
}

/* state.field of tree t at index i: a tensor of dtype dt and n rows
 * (contiguous copy pushed when needed).  Returns its data. */
static void *tree_field(lua_State *L, int i, int t, const char *name,
                        tensor_dtype dt, int64_t n, int64_t cols) {
  lua_getfield(L, i, name);
  Tensor *x = credo_testtensor(L, -1);
  int want_dim = cols ? 2 : 1;
  if (!x || !x->storage || x->dtype != dt || x->ndim != want_dim ||
      (n >= 0 && x->shape[0] != n) || (cols && x->shape[1] != cols))
    credo_argfail(L, 1, "model state: trees[%d].%s must be a %s tensor of %s%d%s", t + 1,
                  name, tensor_dtype_name(dt), cols ? "shape [" : "", (int)n,
                  cols ? lua_pushfstring(L, ",%d]", (int)cols) : " elements");
  if (!tensor_is_contiguous(x)) {
    Tensor *c = credo_newtensor(L, dt, x->ndim, x->shape);
    tensor_copy(c, x);
    x = c;
  }
  return tensor_data(x);
}

/* model(state) -> box: every field checked; child ids must point forward,
 * so prediction always ends at a leaf. */
static int l_model(lua_State *L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  luaL_checkstack(L, 40, "model");
  lua_getfield(L, 1, "n_features");
  int ok;
  lua_Integer d = lua_tointegerx(L, -1, &ok);
  if (!ok || d < 1 || d >= INT32_MAX)
    credo_argfail(L, 1, "model state: n_features must be a positive integer");
  lua_getfield(L, 1, "n_classes");
  lua_Integer k = lua_tointegerx(L, -1, &ok);
  if (!ok || k < 1 || k > FOREST_MAX_CLASSES)
    credo_argfail(L, 1, "model state: n_classes must be an integer in 1..%d", FOREST_MAX_CLASSES);
  if (lua_getfield(L, 1, "trees") != LUA_TTABLE)
    credo_argfail(L, 1, "model state: trees must be a table");
  int trees = lua_gettop(L);
  lua_Integer T = luaL_len(L, trees);
  if (T < 1 || T > 1000000) credo_argfail(L, 1, "model state: trees must list 1 to 1000000 trees");
  ForestModel *m = newbox(L);
  int box = lua_gettop(L);
  m->trees = calloc((size_t)T, sizeof *m->trees);
  if (!m->trees) return luaL_error(L, "model: not enough memory");
  m->n_trees = (int)T;
  m->d = (int)d;
  m->k = (int)k;
  for (int t = 0; t < T; t++) {
    if (lua_geti(L, trees, t + 1) != LUA_TTABLE)
      credo_argfail(L, 1, "model state: trees[%d] must be a table", t + 1);
    int ti = lua_gettop(L);
    lua_getfield(L, ti, "feature");
    Tensor *ft = credo_testtensor(L, -1);
    if (!ft || !ft->storage || ft->ndim != 1 || ft->shape[0] < 1 || ft->shape[0] >= INT32_MAX)
      credo_argfail(L, 1, "model state: trees[%d].feature must be a non-empty 1-d tensor", t + 1);
    int64_t N = ft->shape[0];
    lua_pop(L, 1);
    const int64_t *feat = tree_field(L, ti, t, "feature", TENSOR_I64, N, 0);
    const int64_t *left = tree_field(L, ti, t, "left", TENSOR_I64, N, 0);
    const int64_t *right = tree_field(L, ti, t, "right", TENSOR_I64, N, 0);
    const double *thr = tree_field(L, ti, t, "threshold", TENSOR_F64, N, 0);
    const double *imp = tree_field(L, ti, t, "impurity", TENSOR_F64, N, 0);
    const int64_t *ns = tree_field(L, ti, t, "n_node_samples", TENSOR_I64, N, 0);
    const double *wn = tree_field(L, ti, t, "weighted_n_node_samples", TENSOR_F64, N, 0);
    const double *val = tree_field(L, ti, t, "value", TENSOR_F64, N, k);
    ForestTree *tr = &m->trees[t];
    if (forest_tree_alloc(tr, N, (int)k) != CREDO_OK)
      return luaL_error(L, "model: not enough memory");
    for (int64_t i = 0; i < N; i++) {
      ForestNode *nd = &tr->nodes[i];
      if (feat[i] < 0 || feat[i] > d)
        credo_argfail(L, 1, "model state: trees[%d].feature[%I] = %I is not a feature "
                            "(1..%I, 0 for a leaf)", t + 1, (lua_Integer)(i + 1),
                      (lua_Integer)feat[i], d);
      if (feat[i] == 0) {
        if (left[i] != 0 || right[i] != 0)
          credo_argfail(L, 1, "model state: trees[%d] leaf %I has children", t + 1,
                        (lua_Integer)(i + 1));
      } else if (left[i] <= i + 1 || left[i] > N || right[i] <= i + 1 || right[i] > N) {
        credo_argfail(L, 1, "model state: trees[%d] node %I has children %I, %I (they "
                            "must come after it, within 1..%I)", t + 1, (lua_Integer)(i + 1),
                      (lua_Integer)left[i], (lua_Integer)right[i], (lua_Integer)N);
      }
      if (!isfinite(thr[i]) || !isfinite(imp[i]) || !isfinite(wn[i]))
        credo_argfail(L, 1, "model state: trees[%d] node %I has a non-finite value", t + 1,
                      (lua_Integer)(i + 1));
      for (lua_Integer c = 0; c < k; c++)
        if (!(val[i * k + c] >= 0.0) || isinf(val[i * k + c]))
          credo_argfail(L, 1, "model state: trees[%d].value has a negative or non-finite "
                              "entry at node %I", t + 1, (lua_Integer)(i + 1));
      nd->feature = (int32_t)(feat[i] - 1);
      nd->left = (int32_t)(left[i] - 1);
      nd->right = (int32_t)(right[i] - 1);
      nd->threshold = thr[i];
      nd->impurity = imp[i];
      nd->n_samples = ns[i];
      nd->weighted_n = wn[i];
    }
    memcpy(tr->value, val, (size_t)N * (size_t)k * sizeof *val);
    lua_settop(L, box);
  }
  return 1;
}

/* ---- fit ---- */

static int l_fit(lua_State *L) {
  luaL_checkstack(L, 40, "fit");
  Tensor *X = check_X(L, 1);
  const int64_t n = X->shape[0];
  const int d = (int)X->shape[1];
  Tensor *Y = credo_checklabels(L, 2, n, "0..k-1");
  if (!lua_isnoneornil(L, 3)) luaL_checktype(L, 3, LUA_TTABLE);
  luaL_checktype(L, 4, LUA_TTABLE);
  /* labels -> int32 (n) */
  int32_t *y = (int32_t *)lua_newuserdatauv(L, (size_t)n * sizeof(int32_t), 0);
  int64_t maxlab = 0;
  for (int64_t i = 0; i < n; i++) {
    int64_t v = tensor_i64(Y)[i * Y->stride[0]];
    if (v < 0 || v >= FOREST_MAX_CLASSES)
      credo_argfail(L, 2, "y holds %I at index %I (labels must be 0..k-1, at most %d classes)",
                    (lua_Integer)v, (lua_Integer)(i + 1), FOREST_MAX_CLASSES);
    y[i] = (int32_t)v;
    if (v > maxlab) maxlab = v;
  }
  const int k = (int)maxlab + 1;
  int64_t *count = tensor_i64(new_vec(L, TENSOR_I64, k));
  for (int64_t i = 0; i < n; i++) count[y[i]]++;
  /* sample weights */
  double *w = NULL;
  if (!lua_isnoneornil(L, 3)) {
    if (lua_getfield(L, 3, "sample_weight") != LUA_TNIL) {
      w = credo_checkweights(L, -1, 3, n);
      lua_remove(L, -2); /* drop the field, keep the copy w anchored */
    } else {
      lua_pop(L, 1);
    }
  }
  ForestParams p;
  read_params(L, 4, &p, n, d);
  double *cw = tensor_f64(new_vec(L, TENSOR_F64, k));
  if (class_weights(L, 4, &p, cw, count, k, n)) {
    if (!w) {
      w = tensor_f64(new_vec(L, TENSOR_F64, n));
      for (int64_t i = 0; i < n; i++) w[i] = cw[y[i]];
    } else {
      for (int64_t i = 0; i < n; i++) w[i] = w[i] * cw[y[i]];
    }
  }
  if (w) {
    double s = 0.0;
    for (int64_t i = 0; i < n; i++) s += w[i];
    if (!(s > 0.0))
      credo_argfail(L, 3, "sample_weight (times class_weight) sums to 0: no row to learn from");
  }
  float *xc = X_columns(L, 1, X);
  int64_t rshape[2] = {n, d};
  float *xr = tensor_f32(credo_newtensor(L, TENSOR_F32, 2, rshape));
  for (int64_t r = 0; r < n; r++)
    for (int64_t c = 0; c < d; c++) xr[r * d + c] = xc[c * n + r];
  ForestData D = {xc, xr, y, w, n, d, k};
  ForestModel *m = newbox(L);
  credo_status s = forest_fit(m, &D, &p);
  if (s != CREDO_OK) return credo_statuserror(L, "fit", s);
  push_state(L, m);
  forest_model_free(m);
  return 1;
}

/* ---- predict ---- */

static int l_predict(lua_State *L) {
  Tensor *X = check_X(L, 1);
  ForestModel *m = checkbox(L, 2);
  static const char *const whats[] = {"proba", "label", "apply", NULL};
  int what = luaL_checkoption(L, 3, NULL, whats);
  if (X->shape[1] != m->d)
    credo_argfail(L, 1, "X has %I features but the model was fitted on %d",
                  (lua_Integer)X->shape[1], m->d);
  int64_t n = X->shape[0], rs, cs;
  const float *x = X_rows(L, 1, X, &rs, &cs);
  credo_status s;
  if (what == 2) {
    int64_t shape[2] = {n, m->n_trees};
    int64_t *o = tensor_i64(credo_newtensor(L, TENSOR_I64, 2, shape));
    s = forest_apply(o, m, x, n, rs, cs, credo_threads_get());
    if (s != CREDO_OK) return credo_statuserror(L, "apply", s);
    for (int64_t i = 0; i < n * m->n_trees; i++) o[i]++;
    return 1;
  }
  int64_t shape[2] = {n, m->k};
  Tensor *P = credo_newtensor(L, TENSOR_F64, 2, shape);
  double *p = tensor_f64(P);
  s = forest_predict_proba(p, m, x, n, rs, cs, credo_threads_get());
  if (s != CREDO_OK) return credo_statuserror(L, what == 0 ? "predict_proba" : "predict", s);
  if (what == 0) return 1;
  int64_t *lab = tensor_i64(new_vec(L, TENSOR_I64, n));
  for (int64_t i = 0; i < n; i++) {
    const double *r = p + i * m->k;
    int best = 0;
    for (int c = 1; c < m->k; c++)
      if (r[c] > r[best]) best = c;
    lab[i] = best;
  }
  return 1;
}

/* importances(box [, tree]) -> (d) float64 */
static int l_importances(lua_State *L) {
  ForestModel *m = checkbox(L, 1);
  lua_Integer t = luaL_optinteger(L, 2, 0);
  luaL_argcheck(L, t >= 0 && t <= m->n_trees, 2, "tree index out of range");
  lua_settop(L, 2);
  double *scratch = tensor_f64(new_vec(L, TENSOR_F64, m->d));
  double *out = tensor_f64(new_vec(L, TENSOR_F64, m->d));
  if (t == 0) forest_importances(out, scratch, m);
  else forest_tree_importances(out, &m->trees[t - 1], m->d);
  return 1;
}

static const luaL_Reg funcs[] = {
  {"fit", l_fit},
  {"model", l_model},
  {"predict", l_predict},
  {"importances", l_importances},
  {NULL, NULL}
};

static const luaL_Reg box_meta[] = {
  {"__gc", box_gc},
  {"__close", box_gc},
  {"__tostring", box_tostring},
  {NULL, NULL}
};

int luaopen_credo_forest(lua_State *L) {
  if (luaL_newmetatable(L, FOREST_BOX)) luaL_setfuncs(L, box_meta, 0);
  lua_pop(L, 1);
  luaL_newlib(L, funcs);
  return 1;
}
