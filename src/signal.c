/*
** signal.c -- SIGINT handling, shaped like lua.c's laction/lstop.
**
** The handler cannot run Lua, so it does two things: sets a flag that C
** kernels and Lua kernel loops poll between chunks (compiled traces never see
** a hook), and installs a count hook that raises "interrupted" at the
** interpreter's next instruction. A second SIGINT before Lua notices kills the
** process the default way, as in lua.c: the escape hatch for a loop that
** neither polls nor runs interpreted.
*/
#include <signal.h>
#include <string.h>
#include "lua.h"
#include "lauxlib.h"
#include "mcpi.h"
#include "host.h"

static volatile sig_atomic_t pending;
static lua_State *volatile armedL;

/* Raises the same error object as a kernel that saw the flag would
** (util.interrupted(): {exit = 130, msg = "interrupted"}), so a script that
** catches interruptions sees one kind of value whichever path noticed first. */
static void stop_hook(lua_State *L, lua_Debug *ar)
{
  (void)ar;
  lua_sethook(L, NULL, 0, 0);
  lua_getglobal(L, "require");
  lua_pushliteral(L, "mcpi.util");
  if (lua_isfunction(L, -2) && lua_pcall(L, 1, 1, 0) == 0 && lua_istable(L, -1)) {
    lua_getfield(L, -1, "interrupted");
    if (lua_isfunction(L, -1)) lua_call(L, 0, 0);  /* raises */
  }
  luaL_error(L, "interrupted");
}

static void set_handler(void (*fn)(int), int flags)
{
  struct sigaction sa;
  memset(&sa, 0, sizeof(sa));
  sa.sa_handler = fn;
  sa.sa_flags = flags;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, NULL);
}

static void on_sigint(int sig)
{
  lua_State *L = armedL;
  set_handler(SIG_DFL, 0);
  (void)sig;
  pending = 1;
  if (L)
    lua_sethook(L, stop_hook, LUA_MASKCALL | LUA_MASKRET | LUA_MASKCOUNT, 1);
}

static void on_prompt_sigint(int sig)
{
  (void)sig;
  pending = 1;
}

void mcpi_signal_arm(lua_State *L)
{
  armedL = L;
  set_handler(on_sigint, SA_RESTART);
}

void mcpi_signal_disarm(void)
{
  set_handler(SIG_DFL, 0);
  armedL = NULL;
}

void mcpi_signal_prompt(void)
{
  armedL = NULL;
  set_handler(on_prompt_sigint, 0);
}

/* 1 once SIGINT has arrived since the last mcpi_signal_clear(). */
int mcpi_signal_pending(void)
{
  return pending != 0;
}

/* Forget a SIGINT that has been dealt with (the REPL does, per line). */
void mcpi_signal_clear(void)
{
  pending = 0;
}
