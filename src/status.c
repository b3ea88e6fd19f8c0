/*
** status.c -- the names of the status codes every mcpi_* kernel returns
** (MCPI_OK, MCPI_EINVAL, ... in mcpi.h), for messages in Lua and C alike.
*/
#include "mcpi.h"

/* A message for a status code returned by any mcpi_* kernel. */
const char *mcpi_strerror(int code)
{
  switch (code) {
  case MCPI_OK: return "ok";
  case MCPI_EINVAL: return "argument out of range";
  case MCPI_EUNSUPPORTED: return "this CPU cannot run that SIMD path";
  case MCPI_EINTR: return "interrupted";
  case MCPI_ETHREAD: return "cannot create a thread";
  default: return "unknown error";
  }
}
