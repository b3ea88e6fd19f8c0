/*
** signal.c -- SIGINT handling, shaped like lua.c's laction/lstop.
**
** The handler cannot run Lua, so it does two things: sets a flag that C
** kernels and Lua kernel loops poll between chunks (compiled traces never see
** a hook), and installs a count hook that raises "interrupted" at the
** interpreter's next instruction. A second SIGINT before Lua notices kills the
** process the default way, as in lua.c.
*/
#include <signal.h>
#include "lua.h"
#include "lauxlib.h"
#include "mcpi.h"
#include "host.h"

static volatile sig_atomic_t pending;
static lua_State *armedL;

static void stop_hook(lua_State *L, lua_Debug *ar)
{
  (void)ar;
  lua_sethook(L, NULL, 0, 0);
  luaL_error(L, "interrupted");
}

static void on_sigint(int sig)
{
  signal(sig, SIG_DFL);
  pending = 1;
  if (armedL)
    lua_sethook(armedL, stop_hook,
                LUA_MASKCALL | LUA_MASKRET | LUA_MASKCOUNT, 1);
}

void mcpi_signal_arm(lua_State *L)
{
  armedL = L;
  signal(SIGINT, on_sigint);
}

void mcpi_signal_disarm(void)
{
  signal(SIGINT, SIG_DFL);
  armedL = NULL;
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
