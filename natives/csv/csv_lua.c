/* csv_lua.c: Lua binding of credo.csv (being written). */
#include "../common/credo_lua.h"

static const luaL_Reg funcs[] = {{NULL, NULL}};

int luaopen_credo_csv(lua_State *L) {
  luaL_newlib(L, funcs);
  return 1;
}
