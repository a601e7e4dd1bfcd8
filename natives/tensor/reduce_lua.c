/* reduce_lua.c: Lua binding of the tensor reduce operations (being written). */
#include "../common/credo_lua.h"

const luaL_Reg credo_tensor_reduce_methods[] = {{NULL, NULL}};
const luaL_Reg credo_tensor_reduce_funcs[] = {{NULL, NULL}};
