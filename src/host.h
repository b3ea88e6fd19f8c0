/*
** host.h -- what the host's C files share that Lua never calls.
*/
#ifndef MCPI_HOST_H
#define MCPI_HOST_H
#include "lua.h"

/* signal.c: while Lua runs (armed), the first SIGINT sets the pending flag
** and stops the interpreter at its next instruction with the error
** "interrupted"; a second one before Lua notices kills the process, as in
** lua.c. */
void mcpi_signal_arm(lua_State *L);
void mcpi_signal_disarm(void);
/* signal.c: while the REPL waits for input, SIGINT only sets the pending flag
** and interrupts the blocking read (no SA_RESTART), so the prompt can clear
** the line instead of dying. */
void mcpi_signal_prompt(void);

/* main.c: call the function below narg arguments under a traceback handler
** with SIGINT armed; returns the lua_pcall status. */
int host_docall(lua_State *L, int narg, int nres);
/* main.c: print the error on top of the stack as "mcpi: <message>". */
void host_report(lua_State *L, int status);
/* main.c: the exit code the error on top of the stack maps to (1, 2, 130 or
** the code an exit object asks for). */
int host_error_code(lua_State *L);

/* repl.c: the interactive loop (a lua_CFunction: mcpi.host.repl()). */
int repl_run(lua_State *L);

#endif
