/*
** dl.c -- keeps run-time loaded libraries mapped until the process ends.
**
** LuaJIT's ffi.load unloads a library (dlclose) when the state closes, but
** PoCL, Open MPI and the CUDA runtime leave threads, atexit handlers and
** heap blocks behind that still point into their code: unmapped first, the
** process could jump into nothing at exit, and leak reports could not name
** the library. A second dlopen with RTLD_NODELETE pins the library (and its
** dependencies) for the life of the process; mcpi_dl_pin_loaded pins what
** those libraries loaded themselves (PoCL's device drivers and the objects
** of compiled programs, Open MPI's plugins).
*/
#define _GNU_SOURCE
#include <dlfcn.h>
#include <link.h>
#include <stdio.h>
#include "mcpi.h"

static char err[512];

/* Load (or find) the library name and keep it mapped until exit. 1 on
** success; 0 and mcpi_dl_error() otherwise. */
int mcpi_dl_pin(const char *name)
{
  if (dlopen(name, RTLD_NOW | RTLD_GLOBAL | RTLD_NODELETE)) return 1;
  const char *e = dlerror();
  snprintf(err, sizeof err, "%s", e ? e : "dlopen failed");
  return 0;
}

/* Why the last mcpi_dl_pin failed. */
const char *mcpi_dl_error(void) { return err; }

static int pin_one(struct dl_phdr_info *info, size_t size, void *data)
{
  (void)size;
  int *count = data;
  if (info->dlpi_name && info->dlpi_name[0] == '/' &&
      dlopen(info->dlpi_name, RTLD_NOW | RTLD_NOLOAD | RTLD_NODELETE))
    (*count)++;
  return 0;
}

/* Pin every shared object loaded now (by path); returns how many. */
int mcpi_dl_pin_loaded(void)
{
  int count = 0;
  dl_iterate_phdr(pin_one, &count);
  return count;
}
