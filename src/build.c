/*
** build.c -- facts about this binary, recorded in every results file.
** The Makefile defines MCPI_VERSION, MCPI_COMMIT and MCPI_CFLAGS.
*/
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "mcpi.h"

#ifndef MCPI_VERSION
#define MCPI_VERSION "0.0.0"
#endif
#ifndef MCPI_COMMIT
#define MCPI_COMMIT "unknown"
#endif
#ifndef MCPI_DLDIR
#define MCPI_DLDIR "obj/dl"
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

/* The folder of this build's run-time loaded libraries (the MPI shim,
** cuda.philox), beside the executable (found through /proc/self/exe):
** MCPI_DLDIR (obj/dl) in a build tree, else ../lib/mcpi where `make install`
** puts them; "" if /proc/self/exe cannot be read. */
const char *mcpi_build_dldir(void)
{
  static char dir[PATH_MAX + sizeof MCPI_DLDIR + 16];
  char exe[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n <= 0) return "";
  exe[n] = 0;
  char *slash = strrchr(exe, '/');
  if (slash) *slash = 0;
  snprintf(dir, sizeof dir, "%s/%s", exe, MCPI_DLDIR);
  if (access(dir, F_OK) == 0) return dir;
  char installed[sizeof dir];
  snprintf(installed, sizeof installed, "%s/../lib/mcpi", exe);
  if (access(installed, F_OK) == 0) memcpy(dir, installed, sizeof dir);
  return dir;
}
