/*
 * call.c: how the credo host runs a chunk (after lua/lua lua.c: msghandler,
 * docall, laction/lstop).
 *
 * Every chunk (script, -e, LUA_INIT, REPL line) is called through
 * host_docall: a message handler turns the error into "<msg>\n<traceback>",
 * and while the chunk runs SIGINT is caught by a handler that only sets the
 * kernel flag `credo_interrupted` and a Lua hook.  The hook raises
 * "interrupted!" at the next Lua call, return or instruction; native kernels
 * poll the flag themselves and return CREDO_EINTR, which their binding
 * raises.  A second SIGINT before the first is delivered kills the process
 * (the handler resets itself to the default action), so a kernel that never
 * polls can still be stopped.
 *
 * Not here: option parsing (main.c), reading input (repl.c).
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include <lauxlib.h>

#include "../natives/common/credo_core.h"
#include "host.h"

/* The state the signal handler sets its hook on; only the main thread of
 * the state is hooked (a loop inside a coroutine is stopped when control
 * returns to it, or by the kernel flag). */
static lua_State *volatile signal_L = NULL;

/* Hook installed by the signal handler: raise in the running Lua code,
 * unless a native kernel already consumed the interrupt (and raised its own
 * "<op>: interrupted" error, clearing the flag). */
static void lstop(lua_State *L, lua_Debug *ar) {
  (void)ar;
  lua_sethook(L, NULL, 0, 0);
  if (!credo_interrupted) return;
  credo_interrupted = 0;
  luaL_error(L, "interrupted!");
}

/* The SIGINT handler: only flags, as a signal cannot touch a Lua state.
 * lua_sethook is documented as safe to call from a signal handler. */
static void laction(int sig) {
  struct sigaction dfl;
  memset(&dfl, 0, sizeof dfl);
  dfl.sa_handler = SIG_DFL;
  sigemptyset(&dfl.sa_mask);
  sigaction(sig, &dfl, NULL);  /* a second SIGINT terminates */
  credo_interrupted = 1;
  lua_sethook(signal_L, lstop, LUA_MASKCALL | LUA_MASKRET | LUA_MASKCOUNT, 1);
}

/* Message handler: make the error a string (using __tostring for error
 * objects that have one) and append a traceback with file:line frames. */
static int msghandler(lua_State *L) {
  const char *msg = lua_tostring(L, 1);
  if (msg == NULL) {
    if (luaL_callmeta(L, 1, "__tostring") && lua_type(L, -1) == LUA_TSTRING)
      msg = lua_tostring(L, -1);
    else
      msg = lua_pushfstring(L, "(error object is a %s value)",
                            luaL_typename(L, 1));
  }
  luaL_traceback(L, L, msg, 1);
  return 1;
}

/* Forget an interrupt that arrived but was never delivered (the hook is
 * still set, or the flag still raised), so it cannot fire in the next
 * chunk. */
static void clear_interrupt(lua_State *L) {
  if (lua_gethook(L) == lstop) lua_sethook(L, NULL, 0, 0);
  credo_interrupted = 0;
}

int host_docall(lua_State *L, int narg, int nres) {
  int base = lua_gettop(L) - narg;       /* function index */
  lua_pushcfunction(L, msghandler);
  lua_insert(L, base);                   /* handler below function and args */
  struct sigaction sa, old;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = laction;               /* no SA_RESTART: a blocking read */
  sigemptyset(&sa.sa_mask);              /* is interrupted too */
  signal_L = L;
  clear_interrupt(L);
  sigaction(SIGINT, &sa, &old);
  int status = lua_pcall(L, narg, nres, base);
  sigaction(SIGINT, &old, NULL);
  clear_interrupt(L);
  lua_remove(L, base);                   /* remove the handler */
  return status;
}

void host_message(const char *msg) {
  fprintf(stderr, "credo: %s\n", msg);
  fflush(stderr);
}

int host_report(lua_State *L, int status, int with_progname) {
  if (status != LUA_OK) {
    const char *msg = lua_tostring(L, -1);
    if (msg == NULL) msg = "(error object is not a string)";
    if (with_progname)
      host_message(msg);
    else {
      fprintf(stderr, "%s\n", msg);
      fflush(stderr);
    }
    lua_pop(L, 1);
  }
  return status;
}
