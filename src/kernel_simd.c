/*
** kernel_simd.c -- run-time choice of the best SIMD path, and the status
** strings. (Stub: AVX2/AVX-512 paths arrive with the kernels issue.)
*/
#include <stdlib.h>
#include <string.h>
#include "mcpi.h"

static int forced = -1;

int mcpi_avx2_count(uint64_t seed, uint64_t first, uint64_t n, uint64_t *hits)
{
  (void)seed; (void)first; (void)n; (void)hits;
  return MCPI_EUNSUPPORTED;
}

int mcpi_avx512_count(uint64_t seed, uint64_t first, uint64_t n, uint64_t *hits)
{
  (void)seed; (void)first; (void)n; (void)hits;
  return MCPI_EUNSUPPORTED;
}

int mcpi_simd_supported(int path)
{
  return path == MCPI_PATH_SCALAR;
}

int mcpi_simd_path(void)
{
  return forced >= 0 ? forced : MCPI_PATH_SCALAR;
}

int mcpi_simd_force(int path)
{
  if (path < -1 || path >= MCPI_PATH_COUNT) return MCPI_EINVAL;
  if (path >= 0 && !mcpi_simd_supported(path)) return MCPI_EUNSUPPORTED;
  forced = path;
  return MCPI_OK;
}

const char *mcpi_simd_name(int path)
{
  static const char *const names[] = { "scalar", "avx2", "avx512" };
  return path >= 0 && path < MCPI_PATH_COUNT ? names[path] : "unknown";
}

int mcpi_simd_count(uint64_t seed, uint64_t first, uint64_t n, uint64_t *hits)
{
  return mcpi_scalar_count(seed, first, n, hits);
}

int mcpi_threads_count(uint64_t seed, uint64_t first, uint64_t n, int threads,
                       uint64_t *hits)
{
  if (threads < 0) return MCPI_EINVAL;
  return mcpi_simd_count(seed, first, n, hits);
}

int mcpi_threads_online(void) { return 1; }
int mcpi_threads_max(void) { return 256; }

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
