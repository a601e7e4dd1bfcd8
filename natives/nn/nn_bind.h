/*
 * nn_bind.h: what the nn bindings (nn_lua.c, rnn_lua.c, optim_lua.c)
 * share: typed argument fetches and the float32/float64 dispatch.  Every
 * kernel of natives/nn comes as a pair NAME_f32 / NAME_f64 taking the same
 * arguments (data as void * through ptr()), so a binding calls
 * BY_DTYPE(t, NAME, args...) and the pair is chosen by t's dtype.
 */
#ifndef CREDO_NN_BIND_H
#define CREDO_NN_BIND_H

#include "../common/credo_lua.h"

#define IS64(t) ((t)->dtype == TENSOR_F64)

/* NAME_f64(...) when t is float64, else NAME_f32(...); an expression. */
#define BY_DTYPE(t, NAME, ...) \
  (IS64(t) ? NAME##_f64(__VA_ARGS__) : NAME##_f32(__VA_ARGS__))

static inline void *ptr(Tensor *t) { return t ? tensor_data(t) : NULL; }

/* The tensor at i: contiguous, of dtype dt and n elements (n < 0: any). */
static inline Tensor *arr(lua_State *L, int i, tensor_dtype dt, int64_t n) {
  Tensor *t = credo_checktensor(L, i);
  luaL_argcheck(L, t->dtype == dt, i,
                lua_pushfstring(L, "expected a %s tensor, got %s",
                                tensor_dtype_name(dt), tensor_dtype_name(t->dtype)));
  luaL_argcheck(L, tensor_is_contiguous(t), i, "expected a contiguous tensor");
  if (n >= 0 && tensor_numel(t) != n)
    luaL_argerror(L, i, lua_pushfstring(L, "expected %I elements, got %I", (lua_Integer)n,
                                        (lua_Integer)tensor_numel(t)));
  return t;
}

/* Same, or NULL when the argument is nil or absent. */
static inline Tensor *optarr(lua_State *L, int i, tensor_dtype dt, int64_t n) {
  if (lua_isnoneornil(L, i)) return NULL;
  return arr(L, i, dt, n);
}

/* A contiguous float32/float64 tensor: the primary input of a kernel. */
static inline Tensor *floatany(lua_State *L, int i) {
  Tensor *t = credo_checktensor(L, i);
  luaL_argcheck(L, t->dtype == TENSOR_F32 || t->dtype == TENSOR_F64, i,
                "expected a float32 or float64 tensor");
  luaL_argcheck(L, tensor_is_contiguous(t), i, "expected a contiguous tensor");
  return t;
}

#endif
