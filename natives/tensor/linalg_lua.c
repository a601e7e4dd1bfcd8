/*
 * linalg_lua.c: Lua binding of the tensor linear algebra (linalg.h).
 *
 * Exports credo_tensor_linalg_methods[] (Tensor methods, t:matmul(u)) and
 * credo_tensor_linalg_funcs[] (credo.matmul(t, u), credo.linalg.svd(a));
 * tensor_lua.c merges both.  This file checks every argument (type, dtype,
 * shape, finiteness, BLAS size limits) and allocates outputs as GC-owned
 * tensors before calling the core, so a raised error never leaks; it
 * computes nothing itself.  See docs/linalg.md.
 */
#include <limits.h>
#include <float.h>
#include <math.h>

#include "../common/credo_lua.h"
#include "linalg.h"

/* ---- argument checks ---- */

/* Argument i as a float32/float64 tensor. */
static Tensor *checkfloat(lua_State *L, int i) {
  Tensor *t = credo_checktensor(L, i);
  if (t->dtype == TENSOR_I64)
    luaL_argerror(L, i, "expected a float32 or float64 tensor, got int64");
  return t;
}

static const char *shapestr(lua_State *L, const Tensor *t) {
  char buf[200];
  return lua_pushstring(L, tensor_shape_str(t, buf, sizeof buf));
}

/* Argument i as a float tensor of ndim lo..hi dimensions. */
static Tensor *checkmat(lua_State *L, int i, int lo, int hi) {
  Tensor *t = checkfloat(L, i);
  if (t->ndim < lo || t->ndim > hi) {
    const char *s = shapestr(L, t);
    if (lo == hi)
      luaL_argerror(L, i, lua_pushfstring(L, "expected a %d-d tensor, got "
                                             "shape %s", lo, s));
    luaL_argerror(L, i, lua_pushfstring(L, "expected a %d-d to %d-d tensor, "
                                           "got shape %s", lo, hi, s));
  }
  for (int d = 0; d < t->ndim; d++)
    if (t->shape[d] > INT_MAX)
      luaL_argerror(L, i, lua_pushfstring(L, "shape %s exceeds the 32-bit "
                                             "size limit of BLAS/LAPACK",
                                          shapestr(L, t)));
  return t;
}

/* Argument i as a square float matrix with finite entries. */
static Tensor *checksquare(lua_State *L, int i) {
  Tensor *t = checkmat(L, i, 2, 2);
  if (t->shape[0] != t->shape[1])
    luaL_argerror(L, i, lua_pushfstring(L, "expected a square matrix, got "
                                           "shape %s", shapestr(L, t)));
  return t;
}

static void checkfinite(lua_State *L, int i, const Tensor *t) {
  if (!linalg_all_finite(t))
    luaL_argerror(L, i, "matrix contains NaN or infinity");
}

/* "bad argument #i to 'op' (shapes [..] and [..] <what>)" */
static int shapeerror(lua_State *L, int i, const Tensor *a, const Tensor *b,
                      const char *what) {
  const char *sa = shapestr(L, a), *sb = shapestr(L, b);
  return luaL_argerror(L, i, lua_pushfstring(L, "shapes %s and %s %s", sa,
                                             sb, what));
}

static lua_Number optfinite(lua_State *L, int i, lua_Number def) {
  lua_Number x = luaL_optnumber(L, i, def);
  luaL_argcheck(L, isfinite(x), i, "expected a finite number");
  return x;
}

/* Raise a factorisation's failure: "solve: matrix is singular". */
static int lapackerror(lua_State *L, const char *op, credo_status st) {
  if (st == CREDO_ESINGULAR)
    return luaL_error(L, "%s: matrix is singular", op);
  return credo_statuserror(L, op, st);
}

/* ---- products ---- */

/* a @ b after the caller's own rank checks; pushes the result. */
static int matmul_push(lua_State *L, const char *op, Tensor *a, Tensor *b) {
  int nd;
  int64_t shape[TENSOR_MAXDIM];
  int r = linalg_matmul_shape(a, b, &nd, shape);
  if (r == 1) return shapeerror(L, 2, a, b, "do not align");
  if (r == 2) return shapeerror(L, 2, a, b, "have batch dimensions that do "
                                            "not broadcast");
  Tensor *out = credo_newtensor(L, linalg_result_dtype(a, b), nd, shape);
  credo_status st = linalg_matmul(out, a, b);
  if (st != CREDO_OK) return credo_statuserror(L, op, st);
  return 1;
}

/* matmul(a, b): torch.matmul (1-d x 1-d gives a 0-d tensor) */
static int l_matmul(lua_State *L) {
  Tensor *a = checkmat(L, 1, 1, TENSOR_MAXDIM);
  Tensor *b = checkmat(L, 2, 1, TENSOR_MAXDIM);
  return matmul_push(L, "matmul", a, b);
}

/* mm(a, b): (m,k) @ (k,n) only */
static int l_mm(lua_State *L) {
  Tensor *a = checkmat(L, 1, 2, 2), *b = checkmat(L, 2, 2, 2);
  return matmul_push(L, "mm", a, b);
}

/* bmm(a, b): (B,m,k) @ (B,k,n) only, no broadcasting */
static int l_bmm(lua_State *L) {
  Tensor *a = checkmat(L, 1, 3, 3), *b = checkmat(L, 2, 3, 3);
  if (a->shape[0] != b->shape[0])
    return shapeerror(L, 2, a, b, "have different batch sizes");
  return matmul_push(L, "bmm", a, b);
}

/* mv(a, x): (m,k) @ (k) */
static int l_mv(lua_State *L) {
  Tensor *a = checkmat(L, 1, 2, 2), *b = checkmat(L, 2, 1, 1);
  return matmul_push(L, "mv", a, b);
}

/* dot(a, b): sum a[i] b[i] of two equal-length vectors, a Lua number */
static int l_dot(lua_State *L) {
  Tensor *a = checkmat(L, 1, 1, 1), *b = checkmat(L, 2, 1, 1);
  if (a->shape[0] != b->shape[0]) return shapeerror(L, 2, a, b, "differ");
  double d;
  credo_status st = linalg_dot(&d, a, b);
  if (st != CREDO_OK) return credo_statuserror(L, "dot", st);
  lua_pushnumber(L, d);
  return 1;
}

/* outer(a, b): (m) x (n) -> (m,n) */
static int l_outer(lua_State *L) {
  Tensor *a = checkmat(L, 1, 1, 1), *b = checkmat(L, 2, 1, 1);
  int64_t shape[2] = {a->shape[0], b->shape[0]};
  Tensor *out = credo_newtensor(L, linalg_result_dtype(a, b), 2, shape);
  credo_status st = linalg_outer(out, a, b);
  if (st != CREDO_OK) return credo_statuserror(L, "outer", st);
  return 1;
}

/* addmm(c, a, b [, beta=1 [, alpha=1]]): beta * c + alpha * a @ b, c
 * broadcasting to (m,n) */
static int l_addmm(lua_State *L) {
  Tensor *c = checkmat(L, 1, 0, 2);
  Tensor *a = checkmat(L, 2, 2, 2), *b = checkmat(L, 3, 2, 2);
  lua_Number beta = optfinite(L, 4, 1), alpha = optfinite(L, 5, 1);
  if (a->shape[1] != b->shape[0]) return shapeerror(L, 3, a, b, "do not align");
  if (a->dtype != TENSOR_F64 && b->dtype != TENSOR_F64) {   /* a float32 product */
    luaL_argcheck(L, fabs(beta) <= FLT_MAX, 4, "expected a number finite in float32");
    luaL_argcheck(L, fabs(alpha) <= FLT_MAX, 5, "expected a number finite in float32");
  }
  int64_t shape[2] = {a->shape[0], b->shape[1]};
  int ok = c->ndim < 1 || c->shape[c->ndim - 1] == 1 ||
           c->shape[c->ndim - 1] == shape[1];
  if (c->ndim == 2) ok = ok && (c->shape[0] == 1 || c->shape[0] == shape[0]);
  if (!ok) {
    const char *sc = shapestr(L, c);
    luaL_argerror(L, 1, lua_pushfstring(L, "shape %s does not broadcast to "
                                           "[%I,%I]", sc, (lua_Integer)shape[0],
                                        (lua_Integer)shape[1]));
  }
  tensor_dtype dt = linalg_result_dtype(a, b);
  if (c->dtype == TENSOR_F64) dt = TENSOR_F64;
  Tensor *out = credo_newtensor(L, dt, 2, shape);
  credo_status st = linalg_addmm(out, c, a, b, beta, alpha);
  if (st != CREDO_OK) return credo_statuserror(L, "addmm", st);
  return 1;
}

/* ---- factorisations ---- */

/* solve(A, B): x with A @ x = B, B (n) or (n,k) */
static int l_solve(lua_State *L) {
  Tensor *a = checksquare(L, 1), *b = checkmat(L, 2, 1, 2);
  if (b->shape[0] != a->shape[0]) return shapeerror(L, 2, a, b, "do not align");
  checkfinite(L, 1, a);
  checkfinite(L, 2, b);
  Tensor *x = credo_newtensor(L, linalg_result_dtype(a, b), b->ndim, b->shape);
  credo_status st = linalg_solve(x, a, b);
  if (st != CREDO_OK) return lapackerror(L, "solve", st);
  return 1;
}

/* cholesky(A): lower L with A = L @ L^T (A's lower triangle is read) */
static int l_cholesky(lua_State *L) {
  Tensor *a = checksquare(L, 1);
  checkfinite(L, 1, a);
  Tensor *l = credo_newtensor(L, a->dtype, 2, a->shape);
  int64_t minor;
  credo_status st = linalg_cholesky(l, &minor, a);
  if (st == CREDO_ESINGULAR)
    return luaL_error(L, "cholesky: matrix is not positive definite (leading "
                         "minor of order %I)", (lua_Integer)minor);
  if (st != CREDO_OK) return credo_statuserror(L, "cholesky", st);
  return 1;
}

/* eigh(A): w ascending, V with eigenvectors as columns */
static int l_eigh(lua_State *L) {
  Tensor *a = checksquare(L, 1);
  checkfinite(L, 1, a);
  Tensor *w = credo_newtensor(L, a->dtype, 1, a->shape);
  Tensor *v = credo_newtensor(L, a->dtype, 2, a->shape);
  credo_status st = linalg_eigh(w, v, a);
  if (st != CREDO_OK) return lapackerror(L, "eigh", st);
  return 2;
}

/* svd(A [, full=false]): U, S, Vt with A = U diag(S) Vt */
static int l_svd(lua_State *L) {
  Tensor *a = checkmat(L, 1, 2, 2);
  luaL_argexpected(L, lua_isnoneornil(L, 2) || lua_isboolean(L, 2), 2,
                   "boolean");
  int full = lua_toboolean(L, 2);
  checkfinite(L, 1, a);
  int64_t m = a->shape[0], n = a->shape[1], p = m < n ? m : n;
  int64_t su[2] = {m, full ? m : p}, ss[1] = {p}, sv[2] = {full ? n : p, n};
  Tensor *u = credo_newtensor(L, a->dtype, 2, su);
  Tensor *s = credo_newtensor(L, a->dtype, 1, ss);
  Tensor *vt = credo_newtensor(L, a->dtype, 2, sv);
  credo_status st = linalg_svd(u, s, vt, a, full);
  if (st != CREDO_OK) return lapackerror(L, "svd", st);
  return 3;
}

/* inv(A) */
static int l_inv(lua_State *L) {
  Tensor *a = checksquare(L, 1);
  checkfinite(L, 1, a);
  Tensor *out = credo_newtensor(L, a->dtype, 2, a->shape);
  credo_status st = linalg_inv(out, a);
  if (st != CREDO_OK) return lapackerror(L, "inv", st);
  return 1;
}

/* det(A): a Lua number (0 for a singular matrix) */
static int l_det(lua_State *L) {
  Tensor *a = checksquare(L, 1);
  checkfinite(L, 1, a);
  double det, sign, logabs;
  credo_status st = linalg_det(&det, &sign, &logabs, a);
  if (st != CREDO_OK) return credo_statuserror(L, "det", st);
  lua_pushnumber(L, det);
  return 1;
}

/* slogdet(A): sign, log|det A| (numpy.linalg.slogdet) */
static int l_slogdet(lua_State *L) {
  Tensor *a = checksquare(L, 1);
  checkfinite(L, 1, a);
  double det, sign, logabs;
  credo_status st = linalg_det(&det, &sign, &logabs, a);
  if (st != CREDO_OK) return credo_statuserror(L, "slogdet", st);
  lua_pushnumber(L, sign);
  lua_pushnumber(L, logabs);
  return 2;
}

#define LINALG_REG                                                          \
  {"matmul", l_matmul}, {"mm", l_mm}, {"bmm", l_bmm}, {"mv", l_mv},         \
  {"dot", l_dot}, {"outer", l_outer}, {"addmm", l_addmm},                   \
  {"solve", l_solve}, {"cholesky", l_cholesky}, {"eigh", l_eigh},           \
  {"svd", l_svd}, {"inv", l_inv}, {"det", l_det}, {"slogdet", l_slogdet}

const luaL_Reg credo_tensor_linalg_methods[] = {LINALG_REG, {NULL, NULL}};
const luaL_Reg credo_tensor_linalg_funcs[] = {LINALG_REG, {NULL, NULL}};
