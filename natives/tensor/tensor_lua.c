/*
 * tensor_lua.c: Lua binding of credo.tensor (being written).
 * Builds the Tensor metatable from this file's arrays plus those exported by
 * reduce_lua.c and linalg_lua.c.
 */
#include "../common/credo_lua.h"

static int m_gc(lua_State *L) {
  Tensor *t = (Tensor *)luaL_checkudata(L, 1, CREDO_TENSOR);
  tensor_release(t);
  return 0;
}

static const luaL_Reg funcs[] = {{NULL, NULL}};
static const luaL_Reg methods[] = {{NULL, NULL}};
static const luaL_Reg metameth[] = {
  {"__gc", m_gc}, {"__close", m_gc}, {NULL, NULL}};

int luaopen_credo_tensor(lua_State *L) {
  luaL_newmetatable(L, CREDO_TENSOR);
  luaL_setfuncs(L, metameth, 0);
  lua_newtable(L);                            /* methods */
  luaL_setfuncs(L, methods, 0);
  luaL_setfuncs(L, credo_tensor_reduce_methods, 0);
  luaL_setfuncs(L, credo_tensor_linalg_methods, 0);
  lua_setfield(L, -2, "__index");             /* metatable.__index = methods */
  lua_pop(L, 1);
  luaL_newlib(L, funcs);
  luaL_setfuncs(L, credo_tensor_reduce_funcs, 0);
  luaL_setfuncs(L, credo_tensor_linalg_funcs, 0);
  return 1;
}
