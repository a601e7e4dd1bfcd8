/* linalg_lua.c: Lua binding of the tensor linalg operations (being written). */
#include "../common/credo_lua.h"

const luaL_Reg credo_tensor_linalg_methods[] = {{NULL, NULL}};
const luaL_Reg credo_tensor_linalg_funcs[] = {{NULL, NULL}};
