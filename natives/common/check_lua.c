/*
 * check_lua.c: the argument checks the bindings of the learners share (see
 * credo_lua.h): a formatted luaL_argerror, a 2-d data matrix X (shape,
 * finite values, a contiguous float64 copy), int64 class labels y, sample
 * weights, and numeric/boolean fields of a params table.  Every error is
 * `bad argument #N to 'op' (...)`, naming the argument and, for values,
 * the first offending row and column.  What it is not: no model-specific
 * rule (size caps, label ranges, class counts stay in each binding).
 */
#include "credo_lua.h"

#include <float.h>
#include <math.h>
#include <stdarg.h>

int credo_argfail(lua_State *L, int i, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  const char *msg = lua_pushvfstring(L, fmt, ap);
  va_end(ap);
  return luaL_argerror(L, i, msg);
}

Tensor *credo_checktensor_at(lua_State *L, int idx, int arg) {
  if (idx == arg) return credo_checktensor(L, idx);
  Tensor *t = credo_testtensor(L, idx);
  if (t == NULL)
    credo_argfail(L, arg, "%s expected, got %s", CREDO_TENSOR, luaL_typename(L, idx));
  if (t->storage == NULL) credo_argfail(L, arg, "tensor has been freed");
  return t;
}

Tensor *credo_checkmatrix(lua_State *L, int i, const char *what, int flags) {
  return credo_checkmatrix_at(L, i, i, what, flags);
}

Tensor *credo_checkmatrix_at(lua_State *L, int idx, int arg, const char *what, int flags) {
  Tensor *t = credo_checktensor_at(L, idx, arg);
  int i = arg;
  char buf[64];
  if (t->ndim != 2)
    credo_argfail(L, i, "%s must be a 2-d tensor (got shape %s)", what,
                  tensor_shape_str(t, buf, sizeof buf));
  if ((flags & CREDO_MATRIX_FLOAT) && t->dtype == TENSOR_I64)
    credo_argfail(L, i, "%s must be float32 or float64 (got int64)", what);
  if (t->shape[0] < 1) credo_argfail(L, i, "%s has no rows", what);
  if ((flags & CREDO_MATRIX_COLS) && t->shape[1] < 1)
    credo_argfail(L, i, "%s has no columns", what);
  return t;
}

/* Element (r, c) of the 2-d tensor t as a double. */
static double at2(const Tensor *t, int64_t r, int64_t c) {
  int64_t off = t->offset + r * t->stride[0] + c * t->stride[1];
  switch (t->dtype) {
  case TENSOR_F32: return ((const float *)t->storage->data)[off];
  case TENSOR_F64: return ((const double *)t->storage->data)[off];
  default: return (double)((const int64_t *)t->storage->data)[off];
  }
}

static void nonfinite(lua_State *L, int i, const char *what, const char *hint, double v,
                      int64_t r, int64_t c) {
  credo_argfail(L, i, "%s contains %s at row %I, column %I%s", what,
                v != v ? "NaN" : "an infinite value", (lua_Integer)(r + 1),
                (lua_Integer)(c + 1), hint ? hint : "");
}

const char *credo_distrange(lua_State *L, const Tensor *t, const char *what) {
  const int64_t n = t->shape[0], d = t->shape[1];
  const double lim = sqrt((t->dtype == TENSOR_F32 ? FLT_MAX : DBL_MAX) / (4.0 * (double)d));
  for (int64_t r = 0; r < n; r++)
    for (int64_t c = 0; c < d; c++) {
      double v = at2(t, r, c);
      if (fabs(v) > lim)
        return lua_pushfstring(L, "%s holds %f at row %I, column %I: too large for finite squared "
                                  "distances in %s with %I features (|value| <= %f; scale the data)",
                               what, v, (lua_Integer)(r + 1), (lua_Integer)(c + 1),
                               tensor_dtype_name(t->dtype), (lua_Integer)d, lim);
    }
  return NULL;
}

void credo_checkfinite2d(lua_State *L, int i, const Tensor *t, const char *what,
                         const char *hint) {
  const int64_t n = t->shape[0], d = t->shape[1];
  for (int64_t r = 0; r < n; r++)
    for (int64_t c = 0; c < d; c++) {
      double v = at2(t, r, c);
      if (!isfinite(v)) nonfinite(L, i, what, hint, v, r, c);
    }
}

double *credo_tof64_2d(lua_State *L, int i, const Tensor *t, const char *what,
                       const char *hint) {
  const int64_t n = t->shape[0], d = t->shape[1];
  int64_t shape[2] = {n, d};
  double *x = tensor_f64(credo_newtensor(L, TENSOR_F64, 2, shape));
  for (int64_t r = 0; r < n; r++)
    for (int64_t c = 0; c < d; c++) {
      double v = at2(t, r, c);
      if (!isfinite(v)) nonfinite(L, i, what, hint, v, r, c);
      x[r * d + c] = v;
    }
  return x;
}

Tensor *credo_checklabels(lua_State *L, int i, int64_t n, const char *which) {
  Tensor *y = credo_checktensor(L, i);
  char buf[64];
  if (y->dtype != TENSOR_I64)
    credo_argfail(L, i, "y must be an int64 tensor of class labels %s (got %s)", which,
                  tensor_dtype_name(y->dtype));
  if (y->ndim != 1 || y->shape[0] != n)
    credo_argfail(L, i, "y must be a 1-d tensor of %I labels, one per row of X (got shape %s)",
                  (lua_Integer)n, tensor_shape_str(y, buf, sizeof buf));
  return y;
}

double *credo_checkweights(lua_State *L, int idx, int arg, int64_t n) {
  Tensor *t = credo_testtensor(L, idx);
  if (!t || !t->storage || t->ndim != 1 || t->shape[0] != n)
    credo_argfail(L, arg, "sample_weight must be a 1-d tensor of %I weights, one per row",
                  (lua_Integer)n);
  double *w = tensor_f64(credo_newtensor(L, TENSOR_F64, 1, &n));
  for (int64_t k = 0; k < n; k++) {
    double v = tensor_get_flat(t, k);
    if (!(v >= 0) || isinf(v))
      credo_argfail(L, arg, "sample_weight[%I] = %f (weights must be finite and >= 0)",
                    (lua_Integer)(k + 1), v);
    w[k] = v;
  }
  return w;
}

double credo_numfield(lua_State *L, int t, const char *name, double lo, double hi,
                      int open_lo) {
  lua_getfield(L, t, name);
  int ok;
  double v = lua_tonumberx(L, -1, &ok);
  lua_pop(L, 1);
  if (!ok) credo_argfail(L, t, "params.%s must be a number", name);
  if (!(open_lo ? v > lo : v >= lo) || !(v <= hi))
    credo_argfail(L, t, "params.%s must be in %s%f, %f] (got %f)", name, open_lo ? "(" : "[",
                  lo, hi, v);
  return v;
}

lua_Integer credo_intfield(lua_State *L, int t, const char *name, lua_Integer lo,
                           lua_Integer hi) {
  lua_getfield(L, t, name);
  int ok;
  lua_Integer v = lua_tointegerx(L, -1, &ok);
  lua_pop(L, 1);
  if (!ok) credo_argfail(L, t, "params.%s must be an integer", name);
  if (v < lo || v > hi)
    credo_argfail(L, t, "params.%s must be in [%I, %I] (got %I)", name, lo, hi, v);
  return v;
}

int credo_boolfield(lua_State *L, int t, const char *name) {
  lua_getfield(L, t, name);
  int v = lua_toboolean(L, -1);
  lua_pop(L, 1);
  return v;
}
