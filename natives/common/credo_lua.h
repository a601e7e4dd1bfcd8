/*
 * credo_lua.h: what the thin Lua bindings of credo share.
 *
 * Userdata type names, the tensor check/push helpers every binding uses to
 * exchange tensors with Lua, raising a core status as a Lua error, the
 * argument checks the learners' bindings share (check_lua.c: X, y, sample
 * weights, params fields), and the table of native openers shared by the
 * host and `require "credo.core"`.
 */
#ifndef CREDO_LUA_H
#define CREDO_LUA_H

#include <lauxlib.h>
#include <lua.h>

#include "../tensor/tensor.h"
#include "credo_core.h"

#define CREDO_TENSOR "credo.Tensor"
#define CREDO_GENERATOR "credo.Generator"

/* The tensor at stack index i, or a Lua error naming argument i. */
Tensor *credo_checktensor(lua_State *L, int i);
/* The tensor at i, or NULL if that value is not a tensor. */
Tensor *credo_testtensor(lua_State *L, int i);

/* Push a new contiguous zero-filled tensor and return it.  Raises a Lua
 * error ("not enough memory for a float32 tensor of shape [..]") when the
 * allocation fails or the size overflows.  The userdata is created empty
 * before the storage is allocated, so nothing leaks on error.  May run a
 * full garbage collection first (credo_gc_account): keep every tensor you
 * still use anchored on the stack, as for any allocation. */
Tensor *credo_newtensor(lua_State *L, tensor_dtype dt, int ndim,
                        const int64_t *shape);
/* Count nbytes of tensor data about to be allocated toward the pacing of
 * Lua's collector (tensor_lua.c): may run a full collection, so call it
 * before creating the new userdata, with every tensor in use anchored on
 * the stack.  credo_newtensor calls it. */
void credo_gc_account(lua_State *L, size_t nbytes);
/* Push a view sharing src's storage (same shape/strides/offset, which the
 * caller may then change). */
Tensor *credo_pushview(lua_State *L, const Tensor *src);

/* Raise a Lua error for a core status: "<op>: <status text>".  Clears the
 * interrupt flag when status is CREDO_EINTR.  Never returns. */
int credo_statuserror(lua_State *L, const char *op, credo_status s);

/* Read a dtype name at argument i ("float32", "float64", "int64"), or def
 * when absent/nil. */
tensor_dtype credo_optdtype(lua_State *L, int i, tensor_dtype def);

/* Argument i as a dimension of t: 1-based, negative counts from the end
 * (-1 = last).  Returns the 0-based dimension or raises naming argument i. */
int credo_checkdim(lua_State *L, int i, const Tensor *t);
/* Same, with a default (0-based) when the argument is absent/nil. */
int credo_optdim(lua_State *L, int i, const Tensor *t, int def);

/* ---- argument checks shared by the learners' bindings (check_lua.c) ---- */

/* luaL_argerror on argument i with a lua_pushfstring-formatted message
 * (%s %d %I %f %p %c %%).  Never returns. */
int credo_argfail(lua_State *L, int i, const char *fmt, ...);

enum {
  CREDO_MATRIX_FLOAT = 1, /* refuse int64: "<what> must be float32 or float64" */
  CREDO_MATRIX_COLS = 2   /* refuse zero columns: "<what> has no columns" */
};
/* The 2-d tensor at i (named what in messages) with at least one row, in
 * this order: "<what> must be a 2-d tensor (got shape [..])", [FLOAT],
 * "<what> has no rows", [COLS].  Size caps stay with the caller. */
Tensor *credo_checkmatrix(lua_State *L, int i, const char *what, int flags);
/* The same for a value at stack slot idx that is a field of argument arg
 * (an options table's entry): messages name argument #arg. */
Tensor *credo_checkmatrix_at(lua_State *L, int idx, int arg, const char *what, int flags);
/* The live tensor at stack slot idx, errors naming argument #arg. */
Tensor *credo_checktensor_at(lua_State *L, int idx, int arg);
/* Every value of the 2-d tensor t (argument i) finite, or "<what> contains
 * NaN | an infinite value at row r, column c<hint>" for the first one in
 * row-major order (1-based; hint may be NULL, else starts with a space). */
void credo_checkfinite2d(lua_State *L, int i, const Tensor *t, const char *what,
                         const char *hint);
/* Same check while copying t into a new contiguous float64 (n, d) tensor
 * left on the stack; returns its data. */
double *credo_tof64_2d(lua_State *L, int i, const Tensor *t, const char *what,
                       const char *hint);
/* NULL when every value v of the 2-d float tensor t keeps squared
 * distances finite in its dtype (|v| <= sqrt(MAX / (4 d)) for d columns:
 * |x|^2, 2 q.x, their sum and x_b - x_a all stay finite), else a message
 * pushed on the stack naming the first one: "<what> holds <v> at row r,
 * column c: too large for finite squared distances in <dtype> with d
 * features (|value| <= <limit>; scale the data)".  KNN and SMOTE use it. */
const char *credo_distrange(lua_State *L, const Tensor *t, const char *what);
/* y at i: an int64 1-d tensor of n labels, else "y must be an int64 tensor
 * of class labels <which> (got <dtype>)" or "y must be a 1-d tensor of n
 * labels, one per row of X (got shape [..])".  Values are not checked. */
Tensor *credo_checklabels(lua_State *L, int i, int64_t n, const char *which);
/* Sample weights: the value at stack index idx must be a 1-d tensor of n
 * weights, each finite and >= 0; errors name argument arg.  Returns a new
 * float64 copy left on the stack (the sum check stays with the caller). */
double *credo_checkweights(lua_State *L, int idx, int arg, int64_t n);
/* Required fields of the params table at t: a number in [lo, hi] ((lo, hi]
 * with open_lo), an integer in [lo, hi], a boolean (Lua truthiness).  Errors
 * name argument t: "params.<name> must be a number|an integer",
 * "params.<name> must be in [lo, hi] (got v)". */
double credo_numfield(lua_State *L, int t, const char *name, double lo, double hi,
                      int open_lo);
lua_Integer credo_intfield(lua_State *L, int t, const char *name, lua_Integer lo,
                           lua_Integer hi);
int credo_boolfield(lua_State *L, int t, const char *name);

/* Method and function arrays that other binding files add to the Tensor
 * metatable / the credo.tensor module (tensor_lua.c merges them). */
extern const luaL_Reg credo_tensor_reduce_methods[];
extern const luaL_Reg credo_tensor_reduce_funcs[];
extern const luaL_Reg credo_tensor_linalg_methods[];
extern const luaL_Reg credo_tensor_linalg_funcs[];

/* Put every native opener into package.preload under its "credo.*" name. */
void credo_preload(lua_State *L);

/* The native openers, one per module (registry_lua.c lists them). */
int luaopen_credo_tensor(lua_State *L);
int luaopen_credo_random(lua_State *L);
int luaopen_credo_csv(lua_State *L);
int luaopen_credo_serialize(lua_State *L);
int luaopen_credo_sys(lua_State *L);
int luaopen_credo_metrics(lua_State *L);
int luaopen_credo_gbdt(lua_State *L);
int luaopen_credo_sample(lua_State *L);
int luaopen_credo_nn(lua_State *L);
int luaopen_credo_nn_optim(lua_State *L);
int luaopen_credo_nn_rnn(lua_State *L);
int luaopen_credo_forest(lua_State *L);
int luaopen_credo_prep(lua_State *L);
int luaopen_credo_rl(lua_State *L);
int luaopen_credo_linear(lua_State *L);
int luaopen_credo_pso(lua_State *L);
int luaopen_credo_knn(lua_State *L);
int luaopen_credo_svm(lua_State *L);
/* `require "credo.core"`: preload every native, return them in a table. */
int luaopen_credo_core(lua_State *L);

#endif
