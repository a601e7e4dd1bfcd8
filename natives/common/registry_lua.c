/*
 * registry_lua.c: the one table of native openers.  The host calls
 * credo_preload at start-up; the stock interpreter reaches the same table
 * through `require "credo.core"` (build/lua/credo/core.so).  Adding a native
 * module is one line in natives[].
 *
 * Also the `credo.sys` native: threads, interrupt flag, version.
 */
#include "credo_lua.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#ifndef CREDO_VERSION
#define CREDO_VERSION "0.0.0"
#endif

static const luaL_Reg natives[] = {
  {"credo.tensor", luaopen_credo_tensor},
  {"credo.random", luaopen_credo_random},
  {"credo.csv", luaopen_credo_csv},
  {"credo.serialize", luaopen_credo_serialize},
  {"credo.sys", luaopen_credo_sys},
  {"credo.metrics_core", luaopen_credo_metrics},
  {"credo.gbdt_core", luaopen_credo_gbdt},
  {"credo.sample", luaopen_credo_sample},
  {"credo.nn_core", luaopen_credo_nn},
  {"credo.nn_optim", luaopen_credo_nn_optim},
  {"credo.nn_rnn", luaopen_credo_nn_rnn},
  {"credo.forest_core", luaopen_credo_forest},
  {"credo.prep_core", luaopen_credo_prep},
  {"credo.linear_core", luaopen_credo_linear},
  {NULL, NULL}
};

void credo_preload(lua_State *L) {
  luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_PRELOAD_TABLE);
  for (const luaL_Reg *r = natives; r->name; r++) {
    lua_pushcfunction(L, r->func);
    lua_setfield(L, -2, r->name);
  }
  lua_pop(L, 1);
}

int luaopen_credo_core(lua_State *L) {
  credo_threads_set(credo_threads_get()); /* OpenMP + OpenBLAS as the host */
  credo_preload(L);
  lua_newtable(L);
  for (const luaL_Reg *r = natives; r->name; r++) {
    lua_getglobal(L, "require");
    lua_pushstring(L, r->name);
    lua_call(L, 1, 1);                         /* require(name) */
    lua_setfield(L, -2, r->name + 6);          /* core[name minus "credo."] */
  }
  return 1;
}

/* ---- credo.sys ---- */

static int l_threads(lua_State *L) {
  if (!lua_isnoneornil(L, 1)) {
    lua_Integer n = luaL_checkinteger(L, 1);
    luaL_argcheck(L, n >= 1 && n <= 1024, 1, "thread count must be 1..1024");
    credo_threads_set((int)n);
  }
  lua_pushinteger(L, credo_threads_get());
  return 1;
}

static int l_interrupted(lua_State *L) {
  lua_pushboolean(L, credo_interrupted != 0);
  return 1;
}

static int l_clear_interrupt(lua_State *L) {
  (void)L;
  credo_interrupted = 0;
  return 0;
}

/* Monotonic wall-clock seconds (for timing; os.clock is CPU time, summed
 * over threads). */
static int l_clock(lua_State *L) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  lua_pushnumber(L, (lua_Number)ts.tv_sec + (lua_Number)ts.tv_nsec * 1e-9);
  return 1;
}

/* Peak resident set size of this process so far, in MiB. */
static int l_peak_rss_mb(lua_State *L) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  lua_pushnumber(L, (lua_Number)ru.ru_maxrss / 1024.0);
  return 1;
}

/* isatty([fd = 1]) -> is_terminal, columns: whether file descriptor fd is
 * a terminal and, if so, its width in columns (0 if unknown).  For
 * progress displays (stdlib/credo/progress.lua). */
static int l_isatty(lua_State *L) {
  int fd = (int)luaL_optinteger(L, 1, 1);
  int tty = isatty(fd);
  lua_pushboolean(L, tty);
  struct winsize ws;
  lua_pushinteger(L, tty && ioctl(fd, TIOCGWINSZ, &ws) == 0 ? ws.ws_col : 0);
  return 2;
}

/* mkdir(path) -> true | nil, message, errno: one directory (mode 0777 less
 * the umask), not its parents; an existing path is an error (EEXIST).
 * For run folders (stdlib/credo/report.lua), which stock Lua cannot make. */
static int l_mkdir(lua_State *L) {
  const char *path = luaL_checkstring(L, 1);
  return luaL_fileresult(L, mkdir(path, 0777) == 0, path);
}

/* fsync(path) -> true | nil, message, errno: flush a closed file, or a
 * directory's entries (after a rename in it), to the disk. */
static int l_fsync(lua_State *L) {
  const char *path = luaL_checkstring(L, 1);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return luaL_fileresult(L, 0, path);
  int ok = fsync(fd) == 0;
  int e = errno;
  close(fd);
  errno = e;
  return luaL_fileresult(L, ok, path);
}

static const luaL_Reg sys_funcs[] = {
  {"mkdir", l_mkdir},
  {"fsync", l_fsync},
  {"isatty", l_isatty},
  {"clock", l_clock},
  {"peak_rss_mb", l_peak_rss_mb},
  {"threads", l_threads},
  {"interrupted", l_interrupted},
  {"clear_interrupt", l_clear_interrupt},
  {NULL, NULL}
};

int luaopen_credo_sys(lua_State *L) {
  luaL_newlib(L, sys_funcs);
  lua_pushliteral(L, CREDO_VERSION);
  lua_setfield(L, -2, "version");
  return 1;
}
