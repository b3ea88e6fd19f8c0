/*
** main.c -- the mcpi host: a LuaJIT state with the mcpi library embedded.
**
** Shape of lua.c/luajit.c: main -> protected pmain -> host_docall with a
** traceback handler -> host_report -> exit status. Command-line parsing lives
** in Lua (lua/mcpi/cli.lua); the host only builds the state, wires the
** embedded modules and maps the outcome to an exit code:
**   0 success, 1 error in the experiment, 2 usage error, 130 interrupted.
** An error object that is a table with a string field `kind` (read raw: no
** metamethod of a user's table ever runs outside a protected call) is one of
** mcpi.errors': "usage" exits 2, "data" and "experiment" exit 1, "interrupted"
** exits 128 + the signal (130 for SIGINT); its string `msg` is printed on one
** line (control characters escaped) with no traceback. The host never reads an
** error's text to decide anything.
*/
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "lua.h"
#include "lauxlib.h"
#include "lualib.h"
#include "luajit.h"
#include "mcpi.h"
#include "host.h"

int luaopen_cjson(lua_State *L);
int luaopen_cjson_safe(lua_State *L);

static const char *progname = "mcpi";

/* Puts $MCPI_LUA_PATH ahead of the embedded bytecode (development override:
** edit lua/ and rerun, no rebuild). A directory that does not exist is a
** usage error rather than a silent fallback to the embedded copy, which would
** make a developer chase edits that never load. */
static const char boot_lua[] =
  "require('mcpi.guard')\n"  /* source-only loading etc., before anything else */
  "local dir = os.getenv('MCPI_LUA_PATH')\n"
  "if dir and dir ~= '' then\n"
  "  local probe = io.open(dir .. '/.', 'r')\n"
  "  if not probe then\n"
  "    error({ kind = 'usage', msg = \"MCPI_LUA_PATH='\" .. dir ..\n"
  "      \"' is not a readable directory (set it to the lua/ folder of a \" ..\n"
  "      \"checkout, or unset it to use the embedded library)\" }, 0)\n"
  "  end\n"
  "  probe:close()\n"
  "  local loaders = package.loaders\n"
  "  table.insert(loaders, 1, function(name)\n"
  "    local base = dir .. '/' .. name:gsub('%.', '/')\n"
  "    local tried = {}\n"
  "    for _, f in ipairs{base .. '.lua', base .. '/init.lua'} do\n"
  "      local fh = io.open(f, 'r')\n"
  "      if fh then\n"
  "        fh:close()\n"
  "        local fn, err = loadfile(f, 't')\n"
  "        if not fn then error(err, 0) end\n"
  "        return fn\n"
  "      end\n"
  "      tried[#tried + 1] = \"\\n\\tno file '\" .. f .. \"'\"\n"
  "    end\n"
  "    return table.concat(tried)\n"
  "  end)\n"
  "end\n";

static void message(const char *msg)
{
  fprintf(stderr, "%s: %s\n", progname, msg);
  fflush(stderr);
}

/* The raw string field `name` of the table at idx, or NULL (no metamethods). */
static const char *raw_string(lua_State *L, int idx, const char *name)
{
  const char *v = NULL;
  if (!lua_istable(L, idx)) return NULL;
  lua_pushstring(L, name);
  lua_rawget(L, idx < 0 && idx > LUA_REGISTRYINDEX ? idx - 1 : idx);
  if (lua_type(L, -1) == LUA_TSTRING) v = lua_tostring(L, -1);
  lua_pop(L, 1);  /* the string stays alive: the table holds it */
  return v;
}

/* The exit code the mcpi.errors object at idx stands for, or -1 if it is not
** one (see the top of this file). */
static int exit_request(lua_State *L, int idx)
{
  const char *kind = raw_string(L, idx, "kind");
  if (kind == NULL) return -1;
  if (strcmp(kind, "usage") == 0) return 2;
  if (strcmp(kind, "data") == 0 || strcmp(kind, "experiment") == 0) return 1;
  if (strcmp(kind, "interrupted") == 0) {
    int sig = mcpi_signal_number();
    return 128 + (sig > 0 && sig < 64 ? sig : 2);
  }
  return -1;
}

/* Print msg on one line: control characters (a newline in a file name) are
** escaped, so one error is always one line. */
static void message_line(const char *msg)
{
  fprintf(stderr, "%s: ", progname);
  for (const unsigned char *p = (const unsigned char *)msg; *p; p++) {
    if (*p == '\n') fputs("\\n", stderr);
    else if (*p < 0x20 || *p == 0x7f) fprintf(stderr, "\\x%02X", *p);
    else fputc(*p, stderr);
  }
  fputc('\n', stderr);
  fflush(stderr);
}

static int call_tostring(lua_State *L)
{
  luaL_callmeta(L, 1, "__tostring");
  return 1;
}

/* Replace the non-string error object at idx by a string describing it. Its
** __tostring runs protected: a failing __tostring must not turn into
** "error in error handling". */
static void describe_error(lua_State *L, int idx)
{
  const char *tname = luaL_typename(L, idx);
  if (luaL_getmetafield(L, idx, "__tostring")) {
    lua_pop(L, 1);
    lua_pushcfunction(L, call_tostring);
    lua_pushvalue(L, idx);
    if (lua_pcall(L, 1, 1, 0) == 0 && lua_type(L, -1) == LUA_TSTRING) {
      lua_replace(L, idx);
      return;
    }
    const char *why = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1)
                      : "it did not return a string";
    lua_pushfstring(L, "(error object is a %s value; its __tostring failed: %s)",
                    tname, why);
    lua_replace(L, idx);
    lua_pop(L, 1);
    return;
  }
  lua_pushfstring(L, "(error object is a %s value)", tname);
  lua_replace(L, idx);
}

/* Stack levels below the innermost host_docall: the host's own frames
** (pmain, the REPL, mcpi.cli), which a traceback leaves out. */
static int below;

static int stack_depth(lua_State *L)
{
  lua_Debug ar;
  int n = 0;
  while (lua_getstack(L, n, &ar)) n++;
  return n;
}

/* The traceback is built on this thread's stack, not on the failing one: after
** a stack overflow the failing stack has only a few spare slots, too few for
** luaL_traceback ("error in error handling"). */
static lua_State *tbL;
static int handler_ref = LUA_NOREF;  /* the Lua message handler, see below */

/* Drop the last `drop` lines of the traceback on top of the stack. */
static void trim_traceback(lua_State *L, int drop)
{
  size_t len;
  const char *s = lua_tolstring(L, -1, &len);
  const char *end = s + len;
  /* luaL_traceback elides the middle of deep stacks but keeps the last 10. */
  if (drop <= 0 || drop > 10) return;
  for (int i = 0; i < drop; i++) {
    const char *p = end;
    while (p > s && p[-1] != '\n') p--;
    if (p == s || strncmp(p, "\t", 1) != 0) return;
    end = p - 1;
  }
  if (end - s >= 17 && memcmp(end - 17, "\nstack traceback:", 17) == 0) end -= 17;
  lua_pushlstring(L, s, (size_t)(end - s));
  lua_replace(L, -2);
}

/* Message handler: adds a traceback to errors; leaves exit objects as they
** are (they carry their own message and need no traceback). */
static int traceback(lua_State *L)
{
  if (exit_request(L, 1) >= 0) return 1;
  if (lua_type(L, 1) != LUA_TSTRING && lua_type(L, 1) != LUA_TNUMBER)
    describe_error(L, 1);
  /* Through the Lua handler, levels 1 and 2 are pcall and the handler. */
  int level = handler_ref != LUA_NOREF ? 3 : 1;
  if (tbL == NULL) {
    luaL_traceback(L, L, lua_tostring(L, 1), level);
    trim_traceback(L, below);
    return 1;
  }
  lua_settop(tbL, 0);
  luaL_traceback(tbL, L, lua_tostring(L, 1), level);
  trim_traceback(tbL, below);
  lua_xmove(tbL, L, 1);
  return 1;
}

/* The message handler is a small Lua function that calls traceback under
** pcall: after a stack overflow a C function cannot even be entered (it needs
** LUA_MINSTACK free slots), and the error message must survive that. */
static const char handler_lua[] =
  "local traceback, pcall = ...\n"
  "return function(e)\n"
  "  local ok, r = pcall(traceback, e)\n"
  "  if ok then return r end\n"
  "  return e\n"
  "end\n";
static void make_handler(lua_State *L)
{
  if (luaL_loadbuffer(L, handler_lua, sizeof(handler_lua) - 1, "=handler") != 0) {
    lua_pop(L, 1);
    return;
  }
  lua_pushcfunction(L, traceback);
  lua_getglobal(L, "pcall");
  if (lua_pcall(L, 2, 1, 0) != 0) {
    lua_pop(L, 1);
    return;
  }
  handler_ref = luaL_ref(L, LUA_REGISTRYINDEX);
}

int host_docall(lua_State *L, int narg, int nres)
{
  int base = lua_gettop(L) - narg;
  int saved = below;
  below = stack_depth(L);
  if (handler_ref != LUA_NOREF)
    lua_rawgeti(L, LUA_REGISTRYINDEX, handler_ref);
  else
    lua_pushcfunction(L, traceback);
  lua_insert(L, base);
  mcpi_signal_arm(L);
  int status = lua_pcall(L, narg, nres, base);
  mcpi_signal_disarm();
  lua_remove(L, base);
  below = saved;
  return status;
}

int host_error_code(lua_State *L)
{
  int code = exit_request(L, -1);
  return code >= 0 ? code : 1;
}

void host_report(lua_State *L, int status)
{
  if (status == 0) return;
  /* LuaJIT gives LUA_ERRERR when the message handler cannot run. Ours
  ** protects everything it calls, so that means the stack was exhausted:
  ** the overflow left too few slots to even enter the handler. */
  if (status == LUA_ERRERR) {
    message("stack overflow (no traceback: the Lua stack was exhausted; runaway recursion?)");
    return;
  }
  if (exit_request(L, -1) >= 0) {
    const char *msg = raw_string(L, -1, "msg");
    message_line(msg ? msg : "(error without a message)");
    return;
  }
  if (lua_type(L, -1) != LUA_TSTRING && lua_type(L, -1) != LUA_TNUMBER) {
    /* Errors that bypass the handler (LUA_ERRMEM, LUA_ERRERR) or come
    ** from outside a host_docall. */
    lua_pushvalue(L, -1);
    describe_error(L, lua_gettop(L));
    message(lua_tostring(L, -1));
    lua_pop(L, 1);
    return;
  }
  message(lua_tostring(L, -1));
}

/* mcpi.host.isatty(fd) -> boolean, without a global ffi.cdef a user script
** could collide with. */
static int host_isatty(lua_State *L)
{
  int fd = luaL_checkint(L, 1);
  lua_pushboolean(L, isatty(fd) == 1);
  return 1;
}

/* mcpi.host.stdout_check() -> true, or nil and why: flushes standard output
** and reports a write that failed since it was opened (ferror), so os.exit
** cannot exit 0 after output was lost. */
static int host_stdout_check(lua_State *L)
{
  errno = 0;
  if (fflush(stdout) != 0 || ferror(stdout)) {
    int e = errno;
    lua_pushnil(L);
    lua_pushfstring(L, "error writing to standard output: %s",
                    e ? strerror(e) : "a write failed");
    return 2;
  }
  lua_pushboolean(L, 1);
  return 1;
}

static int host_index(lua_State *L)
{
  static const luaL_Reg funcs[] = {
    { "repl", repl_run },
    { "isatty", host_isatty },
    { "stdout_check", host_stdout_check },
    { NULL, NULL }
  };
  lua_newtable(L);
  luaL_register(L, NULL, funcs);
  return 1;
}

struct smain {
  int argc;
  char **argv;
  int status;
};

/* A script that ran to its end still exits 130 after an interrupted sweep
** and 1 after a kernel failure or an output not written, whether or not it
** looked (mcpi.files.status, which names them). Pushes the exit code; 0
** when no sweep ran (mcpi.files never loaded). */
static int script_status(lua_State *L)
{
  lua_getglobal(L, "package");
  lua_getfield(L, -1, "loaded");
  lua_getfield(L, -1, "mcpi.files");
  lua_replace(L, -3);
  lua_pop(L, 1);
  if (!lua_istable(L, -1)) {
    lua_pop(L, 1);
    lua_pushinteger(L, 0);
    return 0;
  }
  lua_getfield(L, -1, "status");
  lua_remove(L, -2);
  return host_docall(L, 0, 1);
}

static int pmain(lua_State *L)
{
  struct smain *s = (struct smain *)lua_touserdata(L, 1);
  lua_settop(L, 0);
  lua_gc(L, LUA_GCSTOP, 0);
  luaL_openlibs(L);
  lua_gc(L, LUA_GCRESTART, -1);

  lua_getfield(L, LUA_GLOBALSINDEX, "package");
  lua_getfield(L, -1, "preload");
  lua_pushcfunction(L, luaopen_cjson);
  lua_setfield(L, -2, "cjson");
  lua_pushcfunction(L, luaopen_cjson_safe);
  lua_setfield(L, -2, "cjson.safe");
  lua_pushcfunction(L, host_index);
  lua_setfield(L, -2, "mcpi.host");
  lua_pop(L, 2);

  tbL = lua_newthread(L);
  luaL_ref(L, LUA_REGISTRYINDEX);  /* anchored for the state's life */
  make_handler(L);

  int status = luaL_loadbuffer(L, boot_lua, sizeof(boot_lua) - 1, "=boot");
  if (status == 0) status = host_docall(L, 0, 0);

  /* require("mcpi.cli").main(argv) -> exit code | chunk, args */
  if (status == 0) {
    lua_getglobal(L, "require");
    lua_pushliteral(L, "mcpi.cli");
    status = host_docall(L, 1, 1);
  }
  if (status == 0) {
    lua_getfield(L, -1, "main");
    lua_remove(L, -2);
    lua_createtable(L, s->argc, 0);
    for (int i = 0; i < s->argc; i++) {
      lua_pushstring(L, s->argv[i]);
      lua_rawseti(L, -2, i);
    }
    status = host_docall(L, 1, 2);
  }
  if (status == 0 && lua_isfunction(L, -2)) {
    int n = 0;
    if (lua_istable(L, -1)) {
      n = (int)lua_objlen(L, -1);
      for (int i = 1; i <= n; i++) lua_rawgeti(L, -1 - (i - 1), i);
      lua_remove(L, -1 - n);
    } else {
      lua_pop(L, 1);
    }
    status = host_docall(L, n, 0);
    if (status == 0) status = script_status(L);
  } else if (status == 0) {
    lua_pop(L, 1);
  }
  if (status != 0) {
    s->status = host_error_code(L);
    host_report(L, status);
    return 0;
  }
  if (lua_type(L, -1) == LUA_TNUMBER) {
    lua_Number n = lua_tonumber(L, -1);
    s->status = (n >= 0 && n <= 255) ? (int)n : 1;
  } else {
    s->status = 0;
  }
  return 0;
}

/* Kernels in other processes (workers) stop with the host, gracefully; a
** worker that outlives this (os.exit, a crash) is killed by proc.c's atexit
** hook or by its parent-death signal. */
static void stop_kernels(lua_State *L)
{
  static const char code[] =
    "local k = package.loaded['mcpi.kernels']\n"
    "if type(k) == 'table' and k.stop_all then k.stop_all() end\n";
  if (luaL_loadbuffer(L, code, sizeof(code) - 1, "=exit") == 0)
    lua_pcall(L, 0, 0, 0);
  lua_settop(L, 0);
}

int main(int argc, char **argv)
{
  struct smain s = { argc, argv, 0 };
  lua_State *L = luaL_newstate();
  if (L == NULL) {
    message("cannot create Lua state: not enough memory");
    return EXIT_FAILURE;
  }
  int status = lua_cpcall(L, pmain, &s);
  if (status != 0) {
    /* Only an error while reporting (out of memory) gets here: the object
    ** is not inspected outside protection, only printed if it is a string. */
    message(lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1)
            : "error while reporting an error (out of memory?)");
    s.status = 1;
  }
  stop_kernels(L);
  tbL = NULL;
  handler_ref = LUA_NOREF;
  lua_close(L);
  /* Output that could not be written is results lost: exit 1, not 0. */
  errno = 0;
  int bad = fflush(stdout) != 0 || ferror(stdout);
  int e = errno;
  if (fclose(stdout) != 0 && !bad) { bad = 1; e = errno; }
  if (bad && s.status == 0) {
    char buf[256];
    snprintf(buf, sizeof(buf), "error writing to standard output: %s",
             e ? strerror(e) : "a write failed");
    message(buf);
    s.status = 1;
  }
  return s.status;
}
