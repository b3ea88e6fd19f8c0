/*
** philox.h -- Philox4x32-10 (Salmon et al., SC'11; Random123), the generator
** of the philox v1 stream, as inline functions the kernels share.
**
** Stream: key = (seed lo, seed hi); block j has counter (j lo, j hi, 0, 0)
** and yields samples 2j = (r0, r1) and 2j+1 = (r2, r3). A sample hits iff
** x*x + y*y < 2^64 exactly: the 64-bit sum of the two squares does not carry.
** This is the stream's one definition; every port (lua/mcpi/philox.lua,
** src/philox.cl, src/dl/cuda.cu, src/peers/philox_ref.py and the peers) cites
** it, and tests/data/philox_kat.txt holds Random123's known answers.
**
** Below the stream: the hit count over a range, one block at a time; one
** block's words as an array w[4], for the scalar blocks the SIMD kernels run
** beside their vector groups; and the SIMD kernels' driver, the part of
** c.avx2 and c.avx512 that does not depend on the vector width.
*/
#ifndef MCPI_PHILOX_H
#define MCPI_PHILOX_H
#include <stdint.h>

#define PHILOX_M0 0xD2511F53u
#define PHILOX_M1 0xCD9E8D57u
#define PHILOX_W0 0x9E3779B9u
#define PHILOX_W1 0xBB67AE85u

/* One Philox4x32 round on a block's words (w0..w3) under round key (k0, k1):
** the two 32x32->64 products, their high halves XORed into the other words.
** Every scalar path (and the scalar blocks beside the SIMD groups) uses it. */
static inline void philox_round(uint32_t *w0, uint32_t *w1, uint32_t *w2, uint32_t *w3,
                                uint32_t k0, uint32_t k1)
{
  uint64_t p0 = (uint64_t)PHILOX_M0 * *w0;
  uint64_t p1 = (uint64_t)PHILOX_M1 * *w2;
  *w0 = (uint32_t)(p1 >> 32) ^ *w1 ^ k0;
  *w2 = (uint32_t)(p0 >> 32) ^ *w3 ^ k1;
  *w1 = (uint32_t)p1;
  *w3 = (uint32_t)p0;
}

/* Random123's philox4x32_10: out = the ten rounds of (c0..c3) under (k0, k1). */
static inline void philox4x32_10(uint32_t c0, uint32_t c1, uint32_t c2, uint32_t c3,
                                 uint32_t k0, uint32_t k1, uint32_t out[4])
{
  for (int i = 0; i < 10; i++) {
    philox_round(&c0, &c1, &c2, &c3, k0, k1);
    k0 += PHILOX_W0;
    k1 += PHILOX_W1;
  }
  out[0] = c0; out[1] = c1; out[2] = c2; out[3] = c3;
}

/* Block j of the stream for seed: r = philox(counter (j lo, j hi, 0, 0),
** key (seed lo, seed hi)). */
static inline void philox_block(uint64_t j, uint64_t seed, uint32_t r[4])
{
  philox4x32_10((uint32_t)j, (uint32_t)(j >> 32), 0, 0,
                (uint32_t)seed, (uint32_t)(seed >> 32), r);
}

/* 1 iff x*x + y*y < 2^64 (the sum of the squares does not carry). */
static inline uint64_t philox_hit(uint32_t x, uint32_t y)
{
  uint64_t xx = (uint64_t)x * x;
  uint64_t s = xx + (uint64_t)y * y;
  return s >= xx;
}

/* Hits among samples s..s+n-1, one block at a time (the ends of the SIMD
** kernels' ranges; no SIGINT polling, so keep n small). */
static inline uint64_t philox_count_range(uint64_t seed, uint64_t s, uint64_t n)
{
  uint64_t h = 0, end = s + n;
  uint32_t r[4];
  if (s < end && (s & 1)) {
    philox_block(s >> 1, seed, r);
    h += philox_hit(r[2], r[3]);
    s++;
  }
  for (; end - s >= 2; s += 2) {
    philox_block(s >> 1, seed, r);
    h += philox_hit(r[0], r[1]) + philox_hit(r[2], r[3]);
  }
  if (s < end) {
    philox_block(s >> 1, seed, r);
    h += philox_hit(r[0], r[1]);
  }
  return h;
}

/* -- One block as an array w[4] = its words c0..c3 -------------------------
** For the scalar blocks the SIMD kernels run beside their vector groups. The
** kernels loop over those blocks themselves, up to their constant SCALAR: a
** helper that looped up to a count passed as an argument made gcc 12 compile
** another AVX-512 hot loop (70 more zmm register moves, 30 more spills), the
** count a constant after inlining notwithstanding. w is a plain pointer, not
** uint32_t w[4]: with the array bound, gcc 12 warns (-Wstringop-overflow) in
** a build with -DSCALAR=0, where the loops never run. */

/* Block j's counter (j lo, j hi, 0, 0). */
static inline void philox_block_init(uint32_t *w, uint64_t j)
{
  w[0] = (uint32_t)j;
  w[1] = (uint32_t)(j >> 32);
  w[2] = w[3] = 0;
}

/* One round on the block under round key (k0, k1). */
static inline void philox_block_round(uint32_t *w, uint32_t k0, uint32_t k1)
{
  philox_round(&w[0], &w[1], &w[2], &w[3], k0, k1);
}

/* Hits among the block's two samples, (w[0], w[1]) and (w[2], w[3]). */
static inline uint64_t philox_block_hits(const uint32_t *w)
{
  return philox_hit(w[0], w[1]) + philox_hit(w[2], w[3]);
}

/* -- The SIMD kernels' driver (needs mcpi.h) ---------------------------------
** A SIMD kernel supplies chunk(seed, jb, nb): the hits among blocks
** jb..jb+nb-1, nb a multiple of its step, without SIGINT polling. The rest,
** the same for every vector width, is here. */
typedef uint64_t (*philox_chunk_fn)(uint64_t seed, uint64_t jb, uint64_t nb);

/* Hits among blocks jb..jb+nb-1 (nb a multiple of step), at most `chunk`
** blocks (a multiple of step) per call of fn, polling SIGINT between calls. */
static inline int philox_count_chunks(uint64_t seed, uint64_t jb, uint64_t nb,
                                      uint64_t chunk, philox_chunk_fn fn,
                                      uint64_t *hits)
{
  uint64_t h = 0;
  while (nb > 0) {
    if (mcpi_signal_pending()) return MCPI_EINTR;
    uint64_t nc = nb < chunk ? nb : chunk;
    h += fn(seed, jb, nc);
    jb += nc;
    nb -= nc;
  }
  *hits = h;
  return MCPI_OK;
}

/* Hits among samples first..first+n-1 on SIMD path (MCPI_PATH_AVX2, ...):
** MCPI_EINVAL for a bad range or hits, MCPI_EUNSUPPORTED if this CPU lacks the
** path. Whole blocks in multiples of step go to fn, chunk blocks between
** SIGINT polls; the samples before and after them (an odd first sample, a
** tail shorter than step, or all of a small N) to c.scalar's interleaved loop. */
static inline int philox_count_split(int path, uint64_t seed, uint64_t first, uint64_t n,
                                     uint64_t step, uint64_t chunk, philox_chunk_fn fn,
                                     uint64_t *hits)
{
  if (hits == 0 || first + n < first) return MCPI_EINVAL;
  if (!mcpi_simd_supported(path)) return MCPI_EUNSUPPORTED;
  uint64_t s = first, end = first + n, h = 0;
  uint64_t jb = s / 2 + (s & 1), je = end / 2;
  if (je > jb && je - jb >= step) {
    uint64_t nb = (je - jb) / step * step, vh;
    if (2 * jb > s) h += philox_count_range(seed, s, 2 * jb - s);
    int rc = philox_count_chunks(seed, jb, nb, chunk, fn, &vh);
    if (rc != MCPI_OK) return rc;
    h += vh;
    s = 2 * (jb + nb);
  }
  uint64_t th;
  int rc = mcpi_scalar_count(seed, s, end - s, &th);
  if (rc != MCPI_OK) return rc;
  *hits = h + th;
  return MCPI_OK;
}

#endif
