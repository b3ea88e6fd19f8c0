/*
** kernel_avx512.c -- the philox v1 stream on AVX-512: 8 blocks per zmm,
** several zmm groups in flight.
**
** Layout: each 64-bit lane holds one block's 32-bit word in its low half.
** _mm512_mul_epu32 reads only the low halves and returns the full 64-bit
** product, so one multiply gives both hi and lo of a Philox product and the
** garbage left in the high halves never needs masking. The AVX-512 code sits
** in target("avx512...") functions: this file is compiled for baseline
** x86-64, so mcpi_avx512_count can check the CPU before any EVEX instruction.
*/
#include "mcpi.h"
#include "philox.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>

#define AVX512_TARGET __attribute__((target("avx512f,avx512dq,avx512vl,avx512bw,popcnt")))
#ifndef GROUPS
#define GROUPS 4                       /* zmm groups in flight (4 and 6 tie; 4 spills less) */
#endif
#define STEP (8 * GROUPS)              /* blocks per iteration */
#define CHUNK ((uint64_t)1 << 21)      /* blocks between SIGINT polls */

/* Hits among the samples of blocks jb..jb+nb-1; nb is a multiple of STEP. */
AVX512_TARGET
static int count_blocks(uint64_t seed, uint64_t jb, uint64_t nb, uint64_t *hits)
{
  const __m512i m0 = _mm512_set1_epi64(PHILOX_M0), m1 = _mm512_set1_epi64(PHILOX_M1);
  __m512i k0[10], k1[10];
  uint32_t a = (uint32_t)seed, b = (uint32_t)(seed >> 32);
  for (int r = 0; r < 10; r++, a += PHILOX_W0, b += PHILOX_W1) {
    k0[r] = _mm512_set1_epi64(a);
    k1[r] = _mm512_set1_epi64(b);
  }
  const __m512i lane = _mm512_set_epi64(7, 6, 5, 4, 3, 2, 1, 0);
  uint64_t h = 0;
  while (nb > 0) {
    if (mcpi_signal_pending()) return MCPI_EINTR;
    uint64_t nc = nb < CHUNK ? nb : CHUNK;
    for (uint64_t j = jb, je = jb + nc; j < je; j += STEP) {
      __m512i c0[GROUPS], c1[GROUPS], c2[GROUPS], c3[GROUPS];
#pragma GCC unroll 8
      for (int g = 0; g < GROUPS; g++) {
        /* Round 1 on counter (j lo, j hi, 0, 0): M1 * 0 = 0 saves a multiply. */
        __m512i ctr = _mm512_add_epi64(_mm512_set1_epi64((long long)(j + 8 * g)), lane);
        __m512i p0 = _mm512_mul_epu32(ctr, m0);
        c0[g] = _mm512_xor_si512(_mm512_srli_epi64(ctr, 32), k0[0]);
        c1[g] = _mm512_setzero_si512();
        c2[g] = _mm512_xor_si512(_mm512_srli_epi64(p0, 32), k1[0]);
        c3[g] = p0;
      }
#pragma GCC unroll 9
      for (int r = 1; r < 10; r++) {
#pragma GCC unroll 8
      for (int g = 0; g < GROUPS; g++) {
          __m512i p0 = _mm512_mul_epu32(c0[g], m0);
          __m512i p1 = _mm512_mul_epu32(c2[g], m1);
          /* 0x96: a ^ b ^ c */
          c0[g] = _mm512_ternarylogic_epi64(_mm512_srli_epi64(p1, 32), c1[g], k0[r], 0x96);
          c2[g] = _mm512_ternarylogic_epi64(_mm512_srli_epi64(p0, 32), c3[g], k1[r], 0x96);
          c1[g] = p1;
          c3[g] = p0;
        }
      }
#pragma GCC unroll 8
      for (int g = 0; g < GROUPS; g++) {
        /* x*x + y*y < 2^64 iff the 64-bit sum does not wrap below x*x. */
        __m512i xx = _mm512_mul_epu32(c0[g], c0[g]);
        __m512i s = _mm512_add_epi64(xx, _mm512_mul_epu32(c1[g], c1[g]));
        __m512i zz = _mm512_mul_epu32(c2[g], c2[g]);
        __m512i t = _mm512_add_epi64(zz, _mm512_mul_epu32(c3[g], c3[g]));
        unsigned m = _mm512_cmpge_epu64_mask(s, xx) | (unsigned)_mm512_cmpge_epu64_mask(t, zz) << 8;
        h += (uint64_t)__builtin_popcount(m);
      }
    }
    jb += nc;
    nb -= nc;
  }
  *hits = h;
  return MCPI_OK;
}

/* Hits among samples first..first+n-1; MCPI_EUNSUPPORTED without AVX-512. */
int mcpi_avx512_count(uint64_t seed, uint64_t first, uint64_t n, uint64_t *hits)
{
  if (hits == 0 || first + n < first) return MCPI_EINVAL;
  if (!mcpi_simd_supported(MCPI_PATH_AVX512)) return MCPI_EUNSUPPORTED;
  uint64_t s = first, end = first + n, h = 0;
  /* Whole blocks jb..je-1 go to the vector loop, the ends to the scalar one. */
  uint64_t jb = s / 2 + (s & 1), je = end / 2;
  if (je > jb && je - jb >= STEP) {
    uint64_t nb = (je - jb) / STEP * STEP, vh;
    if (2 * jb > s) h += philox_count_range(seed, s, 2 * jb - s);
    int rc = count_blocks(seed, jb, nb, &vh);
    if (rc != MCPI_OK) return rc;
    h += vh;
    s = 2 * (jb + nb);
  }
  h += philox_count_range(seed, s, end - s);
  *hits = h;
  return MCPI_OK;
}

#else
int mcpi_avx512_count(uint64_t seed, uint64_t first, uint64_t n, uint64_t *hits)
{
  (void)seed; (void)first; (void)n; (void)hits;
  return MCPI_EUNSUPPORTED;
}
#endif
