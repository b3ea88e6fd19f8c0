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
#define GROUPS 6                       /* zmm groups in flight (measured with SCALAR 3: 4: 0.615, 5: 0.605, 6: 0.594, 7: 0.623, 8: 0.650 ns) */
#endif
#ifndef SCALAR
#define SCALAR 3                       /* blocks on the integer units alongside (6 groups: 3: 0.594, 4: 0.597 ns) */
#endif
#define STEP (8 * GROUPS + SCALAR)     /* blocks per iteration */
#define CHUNK ((uint64_t)STEP << 15)   /* blocks between SIGINT polls */

/* Hits among the samples of blocks jb..jb+nb-1; nb is a multiple of STEP
** (philox_count_split polls SIGINT between chunks of CHUNK blocks): per
** iteration 8 * GROUPS blocks in zmm lanes, then SCALAR in scalar code. */
AVX512_TARGET
static uint64_t count_chunk(uint64_t seed, uint64_t jb, uint64_t nb)
{
  const __m512i m0 = _mm512_set1_epi64(PHILOX_M0), m1 = _mm512_set1_epi64(PHILOX_M1);
  __m512i k0[10], k1[10];
  uint32_t a = (uint32_t)seed, b = (uint32_t)(seed >> 32);
  for (int r = 0; r < 10; r++, a += PHILOX_W0, b += PHILOX_W1) {
    k0[r] = _mm512_set1_epi64(a);
    k1[r] = _mm512_set1_epi64(b);
  }
  const __m512i lane = _mm512_set_epi64(7, 6, 5, 4, 3, 2, 1, 0);
  __m512i goff[GROUPS];
  for (int g = 0; g < GROUPS; g++) goff[g] = _mm512_set1_epi64(8 * g);
  uint64_t h = 0;
  for (uint64_t j = jb, je = jb + nb; j < je; j += STEP) {
    __m512i c0[GROUPS], c1[GROUPS], c2[GROUPS], c3[GROUPS];
    uint32_t s0[SCALAR], s1[SCALAR], s2[SCALAR], s3[SCALAR];
    uint32_t q0 = (uint32_t)seed, q1 = (uint32_t)(seed >> 32);
#pragma GCC unroll 8
    for (int l = 0; l < SCALAR; l++) {
      s0[l] = (uint32_t)(j + 8 * GROUPS + l);
      s1[l] = (uint32_t)((j + 8 * GROUPS + l) >> 32);
      s2[l] = s3[l] = 0;
    }
    /* Round 1's c0 is (j hi) ^ k0, one vector for every group unless the
    ** iteration crosses a multiple of 2^32 blocks: 2 operations per group
    ** fewer on the vector units, which are the bottleneck. */
    const int one_hi = (j >> 32) == ((j + 8 * GROUPS - 1) >> 32);
    const __m512i c0_hi = _mm512_set1_epi64((uint32_t)(j >> 32) ^ (uint32_t)seed);
    /* One broadcast of j per iteration; each group adds its constant offset. */
    const __m512i base = _mm512_add_epi64(_mm512_set1_epi64((long long)j), lane);
#pragma GCC unroll 8
    for (int g = 0; g < GROUPS; g++) {
      /* Round 1 on counter (j lo, j hi, 0, 0): M1 * 0 = 0 saves a multiply. */
      __m512i ctr = _mm512_add_epi64(base, goff[g]);
      __m512i p0 = _mm512_mul_epu32(ctr, m0);
      c0[g] = one_hi ? c0_hi : _mm512_xor_si512(_mm512_srli_epi64(ctr, 32), k0[0]);
      c1[g] = _mm512_setzero_si512();
      c2[g] = _mm512_xor_si512(_mm512_srli_epi64(p0, 32), k1[0]);
      c3[g] = p0;
    }
    /* Round 2 then multiplies a c0 that is one value for every lane, and c1
    ** is 0: p0 is one scalar product, c2 becomes c3 ^ (hi(p0) ^ k1) and c3
    ** one broadcast value, 2 vector operations per group fewer again. */
    const uint64_t p0_hi = (uint64_t)((uint32_t)(j >> 32) ^ (uint32_t)seed) * PHILOX_M0;
    const __m512i r2_x2 = _mm512_set1_epi64((uint32_t)(p0_hi >> 32) ^ (uint32_t)((seed >> 32) + PHILOX_W1));
    const __m512i r2_x3 = _mm512_set1_epi64((uint32_t)p0_hi);
#pragma GCC unroll 10
    for (int r = 0; r < 10; r++) {
      if (r == 1 && one_hi) {
#pragma GCC unroll 8
        for (int g = 0; g < GROUPS; g++) {
          __m512i p1 = _mm512_mul_epu32(c2[g], m1);
          c0[g] = _mm512_xor_si512(_mm512_srli_epi64(p1, 32), k0[1]);
          c2[g] = _mm512_xor_si512(c3[g], r2_x2);
          c1[g] = p1;
          c3[g] = r2_x3;
        }
      } else if (r > 0) {
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
      /* The vector units are the bottleneck (Zen 4: about two zmm
      ** operations per cycle, whatever the mix) while the integer ALUs and
      ** multiplier sit idle: SCALAR more blocks, interleaved with the
      ** vector rounds so the scheduler overlaps them, come nearly free. */
#pragma GCC unroll 8
      for (int l = 0; l < SCALAR; l++)
        philox_round(&s0[l], &s1[l], &s2[l], &s3[l], q0, q1);
      q0 += PHILOX_W0;
      q1 += PHILOX_W1;
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
#pragma GCC unroll 8
    for (int l = 0; l < SCALAR; l++)
      h += philox_hit(s0[l], s1[l]) + philox_hit(s2[l], s3[l]);
  }
  return h;
}

/* Hits among samples first..first+n-1; MCPI_EUNSUPPORTED without AVX-512. */
int mcpi_avx512_count(uint64_t seed, uint64_t first, uint64_t n, uint64_t *hits)
{
  return philox_count_split(MCPI_PATH_AVX512, seed, first, n, STEP, CHUNK, count_chunk, hits);
}

#else
int mcpi_avx512_count(uint64_t seed, uint64_t first, uint64_t n, uint64_t *hits)
{
  (void)seed; (void)first; (void)n; (void)hits;
  return MCPI_EUNSUPPORTED;
}
#endif
