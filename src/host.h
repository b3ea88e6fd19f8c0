/*
** host.h -- what the host's C files share that Lua never calls.
*/
#ifndef MCPI_HOST_H
#define MCPI_HOST_H
#include "lua.h"

/* signal.c: SIGINT while Lua runs sets the pending flag and stops the
** interpreter at its next instruction with the error "interrupted". */
void mcpi_signal_arm(lua_State *L);
void mcpi_signal_disarm(void);

/* main.c: call the function below narg arguments under a traceback handler
** with SIGINT armed; returns the lua_pcall status. */
int host_docall(lua_State *L, int narg, int nres);
/* main.c: print the error on top of the stack as "mcpi: <message>". */
void host_report(lua_State *L, int status);

/* repl.c: the interactive loop (a lua_CFunction: mcpi.host.repl()). */
int repl_run(lua_State *L);

#endif
