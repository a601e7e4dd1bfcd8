/*
 * main.c: the credo host's command line (after lua/lua lua.c: pmain,
 * collectargs, createargtable, runargs, handle_script, handle_luainit).
 *
 *   credo [options] [script [args]]
 *
 * Options before the script belong to the host; everything after the script
 * name reaches the script untouched in `arg` and `...`.  Start-up opens the
 * Lua libraries, preloads the natives, finds the stdlib next to the
 * executable, publishes the options in package.loaded["credo.host"], sets
 * the global `credo`, runs LUA_INIT, turns on strict globals, then runs the
 * -e/-l chunks in order, the script, and the REPL (docs/host.md is the
 * reference).
 *
 * What it is not: a package manager or a sandbox; scripts have the full
 * standard library.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cblas.h>
#include <lauxlib.h>
#include <lualib.h>

#include "../natives/common/credo_lua.h"
#include "host.h"

#ifndef CREDO_VERSION
#define CREDO_VERSION "0.0.0"
#endif

#define MAX_THREADS 1024

/* What the command line asked for (collectargs fills it). */
typedef struct {
  int script;       /* argv index of the script, or argc when there is none */
  int interactive;  /* -i */
  int version;      /* -v, --version */
  int help;         /* -h, --help */
  int run_e;        /* some -e or -l */
  int noenv;        /* -E */
  int strict;       /* 0 with --no-strict */
  int quiet;        /* --quiet */
  int threads;      /* --threads N, 0 when absent */
  char why[200];    /* usage error, "" when the line is good */
} Options;

static void usage_line(FILE *f) {
  fputs("usage: credo [options] [script [args]]\n", f);
}

static void print_help(void) {
  usage_line(stdout);
  fputs(
    "Run a Lua 5.4 script with credo's natives, or start the REPL.\n"
    "\n"
    "Options (before the script; arguments after it go to the script):\n"
    "  -e CODE        run CODE (repeatable; in order, before the script)\n"
    "  -l NAME        require NAME into the global NAME (-l G=NAME: into G)\n"
    "  -i             enter the REPL after running the script / -e chunks\n"
    "  -v, --version  print credo, Lua and OpenBLAS versions\n"
    "  -h, --help     print this help\n"
    "  -E             ignore LUA_PATH, LUA_CPATH and LUA_INIT\n"
    "  --threads N    worker threads for kernels and OpenBLAS (default: "
    "cores)\n"
    "  --no-strict    allow undeclared globals (e.g. to run busted)\n"
    "  --quiet        no banner; scripts read credo.host.quiet\n"
    "  --             stop handling options\n"
    "  -              run stdin as a script\n"
    "\n"
    "With no script and no -e, credo starts the REPL (readline on a\n"
    "terminal; piped stdin is evaluated line by line, printing values).\n"
    "\n"
    "Environment: LUA_PATH, LUA_CPATH, LUA_INIT (as lua5.4), CREDO_HISTORY\n"
    "(REPL history file; default ~/.credo_history, empty: none).\n"
    "Exit status: 0 ok, 1 a chunk raised an error, 2 bad command line;\n"
    "os.exit(n) exits with n.  Reference: docs/host.md\n",
    stdout);
}

static void print_version(void) {
  printf("credo %s\n%s\n%s\n", CREDO_VERSION, LUA_COPYRIGHT,
         openblas_get_config());
  fflush(stdout);
}

/* Parse a thread count; 0 when s is not a whole number 1..MAX_THREADS. */
static int parse_threads(const char *s) {
  char *end;
  long n = strtol(s, &end, 10);
  if (end == s || *end != '\0' || n < 1 || n > MAX_THREADS) return 0;
  return (int)n;
}

/* Walk the options (everything before the script), filling o.  Options that
 * run code (-e, -l) are only checked here; runargs runs them in order. */
static void collectargs(char **argv, int argc, Options *o) {
  memset(o, 0, sizeof *o);
  o->strict = 1;
  int i;
  for (i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (a[0] != '-') break;                       /* the script */
    if (strcmp(a, "-") == 0) break;               /* script is stdin */
    if (strcmp(a, "--") == 0) { i++; break; }
    if (strcmp(a, "-i") == 0) o->interactive = 1;
    else if (strcmp(a, "-v") == 0 || strcmp(a, "--version") == 0)
      o->version = 1;
    else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) o->help = 1;
    else if (strcmp(a, "-E") == 0) o->noenv = 1;
    else if (strcmp(a, "--no-strict") == 0) o->strict = 0;
    else if (strcmp(a, "--quiet") == 0) o->quiet = 1;
    else if (strcmp(a, "--threads") == 0 || strncmp(a, "--threads=", 10) == 0) {
      const char *v = a[9] == '=' ? a + 10 : (i + 1 < argc ? argv[++i] : NULL);
      if (v == NULL) {
        snprintf(o->why, sizeof o->why, "'--threads' needs an argument");
        break;
      }
      if ((o->threads = parse_threads(v)) == 0) {
        snprintf(o->why, sizeof o->why,
                 "'--threads' needs a whole number 1..%d, got '%.40s'",
                 MAX_THREADS, v);
        break;
      }
    } else if ((a[1] == 'e' || a[1] == 'l') && a[2] == '\0') {
      if (i + 1 >= argc) {
        snprintf(o->why, sizeof o->why, "'%s' needs an argument", a);
        break;
      }
      i++;
      o->run_e = 1;
    } else if (a[1] == 'e' || a[1] == 'l') {     /* -eCODE, -lNAME */
      o->run_e = 1;
    } else {
      snprintf(o->why, sizeof o->why, "unrecognized option '%.60s'", a);
      break;
    }
  }
  o->script = i;
}

/* The global `arg` as the stock interpreter builds it: arg[0] is the script,
 * its arguments at 1..n, the interpreter and its options at negative
 * indices.  Without a script, arg[0] is the interpreter. */
static void createargtable(lua_State *L, char **argv, int argc, int script) {
  if (script == argc) script = 0;
  lua_createtable(L, argc - (script + 1), script + 1);
  for (int i = 0; i < argc; i++) {
    lua_pushstring(L, argv[i]);
    lua_rawseti(L, -2, i - script);
  }
  lua_setglobal(L, "arg");
}

static int dochunk(lua_State *L, int status) {
  if (status == LUA_OK) status = host_docall(L, 0, 0);
  return host_report(L, status, 1);
}

static int dostring(lua_State *L, const char *s, const char *name) {
  return dochunk(L, luaL_loadbuffer(L, s, strlen(s), name));
}

/* -l NAME: global NAME = require(NAME); -l G=NAME: global G = ... */
static int dolibrary(lua_State *L, const char *spec) {
  const char *eq = strchr(spec, '=');
  const char *mod = eq ? eq + 1 : spec;
  lua_getglobal(L, "require");
  lua_pushstring(L, mod);
  int status = host_docall(L, 1, 1);
  if (status == LUA_OK) {
    if (eq) lua_pushlstring(L, spec, (size_t)(eq - spec));
    else lua_pushstring(L, spec);
    lua_insert(L, -2);
    lua_setglobal(L, lua_tostring(L, -2));
    lua_pop(L, 1);
  }
  return host_report(L, status, 1);
}

/* Run -e and -l in command-line order; returns the number that failed
 * (stopping at the first). */
static int runargs(lua_State *L, char **argv, int script) {
  for (int i = 1; i < script; i++) {
    const char *a = argv[i];
    if (a[0] != '-' || (a[1] != 'e' && a[1] != 'l')) {
      if (strcmp(a, "--threads") == 0) i++;       /* skip its value */
      continue;
    }
    const char *extra = a[2] != '\0' ? a + 2 : argv[++i];
    int status = a[1] == 'e' ? dostring(L, extra, "=(command line)")
                             : dolibrary(L, extra);
    if (status != LUA_OK) return 1;
  }
  return 0;
}

static int pushargs(lua_State *L) {
  if (lua_getglobal(L, "arg") != LUA_TTABLE)
    luaL_error(L, "'arg' is not a table");
  int n = (int)luaL_len(L, -1);
  luaL_checkstack(L, n + 3, "too many arguments to script");
  int i;
  for (i = 1; i <= n; i++) lua_rawgeti(L, -i, i);
  lua_remove(L, -i);                              /* the arg table */
  return n;
}

static int handle_script(lua_State *L, char **argv, int script) {
  const char *fname = argv[script];
  if (strcmp(fname, "-") == 0 && strcmp(argv[script - 1], "--") != 0)
    fname = NULL;                                 /* stdin */
  int status = luaL_loadfile(L, fname);
  if (status == LUA_OK) {
    int n = pushargs(L);
    status = host_docall(L, n, LUA_MULTRET);
  }
  return host_report(L, status, 1);
}

/* LUA_INIT_5_4, else LUA_INIT: "@file" runs file, anything else is code. */
static int handle_luainit(lua_State *L) {
  const char *name = "=LUA_INIT_5_4";
  const char *init = getenv(name + 1);
  if (init == NULL) {
    name = "=LUA_INIT";
    init = getenv(name + 1);
  }
  if (init == NULL) return LUA_OK;
  if (init[0] == '@') return dochunk(L, luaL_loadfile(L, init + 1));
  return dostring(L, init, name);
}

/* Does dir<sub>/credo/init.lua exist?  If so, push the canonical path of
 * dir<sub>.  (dir has room for the suffix.) */
static int pushifstdlib(lua_State *L, char *dir, size_t cap, const char *sub) {
  size_t n = strlen(dir);
  if (n + strlen(sub) + sizeof "/credo/init.lua" > cap) return 0;
  strcpy(dir + n, sub);
  strcat(dir + n, "/credo/init.lua");
  if (access(dir, R_OK) != 0) return 0;
  strcpy(dir + n, sub);
  char canon[PATH_MAX];
  lua_pushstring(L, realpath(dir, canon) ? canon : dir);
  return 1;
}

/* The stdlib directory that goes with the executable: <exe dir>/stdlib (an
 * uninstalled ./credo), <exe dir>/../stdlib (a build directory's credo), or
 * <exe dir>/../share/lua/5.4 (`make install PREFIX=...` puts the host in
 * PREFIX/bin and the stdlib there).  Pushes it, or nil when none exists (the
 * default package.path may still find it). */
static void pushstdlibdir(lua_State *L) {
  static const char *const subs[] = {"/stdlib", "/../stdlib",
                                     "/../share/lua/5.4"};
  char exe[4096], dir[4200];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n <= 0) { lua_pushnil(L); return; }
  exe[n] = '\0';
  char *slash = strrchr(exe, '/');
  if (slash == NULL) { lua_pushnil(L); return; }
  *slash = '\0';
  for (size_t i = 0; i < sizeof subs / sizeof subs[0]; i++) {
    snprintf(dir, sizeof dir, "%s", exe);
    if (pushifstdlib(L, dir, sizeof dir, subs[i])) return;
  }
  lua_pushnil(L);
}

/* package.path = "<stdlib>/?.lua;<stdlib>/?/init.lua;" .. package.path,
 * and credo.host.stdlib = <stdlib> or false.  Host table at -1. */
static void setpath(lua_State *L) {
  pushstdlibdir(L);
  if (lua_isnil(L, -1)) {
    lua_pop(L, 1);
    lua_pushboolean(L, 0);
    lua_setfield(L, -2, "stdlib");
    return;
  }
  const char *dir = lua_tostring(L, -1);
  lua_getglobal(L, "package");
  lua_getfield(L, -1, "path");
  lua_pushfstring(L, "%s/?.lua;%s/?/init.lua;%s", dir, dir,
                  lua_tostring(L, -1));
  lua_setfield(L, -3, "path");
  lua_pop(L, 2);                                  /* old path, package */
  lua_setfield(L, -2, "stdlib");
}

/* package.loaded["credo.host"]: the options, for scripts to read. */
static void pushhosttable(lua_State *L, const Options *o, char **argv,
                          int argc, int repl) {
  lua_createtable(L, 0, 10);
  lua_pushliteral(L, CREDO_VERSION);
  lua_setfield(L, -2, "version");
  lua_pushliteral(L, LUA_RELEASE);
  lua_setfield(L, -2, "lua");
  lua_pushstring(L, openblas_get_config());
  lua_setfield(L, -2, "openblas");
  lua_pushboolean(L, o->quiet);
  lua_setfield(L, -2, "quiet");
  lua_pushboolean(L, o->strict);
  lua_setfield(L, -2, "strict");
  lua_pushinteger(L, credo_threads_get());
  lua_setfield(L, -2, "threads");
  lua_pushboolean(L, repl);
  lua_setfield(L, -2, "interactive");
  if (o->script < argc) lua_pushstring(L, argv[o->script]);
  else lua_pushboolean(L, 0);
  lua_setfield(L, -2, "script");
}

/* The global `credo` = require "credo". */
static int setcredo(lua_State *L) {
  lua_getglobal(L, "require");
  lua_pushliteral(L, "credo");
  int status = host_docall(L, 1, 1);
  if (status == LUA_OK) lua_setglobal(L, "credo");
  return host_report(L, status, 1);
}

/* The whole run, in protected mode.  Pushes the exit status. */
static int pmain(lua_State *L) {
  int argc = (int)lua_tointeger(L, 1);
  char **argv = (char **)lua_touserdata(L, 2);
  Options o;
  collectargs(argv, argc, &o);
  luaL_checkversion(L);
  if (o.why[0] != '\0') {
    host_message(o.why);
    usage_line(stderr);
    fputs("Try 'credo --help'.\n", stderr);
    lua_pushinteger(L, HOST_EXIT_USAGE);
    return 1;
  }
  if (o.help) {
    print_help();
    lua_pushinteger(L, HOST_EXIT_OK);
    return 1;
  }
  int has_script = o.script < argc;
  int stdin_tty = isatty(0);
  /* the REPL runs with -i, or when there is nothing else to do */
  int repl = o.interactive || (!has_script && !o.run_e && !o.version);
  if (o.version) print_version();
  if (!has_script && !o.run_e && !repl) {
    lua_pushinteger(L, HOST_EXIT_OK);
    return 1;
  }

  if (o.noenv) {                          /* the package library reads this */
    lua_pushboolean(L, 1);
    lua_setfield(L, LUA_REGISTRYINDEX, "LUA_NOENV");
  }
  luaL_openlibs(L);
  credo_preload(L);
  luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_PRELOAD_TABLE);
  lua_pushcfunction(L, luaopen_credo_core);
  lua_setfield(L, -2, "credo.core");
  lua_pop(L, 1);
  credo_threads_set(o.threads > 0 ? o.threads : credo_threads_get());

  pushhosttable(L, &o, argv, argc, repl);
  setpath(L);
  luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_LOADED_TABLE);
  lua_insert(L, -2);
  lua_setfield(L, -2, "credo.host");     /* package.loaded["credo.host"] */
  lua_pop(L, 1);
  createargtable(L, argv, argc, o.script);

  int failed = 0;
  if (setcredo(L) != LUA_OK ||
      (!o.noenv && handle_luainit(L) != LUA_OK)) {
    lua_pushinteger(L, HOST_EXIT_ERROR);
    return 1;
  }
  if (o.strict) host_strict_install(L);
  failed = runargs(L, argv, o.script);
  if (!failed && has_script && handle_script(L, argv, o.script) != LUA_OK)
    failed = 1;
  if (failed && !o.interactive) {
    lua_pushinteger(L, HOST_EXIT_ERROR);
    return 1;
  }
  if (repl) {
    char banner[200];
    snprintf(banner, sizeof banner,
             "credo %s on %s, %d threads  (help: credo --help)",
             CREDO_VERSION, LUA_RELEASE, credo_threads_get());
    failed += host_repl(L, o.quiet || o.version ? NULL : banner);
    if (stdin_tty) failed = 0;
  }
  lua_pushinteger(L, failed ? HOST_EXIT_ERROR : HOST_EXIT_OK);
  return 1;
}

/* libgomp's threads spin while they wait for work (OMP_WAIT_POLICY unset:
 * up to ~300,000 spins per wait).  On a machine shared with other jobs a
 * spinning thread takes the core the working thread needs, and every
 * parallel region waits for a descheduled thread: measured here, an MLP
 * epoch at 2 threads took 5-13 s under load against 0.49 s with the
 * passive policy and 1.0-1.3 s on one thread; on a quiet machine the two
 * policies time the same (docs/host.md).  libgomp reads the policy once,
 * before main, so the host sets it and runs itself again: one exec, only
 * when the user has not chosen (OMP_WAIT_POLICY or GOMP_SPINCOUNT set) and
 * not under valgrind (whose preload is in LD_PRELOAD; the exec would leave
 * it). */
static void passive_wait_policy(char **argv) {
  if (getenv("OMP_WAIT_POLICY") || getenv("GOMP_SPINCOUNT")) return;
  const char *pre = getenv("LD_PRELOAD");
  if (pre && strstr(pre, "vgpreload")) return;
  if (setenv("OMP_WAIT_POLICY", "PASSIVE", 1) != 0) return;
  execv("/proc/self/exe", argv);
  /* no /proc: run on with libgomp's default */
}

int main(int argc, char **argv) {
  passive_wait_policy(argv);
  lua_State *L = luaL_newstate();
  if (L == NULL) {
    host_message("cannot create the Lua state: not enough memory");
    return HOST_EXIT_ERROR;
  }
  lua_pushcfunction(L, pmain);
  lua_pushinteger(L, argc);
  lua_pushlightuserdata(L, argv);
  int status = lua_pcall(L, 2, 1, 0);
  int rc = status == LUA_OK ? (int)lua_tointeger(L, -1) : HOST_EXIT_ERROR;
  host_report(L, status, 1);
  host_repl_cleanup();
  lua_close(L);
  return rc;
}
