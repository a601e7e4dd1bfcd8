/*
 * tensor_lua.c: the Lua binding of credo.tensor: the Tensor metatable
 * (indexing, arithmetic metamethods, printing), its methods (views,
 * elementwise ops, conversion) and the module functions (creation, where,
 * and the elementwise ops as functions).  It checks every argument and
 * decides dtypes and shapes; the kernels are tensor.c and tensor_ops.c.
 * The Tensor metatable also receives the methods and functions exported by
 * reduce_lua.c and linalg_lua.c (merged in luaopen_credo_tensor).
 *
 * What it is not: no arithmetic of its own (it calls the core), no random
 * tensors (credo.random), no autograd.
 *
 * Conventions (docs/tensor.md): indices and dims are 1-based, negative
 * counts from the end; dtype promotion follows PyTorch; errors are
 * `bad argument #N to 'op' (...)`.
 */
#include "../common/credo_lua.h"
#include "tensor_ops.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* luaconf.h's own helper macro; the name is ours here (t:floor()) */
#undef l_floor

/* ---- helpers ---- */

/* Every function registered here has the Tensor metatable as upvalue 1,
 * so recognising a tensor is one pointer comparison, not a registry lookup
 * by name (luaL_testudata): the arithmetic fast path depends on it. */
#define TENSOR_MT lua_upvalueindex(1)

static int istensor(lua_State *L, int i) {
  if (lua_type(L, i) != LUA_TUSERDATA || !lua_getmetatable(L, i)) return 0;
  int ok = lua_rawequal(L, -1, TENSOR_MT);
  lua_pop(L, 1);
  return ok;
}

/* The live tensor at i, or NULL when i is not a tensor; a freed tensor is
 * an error. */
static Tensor *testtensor(lua_State *L, int i) {
  if (!istensor(L, i)) return NULL;
  Tensor *t = (Tensor *)lua_touserdata(L, i);
  if (t->storage == NULL) luaL_argerror(L, i, "tensor has been freed");
  return t;
}

static Tensor *checktensor(lua_State *L, int i) {
  Tensor *t = testtensor(L, i);
  if (!t) luaL_typeerror(L, i, CREDO_TENSOR);
  return t;
}

/* Push an empty (storage-less) tensor userdata with the metatable. */
static Tensor *newbox(lua_State *L) {
  Tensor *t = (Tensor *)lua_newuserdatauv(L, sizeof(Tensor), 0);
  t->storage = NULL;
  lua_pushvalue(L, TENSOR_MT);
  lua_setmetatable(L, -2);
  return t;
}

/* Push a view sharing src's storage (same metadata, to be changed). */
static Tensor *pushview(lua_State *L, const Tensor *src) {
  Tensor *t = newbox(L);
  tensor_init_view(t, src);
  return t;
}

/* "[3,4]" of a raw shape, into buf. */
static const char *shapestr(char *buf, size_t n, int ndim,
                            const int64_t *shape) {
  Tensor tmp;
  tmp.ndim = ndim;
  for (int i = 0; i < ndim; i++) tmp.shape[i] = shape[i];
  return tensor_shape_str(&tmp, buf, n);
}

/* The collector sees a tensor as its ~200-byte userdata, not its storage:
 * without help, a loop making 40 MB temporaries reaches gigabytes before a
 * cycle runs (and in generational mode, the default of lua.c, a tensor
 * that survived two minor collections waits for a major one, which Lua's
 * own small heap rarely triggers).  So the binding counts the storage it
 * allocates and forces a full collection when the bytes allocated since
 * the last one exceed the larger of 64 MB, the tensor bytes live after it,
 * and twice Lua's heap: peak memory stays near twice the live data, and a
 * collection (its cost grows with Lua's heap) is paid for by at least as
 * many bytes of tensors made.  torch7 had THSetGCHandler for the same
 * problem.  The count is per process (one Lua state is the normal case). */
#define GC_MIN_BYTES ((size_t)64 << 20)

static size_t gc_made = 0;       /* storage bytes made since the last full GC */
static size_t gc_threshold = GC_MIN_BYTES;

/* Called before allocating nbytes, so the new tensor is not aged by it
 * (credo_lua.h; credo_newtensor of the other bindings calls it too). */
void credo_gc_account(lua_State *L, size_t nbytes) {
  gc_made += nbytes;
  if (gc_made < gc_threshold) return;
  lua_gc(L, LUA_GCCOLLECT);
  gc_made = 0;
  size_t live = tensor_live_bytes();
  size_t heap = (size_t)lua_gc(L, LUA_GCCOUNT) * 1024 * 2;
  gc_threshold = GC_MIN_BYTES;
  if (live > gc_threshold) gc_threshold = live;
  if (heap > gc_threshold) gc_threshold = heap;
}

/* Push a new contiguous tensor (zeroed, or left for a kernel to fill).
 * The userdata exists, storage-less, before the allocation, so a failed
 * allocation raises without leaking. */
static Tensor *newtensor(lua_State *L, tensor_dtype dt, int ndim,
                         const int64_t *shape, int zero) {
  int64_t n = tensor_numel_shape(ndim, shape);
  if (n > 0 && (size_t)n <= SIZE_MAX / 8)
    credo_gc_account(L, (size_t)n * tensor_dtype_size(dt));
  Tensor *t = newbox(L);
  credo_status st = zero ? tensor_init(t, dt, ndim, shape)
                         : tensor_init_uninit(t, dt, ndim, shape);
  if (st != CREDO_OK) {
    char buf[200];
    luaL_error(L, "not enough memory for a %s tensor of shape %s",
               tensor_dtype_name(dt), shapestr(buf, sizeof buf, ndim, shape));
  }
  return t;
}

static Tensor *newlike(lua_State *L, const Tensor *t, tensor_dtype dt,
                       int zero) {
  return newtensor(L, dt, t->ndim, t->shape, zero);
}

/* Push element at absolute storage offset off as a Lua number (an integer
 * for int64). */
static void pushelem(lua_State *L, const Tensor *t, int64_t off) {
  switch (t->dtype) {
  case TENSOR_F32: lua_pushnumber(L, ((const float *)t->storage->data)[off]); break;
  case TENSOR_F64: lua_pushnumber(L, ((const double *)t->storage->data)[off]); break;
  case TENSOR_I64: lua_pushinteger(L, ((const int64_t *)t->storage->data)[off]); break;
  }
}

/* The number at idx as an int64 element: integers exactly, floats
 * truncated toward zero.  Returns 0 for NaN and +-inf. */
static int toint64(lua_State *L, int idx, int64_t *out) {
  if (lua_isinteger(L, idx)) {
    *out = (int64_t)lua_tointeger(L, idx);
    return 1;
  }
  lua_Number v = lua_tonumber(L, idx);
  if (!isfinite(v)) return 0;
  *out = tensor_double_to_i64(v);
  return 1;
}

static const char *nonfinite_name(double v) {
  return isnan(v) ? "nan" : v > 0 ? "inf" : "-inf";
}

static int64_t checkint64(lua_State *L, int arg) {
  int64_t v;
  luaL_checknumber(L, arg);
  if (!toint64(L, arg, &v))
    luaL_argerror(L, arg, lua_pushfstring(L, "cannot store %s in an int64 "
                                             "tensor",
                                          nonfinite_name(lua_tonumber(L, arg))));
  return v;
}

/* Store the number at arg into element off (absolute offset). */
static void storeelem(lua_State *L, int arg, Tensor *t, int64_t off) {
  switch (t->dtype) {
  case TENSOR_F32:
    ((float *)t->storage->data)[off] = (float)luaL_checknumber(L, arg);
    break;
  case TENSOR_F64:
    ((double *)t->storage->data)[off] = luaL_checknumber(L, arg);
    break;
  case TENSOR_I64:
    ((int64_t *)t->storage->data)[off] = checkint64(L, arg);
    break;
  }
}

/* Fill t with the number at arg (int64 tensors: exact for integers). */
static void fillnumber(lua_State *L, int arg, Tensor *t) {
  if (t->dtype == TENSOR_I64) tensor_fill_i64(t, checkint64(L, arg));
  else tensor_fill(t, luaL_checknumber(L, arg));
}

/* 1-based index i (negative from the end) of dim (0-based) of size n, as
 * a 0-based index, or an error naming argument arg. */
static int64_t checkindex(lua_State *L, int arg, lua_Integer i, int dim,
                          int64_t n) {
  lua_Integer j = i < 0 ? i + n + 1 : i;
  if (j < 1 || j > n)
    luaL_argerror(L, arg, lua_pushfstring(L, "index %I out of range for "
                                             "dimension %d of size %I",
                                          (LUAI_UACINT)i, dim + 1,
                                          (LUAI_UACINT)n));
  return j - 1;
}

static int64_t argindex(lua_State *L, int arg, int dim, int64_t n) {
  int isint;
  lua_Integer i = lua_tointegerx(L, arg, &isint);
  if (!isint) {
    if (lua_type(L, arg) == LUA_TNUMBER)
      luaL_argerror(L, arg, "index must be an integer");
    luaL_typeerror(L, arg, "integer index");
  }
  return checkindex(L, arg, i, dim, n);
}

/* Sizes from argument arg on: a table {3,4} or integers 3, 4.  infer:
 * -1 is allowed (reshape, expand).  Returns the next argument's index. */
static int checksizes(lua_State *L, int arg, int *ndim, int64_t *shape,
                      int infer) {
  int n = 0, next;
  if (lua_type(L, arg) == LUA_TTABLE) {
    lua_Unsigned len = lua_rawlen(L, arg);
    if (len > TENSOR_MAXDIM)
      luaL_argerror(L, arg, lua_pushfstring(L, "too many dimensions (%d, at "
                                               "most %d)", (int)len,
                                            TENSOR_MAXDIM));
    for (n = 0; n < (int)len; n++) {
      lua_rawgeti(L, arg, n + 1);
      int isint;
      lua_Integer v = lua_tointegerx(L, -1, &isint);
      if (!isint)
        luaL_argerror(L, arg,
                      lua_type(L, -1) == LUA_TNUMBER
                          ? lua_pushfstring(L, "size %d is not an integer", n + 1)
                          : lua_pushfstring(L, "size %d is a %s, expected an "
                                               "integer", n + 1,
                                            luaL_typename(L, -1)));
      lua_pop(L, 1);
      if (v < 0 && !(infer && v == -1))
        luaL_argerror(L, arg, lua_pushfstring(L, "size %I is negative",
                                              (LUAI_UACINT)v));
      shape[n] = v;
    }
    next = arg + 1;
  } else {
    int top = lua_gettop(L);
    for (next = arg; next <= top && lua_type(L, next) == LUA_TNUMBER; next++) {
      if (n == TENSOR_MAXDIM)
        luaL_argerror(L, next, lua_pushfstring(L, "too many dimensions (at "
                                                  "most %d)", TENSOR_MAXDIM));
      lua_Integer v = luaL_checkinteger(L, next);
      if (v < 0 && !(infer && v == -1))
        luaL_argerror(L, next, lua_pushfstring(L, "size %I is negative",
                                               (LUAI_UACINT)v));
      shape[n++] = v;
    }
    if (n == 0 && next <= top && lua_type(L, next) != LUA_TSTRING)
      luaL_typeerror(L, next, "sizes (integers or a table)");
  }
  *ndim = n;
  return next;
}

/* ---- creation ---- */

/* shape from a nested table: follow first elements down to a number */
static void table_shape(lua_State *L, int arg, int *ndim, int64_t *shape) {
  int n = 0;
  lua_pushvalue(L, arg);
  while (lua_type(L, -1) == LUA_TTABLE) {
    if (n == TENSOR_MAXDIM)
      luaL_argerror(L, arg, lua_pushfstring(L, "too many dimensions (more "
                                               "than %d)", TENSOR_MAXDIM));
    lua_Unsigned len = lua_rawlen(L, -1);
    shape[n++] = (int64_t)len;
    if (len == 0) break;
    lua_rawgeti(L, -1, 1);
    lua_remove(L, -2);
  }
  lua_pop(L, 1);
  *ndim = n;
}

/* "[2][1]" for the error messages of tensor() */
static const char *pathstr(lua_State *L, const int64_t *path, int depth) {
  luaL_Buffer b;
  luaL_buffinit(L, &b);
  for (int i = 0; i < depth; i++) {
    lua_pushfstring(L, "[%I]", (LUAI_UACINT)(path[i] + 1));
    luaL_addvalue(&b);
  }
  luaL_pushresult(&b);
  return lua_tostring(L, -1);
}

/* Write the table at the top of the stack (depth d) into t at *pos
 * (row-major), checking that it is rectangular and numeric. */
static void table_fill(lua_State *L, int arg, Tensor *t, int d,
                       int64_t *path, int64_t *pos) {
  int64_t n = (int64_t)lua_rawlen(L, -1);
  if (n != t->shape[d])
    luaL_argerror(L, arg,
                  lua_pushfstring(L, "ragged nested table: %s has %I "
                                     "elements, expected %I",
                                  d ? pathstr(L, path, d) : "the table",
                                  (LUAI_UACINT)n, (LUAI_UACINT)t->shape[d]));
  luaL_checkstack(L, 4, "tensor nesting");
  for (int64_t i = 0; i < n; i++) {
    path[d] = i;
    lua_rawgeti(L, -1, (lua_Integer)i + 1);
    int ty = lua_type(L, -1);
    if (d + 1 < t->ndim) {
      if (ty != LUA_TTABLE)
        luaL_argerror(L, arg, lua_pushfstring(L, "ragged nested table: %s is "
                                                 "a %s, expected a table",
                                              pathstr(L, path, d + 1),
                                              luaL_typename(L, -1)));
      table_fill(L, arg, t, d + 1, path, pos);
    } else {
      if (ty != LUA_TNUMBER)
        luaL_argerror(L, arg, lua_pushfstring(L, "%s is a %s, expected a "
                                                 "number",
                                              pathstr(L, path, d + 1),
                                              luaL_typename(L, -1)));
      int64_t off = (*pos)++;
      if (t->dtype == TENSOR_I64) {
        if (!toint64(L, -1, &tensor_i64(t)[off]))
          luaL_argerror(L, arg, lua_pushfstring(L, "%s is %s, which an int64 "
                                                   "tensor cannot hold",
                                                pathstr(L, path, d + 1),
                                                nonfinite_name(lua_tonumber(L, -1))));
      } else if (t->dtype == TENSOR_F64) {
        tensor_f64(t)[off] = lua_tonumber(L, -1);
      } else {
        tensor_f32(t)[off] = (float)lua_tonumber(L, -1);
      }
    }
    lua_pop(L, 1);
  }
}

/* credo.tensor(data [, dtype]): data a nested table of numbers, a number
 * (0-d) or a tensor (copied).  Default dtype float32 whatever the Lua
 * number subtypes are. */
static int l_tensor(lua_State *L) {
  tensor_dtype dt = credo_optdtype(L, 2, TENSOR_F32);
  int ty = lua_type(L, 1);
  if (ty == LUA_TNUMBER) {
    Tensor *t = newtensor(L, dt, 0, NULL, 1);
    storeelem(L, 1, t, 0);
    return 1;
  }
  Tensor *src = testtensor(L, 1);
  if (src) {
    Tensor *t = newlike(L, src, lua_isnoneornil(L, 2) ? src->dtype : dt, 0);
    tensor_copy_strided(t, src);
    return 1;
  }
  if (ty != LUA_TTABLE) luaL_typeerror(L, 1, "table, number or tensor");
  int ndim;
  int64_t shape[TENSOR_MAXDIM], path[TENSOR_MAXDIM], pos = 0;
  table_shape(L, 1, &ndim, shape);
  Tensor *t = newtensor(L, dt, ndim, shape, 1);
  lua_pushvalue(L, 1);
  table_fill(L, 1, t, 0, path, &pos);
  lua_pop(L, 1);
  return 1;
}

static int filled(lua_State *L, int value_kind) {
  int ndim;
  int64_t shape[TENSOR_MAXDIM];
  int next = checksizes(L, 1, &ndim, shape, 0);
  tensor_dtype dt = credo_optdtype(L, next, TENSOR_F32);
  Tensor *t = newtensor(L, dt, ndim, shape, 1);
  if (value_kind == 1) tensor_fill(t, 1);
  return 1;
}

static int l_zeros(lua_State *L) { return filled(L, 0); }
static int l_ones(lua_State *L) { return filled(L, 1); }
/* empty is zeros: credo never hands out uninitialised memory */
static int l_empty(lua_State *L) { return filled(L, 0); }

/* credo.full(shape, value [, dtype]): shape a table or one integer */
static int l_full(lua_State *L) {
  int ndim = 1;
  int64_t shape[TENSOR_MAXDIM];
  if (lua_type(L, 1) == LUA_TTABLE) {
    checksizes(L, 1, &ndim, shape, 0);
  } else {
    lua_Integer n = luaL_checkinteger(L, 1);
    luaL_argcheck(L, n >= 0, 1, "size is negative");
    shape[0] = n;
  }
  luaL_checknumber(L, 2);
  tensor_dtype dt = credo_optdtype(L, 3, TENSOR_F32);
  Tensor *t = newtensor(L, dt, ndim, shape, 0);
  fillnumber(L, 2, t);
  return 1;
}

/* zeros_like / ones_like / full_like (t [, value] [, dtype]) */
static int like(lua_State *L, int kind) {
  Tensor *src = checktensor(L, 1);
  int darg = kind == 2 ? 3 : 2;
  if (kind == 2) luaL_checknumber(L, 2);
  tensor_dtype dt = credo_optdtype(L, darg, src->dtype);
  Tensor *t = newlike(L, src, dt, 1);
  if (kind == 1) tensor_fill(t, 1);
  if (kind == 2) fillnumber(L, 2, t);
  return 1;
}

static int l_zeros_like(lua_State *L) { return like(L, 0); }
static int l_ones_like(lua_State *L) { return like(L, 1); }
static int l_full_like(lua_State *L) { return like(L, 2); }

/* credo.arange([start,] stop [, step] [, dtype]): stop exclusive.  int64
 * when every bound is a Lua integer, else float32 (torch). */
static int l_arange(lua_State *L) {
  int nnum = 0, allint = 1;
  while (nnum < 3 && lua_type(L, nnum + 1) == LUA_TNUMBER) {
    if (!lua_isinteger(L, nnum + 1)) allint = 0;
    nnum++;
  }
  if (nnum == 0) luaL_typeerror(L, 1, "number");
  tensor_dtype dt =
      credo_optdtype(L, nnum + 1, allint ? TENSOR_I64 : TENSOR_F32);
  int sarg = nnum >= 2 ? 1 : 0, earg = nnum >= 2 ? 2 : 1,
      parg = nnum == 3 ? 3 : 0;
  int64_t n;
  Tensor *t;
  if (allint) {
    lua_Integer start = sarg ? lua_tointeger(L, sarg) : 0;
    lua_Integer stop = lua_tointeger(L, earg);
    lua_Integer step = parg ? lua_tointeger(L, parg) : 1;
    luaL_argcheck(L, step != 0, parg, "step must be nonzero");
    if ((step > 0 && stop < start) || (step < 0 && stop > start))
      luaL_argerror(L, parg ? parg : earg,
                    "step goes away from stop (empty range)");
    /* exact count without overflow: |stop - start| fits in uint64 */
    uint64_t span = step > 0 ? (uint64_t)stop - (uint64_t)start
                             : (uint64_t)start - (uint64_t)stop;
    uint64_t ustep = step > 0 ? (uint64_t)step : 0 - (uint64_t)step;
    uint64_t cnt = span / ustep + (span % ustep != 0);
    luaL_argcheck(L, cnt <= (uint64_t)INT64_MAX, earg, "range too long");
    n = (int64_t)cnt;
    t = newtensor(L, dt, 1, &n, 0);
    for (int64_t i = 0; i < n; i++) {
      int64_t v = (int64_t)((uint64_t)start + (uint64_t)i * (uint64_t)step);
      if (dt == TENSOR_I64) tensor_i64(t)[i] = v;
      else if (dt == TENSOR_F64) tensor_f64(t)[i] = (double)v;
      else tensor_f32(t)[i] = (float)v;
    }
    return 1;
  }
  double start = sarg ? lua_tonumber(L, sarg) : 0;
  double stop = lua_tonumber(L, earg);
  double step = parg ? lua_tonumber(L, parg) : 1;
  luaL_argcheck(L, isfinite(start), sarg ? sarg : 1, "bound must be finite");
  luaL_argcheck(L, isfinite(stop), earg, "bound must be finite");
  luaL_argcheck(L, isfinite(step), parg, "step must be finite");
  luaL_argcheck(L, step != 0, parg, "step must be nonzero");
  if ((step > 0 && stop < start) || (step < 0 && stop > start))
    luaL_argerror(L, parg ? parg : earg,
                  "step goes away from stop (empty range)");
  double cnt = ceil((stop - start) / step);
  luaL_argcheck(L, cnt < 9.0e18, earg, "range too long");
  n = (int64_t)cnt;
  t = newtensor(L, dt, 1, &n, 0);
  for (int64_t i = 0; i < n; i++) {
    double v = start + (double)i * step;
    if (dt == TENSOR_I64) tensor_i64(t)[i] = tensor_double_to_i64(v);
    else if (dt == TENSOR_F64) tensor_f64(t)[i] = v;
    else tensor_f32(t)[i] = (float)v;
  }
  return 1;
}

/* credo.linspace(a, b, n [, dtype]): n points, both ends included; the
 * first half counts up from a, the second down from b (torch), so both
 * ends are exact. */
static int l_linspace(lua_State *L) {
  double a = luaL_checknumber(L, 1), b = luaL_checknumber(L, 2);
  lua_Integer n = luaL_checkinteger(L, 3);
  luaL_argcheck(L, isfinite(a), 1, "bound must be finite");
  luaL_argcheck(L, isfinite(b), 2, "bound must be finite");
  luaL_argcheck(L, n >= 0, 3, "number of points must be non-negative");
  tensor_dtype dt = credo_optdtype(L, 4, TENSOR_F32);
  int64_t sz = n;
  Tensor *t = newtensor(L, dt, 1, &sz, 0);
  double step = n > 1 ? (b - a) / (double)(n - 1) : 0;
  /* b - a overflows for bounds near +-1e308: then halve, step, double */
  double scale = isfinite(step) ? 1.0 : 2.0;
  if (scale != 1.0) step = (b * 0.5 - a * 0.5) / (double)(n - 1);
  for (int64_t i = 0; i < n; i++) {
    double v = i < n / 2 ? (a / scale + step * (double)i) * scale
                         : (b / scale - step * (double)(n - 1 - i)) * scale;
    if (i == n - 1) v = b;
    if (i == 0) v = a;                     /* n == 1: the single point is a */
    if (dt == TENSOR_I64) tensor_i64(t)[i] = tensor_double_to_i64(v);
    else if (dt == TENSOR_F64) tensor_f64(t)[i] = v;
    else tensor_f32(t)[i] = (float)v;
  }
  return 1;
}

/* credo.eye(n [, m] [, dtype]) */
static int l_eye(lua_State *L) {
  lua_Integer n = luaL_checkinteger(L, 1);
  luaL_argcheck(L, n >= 0, 1, "size must be non-negative");
  int darg = 2;
  lua_Integer m = n;
  if (lua_type(L, 2) == LUA_TNUMBER) {
    m = luaL_checkinteger(L, 2);
    luaL_argcheck(L, m >= 0, 2, "size must be non-negative");
    darg = 3;
  }
  tensor_dtype dt = credo_optdtype(L, darg, TENSOR_F32);
  int64_t shape[2] = {n, m};
  Tensor *t = newtensor(L, dt, 2, shape, 1);
  for (int64_t i = 0; i < n && i < m; i++) tensor_set_flat(t, i * m + i, 1);
  return 1;
}

/* credo.tensor_bytes(): bytes of tensor data alive in this process */
static int l_tensor_bytes(lua_State *L) {
  lua_pushinteger(L, (lua_Integer)tensor_live_bytes());
  return 1;
}

static int l_is_tensor(lua_State *L) {
  lua_pushboolean(L, istensor(L, 1));
  return 1;
}

/* ---- operands of elementwise ops: a tensor or a Lua number ---- */

typedef struct {
  Tensor *t;      /* NULL for a number */
  int isint;      /* the number is a Lua integer */
  lua_Integer i;
  lua_Number f;
} Operand;

static void operand(lua_State *L, int arg, Operand *o) {
  o->t = NULL;
  o->isint = 0;
  if (lua_type(L, arg) == LUA_TNUMBER) {
    o->isint = lua_isinteger(L, arg);
    o->i = o->isint ? lua_tointeger(L, arg) : 0;
    o->f = lua_tonumber(L, arg);
    return;
  }
  o->t = testtensor(L, arg);
  if (!o->t) luaL_typeerror(L, arg, "number or tensor");
}

/* PyTorch's promotion between tensors: int64 with a float -> the float,
 * float32 with float64 -> float64. */
static tensor_dtype promote(tensor_dtype a, tensor_dtype b) {
  if (a == b) return a;
  if (a == TENSOR_I64) return b;
  if (b == TENSOR_I64) return a;
  return TENSOR_F64;
}

/* The dtype of tensor-and-number: the tensor's, except that an int64
 * tensor with a Lua float gives float32. */
static tensor_dtype promote_number(tensor_dtype t, const Operand *num) {
  return (t == TENSOR_I64 && !num->isint) ? TENSOR_F32 : t;
}

static tensor_dtype operands_dtype(const Operand *x, const Operand *y) {
  if (x->t && y->t) return promote(x->t->dtype, y->t->dtype);
  if (x->t) return promote_number(x->t->dtype, y);
  if (y->t) return promote_number(y->t->dtype, x);
  return (x->isint && y->isint) ? TENSOR_I64 : TENSOR_F32;
}

typedef union {
  float f32;
  double f64;
  int64_t i64;
} Scalar;

/* o as a tensor of dtype dt: itself, a 0-d tensor over *val (a number), or
 * a converted copy pushed on the stack (GC-owned). */
static const Tensor *as_dtype(lua_State *L, const Operand *o, tensor_dtype dt,
                              Tensor *box, Storage *s, Scalar *val) {
  if (!o->t) {
    switch (dt) {
    case TENSOR_F32: val->f32 = (float)o->f; break;
    case TENSOR_F64: val->f64 = o->f; break;
    case TENSOR_I64: val->i64 = o->isint ? o->i : tensor_double_to_i64(o->f); break;
    }
    tensor_init_scalar(box, s, val, dt);
    return box;
  }
  if (o->t->dtype == dt) return o->t;
  Tensor *c = newlike(L, o->t, dt, 0);
  tensor_copy_strided(c, o->t);
  return c;
}

/* A contiguous copy (on the stack) of src, when src shares storage with
 * the in-place target dst without being exactly dst. */
static const Tensor *unalias(lua_State *L, const Tensor *dst,
                             const Tensor *src) {
  if (!tensor_shares_storage(dst, src)) return src;
  if (src->offset == dst->offset && tensor_same_shape(src, dst) &&
      !memcmp(src->stride, dst->stride, sizeof src->stride[0] * (size_t)src->ndim))
    return src;
  Tensor *c = newlike(L, src, src->dtype, 0);
  tensor_copy_strided(c, src);
  return c;
}

static void checkwritable(lua_State *L, int arg, const Tensor *t) {
  if (tensor_is_expanded(t))
    luaL_argerror(L, arg, "cannot write in place into an expanded tensor "
                          "(some elements share memory)");
}

static const char *const binop_names[] = {
    "add", "sub", "mul", "div", "pow", "maximum", "minimum", "fmod",
    "remainder", "floor_divide", "eq", "ne", "lt", "le", "gt", "ge"};

static const char *const unop_names[] = {
    "neg", "abs", "exp", "log", "log1p", "expm1", "sqrt",
    "tanh", "sigmoid", "relu", "floor", "ceil", "round", "sign"};

static void shape_of(const Operand *o, int *nd, const int64_t **shape) {
  static const int64_t none[1] = {1};
  if (o->t) {
    *nd = o->t->ndim;
    *shape = o->t->shape;
  } else {
    *nd = 0;
    *shape = none;
  }
}

/* Arguments 1 and 2 (tensor or number, at least one tensor); in place:
 * argument 1 is the tensor written. */
static int binop(lua_State *L, tensor_binop op, int inplace) {
  Operand x, y;
  if (lua_gettop(L) > 2) /* torch's add(other, alpha) would be silently lost */
    luaL_argerror(L, 3, lua_pushfstring(L, "%s takes two operands (for a "
                                           "scaled operand write u * alpha)",
                                        binop_names[op]));
  operand(L, 1, &x);
  operand(L, 2, &y);
  /* fast path (a small `a + b` costs this, the allocation and the GC):
   * float tensors of one dtype and shape, or a float tensor and a number,
   * contiguous and small: nothing to promote, check or iterate */
  if (!inplace && (x.t || y.t)) {
    const Tensor *t = x.t ? x.t : y.t;
    int64_t n = tensor_numel(t);
    if (t->dtype != TENSOR_I64 && n < 4096 && tensor_is_contiguous(t) &&
        (!x.t || !y.t ||
         (x.t->dtype == y.t->dtype && tensor_same_shape(x.t, y.t) &&
          tensor_is_contiguous(x.t == t ? y.t : x.t)))) {
      Scalar v;
      const void *pa, *pb;
      int64_t sa = 1, sb = 1;
      if (x.t) pa = tensor_data(x.t);
      else {
        if (t->dtype == TENSOR_F32) v.f32 = (float)x.f;
        else v.f64 = x.f;
        pa = &v;
        sa = 0;
      }
      if (y.t) pb = tensor_data(y.t);
      else {
        if (t->dtype == TENSOR_F32) v.f32 = (float)y.f;
        else v.f64 = y.f;
        pb = &v;
        sb = 0;
      }
      Tensor *out = newtensor(L, tensor_binop_is_comparison(op) ? TENSOR_I64
                                                               : t->dtype,
                              t->ndim, t->shape, 0);
      tensor_binary_flat(op, t->dtype, tensor_data(out), pa, sa, pb, sb, n);
      return 1;
    }
  }
  if (!x.t && !y.t) luaL_typeerror(L, 1, "tensor");
  if (inplace && !x.t) luaL_typeerror(L, 1, "tensor");
  tensor_dtype ct = operands_dtype(&x, &y);
  if (op == TENSOR_DIV && ct == TENSOR_I64) ct = TENSOR_F32; /* true division */
  tensor_dtype od = tensor_binop_is_comparison(op) ? TENSOR_I64 : ct;
  if (inplace && od != x.t->dtype) {
    if (x.t->dtype == TENSOR_I64)
      luaL_argerror(L, 2, lua_pushfstring(L, "the %s result cannot be "
                                             "written in place into an int64 "
                                             "tensor", tensor_dtype_name(od)));
    ct = od = x.t->dtype; /* float64 operand into float32 self */
  }
  if (ct == TENSOR_I64) {
    if (op == TENSOR_POW && !y.t && y.i < 0)
      luaL_argerror(L, 2, "integers to negative integer powers are not "
                          "allowed");
    if (op == TENSOR_FMOD || op == TENSOR_REMAINDER ||
        op == TENSOR_FLOORDIV) {
      if (y.t ? tensor_any_zero(y.t) : y.i == 0)
        luaL_argerror(L, 2, "integer division by zero");
    }
  }
  int nd, xnd, ynd;
  const int64_t *xs, *ys;
  int64_t shape[TENSOR_MAXDIM];
  shape_of(&x, &xnd, &xs);
  shape_of(&y, &ynd, &ys);
  if (tensor_broadcast_shape(&nd, shape, xnd, xs, ynd, ys) != 0) {
    char b1[200], b2[200];
    luaL_argerror(L, 2, lua_pushfstring(L, "shapes %s and %s cannot "
                                           "broadcast",
                                        shapestr(b1, sizeof b1, xnd, xs),
                                        shapestr(b2, sizeof b2, ynd, ys)));
  }
  Tensor *out;
  if (inplace) {
    out = x.t;
    if (nd != out->ndim || memcmp(shape, out->shape, sizeof shape[0] * (size_t)nd)) {
      char b1[200], b2[200];
      luaL_argerror(L, 2, lua_pushfstring(L, "shape %s cannot be broadcast "
                                             "to %s in place",
                                          shapestr(b1, sizeof b1, ynd, ys),
                                          shapestr(b2, sizeof b2, xnd, xs)));
    }
    checkwritable(L, 1, out);
  }
  Tensor bx, by;
  Storage sx, sy;
  Scalar vx, vy;
  const Tensor *a = as_dtype(L, &x, ct, &bx, &sx, &vx);
  const Tensor *b = as_dtype(L, &y, ct, &by, &sy, &vy);
  if (inplace) {
    b = unalias(L, out, b);
    lua_pushvalue(L, 1);
  } else {
    out = newtensor(L, od, nd, shape, 0);
  }
  credo_status st = tensor_binary(out, op, a, b);
  if (st != CREDO_OK) credo_statuserror(L, binop_names[op], st);
  return 1;
}

#define BINOP(NAME, OP)                                                   \
  static int l_##NAME(lua_State *L) { return binop(L, OP, 0); }           \
  static int l_##NAME##_(lua_State *L) { return binop(L, OP, 1); }

BINOP(add, TENSOR_ADD)
BINOP(sub, TENSOR_SUB)
BINOP(mul, TENSOR_MUL)
BINOP(div, TENSOR_DIV)
BINOP(pow, TENSOR_POW)
BINOP(maximum, TENSOR_MAXIMUM)
BINOP(minimum, TENSOR_MINIMUM)
BINOP(fmod, TENSOR_FMOD)
BINOP(remainder, TENSOR_REMAINDER)
BINOP(floor_divide, TENSOR_FLOORDIV)

static int l_eq(lua_State *L) { return binop(L, TENSOR_EQ, 0); }
static int l_ne(lua_State *L) { return binop(L, TENSOR_NE, 0); }
static int l_lt(lua_State *L) { return binop(L, TENSOR_LT, 0); }
static int l_le(lua_State *L) { return binop(L, TENSOR_LE, 0); }
static int l_gt(lua_State *L) { return binop(L, TENSOR_GT, 0); }
static int l_ge(lua_State *L) { return binop(L, TENSOR_GE, 0); }

static int unop(lua_State *L, tensor_unop op, int inplace) {
  Tensor *a = checktensor(L, 1);
  tensor_dtype od = a->dtype;
  if (tensor_unop_is_float_only(op) && od == TENSOR_I64) {
    if (inplace)
      luaL_argerror(L, 1, "an int64 tensor cannot hold the float result in "
                          "place");
    od = TENSOR_F32;
  }
  Tensor *out;
  if (inplace) {
    checkwritable(L, 1, a);
    out = a;
    lua_pushvalue(L, 1);
  } else {
    out = newlike(L, a, od, 0);
  }
  const Tensor *src = a;
  if (od != a->dtype) { /* convert into out, then work in place */
    tensor_copy_strided(out, a);
    src = out;
  }
  credo_status st = tensor_unary(out, op, src);
  if (st != CREDO_OK) credo_statuserror(L, unop_names[op], st);
  return 1;
}

#define UNOP(NAME, OP)                                                    \
  static int l_##NAME(lua_State *L) { return unop(L, OP, 0); }            \
  static int l_##NAME##_(lua_State *L) { return unop(L, OP, 1); }

UNOP(neg, TENSOR_NEG)
UNOP(abs, TENSOR_ABS)
UNOP(exp, TENSOR_EXP)
UNOP(log, TENSOR_LOG)
UNOP(log1p, TENSOR_LOG1P)
UNOP(expm1, TENSOR_EXPM1)
UNOP(sqrt, TENSOR_SQRT)
UNOP(tanh, TENSOR_TANH)
UNOP(sigmoid, TENSOR_SIGMOID)
UNOP(relu, TENSOR_RELU)
UNOP(floor, TENSOR_FLOOR)
UNOP(ceil, TENSOR_CEIL)
UNOP(round, TENSOR_ROUND)
UNOP(sign, TENSOR_SIGN)

/* t:clamp(min, max), either may be nil.  An int64 tensor with a float
 * bound gives float32 (torch). */
static int clamp(lua_State *L, int inplace) {
  Tensor *a = checktensor(L, 1);
  int has_lo = !lua_isnoneornil(L, 2), has_hi = !lua_isnoneornil(L, 3);
  if (!has_lo && !has_hi) luaL_argerror(L, 2, "min or max must be given");
  double lo = has_lo ? luaL_checknumber(L, 2) : -INFINITY;
  double hi = has_hi ? luaL_checknumber(L, 3) : INFINITY;
  luaL_argcheck(L, !isnan(lo), 2, "min is NaN");
  luaL_argcheck(L, !isnan(hi), 3, "max is NaN");
  tensor_dtype od = a->dtype;
  if (od == TENSOR_I64 && ((has_lo && !lua_isinteger(L, 2)) ||
                           (has_hi && !lua_isinteger(L, 3)))) {
    if (inplace)
      luaL_argerror(L, has_lo && !lua_isinteger(L, 2) ? 2 : 3,
                    "the float32 result cannot be written in place into an "
                    "int64 tensor");
    od = TENSOR_F32;
  }
  Tensor *out;
  if (inplace) {
    checkwritable(L, 1, a);
    out = a;
    lua_pushvalue(L, 1);
  } else {
    out = newlike(L, a, od, 0);
  }
  const Tensor *src = a;
  if (od != a->dtype) {
    tensor_copy_strided(out, a);
    src = out;
  }
  credo_status st = tensor_clamp(out, src, lo, hi);
  if (st != CREDO_OK) credo_statuserror(L, "clamp", st);
  return 1;
}

static int l_clamp(lua_State *L) { return clamp(L, 0); }
static int l_clamp_(lua_State *L) { return clamp(L, 1); }

static int mask(lua_State *L, int nan) {
  Tensor *a = checktensor(L, 1);
  Tensor *out = newlike(L, a, TENSOR_I64, 0);
  credo_status st = nan ? tensor_isnan(out, a) : tensor_isfinite(out, a);
  if (st != CREDO_OK) credo_statuserror(L, nan ? "isnan" : "isfinite", st);
  return 1;
}

static int l_isnan(lua_State *L) { return mask(L, 1); }
static int l_isfinite(lua_State *L) { return mask(L, 0); }

/* credo.where(mask, a, b): a and b tensors or numbers; dtype as for a
 * binary op between them (two numbers: float32 unless both integers). */
static int l_where(lua_State *L) {
  Tensor *m = checktensor(L, 1);
  Operand x, y;
  operand(L, 2, &x);
  operand(L, 3, &y);
  tensor_dtype ct = operands_dtype(&x, &y);
  int nd, xnd, ynd;
  const int64_t *xs, *ys;
  int64_t shape[TENSOR_MAXDIM];
  shape_of(&x, &xnd, &xs);
  shape_of(&y, &ynd, &ys);
  if (tensor_broadcast_shape(&nd, shape, m->ndim, m->shape, xnd, xs) != 0 ||
      tensor_broadcast_shape(&nd, shape, nd, shape, ynd, ys) != 0) {
    char b0[200], b1[200], b2[200];
    luaL_argerror(L, 1, lua_pushfstring(L, "shapes %s, %s and %s cannot "
                                           "broadcast",
                                        shapestr(b0, sizeof b0, m->ndim, m->shape),
                                        shapestr(b1, sizeof b1, xnd, xs),
                                        shapestr(b2, sizeof b2, ynd, ys)));
  }
  Tensor bx, by;
  Storage sx, sy;
  Scalar vx, vy;
  const Tensor *a = as_dtype(L, &x, ct, &bx, &sx, &vx);
  const Tensor *b = as_dtype(L, &y, ct, &by, &sy, &vy);
  Tensor *out = newtensor(L, ct, nd, shape, 0);
  credo_status st = tensor_where(out, m, a, b);
  if (st != CREDO_OK) credo_statuserror(L, "where", st);
  return 1;
}

/* ---- shape queries ---- */

static void pushshape(lua_State *L, int n, const int64_t *v) {
  lua_createtable(L, n, 0);
  for (int i = 0; i < n; i++) {
    lua_pushinteger(L, v[i]);
    lua_rawseti(L, -2, i + 1);
  }
}

static int l_size(lua_State *L) {
  Tensor *t = checktensor(L, 1);
  if (lua_isnoneornil(L, 2)) pushshape(L, t->ndim, t->shape);
  else {
    if (t->ndim == 0) luaL_argerror(L, 2, "a 0-d tensor has no dimensions");
    lua_pushinteger(L, t->shape[credo_checkdim(L, 2, t)]);
  }
  return 1;
}

static int l_stride(lua_State *L) {
  Tensor *t = checktensor(L, 1);
  if (lua_isnoneornil(L, 2)) pushshape(L, t->ndim, t->stride);
  else {
    if (t->ndim == 0) luaL_argerror(L, 2, "a 0-d tensor has no dimensions");
    lua_pushinteger(L, t->stride[credo_checkdim(L, 2, t)]);
  }
  return 1;
}

static int l_dim(lua_State *L) {
  lua_pushinteger(L, checktensor(L, 1)->ndim);
  return 1;
}

static int l_numel(lua_State *L) {
  lua_pushinteger(L, tensor_numel(checktensor(L, 1)));
  return 1;
}

static int l_dtype(lua_State *L) {
  lua_pushstring(L, tensor_dtype_name(checktensor(L, 1)->dtype));
  return 1;
}

static int l_is_contiguous(lua_State *L) {
  lua_pushboolean(L, tensor_is_contiguous(checktensor(L, 1)));
  return 1;
}

/* t:shares_storage(u): both are views of the same memory (u may be any
 * value: false when it is not a tensor) */
static int l_shares_storage(lua_State *L) {
  Tensor *a = checktensor(L, 1), *b = testtensor(L, 2);
  lua_pushboolean(L, b != NULL && tensor_shares_storage(a, b));
  return 1;
}

/* ---- views ---- */

/* Sizes at arg (varargs or table) with at most one -1, resolved against
 * numel.  For reshape / view. */
static void checknewshape(lua_State *L, int arg, const Tensor *t, int *nd,
                          int64_t *shape) {
  checksizes(L, arg, nd, shape, 1);
  int infer = -1;
  int64_t known = 1, numel = tensor_numel(t);
  for (int i = 0; i < *nd; i++) {
    if (shape[i] == -1) {
      if (infer >= 0) luaL_argerror(L, arg, "only one size can be -1");
      infer = i;
    } else if (known != 0 && shape[i] > INT64_MAX / known) {
      known = -1;
      break;
    } else {
      known *= shape[i];
    }
  }
  if (known >= 0 && infer >= 0 && known != 0 && numel % known == 0)
    shape[infer] = numel / known;
  if (known < 0 || (infer >= 0 && (known == 0 || numel % known != 0)) ||
      (infer < 0 && known != numel)) {
    char b1[200];
    luaL_argerror(L, arg, lua_pushfstring(L, "shape %s is invalid for a "
                                             "tensor of %I elements",
                                          shapestr(b1, sizeof b1, *nd, shape),
                                          (LUAI_UACINT)numel));
  }
}

static int reshape_impl(lua_State *L, int allow_copy) {
  Tensor *t = checktensor(L, 1);
  int nd;
  int64_t shape[TENSOR_MAXDIM];
  checknewshape(L, 2, t, &nd, shape);
  Tensor *v = pushview(L, t);
  if (tensor_view_reshape(v, nd, shape) == 0) return 1;
  if (!allow_copy) {
    char b1[200], b2[200], b3[200];
    luaL_argerror(L, 2, lua_pushfstring(L, "cannot view a %s tensor with "
                                           "strides %s as %s (use reshape)",
                                        tensor_shape_str(t, b1, sizeof b1),
                                        shapestr(b2, sizeof b2, t->ndim, t->stride),
                                        shapestr(b3, sizeof b3, nd, shape)));
  }
  lua_pop(L, 1);
  Tensor *c = newtensor(L, t->dtype, nd, shape, 0);
  tensor_copy(c, t);
  return 1;
}

static int l_reshape(lua_State *L) { return reshape_impl(L, 1); }
static int l_view(lua_State *L) { return reshape_impl(L, 0); }

static int l_transpose(lua_State *L) {
  Tensor *t = checktensor(L, 1);
  int d1 = credo_checkdim(L, 2, t), d2 = credo_checkdim(L, 3, t);
  Tensor *v = pushview(L, t);
  if (t->ndim > 0) tensor_view_transpose(v, d1, d2);
  return 1;
}

static int l_t(lua_State *L) {
  Tensor *t = checktensor(L, 1);
  if (t->ndim > 2)
    luaL_argerror(L, 1, lua_pushfstring(L, "t() needs at most 2 dims, got a "
                                           "%d-d tensor (use transpose)",
                                        t->ndim));
  Tensor *v = pushview(L, t);
  if (t->ndim == 2) tensor_view_transpose(v, 0, 1);
  return 1;
}

/* Dims (1-based) from arg on, varargs or a table; returns how many. */
static int checkdims(lua_State *L, int arg, const Tensor *t, int *dims) {
  int n = 0;
  if (lua_type(L, arg) == LUA_TTABLE) {
    int len = (int)lua_rawlen(L, arg);
    if (len != t->ndim) n = len;
    for (int i = 0; i < len && len == t->ndim; i++) {
      lua_rawgeti(L, arg, i + 1);
      dims[n++] = credo_checkdim(L, lua_gettop(L), t);
      lua_pop(L, 1);
    }
  } else {
    for (int i = arg; i <= lua_gettop(L); i++) {
      if (n < TENSOR_MAXDIM) dims[n] = credo_checkdim(L, i, t);
      n++;
    }
  }
  return n;
}

static int l_permute(lua_State *L) {
  Tensor *t = checktensor(L, 1);
  int dims[TENSOR_MAXDIM];
  int n = checkdims(L, 2, t, dims);
  if (n != t->ndim)
    luaL_argerror(L, 2, lua_pushfstring(L, "expected %d dims for a %d-d "
                                           "tensor, got %d",
                                        t->ndim, t->ndim, n));
  int seen[TENSOR_MAXDIM] = {0};
  for (int i = 0; i < n; i++) {
    if (seen[dims[i]])
      luaL_argerror(L, 2, lua_pushfstring(L, "dimension %d repeated",
                                          dims[i] + 1));
    seen[dims[i]] = 1;
  }
  Tensor *v = pushview(L, t);
  tensor_view_permute(v, dims);
  return 1;
}

/* t:narrow(dim, start, length): start 1-based (negative from the end) */
static int l_narrow(lua_State *L) {
  Tensor *t = checktensor(L, 1);
  int d = credo_checkdim(L, 2, t);
  if (t->ndim == 0) luaL_argerror(L, 1, "cannot narrow a 0-d tensor");
  int64_t n = t->shape[d];
  lua_Integer start = luaL_checkinteger(L, 3);
  lua_Integer len = luaL_checkinteger(L, 4);
  lua_Integer s = start < 0 ? start + n + 1 : start;
  if (s < 1 || s > n + 1)
    luaL_argerror(L, 3, lua_pushfstring(L, "start %I out of range for "
                                           "dimension %d of size %I",
                                        (LUAI_UACINT)start, d + 1, (LUAI_UACINT)n));
  if (len < 0 || len > n - (s - 1))      /* (not s - 1 + len: it may overflow) */
    luaL_argerror(L, 4, lua_pushfstring(L, "length %I from %I exceeds "
                                           "dimension %d of size %I",
                                        (LUAI_UACINT)len, (LUAI_UACINT)s, d + 1,
                                        (LUAI_UACINT)n));
  Tensor *v = pushview(L, t);
  tensor_view_narrow(v, d, s - 1, len);
  return 1;
}

/* t:slice(dim, start [, stop [, step]]): stop inclusive, negatives count
 * from the end, out-of-range bounds clamp (string.sub rules); step >= 1. */
static int l_slice(lua_State *L) {
  Tensor *t = checktensor(L, 1);
  int d = credo_checkdim(L, 2, t);
  if (t->ndim == 0) luaL_argerror(L, 1, "cannot slice a 0-d tensor");
  int64_t n = t->shape[d];
  lua_Integer start = luaL_checkinteger(L, 3);
  lua_Integer stop = luaL_optinteger(L, 4, -1);
  lua_Integer step = luaL_optinteger(L, 5, 1);
  luaL_argcheck(L, step >= 1, 5, "step must be positive");
  if (start < 0) start += n + 1;
  if (stop < 0) stop += n + 1;
  if (start < 1) start = 1;
  if (stop > n) stop = n;
  int64_t count = stop >= start ? (stop - start) / step + 1 : 0;
  Tensor *v = pushview(L, t);
  tensor_view_slice(v, d, count > 0 ? start - 1 : 0, count, step);
  return 1;
}

static int l_select(lua_State *L) {
  Tensor *t = checktensor(L, 1);
  int d = credo_checkdim(L, 2, t);
  if (t->ndim == 0) luaL_argerror(L, 1, "cannot select from a 0-d tensor");
  int64_t i = argindex(L, 3, d, t->shape[d]);
  Tensor *v = pushview(L, t);
  tensor_view_select(v, d, i);
  return 1;
}

static int l_unsqueeze(lua_State *L) {
  Tensor *t = checktensor(L, 1);
  lua_Integer d = luaL_checkinteger(L, 2);
  lua_Integer dd = d < 0 ? d + t->ndim + 2 : d;
  if (dd < 1 || dd > t->ndim + 1)
    luaL_argerror(L, 2, lua_pushfstring(L, "dimension %I out of range for "
                                           "unsqueeze of a %d-d tensor",
                                        (LUAI_UACINT)d, t->ndim));
  if (t->ndim == TENSOR_MAXDIM)
    luaL_argerror(L, 1, lua_pushfstring(L, "too many dimensions (at most "
                                           "%d)", TENSOR_MAXDIM));
  Tensor *v = pushview(L, t);
  tensor_view_unsqueeze(v, (int)dd - 1);
  return 1;
}

static int l_squeeze(lua_State *L) {
  Tensor *t = checktensor(L, 1);
  int d = lua_isnoneornil(L, 2) ? -1 : credo_checkdim(L, 2, t);
  Tensor *v = pushview(L, t);
  if (t->ndim > 0) tensor_view_squeeze(v, d);
  return 1;
}

/* t:flatten([start [, stop]]): dims start..stop merged into one (a view
 * when the strides allow, else a copy). */
static int l_flatten(lua_State *L) {
  Tensor *t = checktensor(L, 1);
  int s = credo_optdim(L, 2, t, 0);
  int e = credo_optdim(L, 3, t, t->ndim > 0 ? t->ndim - 1 : 0);
  if (e < s)
    luaL_argerror(L, 3, "end dimension comes before the start dimension");
  int nd = 0;
  int64_t shape[TENSOR_MAXDIM];
  if (t->ndim == 0) shape[nd++] = 1;
  for (int i = 0; i < t->ndim; i++) {
    if (i > s && i <= e) shape[nd - 1] *= t->shape[i];
    else shape[nd++] = t->shape[i];
  }
  Tensor *v = pushview(L, t);
  if (tensor_view_reshape(v, nd, shape) == 0) return 1;
  lua_pop(L, 1);
  Tensor *c = newtensor(L, t->dtype, nd, shape, 0);
  tensor_copy(c, t);
  return 1;
}

/* t:expand(sizes): a broadcast view (stride 0); -1 keeps a size */
static int l_expand(lua_State *L) {
  Tensor *t = checktensor(L, 1);
  int nd;
  int64_t shape[TENSOR_MAXDIM];
  checksizes(L, 2, &nd, shape, 1);
  int lead = nd - t->ndim, ok = lead >= 0;
  for (int i = 0; ok && i < nd; i++) {
    if (shape[i] == -1) {
      if (i < lead) ok = 0;
      else shape[i] = t->shape[i - lead];
    }
  }
  if (ok && tensor_numel_shape(nd, shape) < 0)
    luaL_argerror(L, 2, "too many elements (the count overflows int64)");
  Tensor *v = pushview(L, t);
  if (!ok || tensor_view_expand(v, nd, shape) != 0) {
    char b1[200], b2[200];
    luaL_argerror(L, 2, lua_pushfstring(L, "cannot expand shape %s to %s",
                                        tensor_shape_str(t, b1, sizeof b1),
                                        shapestr(b2, sizeof b2, nd, shape)));
  }
  return 1;
}

/* ---- element access ---- */

/* t:get(i, j, ...): one index per dim -> a number */
static int l_get(lua_State *L) {
  Tensor *t = checktensor(L, 1);
  int n = lua_gettop(L) - 1;
  if (n != t->ndim)
    luaL_argerror(L, 1, lua_pushfstring(L, "get needs %d indices for a %d-d "
                                           "tensor, got %d",
                                        t->ndim, t->ndim, n));
  int64_t off = t->offset;
  for (int d = 0; d < t->ndim; d++)
    off += argindex(L, d + 2, d, t->shape[d]) * t->stride[d];
  pushelem(L, t, off);
  return 1;
}

/* t:set(i, j, ..., v) */
static int l_set(lua_State *L) {
  Tensor *t = checktensor(L, 1);
  int n = lua_gettop(L) - 2;
  if (n != t->ndim)
    luaL_argerror(L, 1, lua_pushfstring(L, "set needs %d indices and a value "
                                           "for a %d-d tensor",
                                        t->ndim, t->ndim));
  int64_t off = t->offset;
  for (int d = 0; d < t->ndim; d++)
    off += argindex(L, d + 2, d, t->shape[d]) * t->stride[d];
  checkwritable(L, 1, t);
  storeelem(L, n + 2, t, off);
  lua_settop(L, 1);
  return 1;
}

/* __index: an integer key selects along dim 1 (a number for a 1-d tensor,
 * a view otherwise); "shape" is the size table; anything else is looked
 * up in the methods table (upvalue 2). */
static int m_index(lua_State *L) {
  if (lua_type(L, 2) == LUA_TNUMBER) {
    Tensor *t = checktensor(L, 1);
    if (t->ndim == 0) luaL_argerror(L, 1, "cannot index a 0-d tensor");
    int64_t i = argindex(L, 2, 0, t->shape[0]);
    if (t->ndim == 1) {
      pushelem(L, t, t->offset + i * t->stride[0]);
    } else {
      Tensor *v = pushview(L, t);
      tensor_view_select(v, 0, i);
    }
    return 1;
  }
  lua_pushvalue(L, 2);
  if (lua_rawget(L, lua_upvalueindex(2)) != LUA_TNIL) return 1;
  if (lua_type(L, 2) == LUA_TSTRING && !strcmp(lua_tostring(L, 2), "shape")) {
    Tensor *t = checktensor(L, 1);
    pushshape(L, t->ndim, t->shape);
  }
  return 1;
}

/* copy the value at arg (number or tensor broadcast) into dst */
static void assign(lua_State *L, int arg, Tensor *dst) {
  checkwritable(L, 1, dst);
  if (lua_type(L, arg) == LUA_TNUMBER) {
    fillnumber(L, arg, dst);
    return;
  }
  Tensor *src = testtensor(L, arg);
  if (!src) luaL_typeerror(L, arg, "number or tensor");
  if (!tensor_broadcasts_to(src, dst->ndim, dst->shape)) {
    char b1[200], b2[200];
    luaL_argerror(L, arg, lua_pushfstring(L, "shape %s cannot be broadcast "
                                             "to %s",
                                          tensor_shape_str(src, b1, sizeof b1),
                                          tensor_shape_str(dst, b2, sizeof b2)));
  }
  const Tensor *s = unalias(L, dst, src);
  credo_status st = tensor_copy_broadcast(dst, s);
  if (st != CREDO_OK) credo_statuserror(L, "copy", st);
}

/* __newindex: t[i] = number or tensor (broadcast into the selected slice) */
static int m_newindex(lua_State *L) {
  Tensor *t = checktensor(L, 1);
  if (lua_type(L, 2) != LUA_TNUMBER)
    luaL_argerror(L, 2, "tensor fields cannot be assigned (index with an "
                        "integer)");
  if (t->ndim == 0) luaL_argerror(L, 1, "cannot index a 0-d tensor");
  int64_t i = argindex(L, 2, 0, t->shape[0]);
  /* a metadata-only view: t, alive on the stack, keeps the storage */
  Tensor v = *t;
  tensor_view_select(&v, 0, i);
  assign(L, 3, &v);
  return 0;
}

static int m_len(lua_State *L) {
  Tensor *t = checktensor(L, 1);
  if (t->ndim == 0) luaL_argerror(L, 1, "a 0-d tensor has no length");
  lua_pushinteger(L, t->shape[0]);
  return 1;
}

/* ---- copies and conversion ---- */

/* t:copy(src): src broadcast into t (converting dtype); returns t */
static int l_copy(lua_State *L) {
  Tensor *t = checktensor(L, 1);
  checktensor(L, 2);
  assign(L, 2, t);
  lua_settop(L, 1);
  return 1;
}

static int l_clone(lua_State *L) {
  Tensor *t = checktensor(L, 1);
  Tensor *c = newlike(L, t, t->dtype, 0);
  tensor_copy_strided(c, t);
  return 1;
}

static int l_contiguous(lua_State *L) {
  Tensor *t = checktensor(L, 1);
  if (tensor_is_contiguous(t)) {
    lua_settop(L, 1);
    return 1;
  }
  return l_clone(L);
}

/* t itself when it has dtype dt already (torch), else a converted copy */
static int convert(lua_State *L, tensor_dtype dt) {
  Tensor *t = checktensor(L, 1);
  if (t->dtype == dt) {
    lua_settop(L, 1);
    return 1;
  }
  Tensor *c = newlike(L, t, dt, 0);
  tensor_copy_strided(c, t);
  return 1;
}

/* t:type() -> dtype name; t:type(dtype) -> converted */
static int l_type(lua_State *L) {
  Tensor *t = checktensor(L, 1);
  if (lua_isnoneornil(L, 2)) {
    lua_pushstring(L, tensor_dtype_name(t->dtype));
    return 1;
  }
  tensor_dtype dt = credo_optdtype(L, 2, t->dtype);
  lua_settop(L, 1);
  return convert(L, dt);
}

static int l_float(lua_State *L) { return convert(L, TENSOR_F32); }
static int l_double(lua_State *L) { return convert(L, TENSOR_F64); }
static int l_long(lua_State *L) { return convert(L, TENSOR_I64); }

static void totable(lua_State *L, const Tensor *t, int d, int64_t off) {
  if (d == t->ndim) {
    pushelem(L, t, off);
    return;
  }
  luaL_checkstack(L, 3, "totable");
  int64_t n = t->shape[d];
  lua_createtable(L, n < INT32_MAX ? (int)n : 0, 0);
  for (int64_t i = 0; i < n; i++) {
    totable(L, t, d + 1, off + i * t->stride[d]);
    lua_rawseti(L, -2, (lua_Integer)i + 1);
  }
}

/* nested Lua tables (a number for a 0-d tensor) */
static int l_totable(lua_State *L) {
  Tensor *t = checktensor(L, 1);
  totable(L, t, 0, t->offset);
  return 1;
}

static int l_item(lua_State *L) {
  Tensor *t = checktensor(L, 1);
  int64_t n = tensor_numel(t);
  if (n != 1)
    luaL_argerror(L, 1, lua_pushfstring(L, "item() needs one element, the "
                                           "tensor has %I",
                                        (LUAI_UACINT)n));
  int64_t off = t->offset; /* the one element: every index is 0 */
  pushelem(L, t, off);
  return 1;
}

static int l_fill_(lua_State *L) {
  Tensor *t = checktensor(L, 1);
  luaL_checknumber(L, 2);
  checkwritable(L, 1, t);
  fillnumber(L, 2, t);
  lua_settop(L, 1);
  return 1;
}

static int l_zero_(lua_State *L) {
  Tensor *t = checktensor(L, 1);
  checkwritable(L, 1, t);
  tensor_fill(t, 0);
  lua_settop(L, 1);
  return 1;
}

/* ---- metamethods ---- */

static int m_gc(lua_State *L) {
  if (!istensor(L, 1)) luaL_typeerror(L, 1, CREDO_TENSOR);
  tensor_release((Tensor *)lua_touserdata(L, 1));
  return 0;
}

static int m_tostring(lua_State *L) {
  if (!istensor(L, 1)) luaL_typeerror(L, 1, CREDO_TENSOR);
  Tensor *t = (Tensor *)lua_touserdata(L, 1);
  if (t->storage == NULL) {
    lua_pushliteral(L, "tensor(<freed>)");
    return 1;
  }
  char *s = tensor_format(t);
  if (!s) return luaL_error(L, "not enough memory to print a tensor");
  lua_pushstring(L, s);
  free(s);
  return 1;
}

static int m_unm(lua_State *L) {
  lua_settop(L, 1);
  return l_neg(L);
}

/* ---- registration ---- */

#define BOTH(NAME) {#NAME, l_##NAME}, {#NAME "_", l_##NAME##_}

static const luaL_Reg funcs[] = {
  {"tensor", l_tensor},
  {"zeros", l_zeros},
  {"ones", l_ones},
  {"empty", l_empty},
  {"full", l_full},
  {"zeros_like", l_zeros_like},
  {"ones_like", l_ones_like},
  {"full_like", l_full_like},
  {"arange", l_arange},
  {"linspace", l_linspace},
  {"eye", l_eye},
  {"is_tensor", l_is_tensor},
  {"tensor_bytes", l_tensor_bytes},
  {"where", l_where},
  /* the elementwise ops as functions: credo.add(a, b), credo.exp(t) */
  {"add", l_add}, {"sub", l_sub}, {"mul", l_mul}, {"div", l_div},
  {"pow", l_pow}, {"maximum", l_maximum}, {"minimum", l_minimum},
  {"fmod", l_fmod}, {"remainder", l_remainder},
  {"floor_divide", l_floor_divide},
  {"eq", l_eq}, {"ne", l_ne}, {"lt", l_lt}, {"le", l_le}, {"gt", l_gt},
  {"ge", l_ge},
  {"neg", l_neg}, {"abs", l_abs}, {"exp", l_exp}, {"log", l_log},
  {"log1p", l_log1p}, {"expm1", l_expm1}, {"sqrt", l_sqrt},
  {"tanh", l_tanh}, {"sigmoid", l_sigmoid}, {"relu", l_relu},
  {"floor", l_floor}, {"ceil", l_ceil}, {"round", l_round},
  {"sign", l_sign}, {"clamp", l_clamp},
  {"isnan", l_isnan}, {"isfinite", l_isfinite},
  {NULL, NULL}
};

static const luaL_Reg methods[] = {
  {"size", l_size},
  {"stride", l_stride},
  {"dim", l_dim},
  {"numel", l_numel},
  {"dtype", l_dtype},
  {"is_contiguous", l_is_contiguous},
  {"shares_storage", l_shares_storage},
  {"reshape", l_reshape},
  {"view", l_view},
  {"transpose", l_transpose},
  {"t", l_t},
  {"permute", l_permute},
  {"narrow", l_narrow},
  {"slice", l_slice},
  {"select", l_select},
  {"unsqueeze", l_unsqueeze},
  {"squeeze", l_squeeze},
  {"flatten", l_flatten},
  {"expand", l_expand},
  {"get", l_get},
  {"set", l_set},
  {"copy", l_copy},
  {"clone", l_clone},
  {"contiguous", l_contiguous},
  {"type", l_type},
  {"float", l_float},
  {"double", l_double},
  {"long", l_long},
  {"totable", l_totable},
  {"item", l_item},
  {"fill_", l_fill_},
  {"zero_", l_zero_},
  BOTH(add), BOTH(sub), BOTH(mul), BOTH(div), BOTH(pow),
  BOTH(maximum), BOTH(minimum), BOTH(fmod), BOTH(remainder),
  BOTH(floor_divide),
  {"eq", l_eq}, {"ne", l_ne}, {"lt", l_lt}, {"le", l_le}, {"gt", l_gt},
  {"ge", l_ge},
  BOTH(neg), BOTH(abs), BOTH(exp), BOTH(log), BOTH(log1p), BOTH(expm1),
  BOTH(sqrt), BOTH(tanh), BOTH(sigmoid), BOTH(relu), BOTH(floor),
  BOTH(ceil), BOTH(round), BOTH(sign), BOTH(clamp),
  {"isnan", l_isnan},
  {"isfinite", l_isfinite},
  {NULL, NULL}
};

static const luaL_Reg metameth[] = {
  {"__gc", m_gc},
  {"__close", m_gc},
  {"__tostring", m_tostring},
  {"__newindex", m_newindex},
  {"__len", m_len},
  {"__add", l_add},
  {"__sub", l_sub},
  {"__mul", l_mul},
  {"__div", l_div},
  {"__pow", l_pow},
  {"__mod", l_remainder},
  {"__idiv", l_floor_divide},
  {"__unm", m_unm},
  {NULL, NULL}
};

int luaopen_credo_tensor(lua_State *L) {
  luaL_newmetatable(L, CREDO_TENSOR);
  lua_pushvalue(L, -1);
  luaL_setfuncs(L, metameth, 1);              /* upvalue: the metatable */
  lua_pushvalue(L, -1);
  lua_newtable(L);                            /* methods */
  lua_pushvalue(L, -2);
  luaL_setfuncs(L, methods, 1);
  luaL_setfuncs(L, credo_tensor_reduce_methods, 0);
  luaL_setfuncs(L, credo_tensor_linalg_methods, 0);
  lua_pushcclosure(L, m_index, 2);            /* upvalues: metatable, methods */
  lua_setfield(L, -2, "__index");             /* metatable.__index = m_index */
  luaL_newlibtable(L, funcs);
  lua_pushvalue(L, -2);
  luaL_setfuncs(L, funcs, 1);
  luaL_setfuncs(L, credo_tensor_reduce_funcs, 0);
  luaL_setfuncs(L, credo_tensor_linalg_funcs, 0);
  lua_remove(L, -2);                          /* the metatable */
  return 1;
}
