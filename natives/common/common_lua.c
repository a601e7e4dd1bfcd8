/*
 * common_lua.c: the tensor exchange helpers every binding uses (see
 * credo_lua.h).  The Tensor metatable itself is built by tensor_lua.c.
 */
#include "credo_lua.h"

#include <string.h>

Tensor *credo_testtensor(lua_State *L, int i) {
  return (Tensor *)luaL_testudata(L, i, CREDO_TENSOR);
}

Tensor *credo_checktensor(lua_State *L, int i) {
  Tensor *t = (Tensor *)luaL_checkudata(L, i, CREDO_TENSOR);
  if (t->storage == NULL) luaL_argerror(L, i, "tensor has been freed");
  return t;
}

/* Push an empty (storage-less) tensor userdata carrying the metatable. */
static Tensor *newbox(lua_State *L) {
  Tensor *t = (Tensor *)lua_newuserdatauv(L, sizeof(Tensor), 0);
  memset(t, 0, sizeof *t);
  luaL_setmetatable(L, CREDO_TENSOR);
  return t;
}

Tensor *credo_newtensor(lua_State *L, tensor_dtype dt, int ndim,
                        const int64_t *shape) {
  int64_t n = tensor_numel_shape(ndim, shape);
  if (n > 0 && (size_t)n <= SIZE_MAX / 8)
    credo_gc_account(L, (size_t)n * tensor_dtype_size(dt));
  Tensor *t = newbox(L);
  if (tensor_init(t, dt, ndim, shape) != CREDO_OK) {
    Tensor tmp = {0};
    tmp.ndim = ndim;
    for (int i = 0; i < ndim; i++) tmp.shape[i] = shape[i];
    char buf[200];
    luaL_error(L, "not enough memory for a %s tensor of shape %s",
               tensor_dtype_name(dt), tensor_shape_str(&tmp, buf, sizeof buf));
  }
  return t;
}

Tensor *credo_pushview(lua_State *L, const Tensor *src) {
  Tensor *t = newbox(L);
  tensor_init_view(t, src);
  return t;
}

int credo_statuserror(lua_State *L, const char *op, credo_status s) {
  if (s == CREDO_EINTR) credo_interrupted = 0;
  return luaL_error(L, "%s: %s", op, credo_strstatus(s));
}

tensor_dtype credo_optdtype(lua_State *L, int i, tensor_dtype def) {
  if (lua_isnoneornil(L, i)) return def;
  const char *s = luaL_checkstring(L, i);
  int dt = tensor_dtype_from_name(s);
  if (dt < 0)
    luaL_argerror(L, i,
                  lua_pushfstring(L, "unknown dtype '%s' (expected float32, "
                                     "float64 or int64)", s));
  return (tensor_dtype)dt;
}

int credo_checkdim(lua_State *L, int i, const Tensor *t) {
  lua_Integer d = luaL_checkinteger(L, i);
  int nd = t->ndim > 0 ? t->ndim : 1;
  if (d < 0) d += nd + 1;
  if (d < 1 || d > nd)
    luaL_argerror(L, i, lua_pushfstring(L, "dimension %d out of range for a "
                                           "%d-d tensor", (int)luaL_checkinteger(L, i), t->ndim));
  return (int)d - 1;
}

int credo_optdim(lua_State *L, int i, const Tensor *t, int def) {
  return lua_isnoneornil(L, i) ? def : credo_checkdim(L, i, t);
}
