/*
 * strict.c: strict globals for the credo host (the semantics of Lua's
 * etc/strict.lua, written as two C metamethods on the globals table, in the
 * spirit of redis/redis luaProtectedTableError).
 *
 *   - A global is "declared" when it exists at install time or is first
 *     assigned from the main chunk of a script (or -e chunk, REPL line,
 *     module top level) or from C.
 *   - Reading a global that is neither set nor declared from Lua code is an
 *     error: "undefined global 'lenght'".
 *   - Assigning an undeclared global from inside a Lua function is an error:
 *     "assignment to undeclared global 'x' inside a function".
 *   - C code (lua_getglobal, lua_setglobal from a C function) is exempt, so
 *     libraries that probe for optional globals from C keep working.
 *   - rawget/rawset bypass it: rawset(_G, "x", v) declares nothing but sets.
 *
 * What it is not: a sandbox.  setmetatable(_G, nil) turns it off; the
 * `--no-strict` option simply never installs it.
 */
#include <string.h>

#include <lauxlib.h>

#include "host.h"

/* The `what` field of the function at stack level 1 (the code that touched
 * the global; level 0 is this metamethod): "main", "Lua" or "C".  "C" when
 * there is no such level (an access from the C API outside any call). */
static const char *caller_what(lua_State *L) {
  lua_Debug ar;
  if (!lua_getstack(L, 1, &ar) || !lua_getinfo(L, "S", &ar)) return "C";
  return ar.what;
}

/* __index(t, name); upvalue 1: the set of declared names */
static int strict_index(lua_State *L) {
  if (strcmp(caller_what(L), "C") != 0) {
    lua_pushvalue(L, 2);
    if (lua_rawget(L, lua_upvalueindex(1)) == LUA_TNIL) {
      const char *name = luaL_tolstring(L, 2, NULL);
      return luaL_error(L, "undefined global '%s'", name);
    }
  }
  lua_pushnil(L);
  return 1;
}

/* __newindex(t, name, value); upvalue 1: the set of declared names */
static int strict_newindex(lua_State *L) {
  lua_pushvalue(L, 2);
  if (lua_rawget(L, lua_upvalueindex(1)) == LUA_TNIL) {
    const char *what = caller_what(L);
    if (strcmp(what, "main") != 0 && strcmp(what, "C") != 0) {
      const char *name = luaL_tolstring(L, 2, NULL);
      return luaL_error(L, "assignment to undeclared global '%s' inside a "
                           "function", name);
    }
    lua_pushvalue(L, 2);
    lua_pushboolean(L, 1);
    lua_rawset(L, lua_upvalueindex(1));  /* declared[name] = true */
  }
  lua_pop(L, 1);
  lua_rawset(L, 1);                      /* t[name] = value */
  return 0;
}

void host_strict_install(lua_State *L) {
  lua_pushglobaltable(L);
  lua_newtable(L);                       /* declared */
  lua_pushnil(L);
  while (lua_next(L, -3) != 0) {         /* every existing global */
    lua_pop(L, 1);
    lua_pushvalue(L, -1);
    lua_pushboolean(L, 1);
    lua_rawset(L, -4);                   /* declared[k] = true */
  }
  lua_newtable(L);                       /* the metatable */
  lua_pushvalue(L, -2);
  lua_pushcclosure(L, strict_index, 1);
  lua_setfield(L, -2, "__index");
  lua_pushvalue(L, -2);
  lua_pushcclosure(L, strict_newindex, 1);
  lua_setfield(L, -2, "__newindex");
  lua_setmetatable(L, -3);               /* setmetatable(_G, mt) */
  lua_pop(L, 2);
}
