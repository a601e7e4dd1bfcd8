/*
 * reduce_lua.c: Lua binding of the tensor reductions, scans, sorting,
 * gathering/scattering and joining (the core is tensor_reduce.c).
 *
 * Exports credo_tensor_reduce_methods (Tensor methods: t:sum(), t:sort(),
 * t:gather(), ...) and credo_tensor_reduce_funcs (module functions, seen
 * by users as credo.cat and credo.stack), which tensor_lua.c merges.  This
 * file checks every argument and decides shapes and dtypes; the core trusts
 * them.  Conventions (docs/tensor-reduce.md): dims and indices 1-based,
 * negative dims from the end; full reductions return Lua values, reductions
 * along a dim return tensors; errors `bad argument #N to 'op' (...)`.
 *
 * What it is not: no arithmetic of its own, no reduction over several dims
 * at once.
 */
#include "../common/credo_lua.h"
#include "tensor_ops.h"
#include "tensor_reduce.h"

#include <math.h>
#include <string.h>

/* ---- helpers ---- */

/* Push an empty (storage-less) tensor for a core function to initialise;
 * its __gc is safe, so raising afterwards leaks nothing. */
static Tensor *newbox(lua_State *L) {
  Tensor *t = (Tensor *)lua_newuserdatauv(L, sizeof(Tensor), 0);
  memset(t, 0, sizeof *t);
  luaL_setmetatable(L, CREDO_TENSOR);
  return t;
}

static const char *shapestr(const Tensor *t, char *buf, size_t n) {
  return tensor_shape_str(t, buf, n);
}

static const char *rawshapestr(char *buf, size_t n, int ndim,
                               const int64_t *shape) {
  Tensor tmp;
  tmp.ndim = ndim;
  for (int i = 0; i < ndim; i++) tmp.shape[i] = shape[i];
  return tensor_shape_str(&tmp, buf, n);
}

/* Optional boolean at i (nil/none -> def); anything else is an error. */
static int optbool(lua_State *L, int i, int def) {
  if (lua_isnoneornil(L, i)) return def;
  luaL_checktype(L, i, LUA_TBOOLEAN);
  return lua_toboolean(L, i);
}

static void checkstatus(lua_State *L, const char *op, credo_status s) {
  if (s != CREDO_OK) credo_statuserror(L, op, s);
}

/* The int64 index tensor at i (any shape), or an error naming it. */
static Tensor *checkindex(lua_State *L, int i, const char *what) {
  Tensor *t = credo_testtensor(L, i);
  if (!t)
    luaL_argerror(L, i, lua_pushfstring(L, "%s must be an int64 tensor, got "
                                           "%s", what, luaL_typename(L, i)));
  if (!t->storage) luaL_argerror(L, i, "tensor has been freed");
  if (t->dtype != TENSOR_I64)
    luaL_argerror(L, i, lua_pushfstring(L, "%s must be an int64 tensor, got "
                                           "%s", what,
                                        tensor_dtype_name(t->dtype)));
  return t;
}

/* Every entry of index (argument i) in 1..size of dimension dim of self. */
static void checkrange(lua_State *L, int i, const Tensor *index, int dim,
                       int64_t size) {
  int64_t v;
  if (tensor_index_find_bad(index, size, &v) >= 0)
    luaL_argerror(L, i, lua_pushfstring(L, "index %I out of range for "
                                           "dimension %d of size %I",
                                        (LUAI_UACINT)v, dim + 1,
                                        (LUAI_UACINT)size));
}

static void checkatleast1d(lua_State *L, const Tensor *t) {
  if (t->ndim == 0)
    luaL_argerror(L, 1, "expected a tensor with at least 1 dimension, got "
                        "a 0-d tensor");
}

static void checkwritable(lua_State *L, const Tensor *t) {
  if (tensor_is_expanded(t))
    luaL_argerror(L, 1, "cannot write in place into an expanded tensor "
                        "(some elements share memory)");
}

/* ---- reductions ---- */

/* Push a full reduction's value: boolean for any/all, integer for int64
 * results (1-based flat position for argmin/argmax), number otherwise. */
static void pushscalar(lua_State *L, tensor_reduce_op op,
                       const tensor_scalar *r) {
  if (op == TENSOR_RED_ANY || op == TENSOR_RED_ALL)
    lua_pushboolean(L, r->i != 0);
  else if (op == TENSOR_RED_ARGMIN || op == TENSOR_RED_ARGMAX)
    lua_pushinteger(L, (lua_Integer)r->i + 1);
  else if (r->is_int)
    lua_pushinteger(L, (lua_Integer)r->i);
  else
    lua_pushnumber(L, r->f);
}

/* t:op() or t:op(dim [, keepdim]) with dim at argument dimarg. */
static int reduce(lua_State *L, tensor_reduce_op op, int dimarg,
                  const tensor_reduce_args *a) {
  Tensor *x = credo_checktensor(L, 1);
  const char *name = tensor_reduce_name(op);
  char sb[128];
  if (!tensor_reduce_accepts(op, x->dtype))
    luaL_argerror(L, 1, lua_pushfstring(L, "%s needs a float tensor, got "
                                           "int64 (convert with :double() "
                                           "or :float())", name));
  if (lua_isnoneornil(L, dimarg)) {
    optbool(L, dimarg + 1, 0);
    if (tensor_reduce_needs_element(op) && tensor_numel(x) == 0)
      luaL_argerror(L, 1, lua_pushfstring(L, "empty tensor of shape %s has "
                                             "no %s",
                                          shapestr(x, sb, sizeof sb), name));
    tensor_scalar r;
    checkstatus(L, name, tensor_reduce_all(&r, x, op, a));
    pushscalar(L, op, &r);
    return 1;
  }
  int dim = credo_checkdim(L, dimarg, x);
  int keep = optbool(L, dimarg + 1, 0);
  if (tensor_reduce_needs_element(op) && x->ndim > 0 && x->shape[dim] == 0)
    luaL_argerror(L, dimarg, lua_pushfstring(L, "dimension %d of shape %s is "
                                                "empty: no %s", dim + 1,
                                             shapestr(x, sb, sizeof sb), name));
  int nd;
  int64_t shape[TENSOR_MAXDIM];
  tensor_reduce_shape(&nd, shape, x, dim, keep);
  Tensor *out = credo_newtensor(L, tensor_reduce_dtype(op, x->dtype), nd,
                                shape);
  Tensor *idx = NULL;
  if (op == TENSOR_RED_MIN || op == TENSOR_RED_MAX)
    idx = credo_newtensor(L, TENSOR_I64, nd, shape);
  checkstatus(L, name, tensor_reduce_dim(out, idx, x, dim, op, a));
  return idx ? 2 : 1;
}

static const tensor_reduce_args defargs = {1, 2};

static int l_sum(lua_State *L) { return reduce(L, TENSOR_RED_SUM, 2, &defargs); }
static int l_mean(lua_State *L) { return reduce(L, TENSOR_RED_MEAN, 2, &defargs); }
static int l_prod(lua_State *L) { return reduce(L, TENSOR_RED_PROD, 2, &defargs); }
static int l_min(lua_State *L) { return reduce(L, TENSOR_RED_MIN, 2, &defargs); }
static int l_max(lua_State *L) { return reduce(L, TENSOR_RED_MAX, 2, &defargs); }
static int l_argmin(lua_State *L) { return reduce(L, TENSOR_RED_ARGMIN, 2, &defargs); }
static int l_argmax(lua_State *L) { return reduce(L, TENSOR_RED_ARGMAX, 2, &defargs); }
static int l_any(lua_State *L) { return reduce(L, TENSOR_RED_ANY, 2, &defargs); }
static int l_all(lua_State *L) { return reduce(L, TENSOR_RED_ALL, 2, &defargs); }
static int l_count_nonzero(lua_State *L) {
  return reduce(L, TENSOR_RED_COUNT_NONZERO, 2, &defargs);
}

/* t:var([dim [, keepdim [, correction]]]), correction >= 0, default 1 */
static int var_std(lua_State *L, tensor_reduce_op op) {
  tensor_reduce_args a = defargs;
  a.correction = luaL_optnumber(L, 4, 1);
  luaL_argcheck(L, a.correction >= 0 && isfinite(a.correction), 4,
                "correction must be a finite number >= 0");
  return reduce(L, op, 2, &a);
}

static int l_var(lua_State *L) { return var_std(L, TENSOR_RED_VAR); }
static int l_std(lua_State *L) { return var_std(L, TENSOR_RED_STD); }

/* t:norm([p [, dim [, keepdim]]]), p > 0 or math.huge, default 2 */
static int l_norm(lua_State *L) {
  tensor_reduce_args a = defargs;
  a.p = luaL_optnumber(L, 2, 2);
  if (!(a.p > 0))
    luaL_argerror(L, 2, lua_pushfstring(L, "p must be > 0 (or math.huge), "
                                           "got %f", (double)a.p));
  return reduce(L, TENSOR_RED_NORM, 3, &a);
}

/* t:cumsum(dim), t:cumprod(dim): same shape and dtype */
static int cumulate(lua_State *L, int prod) {
  Tensor *x = credo_checktensor(L, 1);
  int dim = credo_checkdim(L, 2, x);
  Tensor *out = credo_newtensor(L, x->dtype, x->ndim, x->shape);
  checkstatus(L, prod ? "cumprod" : "cumsum",
              prod ? tensor_cumprod(out, x, dim) : tensor_cumsum(out, x, dim));
  return 1;
}

static int l_cumsum(lua_State *L) { return cumulate(L, 0); }
static int l_cumprod(lua_State *L) { return cumulate(L, 1); }

/* ---- sorting ---- */

/* t:sort([dim=-1 [, descending=false]]) -> values, indices */
static int sort(lua_State *L, int want_values) {
  Tensor *x = credo_checktensor(L, 1);
  int dim = credo_optdim(L, 2, x, x->ndim > 0 ? x->ndim - 1 : 0);
  int desc = optbool(L, 3, 0);
  Tensor *v = want_values ? credo_newtensor(L, x->dtype, x->ndim, x->shape)
                          : NULL;
  Tensor *i = credo_newtensor(L, TENSOR_I64, x->ndim, x->shape);
  checkstatus(L, want_values ? "sort" : "argsort",
              tensor_sort(v, i, x, dim, desc));
  return want_values ? 2 : 1;
}

static int l_sort(lua_State *L) { return sort(L, 1); }
static int l_argsort(lua_State *L) { return sort(L, 0); }

static int64_t dimsize(const Tensor *x, int dim) {
  return x->ndim ? x->shape[dim] : 1;
}

/* k at argument 2 in lo..size of dimension dim. */
static int64_t checkk(lua_State *L, const Tensor *x, int dim, int64_t lo) {
  lua_Integer k = luaL_checkinteger(L, 2);
  int64_t n = dimsize(x, dim);
  if (k < lo || k > n)
    luaL_argerror(L, 2, lua_pushfstring(L, "k (%I) out of range for "
                                           "dimension %d of size %I",
                                        (LUAI_UACINT)k, dim + 1,
                                        (LUAI_UACINT)n));
  return (int64_t)k;
}

/* t:topk(k [, dim=-1 [, largest=true [, sorted=true]]]) -> values, indices */
static int l_topk(lua_State *L) {
  Tensor *x = credo_checktensor(L, 1);
  int dim = credo_optdim(L, 3, x, x->ndim > 0 ? x->ndim - 1 : 0);
  int64_t k = checkk(L, x, dim, 0);
  int largest = optbool(L, 4, 1), sorted = optbool(L, 5, 1);
  int64_t shape[TENSOR_MAXDIM];
  memcpy(shape, x->shape, sizeof shape);
  if (x->ndim) shape[dim] = k;
  Tensor *v = credo_newtensor(L, x->dtype, x->ndim, shape);
  Tensor *i = credo_newtensor(L, TENSOR_I64, x->ndim, shape);
  checkstatus(L, "topk", tensor_topk(v, i, x, dim, k, largest, sorted));
  return 2;
}

/* t:kthvalue(k [, dim=-1 [, keepdim=false]]) -> values, indices */
static int l_kthvalue(lua_State *L) {
  Tensor *x = credo_checktensor(L, 1);
  int dim = credo_optdim(L, 3, x, x->ndim > 0 ? x->ndim - 1 : 0);
  int64_t k = checkk(L, x, dim, 1);
  int keep = optbool(L, 4, 0);
  int nd;
  int64_t shape[TENSOR_MAXDIM];
  tensor_reduce_shape(&nd, shape, x, dim, keep);
  Tensor *v = credo_newtensor(L, x->dtype, nd, shape);
  Tensor *i = credo_newtensor(L, TENSOR_I64, nd, shape);
  checkstatus(L, "kthvalue", tensor_kthvalue(v, i, x, dim, k));
  return 2;
}

/* t:unique([return_inverse [, return_counts]]) -> values [, inverse]
 * [, counts] */
static int l_unique(lua_State *L) {
  Tensor *x = credo_checktensor(L, 1);
  int inv = optbool(L, 2, 0), cnt = optbool(L, 3, 0);
  Tensor *v = newbox(L);
  Tensor *i = inv ? newbox(L) : NULL;
  Tensor *c = cnt ? newbox(L) : NULL;
  checkstatus(L, "unique", tensor_unique(v, i, c, x));
  return 1 + inv + cnt;
}

/* ---- gathering ---- */

/* t:gather(dim, index): index has t's ndim and no size above t's except
 * along dim; result has index's shape */
static int l_gather(lua_State *L) {
  Tensor *x = credo_checktensor(L, 1);
  checkatleast1d(L, x);
  int dim = credo_checkdim(L, 2, x);
  Tensor *index = checkindex(L, 3, "index");
  char sa[128], sb[128];
  int fits = index->ndim == x->ndim;
  for (int d = 0; fits && d < x->ndim; d++)
    if (d != dim && index->shape[d] > x->shape[d]) fits = 0;
  if (!fits)
    luaL_argerror(L, 3, lua_pushfstring(L, "index shape %s does not fit self "
                                           "shape %s (same number of dims, "
                                           "no larger size except in "
                                           "dimension %d)",
                                        shapestr(index, sa, sizeof sa),
                                        shapestr(x, sb, sizeof sb), dim + 1));
  checkrange(L, 3, index, dim, x->shape[dim]);
  Tensor *out = credo_newtensor(L, x->dtype, index->ndim, index->shape);
  checkstatus(L, "gather", tensor_gather(out, x, dim, index));
  return 1;
}

/* 0-d or 1-d index at argument i. */
static Tensor *checkindex1d(lua_State *L, int i) {
  Tensor *index = checkindex(L, i, "index");
  char sa[128];
  if (index->ndim > 1)
    luaL_argerror(L, i, lua_pushfstring(L, "index must be 0-d or 1-d, got "
                                           "shape %s",
                                        shapestr(index, sa, sizeof sa)));
  return index;
}

/* t:index_select(dim, index): index 0-d or 1-d */
static int l_index_select(lua_State *L) {
  Tensor *x = credo_checktensor(L, 1);
  checkatleast1d(L, x);
  int dim = credo_checkdim(L, 2, x);
  Tensor *index = checkindex1d(L, 3);
  checkrange(L, 3, index, dim, x->shape[dim]);
  int64_t shape[TENSOR_MAXDIM];
  memcpy(shape, x->shape, sizeof shape);
  shape[dim] = tensor_numel(index);
  Tensor *out = credo_newtensor(L, x->dtype, x->ndim, shape);
  checkstatus(L, "index_select", tensor_index_select(out, x, dim, index));
  return 1;
}

/* t:masked_select(mask): mask int64, broadcast with t -> 1-d */
static int l_masked_select(lua_State *L) {
  Tensor *x = credo_checktensor(L, 1);
  Tensor *mask = checkindex(L, 2, "mask");
  int nd;
  int64_t shape[TENSOR_MAXDIM];
  char sa[128], sb[128];
  if (tensor_broadcast_shape(&nd, shape, x->ndim, x->shape, mask->ndim,
                             mask->shape) != 0)
    luaL_argerror(L, 2, lua_pushfstring(L, "mask shape %s does not "
                                           "broadcast with self shape %s",
                                        shapestr(mask, sa, sizeof sa),
                                        shapestr(x, sb, sizeof sb)));
  Tensor *out = newbox(L);
  checkstatus(L, "masked_select", tensor_masked_select(out, x, mask));
  return 1;
}

/* t:nonzero() -> (count, ndim) int64, 1-based */
static int l_nonzero(lua_State *L) {
  Tensor *x = credo_checktensor(L, 1);
  Tensor *out = newbox(L);
  checkstatus(L, "nonzero", tensor_nonzero(out, x));
  return 1;
}

/* ---- scattering ---- */

/* self:scatter_(dim, index, src|value) / scatter_add_(dim, index, src) */
static int scatter(lua_State *L, tensor_put_mode mode) {
  const char *name = mode == TENSOR_PUT_ADD ? "scatter_add_" : "scatter_";
  Tensor *self = credo_checktensor(L, 1);
  checkatleast1d(L, self);
  checkwritable(L, self);
  int dim = credo_checkdim(L, 2, self);
  Tensor *index = checkindex(L, 3, "index");
  Tensor *src = credo_testtensor(L, 4);
  char sa[128], sb[128], sc[128];
  if (!src && (mode == TENSOR_PUT_ADD || lua_type(L, 4) != LUA_TNUMBER))
    luaL_typeerror(L, 4, mode == TENSOR_PUT_ADD ? "tensor" : "tensor or number");
  if (src && !src->storage) luaL_argerror(L, 4, "tensor has been freed");
  if (src && src->dtype != self->dtype)
    luaL_argerror(L, 4, lua_pushfstring(L, "src dtype %s does not match self "
                                           "dtype %s",
                                        tensor_dtype_name(src->dtype),
                                        tensor_dtype_name(self->dtype)));
  int fits = index->ndim == self->ndim && (!src || src->ndim == self->ndim);
  for (int d = 0; fits && d < self->ndim; d++) {
    if (d != dim && index->shape[d] > self->shape[d]) fits = 0;
    if (src && index->shape[d] > src->shape[d]) fits = 0;
  }
  if (!fits)
    luaL_argerror(L, 3, lua_pushfstring(L, "index shape %s does not fit self "
                                           "shape %s and src shape %s (same "
                                           "number of dims, no size above "
                                           "src's, nor above self's except in "
                                           "dimension %d)",
                                        shapestr(index, sa, sizeof sa),
                                        shapestr(self, sb, sizeof sb),
                                        src ? shapestr(src, sc, sizeof sc)
                                            : "(number)",
                                        dim + 1));
  checkrange(L, 3, index, dim, self->shape[dim]);
  credo_status s;
  if (src) {
    s = tensor_scatter(self, dim, index, src, mode);
  } else {
    lua_Number v = lua_tonumber(L, 4);
    if (self->dtype == TENSOR_I64 && !lua_isinteger(L, 4) && !isfinite(v))
      luaL_argerror(L, 4, "cannot store a non-finite value in an int64 tensor");
    s = tensor_scatter_fill(self, dim, index, v);
  }
  checkstatus(L, name, s);
  lua_settop(L, 1);
  return 1;
}

static int l_scatter_(lua_State *L) { return scatter(L, TENSOR_PUT_COPY); }
static int l_scatter_add_(lua_State *L) { return scatter(L, TENSOR_PUT_ADD); }

/* self:index_copy_(dim, index, src) / index_add_(dim, index, src):
 * src has self's shape except src.shape[dim] = numel(index) */
static int index_put(lua_State *L, tensor_put_mode mode) {
  const char *name = mode == TENSOR_PUT_ADD ? "index_add_" : "index_copy_";
  Tensor *self = credo_checktensor(L, 1);
  checkatleast1d(L, self);
  checkwritable(L, self);
  int dim = credo_checkdim(L, 2, self);
  Tensor *index = checkindex1d(L, 3);
  Tensor *src = credo_checktensor(L, 4);
  char sa[128], sb[128];
  if (src->dtype != self->dtype)
    luaL_argerror(L, 4, lua_pushfstring(L, "src dtype %s does not match self "
                                           "dtype %s",
                                        tensor_dtype_name(src->dtype),
                                        tensor_dtype_name(self->dtype)));
  int64_t want[TENSOR_MAXDIM];
  memcpy(want, self->shape, sizeof want);
  want[dim] = tensor_numel(index);
  int fits = src->ndim == self->ndim;
  for (int d = 0; fits && d < self->ndim; d++)
    if (src->shape[d] != want[d]) fits = 0;
  if (!fits)
    luaL_argerror(L, 4, lua_pushfstring(L, "src shape %s, expected %s (self "
                                           "shape with dimension %d the "
                                           "length of index)",
                                        shapestr(src, sa, sizeof sa),
                                        rawshapestr(sb, sizeof sb, self->ndim,
                                                    want),
                                        dim + 1));
  checkrange(L, 3, index, dim, self->shape[dim]);
  checkstatus(L, name, tensor_index_put(self, dim, index, src, mode));
  lua_settop(L, 1);
  return 1;
}

static int l_index_copy_(lua_State *L) { return index_put(L, TENSOR_PUT_COPY); }
static int l_index_add_(lua_State *L) { return index_put(L, TENSOR_PUT_ADD); }

/* self:index_fill_(dim, index, value) */
static int l_index_fill_(lua_State *L) {
  Tensor *self = credo_checktensor(L, 1);
  checkatleast1d(L, self);
  checkwritable(L, self);
  int dim = credo_checkdim(L, 2, self);
  Tensor *index = checkindex1d(L, 3);
  lua_Number v = luaL_checknumber(L, 4);
  if (self->dtype == TENSOR_I64 && !lua_isinteger(L, 4) && !isfinite(v))
    luaL_argerror(L, 4, "cannot store a non-finite value in an int64 tensor");
  checkrange(L, 3, index, dim, self->shape[dim]);
  checkstatus(L, "index_fill_", tensor_index_fill(self, dim, index, v));
  lua_settop(L, 1);
  return 1;
}

/* t:bincount([minlength=0 [, weights]]): t 1-d int64 >= 0 */
static int l_bincount(lua_State *L) {
  Tensor *x = credo_checktensor(L, 1);
  char sa[128], sb[128];
  if (x->dtype != TENSOR_I64 || x->ndim != 1)
    luaL_argerror(L, 1, lua_pushfstring(L, "expected a 1-d int64 tensor, got "
                                           "a %s tensor of shape %s",
                                        tensor_dtype_name(x->dtype),
                                        shapestr(x, sa, sizeof sa)));
  lua_Integer minlength = luaL_optinteger(L, 2, 0);
  luaL_argcheck(L, minlength >= 0, 2, "minlength must be >= 0");
  Tensor *w = NULL;
  if (!lua_isnoneornil(L, 3)) {
    w = credo_checktensor(L, 3);
    if (!tensor_same_shape(w, x))
      luaL_argerror(L, 3, lua_pushfstring(L, "weights shape %s does not "
                                             "match self shape %s",
                                          shapestr(w, sa, sizeof sa),
                                          shapestr(x, sb, sizeof sb)));
  }
  if (x->shape[0] > 0) {
    tensor_scalar r;
    tensor_reduce_args a = defargs;
    checkstatus(L, "bincount", tensor_reduce_all(&r, x, TENSOR_RED_MIN, &a));
    if (r.i < 0)
      luaL_argerror(L, 1, lua_pushfstring(L, "value %I at position %I is "
                                             "negative",
                                          (LUAI_UACINT)r.i,
                                          (LUAI_UACINT)(r.index + 1)));
  }
  Tensor *out = newbox(L);
  checkstatus(L, "bincount", tensor_bincount(out, x, w, minlength));
  return 1;
}

/* ---- splitting ---- */

/* Splits into more views than this are refused (each is a Lua object:
 * 2^24 already take gigabytes). */
#define MAX_PIECES ((int64_t)1 << 24)

static void checkpieces(lua_State *L, int64_t pieces) {
  if (pieces > MAX_PIECES)
    luaL_argerror(L, 2, lua_pushfstring(L, "would make %I views (at most %I)",
                                        (LUAI_UACINT)pieces, (LUAI_UACINT)MAX_PIECES));
}

/* Push the view of x narrowed to [start, start+len) along dim into the
 * table at the top of the stack, at position k. */
static void addpiece(lua_State *L, const Tensor *x, int dim, int64_t start,
                     int64_t len, lua_Integer k) {
  Tensor *v = credo_pushview(L, x);
  tensor_view_narrow(v, dim, start, len);
  lua_rawseti(L, -2, k);
}

/* t:split(size | {sizes}, [dim=1]) -> list of views */
static int l_split(lua_State *L) {
  Tensor *x = credo_checktensor(L, 1);
  checkatleast1d(L, x);
  int dim = credo_optdim(L, 3, x, 0);
  int64_t n = x->shape[dim];
  if (lua_istable(L, 2)) {
    lua_Integer m = luaL_len(L, 2), total = 0;
    for (lua_Integer k = 1; k <= m; k++) {
      int isint;
      lua_Integer s = (lua_geti(L, 2, k), lua_tointegerx(L, -1, &isint));
      lua_pop(L, 1);
      if (!isint || s < 0)
        luaL_argerror(L, 2, lua_pushfstring(L, "sizes[%I] must be an integer "
                                               ">= 0", (LUAI_UACINT)k));
      if (s > n - total)                 /* the sum would pass the size */
        luaL_argerror(L, 2, lua_pushfstring(L, "sizes sum to more than the size %I of "
                                               "dimension %d", (LUAI_UACINT)n, dim + 1));
      total += s;
    }
    if (total != n)
      luaL_argerror(L, 2, lua_pushfstring(L, "sizes sum to %I but dimension "
                                             "%d has size %I",
                                          (LUAI_UACINT)total, dim + 1,
                                          (LUAI_UACINT)n));
    lua_createtable(L, (int)m, 0);
    int64_t start = 0;
    for (lua_Integer k = 1; k <= m; k++) {
      lua_geti(L, 2, k);
      int64_t s = (int64_t)lua_tointeger(L, -1);
      lua_pop(L, 1);
      addpiece(L, x, dim, start, s, k);
      start += s;
    }
    return 1;
  }
  lua_Integer size = luaL_checkinteger(L, 2);
  luaL_argcheck(L, size >= 1, 2, "split size must be >= 1");
  checkpieces(L, n / size + (n % size != 0));
  lua_newtable(L);
  lua_Integer k = 1;
  for (int64_t start = 0; start < n || (n == 0 && k == 1); start += size) {
    int64_t len = n - start < size ? n - start : size;
    addpiece(L, x, dim, start, len, k++);
  }
  return 1;
}

/* t:chunk(n, [dim=1]) -> list of at most n views of ceil(size/n) */
static int l_chunk(lua_State *L) {
  Tensor *x = credo_checktensor(L, 1);
  checkatleast1d(L, x);
  lua_Integer chunks = luaL_checkinteger(L, 2);
  luaL_argcheck(L, chunks >= 1, 2, "number of chunks must be >= 1");
  int dim = credo_optdim(L, 3, x, 0);
  int64_t n = x->shape[dim];
  int64_t size = n / chunks + (n % chunks != 0);   /* ceil, without overflow */
  if (size < 1) size = 1;
  checkpieces(L, n / size + (n % size != 0));
  lua_newtable(L);
  lua_Integer k = 1;
  for (int64_t start = 0; start < n || (n == 0 && k == 1); start += size) {
    int64_t len = n - start < size ? n - start : size;
    addpiece(L, x, dim, start, len, k++);
  }
  return 1;
}

/* ---- joining ---- */

/* The tensors of the list at argument 1, in a GC-owned array pushed on the
 * stack (so an error later frees it); *n receives the count. */
static const Tensor **checklist(lua_State *L, int *n, const char *name) {
  luaL_checktype(L, 1, LUA_TTABLE);
  lua_Integer m = luaL_len(L, 1);
  if (m < 1)
    luaL_argerror(L, 1, lua_pushfstring(L, "expected a non-empty list of "
                                           "tensors for %s", name));
  luaL_argcheck(L, m <= 1000000, 1, "too many tensors");
  const Tensor **xs = (const Tensor **)lua_newuserdatauv(
      L, sizeof *xs * (size_t)m, 0);
  for (lua_Integer k = 1; k <= m; k++) {
    lua_geti(L, 1, k);
    Tensor *t = credo_testtensor(L, -1);
    if (!t || !t->storage)
      luaL_argerror(L, 1, lua_pushfstring(L, "element %I is %s, expected a "
                                             "tensor", (LUAI_UACINT)k,
                                          t ? "a freed tensor"
                                            : luaL_typename(L, -1)));
    xs[k - 1] = t;
    lua_pop(L, 1);   /* the list keeps it alive */
  }
  *n = (int)m;
  return xs;
}

/* credo.cat(list [, dim=1]): dtype promoted over the list; 1-d empty
 * tensors are skipped */
static int l_cat(lua_State *L) {
  int n;
  lua_settop(L, 2);   /* the list, the dim; checklist's box goes above */
  const Tensor **xs = checklist(L, &n, "cat");
  int ref = -1;
  tensor_dtype dt = xs[0]->dtype;
  for (int k = 0; k < n; k++) {
    dt = tensor_promote(dt, xs[k]->dtype);
    if (ref < 0 && !(xs[k]->ndim == 1 && xs[k]->shape[0] == 0)) ref = k;
  }
  if (ref < 0) {   /* only empty 1-d tensors */
    int64_t zero = 0;
    credo_newtensor(L, dt, 1, &zero);
    return 1;
  }
  const Tensor *r = xs[ref];
  if (r->ndim == 0)
    luaL_argerror(L, 1, lua_pushfstring(L, "element %d is a 0-d tensor, "
                                           "which cannot be concatenated",
                                        ref + 1));
  int dim = credo_optdim(L, 2, r, 0);
  int64_t shape[TENSOR_MAXDIM];
  memcpy(shape, r->shape, sizeof shape);
  shape[dim] = 0;
  char sa[128], sb[128];
  for (int k = 0; k < n; k++) {
    const Tensor *x = xs[k];
    if (x->ndim == 1 && x->shape[0] == 0) continue;
    int ok = x->ndim == r->ndim;
    for (int d = 0; ok && d < r->ndim; d++)
      if (d != dim && x->shape[d] != r->shape[d]) ok = 0;
    if (!ok)
      luaL_argerror(L, 1, lua_pushfstring(L, "tensor %d has shape %s but "
                                             "tensor %d has shape %s (sizes "
                                             "must match except in dimension "
                                             "%d)", k + 1,
                                          shapestr(x, sa, sizeof sa), ref + 1,
                                          shapestr(r, sb, sizeof sb), dim + 1));
    if (__builtin_add_overflow(shape[dim], x->shape[dim], &shape[dim]))
      luaL_argerror(L, 1, lua_pushfstring(L, "the sizes along dimension %d overflow", dim + 1));
  }
  Tensor *out = credo_newtensor(L, dt, r->ndim, shape);
  checkstatus(L, "cat", tensor_cat(out, (const Tensor *const *)xs, n, dim));
  return 1;
}

/* credo.stack(list [, dim=1]): a new dim 1..ndim+1 (negative from the
 * end: -1 = new last) */
static int l_stack(lua_State *L) {
  int n;
  lua_settop(L, 2);
  const Tensor **xs = checklist(L, &n, "stack");
  const Tensor *r = xs[0];
  char sa[128], sb[128];
  if (r->ndim >= TENSOR_MAXDIM)
    luaL_argerror(L, 1, lua_pushfstring(L, "cannot stack %d-d tensors (at "
                                           "most %d dims)", r->ndim,
                                        TENSOR_MAXDIM));
  lua_Integer d = luaL_optinteger(L, 2, 1);
  lua_Integer nd = r->ndim + 1;
  lua_Integer dd = d < 0 ? d + nd + 1 : d;
  if (dd < 1 || dd > nd)
    luaL_argerror(L, 2, lua_pushfstring(L, "dimension %I out of range for "
                                           "stacking %d-d tensors (1..%I)",
                                        (LUAI_UACINT)d, r->ndim,
                                        (LUAI_UACINT)nd));
  int dim = (int)dd - 1;
  tensor_dtype dt = r->dtype;
  for (int k = 1; k < n; k++) {
    if (!tensor_same_shape(xs[k], r))
      luaL_argerror(L, 1, lua_pushfstring(L, "tensor %d has shape %s but "
                                             "tensor 1 has shape %s (stack "
                                             "needs equal shapes)", k + 1,
                                          shapestr(xs[k], sa, sizeof sa),
                                          shapestr(r, sb, sizeof sb)));
    dt = tensor_promote(dt, xs[k]->dtype);
  }
  int64_t shape[TENSOR_MAXDIM];
  for (int i = 0, j = 0; i < (int)nd; i++)
    shape[i] = i == dim ? n : r->shape[j++];
  Tensor *out = credo_newtensor(L, dt, (int)nd, shape);
  checkstatus(L, "stack", tensor_stack(out, (const Tensor *const *)xs, n, dim));
  return 1;
}

const luaL_Reg credo_tensor_reduce_methods[] = {
  {"sum", l_sum}, {"mean", l_mean}, {"prod", l_prod}, {"var", l_var},
  {"std", l_std}, {"norm", l_norm}, {"min", l_min}, {"max", l_max},
  {"argmin", l_argmin}, {"argmax", l_argmax}, {"any", l_any},
  {"all", l_all}, {"count_nonzero", l_count_nonzero},
  {"cumsum", l_cumsum}, {"cumprod", l_cumprod},
  {"sort", l_sort}, {"argsort", l_argsort}, {"topk", l_topk},
  {"kthvalue", l_kthvalue}, {"unique", l_unique},
  {"gather", l_gather}, {"index_select", l_index_select},
  {"masked_select", l_masked_select}, {"nonzero", l_nonzero},
  {"scatter_", l_scatter_}, {"scatter_add_", l_scatter_add_},
  {"index_copy_", l_index_copy_}, {"index_add_", l_index_add_},
  {"index_fill_", l_index_fill_}, {"bincount", l_bincount},
  {"split", l_split}, {"chunk", l_chunk},
  {NULL, NULL}
};

const luaL_Reg credo_tensor_reduce_funcs[] = {
  {"cat", l_cat}, {"stack", l_stack}, {"bincount", l_bincount},
  {NULL, NULL}
};
