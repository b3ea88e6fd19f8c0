/*
** signal.c -- SIGINT, SIGTERM and SIGHUP handling, shaped like lua.c's
** laction/lstop.
**
** The handler cannot run Lua, so it does two things: records the signal in an
** atomic flag that C kernels (worker threads included) and Lua kernel loops
** poll between chunks (compiled traces never see a hook), and installs a
** count hook that raises the interruption at the interpreter's next
** instruction. A second signal before Lua notices kills the process the
** default way, as in lua.c: the escape hatch for a loop that neither polls nor
** runs interpreted.
**
** Critical sections (mcpi_signal_defer): bookkeeping that must not be cut in
** half (the sweep's row journal: a row goes into memory and onto disk, or
** into neither) defers the hook. A signal that arrives inside one only sets
** the flag; the hook is installed when the outermost section ends. The hook
** itself also checks, because the handler may have installed it just before
** the section began.
*/
#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include "lua.h"
#include "lauxlib.h"
#include "mcpi.h"
#include "host.h"

/* The signal number that arrived (0: none). Written by the handler, read by
** kernel worker threads: it must be atomic, not merely volatile. */
static atomic_int pending;
/* 1 once the interruption has been raised in Lua: no more hooks for it. */
static atomic_int delivered;
static atomic_int deferred;
static lua_State *_Atomic armedL;

static const int SIGNALS[] = { SIGINT, SIGTERM, SIGHUP };
#define NSIGNALS (sizeof(SIGNALS) / sizeof(SIGNALS[0]))

/* Raises the same error object as a kernel that saw the flag would
** (mcpi.errors.interrupted(): {kind = "interrupted", msg = "interrupted"}), so
** a script that catches interruptions sees one kind of value whichever path
** noticed first. Inside a critical section it only removes itself. */
static void stop_hook(lua_State *L, lua_Debug *ar)
{
  (void)ar;
  lua_sethook(L, NULL, 0, 0);
  if (atomic_load(&deferred) > 0 || atomic_load(&delivered)) return;
  atomic_store(&delivered, 1);
  if (lua_checkstack(L, 4)) {
    lua_getglobal(L, "require");
    lua_pushliteral(L, "mcpi.errors");
    if (lua_isfunction(L, -2) && lua_pcall(L, 1, 1, 0) == 0 && lua_istable(L, -1)) {
      lua_getfield(L, -1, "interrupted");
      if (lua_isfunction(L, -1)) lua_call(L, 0, 0);  /* raises */
    }
  }
  lua_createtable(L, 0, 2);
  lua_pushliteral(L, "interrupted");
  lua_setfield(L, -2, "kind");
  lua_pushliteral(L, "interrupted");
  lua_setfield(L, -2, "msg");
  lua_error(L);
}

static void set_handlers(void (*fn)(int), int flags, int all)
{
  struct sigaction sa;
  memset(&sa, 0, sizeof(sa));
  sa.sa_handler = fn;
  sa.sa_flags = flags;
  sigemptyset(&sa.sa_mask);
  for (size_t i = 0; i < (all ? NSIGNALS : 1); i++) sigaction(SIGNALS[i], &sa, NULL);
}

static void install_hook(lua_State *L)
{
  lua_sethook(L, stop_hook, LUA_MASKCALL | LUA_MASKRET | LUA_MASKCOUNT, 1);
}

static void on_signal(int sig)
{
  int saved = errno;  /* sigaction must not spoil the interrupted code's errno */
  lua_State *L = atomic_load(&armedL);
  set_handlers(SIG_DFL, 0, 1);
  atomic_store(&pending, sig);
  if (L && atomic_load(&deferred) == 0) install_hook(L);
  errno = saved;
}

static void on_prompt_sigint(int sig)
{
  atomic_store(&pending, sig);
}

void mcpi_signal_arm(lua_State *L)
{
  atomic_store(&armedL, L);
  set_handlers(on_signal, SA_RESTART, 1);
}

void mcpi_signal_disarm(void)
{
  set_handlers(SIG_DFL, 0, 1);
  atomic_store(&armedL, NULL);
}

void mcpi_signal_prompt(void)
{
  atomic_store(&armedL, NULL);
  set_handlers(on_prompt_sigint, 0, 0);
}

/* 1 once a signal has arrived since the last mcpi_signal_clear(). */
int mcpi_signal_pending(void)
{
  return atomic_load_explicit(&pending, memory_order_relaxed) != 0;
}

int mcpi_signal_number(void)
{
  return atomic_load(&pending);
}

/* Forget a signal that has been dealt with (the REPL does, per line). */
void mcpi_signal_clear(void)
{
  atomic_store(&pending, 0);
  atomic_store(&delivered, 0);
}

void mcpi_signal_defer(int on)
{
  if (on) {
    atomic_fetch_add(&deferred, 1);
    return;
  }
  if (atomic_fetch_sub(&deferred, 1) != 1) return;
  lua_State *L = atomic_load(&armedL);
  if (L && atomic_load(&pending) && !atomic_load(&delivered)) install_hook(L);
}

void mcpi_signal_delivered(void)
{
  atomic_store(&delivered, 1);
}
