/*
 * linear_lua.c: Lua binding of the logistic-regression core (linear.h),
 * opened as `credo.linear_core`; the model class is stdlib/credo/linear.lua.
 *
 *   D = design(X | nil, indptr | nil, indices | nil, values | nil, ncols)
 *                      -- a credo.linear.Design: dense block X (n, dd) then a
 *                      -- CSR block (n, ncols), indices 1-based, values nil
 *                      -- for implicit ones
 *   D = onehot(codes, sizes [, X])
 *                      -- codes (n, m) int64, column j in 0..sizes[j]-1:
 *                      -- one active column per code, after the dense X
 *   h = cross_hash(codes, cols, id, buckets)
 *                      -- (n) int64 in 0..buckets-1: hashed cross of the
 *                      -- 1-based columns cols of codes
 *   coef, b, report = fit(X | D, y, sample_weight | nil, params)
 *   out = decision(X | D, coef, b [, what])  -- "decision" | "proba" | "label"
 *   f, g = objective(X | D, y, sample_weight | nil, w, params)
 *
 * A Design keeps its arrays in GC-owned tensors (its user value), so nothing
 * here owns malloc'd memory when it raises; the core frees its own scratch
 * before returning.  Arguments are numbered as the model methods see them
 * (X first).  What it is not: no training logic, no class weights (the Lua
 * class folds them into sample weights).
 */
#include <limits.h>
#include <math.h>
#include <string.h>

#include "../common/credo_lua.h"
#include "linear.h"

#define LINEAR_DESIGN "credo.linear.Design"

/* User value slots of a Design: the tensors its pointers point into. */
enum { UV_X = 1, UV_INDPTR, UV_INDICES, UV_VALUES, UV_CPTR, UV_CROW, UV_CVAL, UV_N = UV_CVAL };

static LinearDesign *checkdesign(lua_State *L, int i) {
  return (LinearDesign *)luaL_checkudata(L, i, LINEAR_DESIGN);
}

static LinearDesign *newdesign(lua_State *L) {
  LinearDesign *D = (LinearDesign *)lua_newuserdatauv(L, sizeof *D, UV_N);
  memset(D, 0, sizeof *D);
  luaL_setmetatable(L, LINEAR_DESIGN);
  return D;
}

static Tensor *new_vec(lua_State *L, tensor_dtype dt, int64_t n) {
  int64_t shape[1] = {n};
  return credo_newtensor(L, dt, 1, shape);
}

/* Anchor the tensor on top of the stack in slot uv of the design at index
 * di (pops it). */
static void keep(lua_State *L, int di, int uv) {
  lua_setiuservalue(L, di, uv);
}

/* The dense block at argument i (a 2-d tensor, finite) copied into a new
 * float64 row-major tensor kept in the design at di; returns its rows.
 * With share, a contiguous float64 tensor is used in place (kept in the
 * design too): only for the transient designs of one fit / predict call,
 * during which nothing else can change it. */
static int64_t dense_block_ex(lua_State *L, int i, int di, LinearDesign *D, int share) {
  static const char hint[] = " (impute or drop it first)";
  Tensor *t = credo_checkmatrix(L, i, "X", 0);
  char buf[64];
  int64_t n = t->shape[0], d = t->shape[1];
  if (n >= INT_MAX || d >= INT_MAX) credo_argfail(L, i, "X is too large (shape %s)",
                                                  tensor_shape_str(t, buf, sizeof buf));
  if (share && t->dtype == TENSOR_F64 && tensor_is_contiguous(t)) {
    credo_checkfinite2d(L, i, t, "X", hint);
    lua_pushvalue(L, i);
    keep(L, di, UV_X);
    D->X = tensor_f64(t);
    D->dd = d;
    return n;
  }
  double *x = credo_tof64_2d(L, i, t, "X", hint);
  keep(L, di, UV_X);
  D->X = x;
  D->dd = d;
  return n;
}

static int64_t dense_block(lua_State *L, int i, int di, LinearDesign *D) {
  return dense_block_ex(L, i, di, D, 0);
}

/* The CSC copy of D's sparse block, kept in the design at di. */
static void build_csc(lua_State *L, int di, LinearDesign *D) {
  int64_t nnz = D->indptr[D->n];
  int64_t *cp = tensor_i64(new_vec(L, TENSOR_I64, D->ds + 1));
  keep(L, di, UV_CPTR);
  int64_t *cr = tensor_i64(new_vec(L, TENSOR_I64, nnz > 0 ? nnz : 1));
  keep(L, di, UV_CROW);
  double *cv = NULL;
  if (D->values) {
    cv = tensor_f64(new_vec(L, TENSOR_F64, nnz > 0 ? nnz : 1));
    keep(L, di, UV_CVAL);
  }
  linear_design_csc(cp, cr, cv, D->indptr, D->indices, D->values, D->n, D->ds);
  D->csc_ptr = cp;
  D->csc_row = cr;
  D->csc_val = cv;
}

/* An int64 1-d tensor at i (any strides), or an error naming `what`. */
static Tensor *check_i64_vec(lua_State *L, int i, const char *what) {
  Tensor *t = credo_testtensor(L, i);
  if (!t || t->dtype != TENSOR_I64 || t->ndim != 1)
    credo_argfail(L, i, "%s must be a 1-d int64 tensor", what);
  return t;
}

static int64_t at_i64(const Tensor *t, int64_t k) {
  return tensor_i64(t)[k * t->stride[0]];
}

/* design(X | nil, indptr | nil, indices | nil, values | nil, ncols) */
static int l_design(lua_State *L) {
  lua_settop(L, 5);
  LinearDesign *D = newdesign(L);
  int di = lua_gettop(L);
  int64_t n = -1;
  if (!lua_isnil(L, 1)) n = dense_block(L, 1, di, D);
  if (lua_isnil(L, 2)) {
    if (n < 0)
      credo_argfail(L, 1, "a design needs a dense block X or a sparse block (indptr, indices)");
    D->n = n;
    return 1;
  }
  Tensor *ip = check_i64_vec(L, 2, "indptr");
  Tensor *ix = check_i64_vec(L, 3, "indices");
  lua_Integer ncols = luaL_checkinteger(L, 5);
  if (ncols < 1 || ncols >= INT_MAX)
    credo_argfail(L, 5, "ncols must be in 1..%d (got %I)", INT_MAX - 1, ncols);
  int64_t rows = ip->shape[0] - 1;
  if (rows < 1)
    credo_argfail(L, 2, "indptr must hold n + 1 >= 2 offsets (got %I)", (lua_Integer)ip->shape[0]);
  if (n >= 0 && rows != n)
    credo_argfail(L, 2, "indptr describes %I rows but X has %I", (lua_Integer)rows, (lua_Integer)n);
  if (rows >= INT_MAX) credo_argfail(L, 2, "too many rows");
  int64_t nnz = ix->shape[0];
  int64_t *ptr = tensor_i64(new_vec(L, TENSOR_I64, rows + 1));
  keep(L, di, UV_INDPTR);
  if (at_i64(ip, 0) != 0)
    credo_argfail(L, 2, "indptr[1] must be 0 (got %I)", (lua_Integer)at_i64(ip, 0));
  for (int64_t r = 0; r <= rows; r++) {
    ptr[r] = at_i64(ip, r);
    if (r > 0 && ptr[r] < ptr[r - 1])
      credo_argfail(L, 2, "indptr must be non-decreasing (indptr[%I] = %I < indptr[%I] = %I)",
                    (lua_Integer)(r + 1), (lua_Integer)ptr[r], (lua_Integer)r,
                    (lua_Integer)ptr[r - 1]);
  }
  if (ptr[rows] != nnz)
    credo_argfail(L, 2, "indptr ends at %I but indices holds %I entries", (lua_Integer)ptr[rows],
                  (lua_Integer)nnz);
  int64_t *ind = tensor_i64(new_vec(L, TENSOR_I64, nnz > 0 ? nnz : 1));
  keep(L, di, UV_INDICES);
  for (int64_t k = 0; k < nnz; k++) {
    int64_t c = at_i64(ix, k);
    if (c < 1 || c > ncols)
      credo_argfail(L, 3, "indices[%I] = %I is not a column 1..%I", (lua_Integer)(k + 1),
                    (lua_Integer)c, ncols);
    ind[k] = c - 1;
  }
  double *val = NULL;
  if (!lua_isnil(L, 4)) {
    Tensor *v = credo_testtensor(L, 4);
    if (!v || v->ndim != 1 || v->shape[0] != nnz)
      credo_argfail(L, 4, "values must be a 1-d tensor of %I numbers, one per index",
                    (lua_Integer)nnz);
    val = tensor_f64(new_vec(L, TENSOR_F64, nnz > 0 ? nnz : 1));
    keep(L, di, UV_VALUES);
    for (int64_t k = 0; k < nnz; k++) {
      double x = tensor_get_flat(v, k);
      if (!isfinite(x))
        credo_argfail(L, 4, "values[%I] is %s", (lua_Integer)(k + 1), x != x ? "NaN" : "infinite");
      val[k] = x;
    }
  }
  D->n = rows;
  D->ds = ncols;
  D->indptr = ptr;
  D->indices = ind;
  D->values = val;
  build_csc(L, di, D);
  lua_settop(L, di);
  return 1;
}

/* onehot(codes (n, m) int64, sizes {m}, [X]) */
static int l_onehot(lua_State *L) {
  lua_settop(L, 3);
  Tensor *c = credo_checktensor(L, 1);
  char buf[64];
  if (c->dtype != TENSOR_I64 || c->ndim != 2 || c->shape[0] < 1 || c->shape[1] < 1)
    credo_argfail(L, 1, "codes must be a non-empty 2-d int64 tensor (got %s %s)",
                  tensor_dtype_name(c->dtype), tensor_shape_str(c, buf, sizeof buf));
  luaL_checktype(L, 2, LUA_TTABLE);
  int64_t n = c->shape[0], m = c->shape[1];
  if ((int64_t)luaL_len(L, 2) != m)
    credo_argfail(L, 2, "sizes must list %I block widths, one per column of codes (got %I)",
                  (lua_Integer)m, (lua_Integer)luaL_len(L, 2));
  LinearDesign *D = newdesign(L);
  int di = lua_gettop(L);
  if (!lua_isnil(L, 3)) {
    int64_t nx = dense_block(L, 3, di, D);
    if (nx != n)
      credo_argfail(L, 3, "X has %I rows but codes has %I", (lua_Integer)nx, (lua_Integer)n);
  }
  int64_t *off = tensor_i64(new_vec(L, TENSOR_I64, m + 1)); /* block offsets (m + 1) */
  for (int64_t j = 0; j < m; j++) {
    lua_geti(L, 2, j + 1);
    int ok;
    lua_Integer s = lua_tointegerx(L, -1, &ok);
    lua_pop(L, 1);
    if (!ok || s < 1)
      credo_argfail(L, 2, "sizes[%I] must be an integer >= 1", (lua_Integer)(j + 1));
    off[j + 1] = off[j] + s;
    if (off[j + 1] >= INT_MAX) credo_argfail(L, 2, "the one-hot blocks hold too many columns");
  }
  int64_t *codes = tensor_i64(new_vec(L, TENSOR_I64, n * m));
  for (int64_t i = 0; i < n; i++)
    for (int64_t j = 0; j < m; j++) {
      int64_t v = tensor_i64(c)[i * c->stride[0] + j * c->stride[1]];
      if (v < 0 || v >= off[j + 1] - off[j])
        credo_argfail(L, 1, "codes[%I][%I] = %I is outside 0..%I", (lua_Integer)(i + 1),
                      (lua_Integer)(j + 1), (lua_Integer)v, (lua_Integer)(off[j + 1] - off[j] - 1));
      codes[i * m + j] = v;
    }
  int64_t *ptr = tensor_i64(new_vec(L, TENSOR_I64, n + 1));
  lua_pushvalue(L, -1);
  keep(L, di, UV_INDPTR);
  for (int64_t i = 0; i <= n; i++) ptr[i] = i * m;
  int64_t *ind = tensor_i64(new_vec(L, TENSOR_I64, n * m));
  lua_pushvalue(L, -1);
  keep(L, di, UV_INDICES);
  linear_onehot_indices(ind, codes, off, n, m);
  D->n = n;
  D->ds = off[m];
  D->indptr = ptr;
  D->indices = ind;
  build_csc(L, di, D);
  lua_pushvalue(L, di);
  return 1;
}

/* cross_hash(codes (n, m) int64, cols {k}, id, buckets) -> (n) int64 0-based */
static int l_cross_hash(lua_State *L) {
  Tensor *c = credo_checktensor(L, 1);
  if (c->dtype != TENSOR_I64 || c->ndim != 2)
    credo_argfail(L, 1, "codes must be a 2-d int64 tensor");
  luaL_checktype(L, 2, LUA_TTABLE);
  lua_Integer id = luaL_checkinteger(L, 3);
  lua_Integer buckets = luaL_checkinteger(L, 4);
  luaL_argcheck(L, buckets >= 1 && buckets < INT_MAX, 4, "buckets must be in 1..2147483646");
  int k = (int)luaL_len(L, 2);
  luaL_argcheck(L, k >= 2 && k <= 8, 2, "a cross joins 2..8 columns");
  int64_t cols[8], vals[8];
  for (int j = 0; j < k; j++) {
    lua_geti(L, 2, j + 1);
    int ok;
    lua_Integer v = lua_tointegerx(L, -1, &ok);
    lua_pop(L, 1);
    if (!ok || v < 1 || v > c->shape[1])
      credo_argfail(L, 2, "cross column %d is not a column 1..%I of codes", j + 1,
                    (lua_Integer)c->shape[1]);
    cols[j] = v - 1;
  }
  int64_t n = c->shape[0];
  int64_t *out = tensor_i64(new_vec(L, TENSOR_I64, n));
  for (int64_t i = 0; i < n; i++) {
    for (int j = 0; j < k; j++)
      vals[j] = tensor_i64(c)[i * c->stride[0] + cols[j] * c->stride[1]];
    out[i] = linear_cross_hash(vals, k, id, buckets);
  }
  return 1;
}

/* The design at i: a Design as is, or a tensor turned into a new dense
 * Design (left on the stack). */
static LinearDesign *to_design(lua_State *L, int i) {
  LinearDesign *D = (LinearDesign *)luaL_testudata(L, i, LINEAR_DESIGN);
  if (D) return D;
  if (!credo_testtensor(L, i))
    credo_argfail(L, i, "X must be a 2-d tensor or a credo.linear.Design (got %s)",
                  luaL_typename(L, i));
  D = newdesign(L);
  D->n = dense_block_ex(L, i, lua_gettop(L), D, 1);
  return D;
}

/* y at i: int64 (n) labels 0/1 with both present, as float64 (left on the
 * stack). */
static double *check_y(lua_State *L, int i, int64_t n) {
  Tensor *Y = credo_checklabels(L, i, n, "0 and 1");
  double *y = tensor_f64(new_vec(L, TENSOR_F64, n));
  int64_t ones = 0;
  for (int64_t k = 0; k < n; k++) {
    int64_t v = tensor_i64(Y)[k * Y->stride[0]];
    if (v != 0 && v != 1)
      credo_argfail(L, i, "y holds %I at index %I (binary labels 0 and 1 only)", (lua_Integer)v,
                    (lua_Integer)(k + 1));
    y[k] = (double)v;
    ones += v;
  }
  if (ones == 0 || ones == n)
    credo_argfail(L, i, "y holds only class %d (logistic regression needs both classes 0 and 1)",
                  ones == 0 ? 0 : 1);
  return y;
}

/* sample weights at i (nil or (n), finite, >= 0, positive sum), float64 on
 * the stack, or NULL. */
static double *check_sw(lua_State *L, int i, int64_t n) {
  if (lua_isnil(L, i)) return NULL;
  double *s = credo_checkweights(L, i, i, n);
  double tot = 0;
  for (int64_t k = 0; k < n; k++) tot += s[k];
  if (!(tot > 0)) credo_argfail(L, i, "sample_weight sums to 0: no row to learn from");
  return s;
}

static void read_params(lua_State *L, int t, LinearParams *p) {
  luaL_checktype(L, t, LUA_TTABLE);
  linear_params_default(p);
  static const char *const pens[] = {"l2", "l1", "none", NULL};
  static const char *const sols[] = {"lbfgs", "owlqn", NULL};
  lua_getfield(L, t, "penalty");
  p->penalty = (linear_penalty)luaL_checkoption(L, -1, "l2", pens);
  lua_getfield(L, t, "solver");
  p->solver = (linear_solver)luaL_checkoption(L, -1, "lbfgs", sols);
  lua_getfield(L, t, "C");
  p->C = luaL_optnumber(L, -1, 1.0);
  lua_getfield(L, t, "fit_intercept");
  p->fit_intercept = lua_isnil(L, -1) ? 1 : lua_toboolean(L, -1);
  lua_getfield(L, t, "max_iter");
  p->max_iter = (int)luaL_optinteger(L, -1, 100);
  lua_getfield(L, t, "tol");
  p->tol = luaL_optnumber(L, -1, 1e-4);
  lua_getfield(L, t, "ftol");
  p->ftol = luaL_optnumber(L, -1, p->ftol);
  lua_pop(L, 7);
  if (!(p->C > 0) || isinf(p->C))
    credo_argfail(L, t, "C must be a finite number > 0 (got %f)", p->C);
  if (p->max_iter < 0) credo_argfail(L, t, "max_iter must be >= 0");
  if (!(p->tol >= 0)) credo_argfail(L, t, "tol must be >= 0");
  if (!(p->ftol >= 0)) credo_argfail(L, t, "ftol must be >= 0");
  if (p->solver == LINEAR_LBFGS && p->penalty == LINEAR_L1)
    credo_argfail(L, t,
                  "solver 'lbfgs' supports penalty 'l2' or 'none' (use solver 'owlqn' for 'l1')");
}

static const char *stop_name(linear_stop s) {
  switch (s) {
  case LINEAR_STOP_GTOL: return "gtol";
  case LINEAR_STOP_FTOL: return "ftol";
  case LINEAR_STOP_MAXITER: return "max_iter";
  case LINEAR_STOP_LINESEARCH: return "line_search";
  }
  return "?";
}

/* fit(X | D, y, sample_weight | nil, params) -> coef (d) f64, b, report */
static int l_fit(lua_State *L) {
  lua_settop(L, 4);
  LinearDesign *D = to_design(L, 1);
  double *y = check_y(L, 2, D->n);
  double *s = check_sw(L, 3, D->n);
  LinearParams p;
  read_params(L, 4, &p);
  int64_t d = D->dd + D->ds, nv = d + (p.fit_intercept ? 1 : 0);
  if (nv == 0) credo_argfail(L, 1, "X has no columns and fit_intercept is false: nothing to fit");
  double *w = tensor_f64(new_vec(L, TENSOR_F64, nv));
  LinearReport rep;
  credo_status st = linear_fit(w, &rep, D, y, s, &p);
  if (st != CREDO_OK) return credo_statuserror(L, "fit", st);
  Tensor *coef = new_vec(L, TENSOR_F64, d);
  if (d > 0) memcpy(tensor_f64(coef), w, (size_t)d * sizeof *w);
  lua_pushnumber(L, p.fit_intercept ? w[d] : 0.0);
  lua_createtable(L, 0, 7);
  lua_pushinteger(L, rep.n_iter);
  lua_setfield(L, -2, "n_iter");
  lua_pushinteger(L, rep.n_fev);
  lua_setfield(L, -2, "n_fev");
  lua_pushboolean(L, rep.converged);
  lua_setfield(L, -2, "converged");
  lua_pushstring(L, stop_name(rep.stop));
  lua_setfield(L, -2, "stop");
  lua_pushnumber(L, rep.loss);
  lua_setfield(L, -2, "loss");
  lua_pushnumber(L, rep.grad_norm);
  lua_setfield(L, -2, "grad_norm");
  return 3;
}

/* coef at i: a float tensor of d numbers, finite, as contiguous float64 on
 * the stack. */
static double *check_coef(lua_State *L, int i, int64_t d) {
  Tensor *t = credo_testtensor(L, i);
  if (!t || t->ndim != 1 || t->shape[0] != d)
    credo_argfail(L, i, "coef must be a 1-d tensor of %I numbers (one per column of X)",
                  (lua_Integer)d);
  double *c = tensor_f64(new_vec(L, TENSOR_F64, d));
  for (int64_t j = 0; j < d; j++) {
    c[j] = tensor_get_flat(t, j);
    if (!isfinite(c[j])) credo_argfail(L, i, "coef[%I] is not finite", (lua_Integer)(j + 1));
  }
  return c;
}

/* decision(X | D, coef, b [, what]) -> what = "decision": z (n) f64;
 * "proba": (n, 2) f64 [1 - p, p] with p = 1 / (1 + exp(-z)); "label": (n)
 * int64, 1 where z > 0 (sklearn's predict) */
static int l_decision(lua_State *L) {
  lua_settop(L, 4);
  static const char *const whats[] = {"decision", "proba", "label", NULL};
  int what = luaL_checkoption(L, 4, "decision", whats);
  Tensor *t = credo_testtensor(L, 2);
  LinearDesign *D = to_design(L, 1);
  int64_t d = D->dd + D->ds;
  if (t && t->ndim == 1 && t->shape[0] != d)
    credo_argfail(L, 1, "X has %I features but the model was fitted on %I", (lua_Integer)d,
                  (lua_Integer)t->shape[0]);
  double *coef = check_coef(L, 2, d);
  double b = luaL_checknumber(L, 3);
  if (!isfinite(b)) credo_argfail(L, 3, "intercept is not finite (%f)", b);
  double *z = tensor_f64(new_vec(L, TENSOR_F64, D->n));
  linear_decision(z, D, coef, b);
  if (what == 0) return 1;
  if (what == 2) {
    int64_t *lab = tensor_i64(new_vec(L, TENSOR_I64, D->n));
    for (int64_t i = 0; i < D->n; i++) lab[i] = z[i] > 0;
    return 1;
  }
  int64_t shape[2] = {D->n, 2};
  double *pr = tensor_f64(credo_newtensor(L, TENSOR_F64, 2, shape));
  for (int64_t i = 0; i < D->n; i++) {
    double p1, p0;
    if (z[i] >= 0) {
      double e = exp(-z[i]);
      p1 = 1.0 / (1.0 + e);
      p0 = e / (1.0 + e);
    } else {
      double e = exp(z[i]);
      p1 = e / (1.0 + e);
      p0 = 1.0 / (1.0 + e);
    }
    pr[2 * i] = p0;
    pr[2 * i + 1] = p1;
  }
  return 1;
}

/* objective(X | D, y, sample_weight | nil, w (d + fi), params) -> f, g */
static int l_objective(lua_State *L) {
  lua_settop(L, 5);
  LinearDesign *D = to_design(L, 1);
  double *y = check_y(L, 2, D->n);
  double *s = check_sw(L, 3, D->n);
  LinearParams p;
  read_params(L, 5, &p);
  int64_t nv = D->dd + D->ds + (p.fit_intercept ? 1 : 0);
  double *w = check_coef(L, 4, nv);
  double *g = tensor_f64(new_vec(L, TENSOR_F64, nv));
  double f;
  credo_status st = linear_objective(&f, g, D, y, s, w, &p);
  if (st != CREDO_OK) return credo_statuserror(L, "objective", st);
  lua_pushnumber(L, f);
  lua_insert(L, -2);
  return 2;
}

/* ---- Design methods ---- */

static int d_nrows(lua_State *L) {
  lua_pushinteger(L, checkdesign(L, 1)->n);
  return 1;
}

static int d_ncols(lua_State *L) {
  LinearDesign *D = checkdesign(L, 1);
  lua_pushinteger(L, D->dd + D->ds);
  return 1;
}

static int d_nnz(lua_State *L) {
  LinearDesign *D = checkdesign(L, 1);
  lua_pushinteger(L, D->ds > 0 ? D->indptr[D->n] : 0);
  return 1;
}

static int d_tostring(lua_State *L) {
  LinearDesign *D = checkdesign(L, 1);
  lua_pushfstring(L, "Design(%I rows: %I dense + %I sparse columns, %I stored entries)",
                  (lua_Integer)D->n, (lua_Integer)D->dd, (lua_Integer)D->ds,
                  (lua_Integer)(D->ds > 0 ? D->indptr[D->n] : 0));
  return 1;
}

static const luaL_Reg funcs[] = {
  {"design", l_design},
  {"onehot", l_onehot},
  {"cross_hash", l_cross_hash},
  {"fit", l_fit},
  {"decision", l_decision},
  {"objective", l_objective},
  {NULL, NULL}
};

static const luaL_Reg design_methods[] = {
  {"nrows", d_nrows},
  {"ncols", d_ncols},
  {"nnz", d_nnz},
  {NULL, NULL}
};

static const luaL_Reg design_meta[] = {
  {"__tostring", d_tostring},
  {NULL, NULL}
};

int luaopen_credo_linear(lua_State *L) {
  if (luaL_newmetatable(L, LINEAR_DESIGN)) {
    luaL_setfuncs(L, design_meta, 0);
    luaL_newlib(L, design_methods);
    lua_setfield(L, -2, "__index"); /* metatable.__index = methods */
  }
  lua_pop(L, 1);
  luaL_newlib(L, funcs);
  return 1;
}
