/*
 * prep_lua.c: Lua binding of the preprocessing core (credo.core.prep_core,
 * the natives behind stdlib/credo/prep).  Registered as "credo.prep_core",
 * not "credo.prep": a preloaded native of that name would shadow the Lua
 * module in require.
 *
 * Every native takes the user-facing operation name and the user's
 * argument position first (op, uarg), so its errors read as the method the
 * user called: "bad argument #1 to 'StandardScaler:fit' (X contains inf at
 * row 3, column 2)".  The binding checks every tensor (dimensions, rows,
 * NaN where not allowed, infinities always, label ranges) and converts it
 * to the contiguous float64 the core wants; copies live in GC-owned
 * userdata scratch and results are GC-owned tensors created before the
 * core runs, so raising never leaks.  Stack effects: arguments stay at
 * their positions, scratch boxes and results pile up above them.
 *
 * What it is not: the user API.  Estimator classes, parameters, option
 * tables and fitted state are in the Lua files of stdlib/credo/prep.
 */
#include "../common/credo_lua.h"

#include <math.h>
#include <stdarg.h>
#include <string.h>

#include "../random/rng.h"
#include "prep.h"

/* "bad argument #arg to 'op' (message)", as luaL_argerror words it, but
 * without a position (the caller is stdlib Lua, whose line would mislead). */
static int argerr(lua_State *L, const char *op, int arg, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  const char *msg = lua_pushvfstring(L, fmt, ap);
  va_end(ap);
  lua_pushfstring(L, "bad argument #%d to '%s' (%s)", arg, op, msg);
  return lua_error(L);
}

/* n elements of sz bytes in a GC-owned box pushed on the stack. */
static void *scratch(lua_State *L, int64_t n, size_t sz) {
  size_t bytes;
  if (n < 0 || credo_mul_size((size_t)n, sz, &bytes)) luaL_error(L, "not enough memory");
  return lua_newuserdatauv(L, bytes ? bytes : 1, 0);
}

static void check_status(lua_State *L, const char *op, credo_status s) {
  if (s != CREDO_OK) credo_statuserror(L, op, s);
}

static inline double elem2(const Tensor *t, int64_t i, int64_t j) {
  const char *base = (const char *)tensor_data(t);
  int64_t off = i * t->stride[0] + (t->ndim == 2 ? j * t->stride[1] : 0);
  switch (t->dtype) {
  case TENSOR_F32: return ((const float *)base)[off];
  case TENSOR_F64: return ((const double *)base)[off];
  case TENSOR_I64: return (double)((const int64_t *)base)[off];
  }
  return NAN;
}

/* A tensor argument as a contiguous row-major (n, d) float64 matrix. */
typedef struct Mat {
  const double *x;
  int64_t n, d;
} Mat;

enum { MAT_NAN_OK = 1, MAT_EMPTY_OK = 2 };

/* The tensor at stack index idx (user argument uarg, named `name` in
 * messages) with `ndim` dimensions (1: a sequence, read as (n, 1)).
 * Infinities are always refused, NaN unless MAT_NAN_OK, zero rows unless
 * MAT_EMPTY_OK. */
static Mat check_mat(lua_State *L, int idx, const char *op, int uarg,
                     const char *name, int ndim, int flags) {
  Tensor *t = credo_testtensor(L, idx);
  if (!t)
    argerr(L, op, uarg, "%s: expected a %d-d tensor, got %s", name, ndim,
           luaL_typename(L, idx));
  if (!t->storage) argerr(L, op, uarg, "%s: tensor has been freed", name);
  if (t->ndim != ndim) {
    char buf[160];
    argerr(L, op, uarg, "%s: expected a %d-d tensor, got shape %s", name, ndim,
           tensor_shape_str(t, buf, sizeof buf));
  }
  Mat m;
  m.n = t->shape[0];
  m.d = ndim == 2 ? t->shape[1] : 1;
  if (m.n == 0 && !(flags & MAT_EMPTY_OK)) argerr(L, op, uarg, "%s is empty (0 rows)", name);
  if (ndim == 2 && m.d == 0) argerr(L, op, uarg, "%s has no columns", name);
  const double *x;
  int contig = t->dtype == TENSOR_F64 &&
               (m.n <= 1 || t->stride[0] == (ndim == 2 ? m.d : 1)) &&
               (ndim == 1 || m.d <= 1 || t->stride[1] == 1);
  if (contig) {
    x = tensor_f64(t);
  } else {
    size_t cells;
    if (credo_mul_size((size_t)m.n, (size_t)m.d, &cells)) luaL_error(L, "not enough memory");
    double *c = scratch(L, (int64_t)cells, sizeof *c);
    for (int64_t i = 0; i < m.n; i++)
      for (int64_t j = 0; j < m.d; j++) c[i * m.d + j] = elem2(t, i, j);
    x = c;
  }
  for (int64_t i = 0; i < m.n; i++)
    for (int64_t j = 0; j < m.d; j++) {
      double v = x[i * m.d + j];
      if (isinf(v) || (isnan(v) && !(flags & MAT_NAN_OK))) {
        if (ndim == 2)
          argerr(L, op, uarg, "%s contains %s at row %I, column %I", name,
                 isnan(v) ? "NaN" : "inf", (lua_Integer)(i + 1), (lua_Integer)(j + 1));
        argerr(L, op, uarg, "%s contains %s at index %I", name,
               isnan(v) ? "NaN" : "inf", (lua_Integer)(i + 1));
      }
    }
  m.x = x;
  return m;
}

static Tensor *new_f64(lua_State *L, int64_t n, int64_t d, int ndim) {
  int64_t shape[2] = { n, d };
  return credo_newtensor(L, TENSOR_F64, ndim, shape);
}

static Tensor *new_i64(lua_State *L, int64_t n) {
  int64_t shape[1] = { n };
  return credo_newtensor(L, TENSOR_I64, 1, shape);
}

#define OPARGS                                   \
  const char *op = luaL_checkstring(L, 1);       \
  int uarg = (int)luaL_checkinteger(L, 2)

/* A float64 tensor argument of the fitted state, checked for its shape. */
static const double *state_f64(lua_State *L, int idx, const char *op,
                               const char *name, int ndim, int64_t s0, int64_t s1) {
  Tensor *t = credo_testtensor(L, idx);
  if (!t || !t->storage || t->dtype != TENSOR_F64 || t->ndim != ndim ||
      t->shape[0] != s0 || (ndim == 2 && t->shape[1] != s1) || !tensor_is_contiguous(t))
    luaL_error(L, "%s: fitted state '%s' is malformed", op, name);
  return tensor_f64(t);
}

/* ---- column statistics ---- */

/* moments(op, uarg, X) -> count (int64 d), mean, var, min, max (float64 d) */
static int l_moments(lua_State *L) {
  OPARGS;
  Mat m = check_mat(L, 3, op, uarg, "X", 2, MAT_NAN_OK);
  Tensor *cnt = new_i64(L, m.d);
  Tensor *mean = new_f64(L, m.d, 0, 1), *var = new_f64(L, m.d, 0, 1);
  Tensor *mn = new_f64(L, m.d, 0, 1), *mx = new_f64(L, m.d, 0, 1);
  check_status(L, op, prep_col_moments(tensor_i64(cnt), tensor_f64(mean), tensor_f64(var),
                                       tensor_f64(mn), tensor_f64(mx), m.x, m.n, m.d));
  return 5;
}

/* Fractions q from a Lua list at idx (each in [0, 1]). */
static double *get_fractions(lua_State *L, int idx, const char *op, int uarg,
                             int64_t *nq) {
  luaL_checktype(L, idx, LUA_TTABLE);
  int64_t k = (int64_t)luaL_len(L, idx);
  double *q = scratch(L, k, sizeof *q);
  for (int64_t i = 0; i < k; i++) {
    lua_geti(L, idx, i + 1);
    int ok;
    double v = lua_tonumberx(L, -1, &ok);
    lua_pop(L, 1);
    if (!ok || !(v >= 0 && v <= 1))
      argerr(L, op, uarg, "quantile %I must be a number in [0, 1]", (lua_Integer)(i + 1));
    q[i] = v;
  }
  *nq = k;
  return q;
}

/* percentiles(op, uarg, X, {fractions}) -> (nq, d) float64 */
static int l_percentiles(lua_State *L) {
  OPARGS;
  Mat m = check_mat(L, 3, op, uarg, "X", 2, MAT_NAN_OK);
  int64_t nq;
  double *q = get_fractions(L, 4, op, uarg, &nq);
  Tensor *out = new_f64(L, nq, m.d, 2);
  check_status(L, op, prep_col_percentiles(tensor_f64(out), m.x, m.n, m.d, q, nq));
  return 1;
}

/* mode(op, uarg, X) -> (d) float64 */
static int l_mode(lua_State *L) {
  OPARGS;
  Mat m = check_mat(L, 3, op, uarg, "X", 2, MAT_NAN_OK);
  Tensor *out = new_f64(L, m.d, 0, 1);
  check_status(L, op, prep_col_mode(tensor_f64(out), m.x, m.n, m.d));
  return 1;
}

/* affine(op, uarg, X, a, b, mode [, dtype [, lo, hi]]) -> (n, d): per
 * column (x - a[j]) / b[j] (mode "subdiv") or x * b[j] + a[j] ("muladd"),
 * computed in double, then clipped to [lo, hi] when given (NaN stays NaN),
 * stored as dtype (default float64).  What every scaler's transform and
 * inverse_transform is. */
static int l_affine(lua_State *L) {
  OPARGS;
  Mat m = check_mat(L, 3, op, uarg, "X", 2, MAT_NAN_OK | MAT_EMPTY_OK);
  const double *a = state_f64(L, 4, op, "shift", 1, m.d, 0);
  const double *b = state_f64(L, 5, op, "scale", 1, m.d, 0);
  const char *mode = luaL_checkstring(L, 6);
  int muladd = strcmp(mode, "muladd") == 0;
  tensor_dtype dt = credo_optdtype(L, 7, TENSOR_F64);
  int clip = !lua_isnoneornil(L, 8);
  double lo = clip ? luaL_checknumber(L, 8) : 0, hi = clip ? luaL_checknumber(L, 9) : 0;
  int64_t shape[2] = { m.n, m.d };
  Tensor *out = credo_newtensor(L, dt, 2, shape);
  for (int64_t i = 0; i < m.n; i++)
    for (int64_t j = 0; j < m.d; j++) {
      double v = m.x[i * m.d + j];
      v = muladd ? v * b[j] + a[j] : (v - a[j]) / b[j];
      if (clip) {
        if (v < lo) v = lo;
        if (v > hi) v = hi;
      }
      if (dt == TENSOR_F32) tensor_f32(out)[i * m.d + j] = (float)v;
      else tensor_f64(out)[i * m.d + j] = v;
    }
  return 1;
}

/* check(op, uarg, X, allow_nan [, allow_empty]) -> n, d: the checks of
 * check_mat alone (a 2-d X, or a 1-d x read as (n, 1); no inf, no NaN
 * unless allowed, not empty unless allowed) */
static int l_check(lua_State *L) {
  OPARGS;
  Tensor *t = credo_testtensor(L, 3);
  int nd = t && t->ndim == 1 ? 1 : 2;
  int flags = (lua_toboolean(L, 4) ? MAT_NAN_OK : 0) | (lua_toboolean(L, 5) ? MAT_EMPTY_OK : 0);
  Mat m = check_mat(L, 3, op, uarg, nd == 1 ? "x" : "X", nd, flags);
  lua_pushinteger(L, m.n);
  lua_pushinteger(L, m.d);
  return 2;
}

/* ---- quantile transform ---- */

/* quantile_fit(op, uarg, X, n_quantiles, subsample, seed) -> quantiles
 * (nq, d), references (nq) */
static int l_quantile_fit(lua_State *L) {
  OPARGS;
  Mat m = check_mat(L, 3, op, uarg, "X", 2, MAT_NAN_OK);
  int64_t nq = luaL_checkinteger(L, 4), sub = luaL_checkinteger(L, 5);
  uint64_t seed = (uint64_t)luaL_checkinteger(L, 6);
  luaL_argcheck(L, nq >= 1, 4, "n_quantiles must be >= 1");
  for (int64_t j = 0; j < m.d; j++) {
    int64_t i = 0;
    while (i < m.n && isnan(m.x[i * m.d + j])) i++;
    if (i == m.n) argerr(L, op, uarg, "X: column %I has only NaN", (lua_Integer)(j + 1));
  }
  Tensor *q = new_f64(L, nq, m.d, 2);
  Tensor *r = new_f64(L, nq, 0, 1);
  check_status(L, op, prep_quantile_fit(tensor_f64(q), tensor_f64(r), m.x, m.n, m.d, nq,
                                        sub, seed));
  return 2;
}

/* quantile_transform(op, uarg, X, quantiles, references, normal, inverse)
 * -> (n, d) float64 */
static int l_quantile_transform(lua_State *L) {
  OPARGS;
  Mat m = check_mat(L, 3, op, uarg, "X", 2, MAT_NAN_OK | MAT_EMPTY_OK);
  Tensor *qt = credo_testtensor(L, 4);
  if (!qt || qt->ndim != 2) luaL_error(L, "%s: fitted state 'quantiles' is malformed", op);
  int64_t nq = qt->shape[0];
  if (qt->shape[1] != m.d)
    argerr(L, op, uarg, "X has %I columns but the transformer was fitted on %I",
           (lua_Integer)m.d, (lua_Integer)qt->shape[1]);
  const double *q = state_f64(L, 4, op, "quantiles", 2, nq, m.d);
  const double *r = state_f64(L, 5, op, "references", 1, nq, 0);
  int normal = lua_toboolean(L, 6), inverse = lua_toboolean(L, 7);
  Tensor *out = new_f64(L, m.n, m.d, 2);
  check_status(L, op, prep_quantile_transform(tensor_f64(out), m.x, m.n, m.d, q, r, nq,
                                              normal, inverse));
  return 1;
}

/* ---- scalar special functions (numbers in, numbers out) ---- */

static int l_ndtri(lua_State *L) {
  lua_pushnumber(L, prep_norm_ppf(luaL_checknumber(L, 1)));
  return 1;
}

static int l_ndtr(lua_State *L) {
  lua_pushnumber(L, prep_norm_cdf(luaL_checknumber(L, 1)));
  return 1;
}

static int l_betainc(lua_State *L) {
  double a = luaL_checknumber(L, 1), b = luaL_checknumber(L, 2);
  double x = luaL_checknumber(L, 3);
  lua_pushnumber(L, prep_betainc(a, b, x, 1.0 - x));
  return 1;
}

static int l_t_pvalue(lua_State *L) {
  lua_pushnumber(L, prep_t_pvalue(luaL_checknumber(L, 1), luaL_checknumber(L, 2)));
  return 1;
}

/* ---- ranks and correlation ---- */

/* corr(op, uarg, X, spearman) -> r (d, d), p (d, d) */
static int l_corr(lua_State *L) {
  OPARGS;
  Mat m = check_mat(L, 3, op, uarg, "X", 2, 0);
  if (m.n < 3) argerr(L, op, uarg, "X has %I rows, at least 3 are needed", (lua_Integer)m.n);
  int spearman = lua_toboolean(L, 4);
  Tensor *r = new_f64(L, m.d, m.d, 2), *p = new_f64(L, m.d, m.d, 2);
  check_status(L, op, prep_corr(tensor_f64(r), tensor_f64(p), m.x, m.n, m.d, spearman));
  return 2;
}

/* rank(op, uarg, x) -> average ranks (float64) of a 1-d tensor, or of each
 * column of a 2-d one */
static int l_rank(lua_State *L) {
  OPARGS;
  Tensor *t = credo_testtensor(L, 3);
  int nd = t && t->ndim == 2 ? 2 : 1;
  Mat m = check_mat(L, 3, op, uarg, "x", nd, MAT_EMPTY_OK);
  Tensor *out = new_f64(L, m.n, m.d, nd);
  double *o = tensor_f64(out);
  double *col = scratch(L, m.n, sizeof *col);
  for (int64_t j = 0; j < m.d; j++) {
    check_status(L, op, prep_rank_average(col, m.x + j, m.n, m.d));
    for (int64_t i = 0; i < m.n; i++) o[i * m.d + j] = col[i];
  }
  lua_pop(L, 1);
  return 1;
}

/* ---- sequences ---- */

/* hampel(op, uarg, x, half_window, n_sigmas) -> corrected, flags (int64),
 * medians, scales */
static int l_hampel(lua_State *L) {
  OPARGS;
  Mat m = check_mat(L, 3, op, uarg, "x", 1, MAT_EMPTY_OK);
  int64_t k = luaL_checkinteger(L, 4);
  double t = luaL_checknumber(L, 5);
  luaL_argcheck(L, k >= 0, 4, "window must be >= 0");
  luaL_argcheck(L, t >= 0 && isfinite(t), 5, "n_sigmas must be a finite number >= 0");
  if (k > m.n) k = m.n;
  Tensor *out = new_f64(L, m.n, 0, 1);
  Tensor *flag = new_i64(L, m.n);
  Tensor *med = new_f64(L, m.n, 0, 1), *sc = new_f64(L, m.n, 0, 1);
  check_status(L, op, prep_hampel(tensor_f64(out), tensor_i64(flag), tensor_f64(med),
                                  tensor_f64(sc), m.x, m.n, k, t));
  return 4;
}

/* median_filter(op, uarg, x, half_window [, mask]) -> filtered (float64) */
static int l_median_filter(lua_State *L) {
  OPARGS;
  Mat m = check_mat(L, 3, op, uarg, "x", 1, MAT_EMPTY_OK);
  int64_t h = luaL_checkinteger(L, 4);
  luaL_argcheck(L, h >= 0, 4, "window must be >= 0");
  if (h > m.n) h = m.n;
  const int64_t *mask = NULL;
  if (!lua_isnoneornil(L, 5)) {
    Tensor *mt = credo_testtensor(L, 5);
    if (!mt || !mt->storage || mt->ndim != 1 || mt->shape[0] != m.n)
      argerr(L, op, uarg + 1, "mask: expected a 1-d tensor of %I elements", (lua_Integer)m.n);
    int64_t *mk = scratch(L, m.n, sizeof *mk);
    for (int64_t i = 0; i < m.n; i++) mk[i] = elem2(mt, i, 0) != 0;
    mask = mk;
  }
  Tensor *out = new_f64(L, m.n, 0, 1);
  check_status(L, op, prep_median_filter(tensor_f64(out), m.x, mask, m.n, h));
  return 1;
}

/* bocpd(op, uarg, x, hazard, mu0, kappa0, alpha0, beta0, max_run) ->
 * cp_prob (float64 n), run_map (int64 n), segment (int64 n, 1-based),
 * log_evidence */
static int l_bocpd(lua_State *L) {
  OPARGS;
  Mat m = check_mat(L, 3, op, uarg, "x", 1, MAT_EMPTY_OK);
  double hz = luaL_checknumber(L, 4);
  PrepNG pr = { luaL_checknumber(L, 5), luaL_checknumber(L, 6), luaL_checknumber(L, 7),
                luaL_checknumber(L, 8) };
  int64_t max_run = luaL_checkinteger(L, 9);
  luaL_argcheck(L, hz > 0 && hz < 1, 4, "hazard must be in (0, 1)");
  luaL_argcheck(L, isfinite(pr.mu0), 5, "mu0 must be finite");
  luaL_argcheck(L, pr.kappa0 > 0 && isfinite(pr.kappa0), 6, "kappa0 must be > 0");
  luaL_argcheck(L, pr.alpha0 > 0 && isfinite(pr.alpha0), 7, "alpha0 must be > 0");
  luaL_argcheck(L, pr.beta0 > 0 && isfinite(pr.beta0), 8, "beta0 must be > 0");
  luaL_argcheck(L, max_run == 0 || max_run >= 2, 9, "max_run must be 0 or >= 2");
  Tensor *cp = new_f64(L, m.n, 0, 1);
  Tensor *rm = new_i64(L, m.n), *seg = new_i64(L, m.n);
  double logev = 0;
  check_status(L, op, prep_bocpd(tensor_f64(cp), tensor_i64(rm), tensor_i64(seg), &logev,
                                 m.x, m.n, hz, &pr, max_run));
  /* finite data and priors can still overflow the Student-t predictive
   * (values or prior scales near 1e308): refuse rather than return NaN */
  const double *cpp = tensor_f64(cp);
  int ok = isfinite(logev);
  for (int64_t i = 0; ok && i < m.n; i++) ok = isfinite(cpp[i]);
  if (!ok)
    argerr(L, op, 1, "the model overflowed (values or prior scales too large: scale the "
                     "series, or give smaller mu0 / beta0)");
  int64_t *s = tensor_i64(seg);
  for (int64_t i = 0; i < m.n; i++) s[i] += 1;
  lua_pushnumber(L, logev);
  return 4;
}

/* ---- Isolation Forest ---- */

static const char *const forest_fields[] = { "feature", "left", "right", "size" };

/* iforest_fit(op, uarg, X, n_trees, psi, max_depth, n_feat, seed) -> state
 * table {feature, left, right, size (int64 (T, M)), threshold (float64
 * (T, M)), n_nodes (int64 T), psi, max_depth, n_features} */
static int l_iforest_fit(lua_State *L) {
  OPARGS;
  Mat m = check_mat(L, 3, op, uarg, "X", 2, 0);
  int64_t T = luaL_checkinteger(L, 4), psi = luaL_checkinteger(L, 5);
  int64_t depth = luaL_checkinteger(L, 6), nf = luaL_checkinteger(L, 7);
  uint64_t seed = (uint64_t)luaL_checkinteger(L, 8);
  luaL_argcheck(L, T >= 1 && psi >= 1 && psi <= m.n && nf >= 1 && nf <= m.d &&
                depth >= 0 && psi <= (INT64_MAX / 8) / T, 4, "bad forest sizes");
  int64_t M = 2 * psi - 1;
  int64_t shape[2] = { T, M };
  PrepForest f;
  lua_createtable(L, 0, 10);
  int64_t **slots[4] = { &f.feature, &f.left, &f.right, &f.size };
  for (int i = 0; i < 4; i++) {
    Tensor *t = credo_newtensor(L, TENSOR_I64, 2, shape);
    *slots[i] = tensor_i64(t);
    lua_setfield(L, -2, forest_fields[i]);
  }
  Tensor *th = credo_newtensor(L, TENSOR_F64, 2, shape);
  f.threshold = tensor_f64(th);
  lua_setfield(L, -2, "threshold");
  Tensor *nn = new_i64(L, T);
  f.n_nodes = tensor_i64(nn);
  lua_setfield(L, -2, "n_nodes");
  f.n_trees = T;
  f.max_nodes = M;
  f.psi = psi;
  f.max_depth = depth;
  check_status(L, op, prep_iforest_fit(&f, m.x, m.n, m.d, nf, seed));
  lua_pushinteger(L, psi);
  lua_setfield(L, -2, "psi");
  lua_pushinteger(L, depth);
  lua_setfield(L, -2, "max_depth");
  lua_pushinteger(L, m.d);
  lua_setfield(L, -2, "n_features");
  return 1;
}

/* An int64 (T, M) field of a forest state table at idx. */
static int64_t *forest_i64(lua_State *L, int idx, const char *op, const char *name,
                           int64_t T, int64_t M) {
  lua_getfield(L, idx, name);
  Tensor *t = credo_testtensor(L, -1);
  if (!t || !t->storage || t->dtype != TENSOR_I64 || t->ndim != (M ? 2 : 1) ||
      t->shape[0] != T || (M && t->shape[1] != M) || !tensor_is_contiguous(t))
    luaL_error(L, "%s: fitted state '%s' is malformed", op, name);
  lua_pop(L, 1);  /* the state table keeps it alive */
  return tensor_i64(t);
}

/* iforest_score(op, uarg, X, state) -> score_samples (float64 n) */
static int l_iforest_score(lua_State *L) {
  OPARGS;
  luaL_checktype(L, 4, LUA_TTABLE);
  lua_getfield(L, 4, "n_features");
  int64_t d = lua_tointeger(L, -1);
  lua_pop(L, 1);
  Mat m = check_mat(L, 3, op, uarg, "X", 2, MAT_EMPTY_OK);
  if (m.d != d)
    argerr(L, op, uarg, "X has %I columns but the forest was fitted on %I",
           (lua_Integer)m.d, (lua_Integer)d);
  lua_getfield(L, 4, "n_nodes");
  Tensor *nn = credo_testtensor(L, -1);
  lua_pop(L, 1);
  lua_getfield(L, 4, "psi");
  int64_t psi = lua_tointeger(L, -1);
  lua_pop(L, 1);
  if (!nn || nn->ndim != 1 || nn->dtype != TENSOR_I64 || psi < 1)
    luaL_error(L, "%s: fitted state is malformed", op);
  PrepForest f;
  f.n_trees = nn->shape[0];
  f.psi = psi;
  f.max_nodes = 2 * psi - 1;
  f.max_depth = 0;
  f.n_nodes = forest_i64(L, 4, op, "n_nodes", f.n_trees, 0);
  f.feature = forest_i64(L, 4, op, "feature", f.n_trees, f.max_nodes);
  f.left = forest_i64(L, 4, op, "left", f.n_trees, f.max_nodes);
  f.right = forest_i64(L, 4, op, "right", f.n_trees, f.max_nodes);
  f.size = forest_i64(L, 4, op, "size", f.n_trees, f.max_nodes);
  lua_getfield(L, 4, "threshold");
  f.threshold = (double *)state_f64(L, -1, op, "threshold", 2, f.n_trees, f.max_nodes);
  lua_pop(L, 1);
  /* the trees must be well formed: children inside the tree, features in
   * range, every path ends (children after their parent) */
  for (int64_t t = 0; t < f.n_trees; t++) {
    int64_t used = f.n_nodes[t];
    if (used < 1 || used > f.max_nodes) luaL_error(L, "%s: fitted state is malformed", op);
    for (int64_t k = 0; k < used; k++) {
      int64_t o = t * f.max_nodes + k, fe = f.feature[o];
      if (fe < -1 || fe >= d) luaL_error(L, "%s: fitted state is malformed", op);
      if (fe >= 0 && (f.left[o] <= k || f.left[o] >= used || f.right[o] <= k ||
                      f.right[o] >= used))
        luaL_error(L, "%s: fitted state is malformed", op);
    }
  }
  Tensor *out = new_f64(L, m.n, 0, 1);
  check_status(L, op, prep_iforest_score(tensor_f64(out), &f, m.x, m.n, m.d));
  return 1;
}

/* iforest_c(n) -> c(n), the average path length normaliser */
static int l_iforest_c(lua_State *L) {
  lua_pushnumber(L, prep_iforest_c(luaL_checknumber(L, 1)));
  return 1;
}

/* ---- ReliefF ---- */

/* relieff(op, X, y, k, m, seed) -> weights (float64 d); X is argument 1
 * and y argument 2 of the user's call, the options argument 3 */
static int l_relieff(lua_State *L) {
  const char *op = luaL_checkstring(L, 1);
  Mat m = check_mat(L, 2, op, 1, "X", 2, 0);
  Mat yv = check_mat(L, 3, op, 2, "y", 1, 0);
  if (yv.n != m.n)
    argerr(L, op, 2, "y has %I elements but X has %I rows", (lua_Integer)yv.n,
           (lua_Integer)m.n);
  int64_t k = luaL_checkinteger(L, 4), ms = luaL_checkinteger(L, 5);
  uint64_t seed = (uint64_t)luaL_checkinteger(L, 6);
  luaL_argcheck(L, k >= 1, 4, "k must be >= 1");
  int64_t *y = scratch(L, m.n, sizeof *y);
  int64_t nc = 0;
  for (int64_t i = 0; i < m.n; i++) {
    double v = yv.x[i];
    if (!(v == floor(v)) || v < 0 || v > 65535)
      argerr(L, op, 2, "y must hold integer class labels in 0..65535, found %f at index %I",
             (lua_Number)v, (lua_Integer)(i + 1));
    y[i] = (int64_t)v;
    if (y[i] + 1 > nc) nc = y[i] + 1;
  }
  int64_t present = 0;
  int64_t *cnt = scratch(L, nc, sizeof *cnt);
  memset(cnt, 0, (size_t)nc * sizeof *cnt);
  for (int64_t i = 0; i < m.n; i++) cnt[y[i]]++;
  for (int64_t c = 0; c < nc; c++) present += cnt[c] > 0;
  if (present < 2) argerr(L, op, 2, "y must hold at least 2 classes");
  if (ms < 1 || ms > m.n)
    argerr(L, op, 3, "m must be in 1..%I (the number of rows), got %I", (lua_Integer)m.n,
           (lua_Integer)ms);
  int64_t *sample = NULL;
  if (ms < m.n) {
    sample = scratch(L, ms, sizeof *sample);
    Rng r;
    rng_seed(&r, seed);
    check_status(L, op, rng_sample(sample, m.n, ms, &r));
  }
  Tensor *w = new_f64(L, m.d, 0, 1);
  check_status(L, op, prep_relieff(tensor_f64(w), m.x, y, m.n, m.d, nc, k, sample, ms));
  /* a column whose range overflows (values near +-1e308) gives NaN weights */
  const double *wp = tensor_f64(w);
  for (int64_t j = 0; j < m.d; j++)
    if (!isfinite(wp[j]))
      argerr(L, op, 1, "X column %I: its range overflows (values too large: scale it)",
             (lua_Integer)(j + 1));
  return 1;
}

/* ---- rows, lookups, one-hot, crosses ---- */

/* unique_rows(op, uarg, X) -> 1-based int64 indices of the first
 * occurrence of each distinct row, increasing */
static int l_unique_rows(lua_State *L) {
  OPARGS;
  Mat m = check_mat(L, 3, op, uarg, "X", 2, MAT_NAN_OK | MAT_EMPTY_OK);
  int64_t *keep = scratch(L, m.n, sizeof *keep), nk = 0;
  check_status(L, op, prep_unique_rows(keep, &nk, m.x, m.n, m.d));
  Tensor *out = new_i64(L, nk);
  int64_t *o = tensor_i64(out), c = 0;
  for (int64_t i = 0; i < m.n; i++)
    if (keep[i]) o[c++] = i + 1;
  return 1;
}

static int cmp_nan_last(double a, double b) {
  int na = isnan(a), nb = isnan(b);
  if (na || nb) return na - nb;
  return (a > b) - (a < b);
}

/* lookup(op, uarg, x, categories) -> int64 (n): the 1-based position of
 * each value of the 1-d x in the sorted 1-d categories (NaN last, as
 * Tensor:unique sorts them; NaN finds NaN), 0 where absent */
static int l_lookup(lua_State *L) {
  OPARGS;
  Mat x = check_mat(L, 3, op, uarg, "X", 1, MAT_NAN_OK | MAT_EMPTY_OK);
  Mat c = check_mat(L, 4, op, uarg, "categories", 1, MAT_NAN_OK | MAT_EMPTY_OK);
  Tensor *out = new_i64(L, x.n);
  int64_t *o = tensor_i64(out);
  for (int64_t i = 0; i < x.n; i++) {
    double v = x.x[i];
    int64_t lo = 0, hi = c.n;
    while (lo < hi) {
      int64_t mid = lo + ((hi - lo) >> 1);
      if (cmp_nan_last(c.x[mid], v) < 0) lo = mid + 1;
      else hi = mid;
    }
    o[i] = (lo < c.n && cmp_nan_last(c.x[lo], v) == 0) ? lo + 1 : 0;
  }
  return 1;
}

/* onehot(op, idx, width, dtype) -> (n, width) tensor with a 1 at every
 * 1-based column of idx (n, k) int64 (0 = none) */
static int l_onehot(lua_State *L) {
  const char *op = luaL_checkstring(L, 1);
  Tensor *idx = credo_checktensor(L, 2);
  int64_t width = luaL_checkinteger(L, 3);
  tensor_dtype dt = credo_optdtype(L, 4, TENSOR_F32);
  if (idx->dtype != TENSOR_I64 || idx->ndim != 2)
    luaL_error(L, "%s: internal: index must be an int64 (n, k) tensor", op);
  int64_t n = idx->shape[0], k = idx->shape[1];
  int64_t shape[2] = { n, width };
  Tensor *out = credo_newtensor(L, dt, 2, shape);
  for (int64_t i = 0; i < n; i++)
    for (int64_t j = 0; j < k; j++) {
      int64_t c = (int64_t)elem2(idx, i, j);
      if (c < 1) continue;
      if (c > width) luaL_error(L, "%s: internal: column %d out of range", op, (int)c);
      tensor_set_flat(out, i * width + c - 1, 1.0);
    }
  return 1;
}

/* cross_hash(op, uarg, {cols}, n_buckets) -> int64 (n): 1-based bucket of
 * FNV-1a(level_1 0x1F level_2 ...) mod n_buckets, 0 where a column is
 * missing; cols are categorical tables {codes = int64 tensor, levels} */
static int l_cross_hash(lua_State *L) {
  OPARGS;
  luaL_checktype(L, 3, LUA_TTABLE);
  lua_Integer nb = luaL_checkinteger(L, 4);
  int k = (int)luaL_len(L, 3);
  if (k < 1) argerr(L, op, uarg, "no columns to cross");
  PrepCatCol *cols = scratch(L, k, sizeof *cols);
  int64_t n = -1;
  for (int c = 0; c < k; c++) {
    luaL_checkstack(L, 10, "too many columns to cross");
    lua_geti(L, 3, c + 1);             /* the column table stays on the stack */
    int ci = lua_gettop(L);
    if (!lua_istable(L, ci)) argerr(L, op, uarg, "column %d is not categorical", c + 1);
    lua_getfield(L, ci, "codes");
    Tensor *t = credo_testtensor(L, -1);
    if (!t || !t->storage || t->dtype != TENSOR_I64 || t->ndim != 1)
      argerr(L, op, uarg, "column %d: codes must be a 1-d int64 tensor", c + 1);
    if (n >= 0 && t->shape[0] != n)
      argerr(L, op, uarg, "column %d has %I rows, column 1 has %I", c + 1,
             (lua_Integer)t->shape[0], (lua_Integer)n);
    n = t->shape[0];
    int64_t *codes = scratch(L, n, sizeof *codes);
    lua_getfield(L, ci, "levels");
    int li = lua_gettop(L);
    if (!lua_istable(L, li)) argerr(L, op, uarg, "column %d: levels must be a list", c + 1);
    int64_t nl = (int64_t)luaL_len(L, li);
    for (int64_t i = 0; i < n; i++) {
      int64_t v = (int64_t)elem2(t, i, 0);
      if (v < 0 || v > nl)
        argerr(L, op, uarg, "column %d: code %I at row %I is outside 0..%I", c + 1,
               (lua_Integer)v, (lua_Integer)(i + 1), (lua_Integer)nl);
      codes[i] = v;
    }
    const char **lv = scratch(L, nl, sizeof *lv);
    size_t *ll = scratch(L, nl, sizeof *ll);
    for (int64_t j = 0; j < nl; j++) {
      lua_geti(L, li, j + 1);
      if (lua_type(L, -1) != LUA_TSTRING)
        argerr(L, op, uarg, "column %d: level %I is not a string", c + 1, (lua_Integer)(j + 1));
      lv[j] = lua_tolstring(L, -1, &ll[j]);  /* kept alive by the levels table */
      lua_pop(L, 1);
    }
    cols[c].codes = codes;
    cols[c].level = lv;
    cols[c].level_len = ll;
    cols[c].n_levels = nl;
  }
  if (nb < 1) argerr(L, op, uarg, "n_buckets must be >= 1");
  Tensor *out = new_i64(L, n);
  int64_t *o = tensor_i64(out);
  check_status(L, op, prep_cross_hash(o, cols, k, n, (uint64_t)nb));
  for (int64_t i = 0; i < n; i++) o[i] += 1;
  return 1;
}

/* fnv1a(string) -> the 64-bit FNV-1a hash as a Lua integer (for tests and
 * for documenting the bucket of a given cross) */
static int l_fnv1a(lua_State *L) {
  size_t len;
  const char *s = luaL_checklstring(L, 1, &len);
  lua_pushinteger(L, (lua_Integer)prep_fnv1a(PREP_FNV_OFFSET, s, len));
  return 1;
}

static const luaL_Reg funcs[] = {
  {"affine", l_affine},
  {"check", l_check},
  {"moments", l_moments},
  {"percentiles", l_percentiles},
  {"mode", l_mode},
  {"quantile_fit", l_quantile_fit},
  {"quantile_transform", l_quantile_transform},
  {"ndtri", l_ndtri},
  {"ndtr", l_ndtr},
  {"betainc", l_betainc},
  {"t_pvalue", l_t_pvalue},
  {"corr", l_corr},
  {"rank", l_rank},
  {"hampel", l_hampel},
  {"median_filter", l_median_filter},
  {"bocpd", l_bocpd},
  {"iforest_fit", l_iforest_fit},
  {"iforest_score", l_iforest_score},
  {"iforest_c", l_iforest_c},
  {"relieff", l_relieff},
  {"unique_rows", l_unique_rows},
  {"lookup", l_lookup},
  {"onehot", l_onehot},
  {"cross_hash", l_cross_hash},
  {"fnv1a", l_fnv1a},
  {NULL, NULL}
};

int luaopen_credo_prep(lua_State *L) {
  luaL_newlib(L, funcs);
  return 1;
}
