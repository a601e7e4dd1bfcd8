/*
 * svm_lua.c: Lua binding of the C-SVC core (natives/svm, svm.h), opened as
 * `credo.svm_core`; the model class is stdlib/credo/svm.lua.
 *
 *   state = fit(X, y, sw, params)    -- X (n, d), y (n) labels 0/1,
 *                                    -- sw (n) sample weights or nil
 *   f = decision(X, state)           -- (m) float64 decision values
 *   p = proba(f, A, B)               -- (m, 2) float64, Platt's sigmoid
 *
 * params (resolved by the Lua class): kernel ("linear" | "poly" | "rbf" |
 * "sigmoid"), gamma (> 0), degree (>= 0), coef0, C (> 0), w0, w1 (class
 * weights > 0: C_i = C w_{y_i}), tol (> 0), cache_size (MiB > 0),
 * shrinking, max_iter (-1: LIBSVM's cap), probability, seed.
 *
 * state (plain data, docs/svm.md): support (nsv) int64 1-based rows,
 * class 0 first then class 1, each ascending (sklearn's order);
 * n_support {n0, n1}; support_vectors (nsv, d) f64; dual_coef (nsv) f64
 * (y_i alpha_i, y = +1 for class 1); intercept (-rho); kernel, gamma,
 * degree, coef0; n_features; n_iter; converged; probA, probB when
 * probability.  decision() checks every field, since a state may come from
 * a file.
 *
 * Arguments are numbered as the model methods see them (X first).  Never
 * raises while owning malloc'd memory: scratch lives in GC-owned tensors
 * and userdata.  What it is not: no training logic.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../common/credo_lua.h"
#include "svm.h"

static const char *const kernel_names[] = {"linear", "poly", "rbf", "sigmoid", NULL};

/* X at i as a new contiguous float64 (n, d) tensor left on the stack; every
 * value finite.  expect_d > 0: the number of columns it must have. */
static double *check_X(lua_State *L, int i, int64_t *n, int *d, int expect_d) {
  Tensor *t = credo_checkmatrix(L, i, "X", CREDO_MATRIX_COLS);
  char buf[64];
  if (t->shape[0] >= INT32_MAX || t->shape[1] >= INT32_MAX / 8)
    credo_argfail(L, i, "X is too large (shape %s)", tensor_shape_str(t, buf, sizeof buf));
  if (expect_d > 0 && t->shape[1] != expect_d)
    credo_argfail(L, i, "X has %I columns, the model was fitted on %d",
                  (lua_Integer)t->shape[1], expect_d);
  *n = t->shape[0];
  *d = (int)t->shape[1];
  return credo_tof64_2d(L, i, t, "X", " (impute first)");
}

static int kernel_field(lua_State *L, int t) {
  lua_getfield(L, t, "kernel");
  const char *v = lua_tostring(L, -1);
  for (int i = 0; v && kernel_names[i]; i++)
    if (strcmp(v, kernel_names[i]) == 0) {
      lua_pop(L, 1);
      return i;
    }
  return credo_argfail(L, t, "unknown kernel '%s' (expected linear, poly, rbf or sigmoid)",
                       v ? v : luaL_typename(L, -1));
}

/* The kernel described by table t (params or a state). */
static void read_kernel(lua_State *L, int t, SvmKernel *k) {
  k->type = (svm_kernel_type)kernel_field(L, t);
  k->gamma = credo_numfield(L, t, "gamma", 0.0, HUGE_VAL, 1);
  if (isinf(k->gamma)) credo_argfail(L, t, "params.gamma must be finite");
  k->degree = (int)credo_intfield(L, t, "degree", 0, 1000);
  k->coef0 = credo_numfield(L, t, "coef0", -HUGE_VAL, HUGE_VAL, 0);
  if (!isfinite(k->coef0)) credo_argfail(L, t, "params.coef0 must be finite");
}

static void set_int(lua_State *L, const char *name, lua_Integer v) {
  lua_pushinteger(L, v);
  lua_setfield(L, -2, name);
}

static void set_num(lua_State *L, const char *name, double v) {
  lua_pushnumber(L, v);
  lua_setfield(L, -2, name);
}

/* fit(X, y, sample_weight | nil, params) -> state */
static int l_fit(lua_State *L) {
  int64_t n;
  int d;
  double *X = check_X(L, 1, &n, &d, 0); /* stack: +X64 */
  Tensor *ty = credo_checktensor(L, 2);
  char b1[64], b2[64];
  Tensor *tx = credo_checktensor(L, 1);
  if (ty->ndim != 1 || ty->shape[0] != n)
    credo_argfail(L, 2, "y must be a 1-d tensor of %I labels (X is %s, y is %s)",
                  (lua_Integer)n, tensor_shape_str(tx, b1, sizeof b1),
                  tensor_shape_str(ty, b2, sizeof b2));
  luaL_checktype(L, 4, LUA_TTABLE);
  SvmKernel k;
  read_kernel(L, 4, &k);
  double C = credo_numfield(L, 4, "C", 0.0, HUGE_VAL, 1);
  double w0 = credo_numfield(L, 4, "w0", 0.0, HUGE_VAL, 1);
  double w1 = credo_numfield(L, 4, "w1", 0.0, HUGE_VAL, 1);
  if (isinf(C * w0) || isinf(C * w1))
    credo_argfail(L, 4, "params.C times a class weight overflows");
  SvmSolverParams sp;
  sp.eps = credo_numfield(L, 4, "tol", 0.0, HUGE_VAL, 1);
  sp.cache_mb = credo_numfield(L, 4, "cache_size", 0.0, 1e9, 1);
  sp.shrinking = credo_boolfield(L, 4, "shrinking");
  int probability = credo_boolfield(L, 4, "probability");
  sp.max_iter = credo_intfield(L, 4, "max_iter", -1, INT64_MAX);
  if (sp.max_iter == 0) credo_argfail(L, 4, "params.max_iter must be -1 or >= 1");
  lua_Integer seed = 0;
  if (probability) seed = credo_intfield(L, 4, "seed", LUA_MININTEGER, LUA_MAXINTEGER);

  /* LIBSVM's layout (svm_group_classes, with sklearn's sorted labels): the
   * rows of class 0 first, then those of class 1, each in input order, and
   * y = +1 for class 0.  The solver's tie-breaking depends on it, so credo
   * follows the same path as sklearn; the state is turned to credo's sign
   * (decision > 0 means class 1) below. */
  int64_t nn = n, count[2] = {0, 0};
  int64_t *cls = tensor_i64(credo_newtensor(L, TENSOR_I64, 1, &nn)); /* +cls */
  for (int64_t i = 0; i < n; i++) {
    double v = tensor_get_flat(ty, i);
    if (!(v == 0.0 || v == 1.0))
      credo_argfail(L, 2, "SVC is binary: y must hold labels 0 and 1 (got %f at row %I)", v,
                    (lua_Integer)(i + 1));
    cls[i] = v == 1.0;
    count[cls[i]]++;
  }
  if (count[0] == 0 || count[1] == 0)
    credo_argfail(L, 2, "y holds one class only (label %d): SVC needs both 0 and 1",
                  count[0] ? 0 : 1);
  /* sample weights: C_i = C w_class sw_i; rows of weight 0 are left out,
   * as sklearn's LIBSVM does (remove_zero_weight) */
  Tensor *tw = lua_isnoneornil(L, 3) ? NULL : credo_checktensor(L, 3);
  int64_t *keep = tensor_i64(credo_newtensor(L, TENSOR_I64, 1, &nn)); /* +keep */
  double *sw = tensor_f64(credo_newtensor(L, TENSOR_F64, 1, &nn));   /* +sw */
  if (tw && (tw->ndim != 1 || tw->shape[0] != n))
    credo_argfail(L, 3, "sample_weight must be a 1-d tensor of %I weights (got shape %s)",
                  (lua_Integer)n, tensor_shape_str(tw, b1, sizeof b1));
  int64_t ne = 0, kept[2] = {0, 0};
  for (int64_t i = 0; i < n; i++) {
    sw[i] = tw ? tensor_get_flat(tw, i) : 1.0;
    if (!(sw[i] >= 0) || isinf(sw[i]))
      credo_argfail(L, 3, "sample_weight must be finite and >= 0 (got %f at row %I)", sw[i],
                    (lua_Integer)(i + 1));
    keep[i] = sw[i] > 0;
    ne += keep[i];
    kept[cls[i]] += keep[i];
  }
  if (kept[0] == 0 || kept[1] == 0)
    credo_argfail(L, 3, "the rows of positive sample_weight hold one class only (label %d)",
                  kept[0] ? 0 : 1);
  if (probability && ne < 5)
    credo_argfail(L, 1,
                  "probability needs at least 5 rows for its 5-fold cross-validation (got %I)",
                  (lua_Integer)ne);
  int8_t *y = (int8_t *)lua_newuserdatauv(L, (size_t)n, 0);          /* +y */
  double *Cs = tensor_f64(credo_newtensor(L, TENSOR_F64, 1, &nn));   /* +Cs */
  int64_t *orig = tensor_i64(credo_newtensor(L, TENSOR_I64, 1, &nn)); /* +orig */
  int64_t xs[2] = {n, d};
  double *Xg = tensor_f64(credo_newtensor(L, TENSOR_F64, 2, xs));    /* +Xg */
  int64_t at = 0;
  for (int c = 0; c <= 1; c++)
    for (int64_t i = 0; i < n; i++) {
      if (cls[i] != c || !keep[i]) continue;
      orig[at] = i;
      y[at] = c == 0 ? 1 : -1;
      Cs[at] = C * (c ? w1 : w0) * sw[i];
      if (!(Cs[at] > 0) || isinf(Cs[at]))
        credo_argfail(L, 3, "C times the weights of row %I is %f (must be finite and > 0)",
                      (lua_Integer)(i + 1), Cs[at]);
      memcpy(Xg + at * d, X + i * d, (size_t)d * sizeof *Xg);
      at++;
    }

  double *alpha = tensor_f64(credo_newtensor(L, TENSOR_F64, 1, &nn)); /* +alpha */
  SvmSolveInfo info;
  credo_status st = svm_solve(alpha, &info, Xg, y, Cs, (int)ne, d, &k, &sp);
  if (st) return credo_statuserror(L, "fit", st);

  int64_t nsv = 0, nsup[2] = {0, 0};
  for (int64_t i = 0; i < ne; i++)
    if (alpha[i] > 0) {
      nsv++;
      nsup[y[i] == -1]++;
    }
  lua_createtable(L, 0, 16); /* the state */
  lua_pushstring(L, kernel_names[k.type]);
  lua_setfield(L, -2, "kernel");
  set_num(L, "gamma", k.gamma);
  set_int(L, "degree", k.degree);
  set_num(L, "coef0", k.coef0);
  set_int(L, "n_features", d);
  set_num(L, "intercept", info.rho); /* -(-rho): credo's sign */
  set_int(L, "n_iter", info.n_iter);
  lua_pushboolean(L, info.converged);
  lua_setfield(L, -2, "converged");
  set_num(L, "objective", info.obj);
  lua_createtable(L, 2, 0);
  lua_pushinteger(L, nsup[0]);
  lua_rawseti(L, -2, 1);
  lua_pushinteger(L, nsup[1]);
  lua_rawseti(L, -2, 2);
  lua_setfield(L, -2, "n_support");
  int64_t *sup = tensor_i64(credo_newtensor(L, TENSOR_I64, 1, &nsv));
  lua_setfield(L, -2, "support");
  int64_t svs[2] = {nsv, d};
  double *sv = tensor_f64(credo_newtensor(L, TENSOR_F64, 2, svs));
  lua_setfield(L, -2, "support_vectors");
  double *coef = tensor_f64(credo_newtensor(L, TENSOR_F64, 1, &nsv));
  lua_setfield(L, -2, "dual_coef");
  /* grouped order is sklearn's support_ order: class 0, then class 1 */
  at = 0;
  for (int64_t i = 0; i < ne; i++) {
    if (!(alpha[i] > 0)) continue;
    sup[at] = orig[i] + 1;
    coef[at] = -y[i] * alpha[i];
    memcpy(sv + at * d, Xg + i * d, (size_t)d * sizeof *sv);
    at++;
  }
  if (probability) {
    /* Platt's sigmoid on 5-fold cross-validated decision values */
    double *dec = tensor_f64(credo_newtensor(L, TENSOR_F64, 1, &nn)); /* +dec */
    st = svm_cv_decision(dec, Xg, y, Cs, (int)ne, d, &k, &sp, 5, (uint64_t)seed);
    if (st) return credo_statuserror(L, "fit", st);
    double A, B;
    st = svm_platt_fit(&A, &B, dec, y, (int)ne);
    B = -B; /* P(class 1 | f) with credo's f = -f_libsvm: same A, -B */
    if (st && st != CREDO_ENOCONV) return credo_statuserror(L, "fit", st);
    lua_pop(L, 1);
    set_num(L, "probA", A);
    set_num(L, "probB", B);
    lua_pushboolean(L, st == CREDO_OK);
    lua_setfield(L, -2, "platt_converged");
  }
  return 1;
}

/* A tensor field of state table t: float64, contiguous, with the given
 * dims (cols < 0: 1-d of length rows; rows < 0: any length). */
static const double *state_f64(lua_State *L, int t, const char *name,
                               int64_t rows, int64_t cols, int64_t *out_rows) {
  lua_getfield(L, t, name);
  Tensor *v = credo_testtensor(L, -1);
  if (!v || v->dtype != TENSOR_F64 || !tensor_is_contiguous(v) ||
      v->ndim != (cols < 0 ? 1 : 2) || (rows >= 0 && v->shape[0] != rows) ||
      (cols >= 0 && v->shape[1] != cols))
    credo_argfail(L, t, "state.%s must be a contiguous float64 tensor of the fitted shape", name);
  if (out_rows) *out_rows = v->shape[0];
  lua_pop(L, 1); /* still referenced by the state table */
  return tensor_f64(v);
}

/* decision(X, state) -> (m) float64 */
static int l_decision(lua_State *L) {
  luaL_checktype(L, 2, LUA_TTABLE);
  SvmKernel k;
  read_kernel(L, 2, &k);
  int d = (int)credo_intfield(L, 2, "n_features", 1, INT32_MAX / 8);
  int64_t nsv;
  const double *sv = state_f64(L, 2, "support_vectors", -1, d, &nsv);
  const double *coef = state_f64(L, 2, "dual_coef", nsv, -1, NULL);
  double b = credo_numfield(L, 2, "intercept", -HUGE_VAL, HUGE_VAL, 0);
  if (!isfinite(b)) credo_argfail(L, 2, "state.intercept must be finite");
  int64_t m;
  int dx;
  double *X = check_X(L, 1, &m, &dx, d); /* stack: +X64 */
  double *out = tensor_f64(credo_newtensor(L, TENSOR_F64, 1, &m));
  credo_status st = svm_decision(out, X, m, sv, coef, (int)nsv, d, b, &k);
  if (st) return credo_statuserror(L, "decision_function", st);
  /* finite rows can still overflow the kernel (poly of large values):
   * refuse rather than hand back NaN or inf as a decision */
  for (int64_t i = 0; i < m; i++)
    if (!isfinite(out[i]))
      credo_argfail(L, 1, "the kernel overflows at row %I (decision value %f): X holds values "
                          "too large for this kernel (scale the features as for fit)",
                    (lua_Integer)(i + 1), out[i]);
  return 1;
}

/* proba(f, A, B) -> (m, 2) float64: column 2 is P(class 1), clipped to
 * [1e-7, 1 - 1e-7] as LIBSVM's pairwise probabilities are */
static int l_proba(lua_State *L) {
  Tensor *f = credo_checktensor(L, 1);
  luaL_argcheck(L, f->ndim == 1 && f->dtype == TENSOR_F64, 1,
                "expected a 1-d float64 tensor of decision values");
  double A = luaL_checknumber(L, 2), B = luaL_checknumber(L, 3);
  luaL_argcheck(L, isfinite(A), 2, "probA must be finite");
  luaL_argcheck(L, isfinite(B), 3, "probB must be finite");
  int64_t s[2] = {f->shape[0], 2};
  double *p = tensor_f64(credo_newtensor(L, TENSOR_F64, 2, s));
  const double min_prob = 1e-7;
  for (int64_t i = 0; i < s[0]; i++) {
    double q = svm_platt_predict(tensor_get_flat(f, i), A, B);
    q = fmin(fmax(q, min_prob), 1 - min_prob);
    p[2 * i] = 1 - q;
    p[2 * i + 1] = q;
  }
  return 1;
}

/* platt(f, y) -> A, B, converged: Platt's sigmoid fitted to decision values
 * f (n) and labels y (n) 0/1 (exposed for tests and calibration) */
static int l_platt(lua_State *L) {
  Tensor *f = credo_checktensor(L, 1);
  Tensor *ty = credo_checktensor(L, 2);
  luaL_argcheck(L, f->ndim == 1 && f->shape[0] >= 1 && f->shape[0] < INT32_MAX, 1,
                "expected a non-empty 1-d tensor of decision values");
  luaL_argcheck(L, ty->ndim == 1 && ty->shape[0] == f->shape[0], 2,
                "expected a 1-d tensor of labels as long as the decision values");
  int64_t n = f->shape[0];
  double *dec = tensor_f64(credo_newtensor(L, TENSOR_F64, 1, &n));
  int8_t *y = (int8_t *)lua_newuserdatauv(L, (size_t)n, 0);
  for (int64_t i = 0; i < n; i++) {
    dec[i] = tensor_get_flat(f, i);
    if (!isfinite(dec[i]))
      credo_argfail(L, 1, "decision value %I is not finite", (lua_Integer)(i + 1));
    double v = tensor_get_flat(ty, i);
    if (!(v == 0.0 || v == 1.0))
      credo_argfail(L, 2, "labels must be 0 or 1 (got %f at %I)", v, (lua_Integer)(i + 1));
    y[i] = v == 1.0 ? 1 : -1;
  }
  double A, B;
  credo_status st = svm_platt_fit(&A, &B, dec, y, (int)n);
  if (st && st != CREDO_ENOCONV) return credo_statuserror(L, "platt", st);
  lua_pushnumber(L, A);
  lua_pushnumber(L, B);
  lua_pushboolean(L, st == CREDO_OK);
  return 3;
}

static const luaL_Reg funcs[] = {
  {"platt", l_platt},
  {"fit", l_fit},
  {"decision", l_decision},
  {"proba", l_proba},
  {NULL, NULL}
};

int luaopen_credo_svm(lua_State *L) {
  luaL_newlib(L, funcs);
  return 1;
}
