/*
** repl.c -- the interactive prompt, shaped like lua.c's doREPL.
**
** Lines come from libedit's readline (editing, persistent history, tab
** completion) on a terminal and from getline otherwise. The text so far is
** first tried as "return <text>" so expressions print their values; a chunk
** that ends in '<eof>' is incomplete and continues on the next line. Values
** are printed by the Lua function mcpi.repl.show, errors by host_report;
** neither ends the loop. Ctrl-C at the prompt drops the line being typed;
** Ctrl-C while a statement runs stops it (host_docall arms SIGINT).
*/
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <unistd.h>
#include <editline/readline.h>
#include "lua.h"
#include "lauxlib.h"
#include "mcpi.h"
#include "host.h"

#define PROMPT1 "mcpi> "
#define PROMPT2 "  ... "
#define HISTORY_MAX 1000

enum { LINE_OK = 0, LINE_EOF = -1, LINE_INTR = -2 };

static int interactive;
static lua_State *replL;  /* for the completion callback */

/* The next line without its newline into *out (caller frees), or LINE_EOF
** at end of input, LINE_INTR when SIGINT arrived while waiting. */
static int read_line(const char *prompt, char **out)
{
  *out = NULL;
  mcpi_signal_clear();
  mcpi_signal_prompt();
  if (interactive) {
    char *line = readline(prompt);
    if (mcpi_signal_pending()) {
      free(line);
      return LINE_INTR;
    }
    if (line == NULL) return LINE_EOF;
    *out = line;
    return LINE_OK;
  }
  char *buf = NULL;
  size_t cap = 0;
  ssize_t n = getline(&buf, &cap, stdin);
  if (n < 0) {
    free(buf);
    return mcpi_signal_pending() ? LINE_INTR : LINE_EOF;
  }
  if (n > 0 && buf[n - 1] == '\n') buf[--n] = '\0';
  if (n > 0 && buf[n - 1] == '\r') buf[--n] = '\0';
  *out = buf;
  return LINE_OK;
}

/* 1 if the load status/message on top says the chunk merely ended early. */
static int incomplete(lua_State *L, int status)
{
  if (status != LUA_ERRSYNTAX) return 0;
  size_t len;
  const char *msg = lua_tolstring(L, -1, &len);
  static const char eof[] = "'<eof>'";
  size_t elen = sizeof(eof) - 1;
  return msg && len >= elen && strcmp(msg + len - elen, eof) == 0;
}

/* Compile src as an expression whose values print, else as a statement.
** Leaves the function or the error message on the stack. A syntax error is
** reported as incomplete ('<eof>') when either reading says the text merely
** stops early, so "1 +" waits for its next line like "for i = 1, 3 do". */
static int compile(lua_State *L, const char *src, size_t len)
{
  /* The values pass through a function call so the expression's own call is
  ** not a tail call: an error inside keeps its "stdin:1:" position. */
  lua_pushliteral(L, "return (function(...) return ... end)(");
  lua_pushlstring(L, src, len);
  lua_pushliteral(L, "\n)");
  lua_concat(L, 3);
  size_t rlen;
  const char *rsrc = lua_tolstring(L, -1, &rlen);
  if (luaL_loadbufferx(L, rsrc, rlen, "=stdin", "t") == 0) {
    lua_remove(L, -2);
    return 0;
  }
  lua_pop(L, 2);
  int status = luaL_loadbufferx(L, src, len, "=stdin", "t");
  if (status == 0 || incomplete(L, status)) return status;
  lua_pushliteral(L, "return ");
  lua_pushlstring(L, src, len);
  lua_concat(L, 2);
  rsrc = lua_tolstring(L, -1, &rlen);
  int rstatus = luaL_loadbufferx(L, rsrc, rlen, "=stdin", "t");
  if (incomplete(L, rstatus)) {  /* keep the '<eof>' message */
    lua_remove(L, -2);
    lua_remove(L, -2);
    return rstatus;
  }
  lua_pop(L, 2);
  return status;
}

static void remember(const char *chunk)
{
  if (!interactive || chunk[0] == '\0') return;
  HIST_ENTRY *last = history_length > 0 ? history_get(history_base + history_length - 1) : NULL;
  if (last == NULL || strcmp(last->line, chunk) != 0) add_history(chunk);
}

/* Compile the next statement; leaves the function (or error) on the stack.
** Returns the load status, LINE_EOF or LINE_INTR. */
static int load_statement(lua_State *L)
{
  char *line;
  int r = read_line(PROMPT1, &line);
  if (r != LINE_OK) return r;
  /* lua 5.1 habit: "=expr" prints expr */
  lua_pushstring(L, line[0] == '=' ? line + 1 : line);
  free(line);
  for (;;) {
    size_t len;
    const char *src = lua_tolstring(L, -1, &len);
    int status = compile(L, src, len);
    if (!incomplete(L, status)) {
      remember(lua_tostring(L, -2));
      lua_remove(L, -2);
      return status;
    }
    lua_pop(L, 1);
    char *more;
    r = read_line(PROMPT2, &more);
    if (r == LINE_INTR) {
      remember(lua_tostring(L, -1));
      lua_pop(L, 1);
      return r;
    }
    if (r == LINE_EOF) {  /* input ended inside a chunk: report it */
      src = lua_tolstring(L, -1, &len);
      status = luaL_loadbufferx(L, src, len, "=stdin", "t");
      lua_remove(L, -2);
      return status;
    }
    lua_pushliteral(L, "\n");
    lua_pushstring(L, more);
    lua_concat(L, 3);
    free(more);
  }
}

static const char *history_path(void)
{
  static char path[4096];
  const char *env = getenv("MCPI_HISTORY");
  if (env) return env[0] ? env : NULL;
  const char *home = getenv("HOME");
  if (!home || !home[0]) return NULL;
  if (snprintf(path, sizeof(path), "%s/.mcpi_history", home) >= (int)sizeof(path))
    return NULL;
  return path;
}

/* Call mcpi.repl.<fn> with the n values on top of the stack (protected);
** leaves nres results, or nothing on error (which it reports). */
static int call_repl(lua_State *L, const char *fn, int n, int nres)
{
  int base = lua_gettop(L) - n;
  lua_getglobal(L, "require");
  lua_pushliteral(L, "mcpi.repl");
  int status = host_docall(L, 1, 1);
  if (status == 0) {
    lua_getfield(L, -1, fn);
    lua_remove(L, -2);
    lua_insert(L, base + 1);
    status = host_docall(L, n, nres);
    if (status == 0) return 0;
  }
  host_report(L, status);
  lua_settop(L, base);
  return status;
}

/* -- Tab completion -------------------------------------------------------- */

static char **cands;
static size_t ncands;

static void free_cands(void)
{
  for (size_t i = 0; i < ncands; i++) free(cands[i]);
  free(cands);
  cands = NULL;
  ncands = 0;
}

static char *next_cand(const char *text, int state)
{
  static size_t i;
  (void)text;
  if (state == 0) i = 0;
  return i < ncands ? strdup(cands[i++]) : NULL;
}

/* Candidates come from mcpi.repl.complete(word): globals, fields of tables
** and methods reached through the word's dotted prefix. */
static char **complete(const char *text, int start, int end)
{
  lua_State *L = replL;
  (void)start; (void)end;
  rl_attempted_completion_over = 1;
  free_cands();
  if (L == NULL) return NULL;
  int top = lua_gettop(L);
  lua_pushstring(L, text);
  if (call_repl(L, "complete", 1, 1) == 0 && lua_istable(L, -1)) {
    size_t n = lua_objlen(L, -1);
    cands = calloc(n ? n : 1, sizeof(*cands));
    for (size_t i = 1; cands && i <= n; i++) {
      lua_rawgeti(L, -1, (int)i);
      const char *s = lua_tostring(L, -1);
      if (s && (cands[ncands] = strdup(s)) != NULL) ncands++;
      lua_pop(L, 1);
    }
  }
  lua_settop(L, top);
  mcpi_signal_prompt();
  if (ncands == 0) return NULL;
  rl_completion_append_character = '\0';
  return rl_completion_matches(text, next_cand);
}

/* -- The loop ---------------------------------------------------------------- */

/* mcpi.host.repl([banner]) -> number of statements that failed, and whether
** the session was interactive. */
int repl_run(lua_State *L)
{
  const char *banner = luaL_optstring(L, 1, NULL);
  lua_settop(L, 0);
  interactive = isatty(0) && isatty(1);
  const char *hist = interactive ? history_path() : NULL;
  int failed = 0;
  if (interactive) {
    rl_readline_name = "mcpi";
    rl_catch_signals = 0;  /* SIGINT is ours: it must not end the REPL */
    rl_attempted_completion_function = complete;
    rl_completer_word_break_characters = " \t\n\"'`@$><=;|&{(,+-*/%^#~[]";
    rl_basic_word_break_characters = rl_completer_word_break_characters;
    replL = L;
    rl_initialize();
    using_history();
    stifle_history(HISTORY_MAX);
    if (hist) read_history(hist);
    if (banner) { fputs(banner, stdout); fflush(stdout); }
  }
  for (;;) {
    int status = load_statement(L);
    if (status == LINE_EOF) break;
    if (status == LINE_INTR) {
      if (!interactive) {  /* a ^C while a pipe feeds us means stop */
        lua_createtable(L, 0, 2);
        lua_pushliteral(L, "interrupted");
        lua_setfield(L, -2, "kind");
        lua_pushliteral(L, "interrupted");
        lua_setfield(L, -2, "msg");
        return lua_error(L);
      }
      fputc('\n', stdout);
      fflush(stdout);
      continue;
    }
    mcpi_signal_clear();
    if (status == 0) status = host_docall(L, 0, LUA_MULTRET);
    if (status == 0) {
      int n = lua_gettop(L);
      if (n > 0 && call_repl(L, "show", n, 0) != 0) failed++;
    } else {
      host_report(L, status);
      failed++;
    }
    lua_settop(L, 0);
    if (interactive && hist) write_history(hist);
  }
  if (interactive) {
    fputc('\n', stdout);
    if (hist) write_history(hist);
    free_cands();
    replL = NULL;
  }
  fflush(stdout);
  lua_pushinteger(L, failed);
  lua_pushboolean(L, interactive);
  return 2;
}
