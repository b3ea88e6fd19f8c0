/*
** build.c -- facts about this binary, recorded in every results file.
** The Makefile defines MCPI_VERSION, MCPI_COMMIT and MCPI_CFLAGS.
*/
#include "mcpi.h"

#ifndef MCPI_VERSION
#define MCPI_VERSION "0.0.0"
#endif
#ifndef MCPI_COMMIT
#define MCPI_COMMIT "unknown"
#endif
#ifndef MCPI_CFLAGS
#define MCPI_CFLAGS "unknown"
#endif

const char *mcpi_build_version(void) { return MCPI_VERSION; }
const char *mcpi_build_commit(void) { return MCPI_COMMIT; }
const char *mcpi_build_cflags(void) { return MCPI_CFLAGS; }

const char *mcpi_build_compiler(void)
{
#if defined(__clang__)
  return "clang " __clang_version__;
#elif defined(__GNUC__)
  return "gcc " __VERSION__;
#else
  return "unknown";
#endif
}
