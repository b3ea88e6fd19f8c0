/*
** kernel_auto.c -- c.auto, c.auto_gcc, c.auto_clang: the plain philox v1 loop
** in C, no intrinsics, left to the compiler's auto-vectoriser: the
** ahead-of-time counterpart of Numba's LLVM JIT.
**
** This one file is compiled several times. With AUTO_VARIANT=v (the Makefile
** does this per compiler and ISA level, e.g. clang -O3 -march=x86-64-v4) it is
** only the loop, exported as mcpi_auto_blocks_v. Without it (the ordinary
** build, baseline ISA) it is the dispatcher: it knows which variants the
** Makefile built, checks the CPU (CPUID + XGETBV, as
** kernel_simd.c does) before calling one, and handles the range's ends.
** The Makefile writes the list of builds into $(OBJ)/auto_variants.h as
** VARIANT(compiler, isa, suffix, "description") lines, preferred first.
*/
#include "mcpi.h"
#include "philox.h"

#define CAT_(a, b) a##b
#define CAT(a, b) CAT_(a, b)

#ifdef AUTO_VARIANT
/* -- The plain loop ------------------------------------------------------- */

uint64_t CAT(mcpi_auto_blocks_, AUTO_VARIANT)(uint64_t seed, uint64_t jb, uint64_t nb);

/* Hits among the 2*nb samples of blocks jb..jb+nb-1: the loop as a user writes
** it; the compiler chooses the vector width. */
uint64_t CAT(mcpi_auto_blocks_, AUTO_VARIANT)(uint64_t seed, uint64_t jb, uint64_t nb)
{
  const uint32_t k0 = (uint32_t)seed, k1 = (uint32_t)(seed >> 32);
  uint64_t h = 0;
  for (uint64_t i = 0; i < nb; i++) {
    uint64_t j = jb + i;
    uint32_t c0 = (uint32_t)j, c1 = (uint32_t)(j >> 32), c2 = 0, c3 = 0;
    uint32_t a = k0, b = k1;
    for (int r = 0; r < 10; r++) {
      philox_round(&c0, &c1, &c2, &c3, a, b);
      a += PHILOX_W0;
      b += PHILOX_W1;
    }
    h += philox_hit(c0, c1) + philox_hit(c2, c3);
  }
  return h;
}

#else
/* -- Dispatcher ------------------------------------------------------------ */
#include <stddef.h>
#if defined(__x86_64__)
#include <cpuid.h>
#endif

typedef philox_chunk_fn blocks_fn;  /* (seed, first block, blocks) -> hits; any count of blocks */

enum { ISA_BASE = 0, ISA_V3 = 1, ISA_V4 = 2 };

struct variant {
  int compiler;  /* MCPI_AUTO_GCC or MCPI_AUTO_CLANG */
  int isa;
  const char *name;
  blocks_fn fn;
};

#define VARIANT(cc, isa, v, desc) \
  uint64_t mcpi_auto_blocks_##v(uint64_t, uint64_t, uint64_t);
#include "auto_variants.h"
#undef VARIANT
#define VARIANT(cc, isa, v, desc) { cc, isa, desc, mcpi_auto_blocks_##v },
/* Preference order: widest ISA first; at equal ISA clang before gcc (clang's
** loop vectoriser was about 2x faster on this loop, see README). */
static const struct variant variants[] = {
#include "auto_variants.h"
  { 0, 0, NULL, NULL }
};
#undef VARIANT

#if defined(__x86_64__)
static uint64_t xgetbv0(void)
{
  uint32_t lo, hi;
  __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
  return (uint64_t)hi << 32 | lo;
}

/* The highest x86-64 psABI level this CPU and OS run: v3 needs AVX2, BMI1/2,
** FMA, F16C, MOVBE, LZCNT and the OS saving ymm; v4 adds AVX-512 F/BW/CD/DQ/VL
** and the OS saving zmm and opmasks. */
static int detect_isa(void)
{
  unsigned a, b, c, d;
  if (!__get_cpuid(1, &a, &b, &c, &d)) return ISA_BASE;
  int fma = (c >> 12) & 1, movbe = (c >> 22) & 1, osxsave = (c >> 27) & 1;
  int avx = (c >> 28) & 1, f16c = (c >> 29) & 1;
  if (!osxsave || !avx || __get_cpuid_max(0, 0) < 7) return ISA_BASE;
  uint64_t xcr0 = xgetbv0();
  if ((xcr0 & 0x6) != 0x6) return ISA_BASE;
  unsigned ea, eb, ec, ed;
  if (!__get_cpuid(0x80000001, &ea, &eb, &ec, &ed)) return ISA_BASE;
  int lzcnt = (ec >> 5) & 1;
  __cpuid_count(7, 0, a, b, c, d);
  int avx2 = (b >> 5) & 1, bmi1 = (b >> 3) & 1, bmi2 = (b >> 8) & 1;
  if (!(avx2 && bmi1 && bmi2 && fma && f16c && movbe && lzcnt)) return ISA_BASE;
  int v4 = ((b >> 16) & 1) && ((b >> 17) & 1) && ((b >> 28) & 1) &&  /* F DQ CD */
           ((b >> 30) & 1) && ((b >> 31) & 1) && (xcr0 & 0xe0) == 0xe0; /* BW VL */
  return v4 ? ISA_V4 : ISA_V3;
}
#else
static int detect_isa(void) { return ISA_BASE; }
#endif

static int cpu_isa = -1;

/* The variant mcpi_auto_count(which, ...) runs, or NULL if none was built. */
static const struct variant *chosen(int which)
{
  if (cpu_isa < 0) cpu_isa = detect_isa();
  for (const struct variant *v = variants; v->fn; v++)
    if (v->isa <= cpu_isa && (which == MCPI_AUTO_BEST || which == v->compiler))
      return v;
  return NULL;
}

/* "clang x86-64-v4" etc. for the build mcpi_auto_count(which)
** runs on this CPU; NULL if no build of that compiler exists. */
const char *mcpi_auto_variant(int which)
{
  if (which < MCPI_AUTO_BEST || which > MCPI_AUTO_CLANG) return NULL;
  const struct variant *v = chosen(which);
  return v ? v->name : NULL;
}

#define CHUNK ((uint64_t)1 << 22)  /* blocks between SIGINT polls */

static int count_on(const struct variant *v, uint64_t seed, uint64_t first,
                    uint64_t n, uint64_t *hits)
{
  uint64_t s = first, end = first + n, h = 0;
  uint64_t jb = s / 2 + (s & 1), je = end / 2;
  if (je > jb) {
    uint64_t vh;
    h += philox_count_range(seed, s, 2 * jb - s);  /* an odd first sample */
    int rc = philox_count_chunks(seed, jb, je - jb, CHUNK, v->fn, &vh);
    if (rc != MCPI_OK) return rc;
    h += vh;
    s = 2 * je;
  }
  *hits = h + philox_count_range(seed, s, end - s);
  return MCPI_OK;
}

/* Hits among samples first..first+n-1 on the best build of `which`
** (MCPI_AUTO_BEST, _GCC, _CLANG). MCPI_EUNSUPPORTED if none was built. */
int mcpi_auto_count(int which, uint64_t seed, uint64_t first, uint64_t n,
                    uint64_t *hits)
{
  if (hits == 0 || first + n < first) return MCPI_EINVAL;
  if (which < MCPI_AUTO_BEST || which > MCPI_AUTO_CLANG) return MCPI_EINVAL;
  const struct variant *v = chosen(which);
  if (v == NULL) return MCPI_EUNSUPPORTED;
  return count_on(v, seed, first, n, hits);
}

/* The description of build i (0, 1, ... in preference order); NULL past the last. */
const char *mcpi_auto_build_name(int i)
{
  int count = (int)(sizeof variants / sizeof variants[0]) - 1;
  return i >= 0 && i < count ? variants[i].name : NULL;
}

/* mcpi_auto_count on build i whatever the preference (the tests run each);
** MCPI_EUNSUPPORTED if this CPU lacks its ISA level. */
int mcpi_auto_count_build(int i, uint64_t seed, uint64_t first, uint64_t n,
                          uint64_t *hits)
{
  if (hits == 0 || first + n < first || mcpi_auto_build_name(i) == NULL) return MCPI_EINVAL;
  if (cpu_isa < 0) cpu_isa = detect_isa();
  if (variants[i].isa > cpu_isa) return MCPI_EUNSUPPORTED;
  return count_on(&variants[i], seed, first, n, hits);
}
#endif
