/*
** path.c -- where this mcpi executable lives, so files that travel beside it
** (src/peers/, vendor/venv/) are found at run time wherever mcpi was started.
*/
#include <limits.h>
#include <string.h>
#include <unistd.h>
#include "mcpi.h"

static char dir[PATH_MAX];

/* The directory of the running executable (readlink /proc/self/exe), without
** a trailing slash; "" where that link cannot be read. */
const char *mcpi_path_exe_dir(void)
{
  if (dir[0] == 0) {
    ssize_t len = readlink("/proc/self/exe", dir, sizeof dir - 1);
    if (len <= 0) return dir[0] = 0, dir;
    dir[len] = 0;
    char *slash = strrchr(dir, '/');
    if (slash == NULL) dir[0] = 0;
    else if (slash == dir) dir[1] = 0;  /* the executable is in / */
    else *slash = 0;
  }
  return dir;
}
