/*
 * repl.c: the credo read-eval-print loop (after lua/lua lua.c: pushline,
 * addreturn, multiline, incomplete, doREPL).
 *
 * A line is first compiled as "return <line>;" so an expression prints its
 * values; failing that it is compiled as statements, and while the compiler
 * reports an error at <eof> continuation lines are read (prompt ">> ").
 * Values are printed by show() of stdlib/credo/repl.lua (strings quoted,
 * tables as a short sorted repr, tensors through __tostring).
 *
 * On a terminal, input comes from GNU readline's callback interface, so the
 * host keeps its own SIGINT handling: Ctrl-C at the prompt abandons the line
 * (or the pending multi-line chunk) and prompts again; Ctrl-C during an
 * evaluation raises "interrupted!" through call.c and returns here.  History
 * is kept in $CREDO_HISTORY or ~/.credo_history (bounded), and Tab completes
 * globals, keywords and fields/methods after `.` and `:` (complete() of
 * stdlib/credo/repl.lua; inside a string literal, file names).  Without a
 * terminal, lines are read plainly with no prompt, banner or history.
 *
 * What it is not: a debugger, and not a line-by-line script runner: each
 * chunk is its own function, so `local` does not outlive its line (use
 * `credo -` to run stdin as one script).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <unistd.h>

#include <readline/history.h>
#include <readline/readline.h>

#include <lauxlib.h>

#include "host.h"

#define PROMPT1 "> "
#define PROMPT2 ">> "
#define HISTORY_MAX 1000
#define EOFMARK "<eof>"

/* read_line outcomes */
enum { LINE_OK, LINE_EOF, LINE_INTR };
/* load_chunk outcomes besides a Lua status */
#define CHUNK_EOF (-1)
#define CHUNK_INTR (-2)

static int tty;                    /* stdin is a terminal: use readline */
static char *pending = NULL;       /* the last line read, owned here */
static size_t pending_cap = 0;     /* getline's capacity of `pending` */
static char *history_file = NULL;  /* malloc'd, NULL for no history file */
static lua_State *repl_L = NULL;   /* for the completion callback */
static int helpers = LUA_NOREF;    /* registry ref of require "credo.repl" */

/* ---- reading lines ---- */

static char *got_line;              /* set by on_line */
static int got_done;
static volatile sig_atomic_t prompt_interrupted;

static void on_line(char *line) {
  got_line = line;
  got_done = 1;
  rl_callback_handler_remove();
}

static void on_prompt_sigint(int sig) {
  (void)sig;
  prompt_interrupted = 1;
}

/* Undo readline's partial line after Ctrl-C (the sequence readline's manual
 * gives for applications doing their own signal handling). */
static void abandon_line(void) {
  rl_free_line_state();
  rl_callback_sigcleanup();
  rl_cleanup_after_signal();
  rl_callback_handler_remove();
  fputs("^C\n", stdout);
  fflush(stdout);
}

/* One line from readline's callback interface; *out is malloc'd.  SIGINT
 * is caught for the REPL's whole life (host_repl installs on_prompt_sigint),
 * so a Ctrl-C that lands between two prompts (while a line is compiled or
 * a value printed) abandons the next line instead of killing the REPL. */
static int tty_read(const char *prompt, char **out) {
  got_done = 0;
  got_line = NULL;
  int rc = LINE_OK;
  if (prompt_interrupted) {              /* arrived before this prompt */
    prompt_interrupted = 0;
    fputs("^C\n", stdout);
    fflush(stdout);
    *out = NULL;
    return LINE_INTR;
  }
  rl_callback_handler_install(prompt, on_line);
  while (!got_done) {
    fd_set fds;
    FD_ZERO(&fds);
    FD_SET(STDIN_FILENO, &fds);
    int r = prompt_interrupted ? -1
                               : select(STDIN_FILENO + 1, &fds, NULL, NULL,
                                        NULL);
    if (prompt_interrupted) {
      prompt_interrupted = 0;
      abandon_line();
      rc = LINE_INTR;
      break;
    }
    if (r < 0) {
      if (errno == EINTR) continue;  /* e.g. SIGWINCH */
      rl_callback_handler_remove();
      rc = LINE_EOF;
      break;
    }
    rl_callback_read_char();
  }
  if (rc == LINE_OK && got_line == NULL) rc = LINE_EOF;  /* Ctrl-D */
  *out = rc == LINE_OK ? got_line : NULL;
  return rc;
}

/* The REPL's SIGINT handler, installed for its whole life on a terminal
 * (host_docall swaps in its own while a chunk runs, then puts this back). */
static void repl_catch_sigint(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_prompt_sigint;  /* no SA_RESTART: select returns */
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, NULL);
  prompt_interrupted = 0;
}

/* Read a line (without its newline) and push it. */
static int read_line(lua_State *L, const char *prompt) {
  size_t n;
  if (tty) {
    char *line;
    int rc = tty_read(prompt, &line);
    if (rc != LINE_OK) return rc;
    free(pending);
    pending = line;
    pending_cap = 0;
    n = strlen(line);
  } else {
    if (pending_cap == 0) {  /* `pending` is not a getline buffer */
      free(pending);
      pending = NULL;
    }
    ssize_t got = getline(&pending, &pending_cap, stdin);
    if (got < 0) return LINE_EOF;
    n = (size_t)got;
    if (n > 0 && pending[n - 1] == '\n') pending[--n] = '\0';
  }
  lua_pushlstring(L, pending, n);
  return LINE_OK;
}

/* ---- history ---- */

static void history_open(void) {
  const char *env = getenv("CREDO_HISTORY");
  const char *home = getenv("HOME");
  if (env != NULL) {
    if (env[0] == '\0') return;          /* CREDO_HISTORY="": no file */
    history_file = strdup(env);
  } else if (home != NULL && home[0] != '\0') {
    size_t n = strlen(home) + sizeof "/.credo_history";
    history_file = malloc(n);
    if (history_file) snprintf(history_file, n, "%s/.credo_history", home);
  }
  stifle_history(HISTORY_MAX);
  if (history_file) read_history(history_file);
}

/* Remember a chunk: in memory for Up/Down, and appended to the file. */
static void history_save(const char *chunk) {
  if (!tty || chunk[strspn(chunk, " \t\n")] == '\0') return;
  HIST_ENTRY *last = history_length > 0 ? history_get(history_base +
                                                      history_length - 1)
                                        : NULL;
  if (last && strcmp(last->line, chunk) == 0) return;
  add_history(chunk);
  if (history_file == NULL) return;
  int fd = open(history_file, O_WRONLY | O_CREAT | O_APPEND, 0600);
  if (fd < 0) return;                    /* unwritable: memory only */
  close(fd);
  append_history(1, history_file);
  history_truncate_file(history_file, HISTORY_MAX);
}

/* ---- compiling a chunk ---- */

/* A syntax error at <eof> means "read more" (lua.c's incomplete). Pops the
 * message in that case. */
static int incomplete(lua_State *L, int status) {
  if (status != LUA_ERRSYNTAX) return 0;
  size_t n;
  const char *msg = lua_tolstring(L, -1, &n);
  size_t m = sizeof EOFMARK - 1;
  if (n >= m && strcmp(msg + n - m, EOFMARK) == 0) {
    lua_pop(L, 1);
    return 1;
  }
  return 0;
}

/* Read and compile one chunk.  Returns a Lua load status with the function
 * (or error message) pushed, or CHUNK_EOF / CHUNK_INTR with nothing
 * pushed. */
static int load_chunk(lua_State *L) {
  int rc = read_line(L, PROMPT1);
  if (rc != LINE_OK) return rc == LINE_EOF ? CHUNK_EOF : CHUNK_INTR;
  const char *line = lua_tostring(L, -1);
  const char *expr = line[0] == '=' ? line + 1 : line;  /* "=x" as in 5.1 */
  const char *ret = lua_pushfstring(L, "return %s;", expr);
  int status = luaL_loadbuffer(L, ret, strlen(ret), "=stdin");
  if (status == LUA_OK) {                /* an expression */
    history_save(line);
    lua_remove(L, -2);                   /* "return ..." */
    lua_remove(L, -2);                   /* line */
    return LUA_OK;
  }
  lua_pop(L, 2);                         /* error message, "return ..." */
  for (;;) {                             /* statements, maybe multi-line */
    size_t n;
    const char *chunk = lua_tolstring(L, -1, &n);
    status = luaL_loadbuffer(L, chunk, n, "=stdin");
    if (!incomplete(L, status)) break;
    rc = read_line(L, PROMPT2);
    if (rc == LINE_INTR) {
      lua_pop(L, 1);
      return CHUNK_INTR;
    }
    if (rc == LINE_EOF) {                /* report the <eof> error */
      chunk = lua_tolstring(L, -1, &n);
      status = luaL_loadbuffer(L, chunk, n, "=stdin");
      break;
    }
    lua_pushliteral(L, "\n");
    lua_insert(L, -2);
    lua_concat(L, 3);                    /* chunk .. "\n" .. line */
  }
  history_save(lua_tostring(L, -2));
  lua_remove(L, -2);                     /* the chunk's text */
  return status;
}

/* ---- printing values ---- */

/* Print the values above base with credo.repl.show, or print. */
static int show(lua_State *L, int base) {
  int n = lua_gettop(L) - base;
  if (n == 0) return LUA_OK;
  luaL_checkstack(L, LUA_MINSTACK, "too many results to print");
  if (helpers != LUA_NOREF) {
    lua_rawgeti(L, LUA_REGISTRYINDEX, helpers);
    lua_getfield(L, -1, "show");
    lua_remove(L, -2);
    lua_insert(L, base + 1);
    int status = host_docall(L, n, 1);
    if (status == LUA_OK) {
      size_t len;
      const char *s = lua_tolstring(L, -1, &len);
      if (s != NULL) {
        fwrite(s, 1, len, stdout);
        fputc('\n', stdout);
      }
      lua_pop(L, 1);
    }
    fflush(stdout);
    return status;
  }
  lua_getglobal(L, "print");
  lua_insert(L, base + 1);
  int status = host_docall(L, n, 0);
  fflush(stdout);
  return status;
}

/* ---- completion ---- */

/* complete(text, _G) of credo.repl, text at 1 as a light userdata. */
static int complete_k(lua_State *L) {
  const char *text = (const char *)lua_touserdata(L, 1);
  lua_rawgeti(L, LUA_REGISTRYINDEX, helpers);
  lua_getfield(L, -1, "complete");
  lua_pushstring(L, text);
  lua_pushglobaltable(L);
  lua_call(L, 2, 1);
  return 1;
}

/* readline's match array from the list of candidates at the top of the
 * stack: [common prefix, candidates..., NULL], or [only, NULL]. */
static char **match_array(lua_State *L) {
  size_t n = (size_t)lua_rawlen(L, -1);
  if (n == 0) return NULL;
  char **m = calloc(n + 2, sizeof *m);
  if (m == NULL) return NULL;
  size_t k = 0, common = 0;
  for (size_t i = 1; i <= n; i++) {
    lua_rawgeti(L, -1, (lua_Integer)i);
    const char *s = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1)
                                                   : NULL;
    if (s != NULL && (m[k + 1] = strdup(s)) != NULL) {
      if (k == 0) common = strlen(s);
      else {
        size_t j = 0;
        while (j < common && m[1][j] == s[j]) j++;
        common = j;
      }
      k++;
    }
    lua_pop(L, 1);
  }
  if (k == 0) {
    free(m);
    return NULL;
  }
  if (k == 1) {                          /* the only match replaces text */
    m[0] = m[1];
    m[1] = NULL;
    return m;
  }
  m[0] = strndup(m[1], common);
  if (m[0] == NULL) {
    for (size_t i = 1; i <= k; i++) free(m[i]);
    free(m);
    return NULL;
  }
  return m;
}

static char **complete(const char *text, int start, int end) {
  (void)start;
  (void)end;
  rl_completion_append_character = '\0';
  if (rl_completion_quote_character != 0) return NULL;  /* file names */
  rl_attempted_completion_over = 1;
  if (helpers == LUA_NOREF) return NULL;
  lua_State *L = repl_L;
  int top = lua_gettop(L);
  char **m = NULL;
  lua_pushcfunction(L, complete_k);
  lua_pushlightuserdata(L, (void *)text);
  if (lua_pcall(L, 1, 1, 0) == LUA_OK && lua_istable(L, -1))
    m = match_array(L);
  lua_settop(L, top);
  return m;
}

static void readline_init(void) {
  rl_readline_name = "credo";           /* for $if credo in ~/.inputrc */
  rl_instream = stdin;
  rl_outstream = stdout;
  rl_catch_signals = 0;                  /* SIGINT is ours (tty_read) */
  rl_attempted_completion_function = complete;
  /* `.` and `:` are not word breaks: "credo.lin" completes as one word */
  rl_basic_word_break_characters = " \t\n\"\\'`@$><=;|&{}()[]+-*/%^~#,";
  rl_completer_quote_characters = "\"'";
  history_open();
}

/* ---- the loop ---- */

/* require "credo.repl" into `helpers`; on failure say so and keep going
 * with print(). */
static void load_helpers(lua_State *L) {
  lua_getglobal(L, "require");
  lua_pushliteral(L, "credo.repl");
  int status = host_docall(L, 1, 1);
  if (status == LUA_OK && lua_istable(L, -1)) {
    helpers = luaL_ref(L, LUA_REGISTRYINDEX);
    return;
  }
  if (status == LUA_OK) lua_pop(L, 1);
  host_message("credo.repl could not be loaded; values print with print() "
               "and Tab does not complete");
  host_report(L, status, 0);
}

int host_repl(lua_State *L, const char *banner) {
  int failed = 0;
  int base = lua_gettop(L);
  repl_L = L;
  tty = isatty(STDIN_FILENO);
  load_helpers(L);
  if (tty) {
    repl_catch_sigint();
    readline_init();
    if (banner) {
      puts(banner);
      fflush(stdout);
    }
  }
  for (;;) {
    lua_settop(L, base);
    int status = load_chunk(L);
    if (status == CHUNK_EOF) break;
    if (status == CHUNK_INTR) continue;
    if (status == LUA_OK) status = host_docall(L, 0, LUA_MULTRET);
    if (status == LUA_OK) status = show(L, base);
    if (status != LUA_OK) {
      host_report(L, status, 0);
      failed++;
    }
  }
  lua_settop(L, base);
  if (tty) {
    fputc('\n', stdout);                 /* leave the shell prompt clean */
    fflush(stdout);
  }
  if (helpers != LUA_NOREF) {
    luaL_unref(L, LUA_REGISTRYINDEX, helpers);
    helpers = LUA_NOREF;
  }
  repl_L = NULL;
  return failed;
}

void host_repl_cleanup(void) {
  free(pending);
  pending = NULL;
  pending_cap = 0;
  free(history_file);
  history_file = NULL;
}
