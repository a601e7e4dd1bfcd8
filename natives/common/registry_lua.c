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
#include <stdio.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
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
  {"credo.rl_core", luaopen_credo_rl},
  {"credo.linear_core", luaopen_credo_linear},
  {"credo.pso_core", luaopen_credo_pso},
  {"credo.knn_core", luaopen_credo_knn},
  {"credo.svm_core", luaopen_credo_svm},
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

/* ---- worker processes (stdlib/credo/tune.lua's `workers`) ----
 * fork_pipe() -> pid, fd: fork with a pipe from child to parent.  The
 * parent gets the child's pid and the read end; the child gets 0 and the
 * write end.  The child must finish with exit_now, which skips atexit
 * handlers and stdio flushing (the parent owns those buffers). */
static int l_fork_pipe(lua_State *L) {
  int fds[2];
  if (pipe(fds) != 0) return luaL_fileresult(L, 0, "pipe");
  fflush(NULL); /* nothing buffered gets written twice */
  pid_t pid = fork();
  if (pid < 0) {
    int e = errno;
    close(fds[0]);
    close(fds[1]);
    errno = e;
    return luaL_fileresult(L, 0, "fork");
  }
  if (pid == 0) {
    close(fds[0]);
    lua_pushinteger(L, 0);
    lua_pushinteger(L, fds[1]);
  } else {
    close(fds[1]);
    lua_pushinteger(L, pid);
    lua_pushinteger(L, fds[0]);
  }
  return 2;
}

/* fd_write(fd, s) -> true | nil, message: all of s (retrying short
 * writes). */
static int l_fd_write(lua_State *L) {
  int fd = (int)luaL_checkinteger(L, 1);
  size_t n;
  const char *s = luaL_checklstring(L, 2, &n);
  while (n > 0) {
    ssize_t k = write(fd, s, n);
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) return luaL_fileresult(L, 0, "write");
    s += k;
    n -= (size_t)k;
  }
  lua_pushboolean(L, 1);
  return 1;
}

/* fd_read_all(fd) -> string | nil, message: read to end of file, then
 * close fd. */
static int l_fd_read_all(lua_State *L) {
  int fd = (int)luaL_checkinteger(L, 1);
  luaL_Buffer b;
  luaL_buffinit(L, &b);
  for (;;) {
    char *p = luaL_prepbuffer(&b);
    ssize_t k = read(fd, p, LUAL_BUFFERSIZE);
    if (k < 0 && errno == EINTR) continue;
    if (k < 0) {
      int e = errno;
      close(fd);
      errno = e;
      return luaL_fileresult(L, 0, "read");
    }
    if (k == 0) break;
    luaL_addsize(&b, (size_t)k);
  }
  close(fd);
  luaL_pushresult(&b);
  return 1;
}

/* wait(pid) -> exit code (128 + signal number if killed by a signal). */
static int l_wait(lua_State *L) {
  pid_t pid = (pid_t)luaL_checkinteger(L, 1);
  int st;
  while (waitpid(pid, &st, 0) < 0) {
    if (errno != EINTR) return luaL_fileresult(L, 0, "waitpid");
  }
  lua_pushinteger(L, WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
  return 1;
}

/* exit_now(code): _exit, for a forked child. */
static int l_exit_now(lua_State *L) {
  _exit((int)luaL_optinteger(L, 1, 0));
  return 0;
}

static const luaL_Reg sys_funcs[] = {
  {"fork_pipe", l_fork_pipe},
  {"fd_write", l_fd_write},
  {"fd_read_all", l_fd_read_all},
  {"wait", l_wait},
  {"exit_now", l_exit_now},
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
