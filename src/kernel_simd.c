/*
** kernel_simd.c -- c.simd: the best SIMD path this CPU and OS run, chosen at
** run time, or the one forced by mcpi_simd_force / MCPI_SIMD. The one owner
** of CPU detection, forcing, path names and the path -> count function table
** (mcpi_simd_count_fn, which c.threads runs on each thread too).
**
** A path counts as supported only if CPUID has the instructions *and* XGETBV
** shows the OS saves the registers (a kernel built without AVX-512 context
** switching would corrupt zmm state), so forcing a path never ends in SIGILL.
*/
#include <stdlib.h>
#include <string.h>
#include "mcpi.h"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>

static uint64_t xgetbv0(void)
{
  uint32_t lo, hi;
  __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
  return (uint64_t)hi << 32 | lo;
}

static int detect(int path)
{
  unsigned a, b, c, d;
  if (path == MCPI_PATH_SCALAR) return 1;
  if (!__get_cpuid(1, &a, &b, &c, &d)) return 0;
  int osxsave = (c >> 27) & 1, popcnt = (c >> 23) & 1;
  if (!osxsave || __get_cpuid_max(0, 0) < 7) return 0;
  __cpuid_count(7, 0, a, b, c, d);
  uint64_t xcr0 = xgetbv0();
  int ymm_os = (xcr0 & 0x6) == 0x6;           /* SSE and AVX state */
  int zmm_os = ymm_os && (xcr0 & 0xe0) == 0xe0; /* opmask, ZMM_Hi256, Hi16_ZMM */
  int avx2 = (b >> 5) & 1;
  int avx512 = ((b >> 16) & 1) && ((b >> 17) & 1) && ((b >> 30) & 1) && ((b >> 31) & 1);
  if (path == MCPI_PATH_AVX2) return avx2 && ymm_os;
  if (path == MCPI_PATH_AVX512) return avx512 && zmm_os && popcnt;
  return 0;
}
#else
static int detect(int path) { return path == MCPI_PATH_SCALAR; }
#endif

static const char *const names[MCPI_PATH_COUNT] = { "scalar", "avx2", "avx512" };
static int supported[MCPI_PATH_COUNT] = { -1, -1, -1 };  /* -1: not probed yet */
/* -2: MCPI_SIMD not read yet; -1: automatic; -3: MCPI_SIMD names no path. */
static int forced = -2;

/* 1 if this CPU and OS run path, else 0 (also for a path out of range). */
int mcpi_simd_supported(int path)
{
  if (path < 0 || path >= MCPI_PATH_COUNT) return 0;
  if (supported[path] < 0) supported[path] = detect(path);
  return supported[path];
}

static int best(void)
{
  for (int p = MCPI_PATH_COUNT - 1; p > 0; p--)
    if (mcpi_simd_supported(p)) return p;
  return MCPI_PATH_SCALAR;
}

static int from_env(void)
{
  const char *e = getenv("MCPI_SIMD");
  if (e == 0 || *e == 0 || strcmp(e, "auto") == 0) return -1;
  for (int p = 0; p < MCPI_PATH_COUNT; p++)
    if (strcmp(e, names[p]) == 0) return p;
  return -3;
}

/* The path c.simd and c.threads run: forced, else the best supported; -1 if
** MCPI_SIMD names no path. A forced path may be unsupported (the kernels then
** return MCPI_EUNSUPPORTED). */
int mcpi_simd_path(void)
{
  if (forced == -2) forced = from_env();
  if (forced == -3) return -1;
  return forced >= 0 ? forced : best();
}

/* Force path (-1: back to the best supported, ignoring MCPI_SIMD).
** MCPI_EINVAL for no such path, MCPI_EUNSUPPORTED if the CPU lacks it. */
int mcpi_simd_force(int path)
{
  if (path < -1 || path >= MCPI_PATH_COUNT) return MCPI_EINVAL;
  if (path >= 0 && !mcpi_simd_supported(path)) return MCPI_EUNSUPPORTED;
  forced = path;
  return MCPI_OK;
}

/* "scalar", "avx2", "avx512"; "unknown" for anything else. */
const char *mcpi_simd_name(int path)
{
  return path >= 0 && path < MCPI_PATH_COUNT ? names[path] : "unknown";
}

/* -- The path -> count function table --------------------------------------- */

static const mcpi_count_fn counts[MCPI_PATH_COUNT] = {
  mcpi_scalar_count, mcpi_avx2_count, mcpi_avx512_count
};

/* The count function of path; NULL for no such path (-1 included). */
mcpi_count_fn mcpi_simd_count_fn(int path)
{
  return path >= 0 && path < MCPI_PATH_COUNT ? counts[path] : 0;
}

/* Hits among samples first..first+n-1 on mcpi_simd_path(). */
int mcpi_simd_count(uint64_t seed, uint64_t first, uint64_t n, uint64_t *hits)
{
  mcpi_count_fn fn = mcpi_simd_count_fn(mcpi_simd_path());
  return fn ? fn(seed, first, n, hits) : MCPI_EINVAL;
}
