/*
** path.c -- where this mcpi executable lives, so files that travel beside it
** (src/peers/, vendor/venv/) are found at run time wherever mcpi was started.
*/
#include <limits.h>
#include <string.h>
#include <unistd.h>
#include "mcpi.h"

static char exe[PATH_MAX];
static char dir[PATH_MAX];

/* The path of the running executable (readlink /proc/self/exe); "" where
** that link cannot be read. */
const char *mcpi_path_exe(void)
{
  if (exe[0] == 0) {
    ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
    exe[len > 0 ? len : 0] = 0;
  }
  return exe;
}

/* The directory of the running executable, without a trailing slash; ""
** where the link cannot be read. */
const char *mcpi_path_exe_dir(void)
{
  if (dir[0] == 0) {
    const char *e = mcpi_path_exe();
    if (e[0] == 0) return dir;
    strcpy(dir, e);
    char *slash = strrchr(dir, '/');
    if (slash == NULL) dir[0] = 0;
    else if (slash == dir) dir[1] = 0;  /* the executable is in / */
    else *slash = 0;
  }
  return dir;
}
