/*
 * host.h: what the files of the credo host (the C files of vm/) share.
 *
 * The host is lua/lua's lua.c in miniature: main.c parses the command line
 * and runs chunks inside a protected pmain; call.c runs every chunk through
 * a traceback message handler with a SIGINT handler that only raises flags;
 * strict.c makes undeclared globals an error; repl.c is the read-eval-print
 * loop (GNU readline on a terminal, plain lines otherwise).
 *
 * Not a library: nothing here is exported to the natives or to Lua except
 * through package.loaded["credo.host"] (see docs/host.md).
 */
#ifndef CREDO_HOST_H
#define CREDO_HOST_H

#include <lua.h>

/* Exit statuses of the process (docs/host.md, "Exit status"). */
#define HOST_EXIT_OK 0
#define HOST_EXIT_ERROR 1  /* a chunk raised an error */
#define HOST_EXIT_USAGE 2  /* bad command line */

/* ---- call.c ---- */

/* Call the function below the narg arguments on top of the stack in
 * protected mode with a traceback message handler, a SIGINT handler
 * installed for the duration, and the interrupt state cleared before and
 * after.  Same stack contract and return as lua_pcall. */
int host_docall(lua_State *L, int narg, int nres);

/* If status is not LUA_OK, print the error value on top of the stack to
 * stderr, prefixed "credo: " when with_progname, and pop it.  Returns
 * status. */
int host_report(lua_State *L, int status, int with_progname);

/* Print a message line to stderr, prefixed "credo: ". */
void host_message(const char *msg);

/* ---- strict.c ---- */

/* Give the globals table the strict metatable: reading an undeclared
 * global, or declaring one from inside a function, is an error. */
void host_strict_install(lua_State *L);

/* ---- repl.c ---- */

/* Run the read-eval-print loop on stdin until end of input.  Uses GNU
 * readline (history, completion, Ctrl-C clears the line) when stdin is a
 * terminal, otherwise reads plain lines without prompts.  banner: a line to
 * print first on a terminal, or NULL.  Returns the number of chunks that
 * failed to compile or raised an error. */
int host_repl(lua_State *L, const char *banner);

/* Free what the REPL holds outside Lua (the pending input line); safe to
 * call when the REPL never ran or after an error escaped it. */
void host_repl_cleanup(void);

#endif
