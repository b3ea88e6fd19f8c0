/*
** repl.c -- the interactive prompt, shaped like lua.c's doREPL.
**
** Lines come from libedit's readline (editing, persistent history) on a
** terminal and from plain fgets otherwise. A line is first tried as
** "return <line>" so expressions print their values; a chunk that ends in
** '<eof>' is incomplete and continues on the next line. Values are printed by
** the Lua function mcpi.repl.show, errors by host_report; neither ends the loop.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <editline/readline.h>
#include "lua.h"
#include "lauxlib.h"
#include "mcpi.h"
#include "host.h"

#define PROMPT1 "mcpi> "
#define PROMPT2 "  ... "
#define LINE_MAX_PIPE 65536

static int interactive;

/* One line without its newline, or NULL at end of input. Caller frees. */
static char *read_line(const char *prompt)
{
  if (interactive) {
    char *line = readline(prompt);
    return line;
  }
  static char buf[LINE_MAX_PIPE];
  if (fgets(buf, sizeof(buf), stdin) == NULL) return NULL;
  size_t len = strlen(buf);
  if (len > 0 && buf[len - 1] == '\n') buf[--len] = '\0';
  return strdup(buf);
}

/* 1 if the status/message on the stack says the chunk merely ended early. */
static int incomplete(lua_State *L, int status)
{
  if (status != LUA_ERRSYNTAX) return 0;
  size_t len;
  const char *msg = lua_tolstring(L, -1, &len);
  static const char eof[] = "'<eof>'";
  size_t elen = sizeof(eof) - 1;
  return msg && len >= elen && strcmp(msg + len - elen, eof) == 0;
}

/* Compile the next statement; leaves the function (or error) on the stack.
** Returns -1 at end of input. */
static int load_statement(lua_State *L)
{
  char *line = read_line(PROMPT1);
  if (line == NULL) return -1;
  if (line[0] == '=') {  /* lua 5.1 habit: "=expr" prints expr */
    lua_pushfstring(L, "return %s", line + 1);
  } else {
    lua_pushfstring(L, "return %s", line);
    size_t len;
    const char *src = lua_tolstring(L, -1, &len);
    if (luaL_loadbuffer(L, src, len, "=stdin") == 0) {
      lua_remove(L, -2);
      if (interactive && line[0] != '\0') add_history(line);
      free(line);
      return 0;
    }
    lua_pop(L, 2);
    lua_pushstring(L, line);
  }
  for (;;) {
    size_t len;
    const char *src = lua_tolstring(L, -1, &len);
    int status = luaL_loadbuffer(L, src, len, "=stdin");
    if (!incomplete(L, status)) {
      if (interactive) add_history(lua_tostring(L, -2));
      lua_remove(L, -2);
      free(line);
      return status;
    }
    lua_pop(L, 1);
    char *more = read_line(PROMPT2);
    if (more == NULL) {  /* input ended inside a chunk: report it */
      status = luaL_loadbuffer(L, src, len, "=stdin");
      lua_remove(L, -2);
      free(line);
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
  if (!home) return NULL;
  snprintf(path, sizeof(path), "%s/.mcpi_history", home);
  return path;
}

/* Print the values a statement returned with mcpi.repl.show. */
static void show(lua_State *L, int base)
{
  int n = lua_gettop(L) - base;
  if (n == 0) return;
  lua_getglobal(L, "require");
  lua_pushliteral(L, "mcpi.repl");
  if (host_docall(L, 1, 1) != 0) {
    host_report(L, 1);
    lua_settop(L, base);
    return;
  }
  lua_getfield(L, -1, "show");
  lua_remove(L, -2);
  lua_insert(L, base + 1);
  int status = host_docall(L, n, 0);
  if (status != 0) host_report(L, status);
  lua_settop(L, base);
}

/* mcpi.host.repl([banner]): run the prompt until end of input. */
int repl_run(lua_State *L)
{
  const char *banner = luaL_optstring(L, 1, NULL);
  lua_settop(L, 0);
  interactive = isatty(0);
  const char *hist = interactive ? history_path() : NULL;
  if (interactive) {
    using_history();
    if (hist) read_history(hist);
    if (banner) { fputs(banner, stdout); fflush(stdout); }
  }
  int status;
  while ((status = load_statement(L)) != -1) {
    mcpi_signal_clear();
    if (status == 0) status = host_docall(L, 0, LUA_MULTRET);
    if (status == 0) {
      show(L, 0);
    } else {
      host_report(L, status);
    }
    lua_settop(L, 0);
    mcpi_signal_clear();
  }
  if (interactive) {
    fputc('\n', stdout);
    if (hist) write_history(hist);
  }
  fflush(stdout);
  return 0;
}
