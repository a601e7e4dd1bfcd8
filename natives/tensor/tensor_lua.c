/*
 * tensor_lua.c: Lua binding of credo.tensor (being written).
 */
#include "../common/credo_lua.h"

static int m_gc(lua_State *L) {
  Tensor *t = (Tensor *)luaL_checkudata(L, 1, CREDO_TENSOR);
  tensor_release(t);
  return 0;
}

static const luaL_Reg funcs[] = {{NULL, NULL}};
static const luaL_Reg metameth[] = {
  {"__gc", m_gc}, {"__close", m_gc}, {NULL, NULL}};

int luaopen_credo_tensor(lua_State *L) {
  luaL_newmetatable(L, CREDO_TENSOR);
  luaL_setfuncs(L, metameth, 0);
  lua_pop(L, 1);
  luaL_newlib(L, funcs);
  return 1;
}
