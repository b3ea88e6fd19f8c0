/*
** main.c -- the mcpi host: a LuaJIT state with the mcpi library embedded.
**
** Shape of lua.c/luajit.c: main -> protected pmain -> host_docall with a
** traceback handler -> host_report -> exit status. Command-line parsing lives
** in Lua (lua/mcpi/cli.lua); the host only builds the state, wires the
** embedded modules and maps the outcome to an exit code:
**   0 success, 1 error in the experiment, 2 usage error, 130 interrupted.
** A Lua error object that is a table with a numeric field `exit` (and an
** optional string `msg`) exits with that code and no traceback: that is how
** the library reports usage errors and interruptions.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
** edit lua/ and rerun, no rebuild). */
static const char boot_lua[] =
  "local dir = os.getenv('MCPI_LUA_PATH')\n"
  "if dir and dir ~= '' then\n"
  "  local loaders = package.loaders\n"
  "  table.insert(loaders, 1, function(name)\n"
  "    local base = dir .. '/' .. name:gsub('%.', '/')\n"
  "    local tried = {}\n"
  "    for _, f in ipairs{base .. '.lua', base .. '/init.lua'} do\n"
  "      local fh = io.open(f, 'r')\n"
  "      if fh then fh:close(); return assert(loadfile(f)) end\n"
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

/* Message handler: adds a traceback to string errors; leaves exit tables. */
static int traceback(lua_State *L)
{
  if (lua_istable(L, 1)) {
    lua_getfield(L, 1, "exit");
    int is_exit = lua_isnumber(L, -1);
    lua_pop(L, 1);
    if (is_exit) return 1;
  }
  if (!lua_isstring(L, 1)) {
    if (luaL_callmeta(L, 1, "__tostring") && lua_isstring(L, -1))
      return 1;
    lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
    lua_replace(L, 1);
  }
  luaL_traceback(L, L, lua_tostring(L, 1), 1);
  return 1;
}

int host_docall(lua_State *L, int narg, int nres)
{
  int base = lua_gettop(L) - narg;
  lua_pushcfunction(L, traceback);
  lua_insert(L, base);
  mcpi_signal_arm(L);
  int status = lua_pcall(L, narg, nres, base);
  mcpi_signal_disarm();
  lua_remove(L, base);
  return status;
}

/* Exit code an error object asks for: its `exit` field, 130 after SIGINT,
** else 1. */
static int error_code(lua_State *L)
{
  int code = 1;
  if (lua_istable(L, -1)) {
    lua_getfield(L, -1, "exit");
    if (lua_isnumber(L, -1)) code = (int)lua_tointeger(L, -1);
    lua_pop(L, 1);
  } else if (mcpi_signal_pending()) {
    code = 130;
  }
  return code;
}

void host_report(lua_State *L, int status)
{
  if (status == 0 || lua_isnil(L, -1)) return;
  if (lua_istable(L, -1)) {
    lua_getfield(L, -1, "msg");
    if (lua_isstring(L, -1)) message(lua_tostring(L, -1));
    lua_pop(L, 1);
    return;
  }
  const char *msg = lua_tostring(L, -1);
  if (msg == NULL) msg = "(error object is not a string)";
  if (mcpi_signal_pending() && strstr(msg, "interrupted") != NULL)
    msg = "interrupted";
  message(msg);
}

static int host_index(lua_State *L)
{
  static const luaL_Reg funcs[] = {
    { "repl", repl_run },
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

static int pmain(lua_State *L)
{
  struct smain *s = (struct smain *)lua_touserdata(L, 1);
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

  if (luaL_loadbuffer(L, boot_lua, sizeof(boot_lua) - 1, "=boot") ||
      host_docall(L, 0, 0)) {
    host_report(L, 1);
    s->status = 1;
    return 0;
  }

  /* require("mcpi.cli").main(argv) -> exit code */
  lua_getglobal(L, "require");
  lua_pushliteral(L, "mcpi.cli");
  int status = host_docall(L, 1, 1);
  if (status == 0) {
    lua_getfield(L, -1, "main");
    lua_remove(L, -2);
    lua_createtable(L, s->argc, 0);
    for (int i = 0; i < s->argc; i++) {
      lua_pushstring(L, s->argv[i]);
      lua_rawseti(L, -2, i);
    }
    status = host_docall(L, 1, 1);
  }
  if (status != 0) {
    s->status = error_code(L);
    host_report(L, status);
    return 0;
  }
  s->status = lua_isnumber(L, -1) ? (int)lua_tointeger(L, -1) : 0;
  return 0;
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
    host_report(L, status);
    s.status = 1;
  }
  fflush(stdout);
  lua_close(L);
  return s.status;
}
