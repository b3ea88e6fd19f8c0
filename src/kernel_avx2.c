/*
** kernel_avx2.c -- the philox v1 stream on AVX2: 4 blocks per ymm, several
** ymm groups in flight.
**
** Same layout as kernel_avx512.c (one block per 64-bit lane, the 32-bit word
** in its low half, so _mm256_mul_epu32 yields hi and lo at once). The vector
** code sits in a target("avx2") function; the Makefile builds this file with
** -mno-avx512f so that CFLAGS=-march=native on an AVX-512 machine cannot slip
** EVEX instructions into the AVX2 path.
*/
#include "mcpi.h"
#include "philox.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>

#define AVX2_TARGET __attribute__((target("avx2")))
#ifndef GROUPS
#define GROUPS 6                       /* ymm groups in flight (measured best of 2..8) */
#endif
#ifndef SCALAR
#define SCALAR 2                       /* blocks on the integer units alongside (0: 1.01, 1: 0.97, 2: 0.93, 3: 1.04 ns; old loop 0.96) */
#endif
#define STEP (4 * GROUPS + SCALAR)     /* blocks per iteration */
#define CHUNK ((uint64_t)STEP << 18)   /* blocks between SIGINT polls */

/* Hits among the samples of blocks jb..jb+nb-1; nb is a multiple of STEP
** (philox_count_split polls SIGINT between chunks of CHUNK blocks): per
** iteration 4 * GROUPS blocks in ymm lanes, then SCALAR in scalar code. */
AVX2_TARGET
static uint64_t count_chunk(uint64_t seed, uint64_t jb, uint64_t nb)
{
  const __m256i m0 = _mm256_set1_epi64x(PHILOX_M0), m1 = _mm256_set1_epi64x(PHILOX_M1);
  const __m256i sign = _mm256_set1_epi64x((long long)0x8000000000000000ull);
  __m256i k0[10], k1[10];
  uint32_t a = (uint32_t)seed, b = (uint32_t)(seed >> 32);
  for (int r = 0; r < 10; r++, a += PHILOX_W0, b += PHILOX_W1) {
    k0[r] = _mm256_set1_epi64x(a);
    k1[r] = _mm256_set1_epi64x(b);
  }
  const __m256i lane = _mm256_set_epi64x(3, 2, 1, 0);
  uint64_t misses = 0;
  uint64_t all = 2 * (nb / STEP) * (4 * GROUPS), sh = 0;  /* vector samples, scalar hits */
  __m256i acc = _mm256_setzero_si256();  /* per lane: minus the misses */
  for (uint64_t j = jb, je = jb + nb; j < je; j += STEP) {
    __m256i c0[GROUPS], c1[GROUPS], c2[GROUPS], c3[GROUPS];
    uint32_t s0[SCALAR + 1], s1[SCALAR + 1], s2[SCALAR + 1], s3[SCALAR + 1];
    uint32_t q0 = (uint32_t)seed, q1 = (uint32_t)(seed >> 32);
#pragma GCC unroll 8
    for (int l = 0; l < SCALAR; l++) {
      s0[l] = (uint32_t)(j + 4 * GROUPS + l);
      s1[l] = (uint32_t)((j + 4 * GROUPS + l) >> 32);
      s2[l] = s3[l] = 0;
    }
#pragma GCC unroll 8
    for (int g = 0; g < GROUPS; g++) {
      /* Round 1 on counter (j lo, j hi, 0, 0): M1 * 0 = 0 saves a multiply. */
      __m256i ctr = _mm256_add_epi64(_mm256_set1_epi64x((long long)(j + 4 * g)), lane);
      __m256i p0 = _mm256_mul_epu32(ctr, m0);
      c0[g] = _mm256_xor_si256(_mm256_srli_epi64(ctr, 32), k0[0]);
      c1[g] = _mm256_setzero_si256();
      c2[g] = _mm256_xor_si256(_mm256_srli_epi64(p0, 32), k1[0]);
      c3[g] = p0;
    }
#pragma GCC unroll 10
    for (int r = 0; r < 10; r++) {
      if (r > 0) {
#pragma GCC unroll 8
        for (int g = 0; g < GROUPS; g++) {
          __m256i p0 = _mm256_mul_epu32(c0[g], m0);
          __m256i p1 = _mm256_mul_epu32(c2[g], m1);
          c0[g] = _mm256_xor_si256(_mm256_xor_si256(_mm256_srli_epi64(p1, 32), c1[g]), k0[r]);
          c2[g] = _mm256_xor_si256(_mm256_xor_si256(_mm256_srli_epi64(p0, 32), c3[g]), k1[r]);
          c1[g] = p1;
          c3[g] = p0;
        }
      }
      /* The vector units bound the loop while the integer ALUs and
      ** multiplier idle: SCALAR more blocks, interleaved with the vector
      ** rounds, come nearly free (as in kernel_avx512.c). */
#pragma GCC unroll 8
      for (int l = 0; l < SCALAR; l++)
        philox_round(&s0[l], &s1[l], &s2[l], &s3[l], q0, q1);
      q0 += PHILOX_W0;
      q1 += PHILOX_W1;
    }
#pragma GCC unroll 8
    for (int g = 0; g < GROUPS; g++) {
      /* The sum wrapped (a miss) iff it is below x*x, unsigned; AVX2 only
      ** compares signed, so both sides get their sign bit flipped. */
      __m256i xx = _mm256_mul_epu32(c0[g], c0[g]);
      __m256i s = _mm256_add_epi64(xx, _mm256_mul_epu32(c1[g], c1[g]));
      __m256i zz = _mm256_mul_epu32(c2[g], c2[g]);
      __m256i t = _mm256_add_epi64(zz, _mm256_mul_epu32(c3[g], c3[g]));
      __m256i w0 = _mm256_cmpgt_epi64(_mm256_xor_si256(xx, sign), _mm256_xor_si256(s, sign));
      __m256i w1 = _mm256_cmpgt_epi64(_mm256_xor_si256(zz, sign), _mm256_xor_si256(t, sign));
      acc = _mm256_add_epi64(acc, _mm256_add_epi64(w0, w1));
    }
#pragma GCC unroll 8
    for (int l = 0; l < SCALAR; l++)
      sh += philox_hit(s0[l], s1[l]) + philox_hit(s2[l], s3[l]);
  }
  uint64_t lanes[4];
  _mm256_storeu_si256((__m256i *)lanes, acc);
  misses -= lanes[0] + lanes[1] + lanes[2] + lanes[3];
  return all - misses + sh;
}

/* Hits among samples first..first+n-1; MCPI_EUNSUPPORTED without AVX2. */
int mcpi_avx2_count(uint64_t seed, uint64_t first, uint64_t n, uint64_t *hits)
{
  return philox_count_split(MCPI_PATH_AVX2, seed, first, n, STEP, CHUNK, count_chunk, hits);
}

#else
int mcpi_avx2_count(uint64_t seed, uint64_t first, uint64_t n, uint64_t *hits)
{
  (void)seed; (void)first; (void)n; (void)hits;
  return MCPI_EUNSUPPORTED;
}
#endif
