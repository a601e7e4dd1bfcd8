/* main.c: the credo host (being written). */
#include <lauxlib.h>
#include <lualib.h>
#include <stdio.h>

#include "../natives/common/credo_lua.h"

int main(int argc, char **argv) {
  lua_State *L = luaL_newstate();
  luaL_openlibs(L);
  credo_preload(L);
  int rc = 0;
  if (argc > 1 && luaL_dofile(L, argv[1])) {
    fprintf(stderr, "credo: %s\n", lua_tostring(L, -1));
    rc = 1;
  }
  lua_close(L);
  return rc;
}
