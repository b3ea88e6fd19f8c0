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
**
** Structure: mcpi_avx512_count hands the range to philox_count_split
** (philox.h: argument and CPU checks, SIGINT polls between chunks, the range's
** ends to c.scalar). count_chunk is the hot loop, STEP blocks per iteration;
** count_step is one iteration: round_1, then round_2_one_hi or round_n, then
** group_hits on the zmm groups, with SCALAR blocks in scalar code
** (philox_block_*) between the vector rounds. Every helper is always inlined
** into count_chunk, so the loop compiles as it did when it was one function.
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

/* The helpers below are always inlined into count_chunk: split up for
** reading, they compile to the same loop as the one function they were cut
** from (objdump: the same vector instructions, the same spills). */
#define AVX512_INLINE static inline __attribute__((always_inline)) AVX512_TARGET

/* Broadcast once per chunk: the multipliers, the ten round keys, the lane
** and group offsets. */
struct consts {
  __m512i m0, m1, k0[10], k1[10], lane, goff[GROUPS];
};

/* The words of the 8 * GROUPS blocks in flight: group g, lane i holds block
** j + 8g + i. */
struct groups {
  __m512i c0[GROUPS], c1[GROUPS], c2[GROUPS], c3[GROUPS];
};

AVX512_INLINE void consts_init(struct consts *K, uint64_t seed)
{
  K->m0 = _mm512_set1_epi64(PHILOX_M0);
  K->m1 = _mm512_set1_epi64(PHILOX_M1);
  uint32_t a = (uint32_t)seed, b = (uint32_t)(seed >> 32);
  for (int r = 0; r < 10; r++, a += PHILOX_W0, b += PHILOX_W1) {
    K->k0[r] = _mm512_set1_epi64(a);
    K->k1[r] = _mm512_set1_epi64(b);
  }
  K->lane = _mm512_set_epi64(7, 6, 5, 4, 3, 2, 1, 0);
  for (int g = 0; g < GROUPS; g++) K->goff[g] = _mm512_set1_epi64(8 * g);
}

/* Round 1 on counter (j lo, j hi, 0, 0): M1 * 0 = 0 saves a multiply.
** Its c0 is (j hi) ^ k0, one vector for every group when one_hi (the
** iteration does not cross a multiple of 2^32 blocks): 2 operations per group
** fewer on the vector units, which are the bottleneck. */
AVX512_INLINE void round_1(struct groups *v, const struct consts *K,
                           uint64_t j, uint64_t seed, int one_hi)
{
  const __m512i c0_hi = _mm512_set1_epi64((uint32_t)(j >> 32) ^ (uint32_t)seed);
  /* One broadcast of j per iteration; each group adds its constant offset. */
  const __m512i base = _mm512_add_epi64(_mm512_set1_epi64((long long)j), K->lane);
#pragma GCC unroll 8
  for (int g = 0; g < GROUPS; g++) {
    __m512i ctr = _mm512_add_epi64(base, K->goff[g]);
    __m512i p0 = _mm512_mul_epu32(ctr, K->m0);
    v->c0[g] = one_hi ? c0_hi : _mm512_xor_si512(_mm512_srli_epi64(ctr, 32), K->k0[0]);
    v->c1[g] = _mm512_setzero_si512();
    v->c2[g] = _mm512_xor_si512(_mm512_srli_epi64(p0, 32), K->k1[0]);
    v->c3[g] = p0;
  }
}

/* Round 2 after a one_hi round 1 multiplies a c0 that is one value for every
** lane, and c1 is 0: p0 is one scalar product, c2 becomes c3 ^ (hi(p0) ^ k1)
** and c3 one broadcast value, 2 vector operations per group fewer again. */
AVX512_INLINE void round_2_one_hi(struct groups *v, const struct consts *K,
                                  uint64_t j, uint64_t seed)
{
  const uint64_t p0_hi = (uint64_t)((uint32_t)(j >> 32) ^ (uint32_t)seed) * PHILOX_M0;
  const __m512i r2_x2 = _mm512_set1_epi64((uint32_t)(p0_hi >> 32) ^ (uint32_t)((seed >> 32) + PHILOX_W1));
  const __m512i r2_x3 = _mm512_set1_epi64((uint32_t)p0_hi);
#pragma GCC unroll 8
  for (int g = 0; g < GROUPS; g++) {
    __m512i p1 = _mm512_mul_epu32(v->c2[g], K->m1);
    v->c0[g] = _mm512_xor_si512(_mm512_srli_epi64(p1, 32), K->k0[1]);
    v->c2[g] = _mm512_xor_si512(v->c3[g], r2_x2);
    v->c1[g] = p1;
    v->c3[g] = r2_x3;
  }
}

/* Round r (1..9) on every group, the general case. */
AVX512_INLINE void round_n(struct groups *v, const struct consts *K, int r)
{
#pragma GCC unroll 8
  for (int g = 0; g < GROUPS; g++) {
    __m512i p0 = _mm512_mul_epu32(v->c0[g], K->m0);
    __m512i p1 = _mm512_mul_epu32(v->c2[g], K->m1);
    /* 0x96: a ^ b ^ c */
    v->c0[g] = _mm512_ternarylogic_epi64(_mm512_srli_epi64(p1, 32), v->c1[g], K->k0[r], 0x96);
    v->c2[g] = _mm512_ternarylogic_epi64(_mm512_srli_epi64(p0, 32), v->c3[g], K->k1[r], 0x96);
    v->c1[g] = p1;
    v->c3[g] = p0;
  }
}

/* Hits among the 16 * GROUPS samples of the groups. */
AVX512_INLINE uint64_t group_hits(const struct groups *v)
{
  uint64_t h = 0;
#pragma GCC unroll 8
  for (int g = 0; g < GROUPS; g++) {
    /* x*x + y*y < 2^64 iff the 64-bit sum does not wrap below x*x. */
    __m512i xx = _mm512_mul_epu32(v->c0[g], v->c0[g]);
    __m512i s = _mm512_add_epi64(xx, _mm512_mul_epu32(v->c1[g], v->c1[g]));
    __m512i zz = _mm512_mul_epu32(v->c2[g], v->c2[g]);
    __m512i t = _mm512_add_epi64(zz, _mm512_mul_epu32(v->c3[g], v->c3[g]));
    unsigned m = _mm512_cmpge_epu64_mask(s, xx) | (unsigned)_mm512_cmpge_epu64_mask(t, zz) << 8;
    h += (uint64_t)__builtin_popcount(m);
  }
  return h;
}

/* Hits among the samples of blocks j..j+STEP-1, one iteration: 8 * GROUPS
** blocks in zmm lanes, then SCALAR in scalar code. */
AVX512_INLINE uint64_t count_step(const struct consts *K, uint64_t seed, uint64_t j)
{
  struct groups v;
  uint32_t w[SCALAR + 1][4];           /* +1: SCALAR may be 0 */
  uint32_t q0 = (uint32_t)seed, q1 = (uint32_t)(seed >> 32);
#pragma GCC unroll 8
  for (int l = 0; l < SCALAR; l++) philox_block_init(w[l], j + 8 * GROUPS + l);
  const int one_hi = (j >> 32) == ((j + 8 * GROUPS - 1) >> 32);
  round_1(&v, K, j, seed, one_hi);
#pragma GCC unroll 10
  for (int r = 0; r < 10; r++) {
    if (r == 1 && one_hi) round_2_one_hi(&v, K, j, seed);
    else if (r > 0) round_n(&v, K, r);
    /* The vector units are the bottleneck (Zen 4: about two zmm
    ** operations per cycle, whatever the mix) while the integer ALUs and
    ** multiplier sit idle: SCALAR more blocks, interleaved with the
    ** vector rounds so the scheduler overlaps them, come nearly free. */
#pragma GCC unroll 8
    for (int l = 0; l < SCALAR; l++) philox_block_round(w[l], q0, q1);
    q0 += PHILOX_W0;
    q1 += PHILOX_W1;
  }
  uint64_t h = group_hits(&v);
#pragma GCC unroll 8
  for (int l = 0; l < SCALAR; l++) h += philox_block_hits(w[l]);
  return h;
}

/* Hits among the samples of blocks jb..jb+nb-1; nb is a multiple of STEP. */
AVX512_TARGET
static uint64_t count_chunk(uint64_t seed, uint64_t jb, uint64_t nb)
{
  struct consts K;
  consts_init(&K, seed);
  uint64_t h = 0;
  for (uint64_t j = jb, je = jb + nb; j < je; j += STEP)
    h += count_step(&K, seed, j);
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
