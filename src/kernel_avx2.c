/*
** kernel_avx2.c -- the philox v1 stream on AVX2: 4 blocks per ymm, several
** ymm groups in flight.
**
** Same layout as kernel_avx512.c (one block per 64-bit lane, the 32-bit word
** in its low half, so _mm256_mul_epu32 yields hi and lo at once). The vector
** code sits in a target("avx2") function; the Makefile builds this file with
** -mno-avx512f so that CFLAGS=-march=native on an AVX-512 machine cannot slip
** EVEX instructions into the AVX2 path.
**
** Structure as in kernel_avx512.c: philox_count_split (philox.h) drives
** count_chunk, the hot loop; count_step is one iteration, round_1 and round_n
** on the ymm groups with SCALAR scalar blocks between the rounds, then
** group_misses. AVX2 has no unsigned compare or mask popcount, so the groups'
** misses are summed per lane in a vector and the chunk's hits are all its
** vector samples minus those, plus the scalar blocks' hits.
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

/* The helpers below are always inlined into count_chunk: split up for
** reading, they compile to the same loop as the one function they were cut
** from (objdump: the same vector instructions, the same spills). */
#define AVX2_INLINE static inline __attribute__((always_inline)) AVX2_TARGET

/* Broadcast once per chunk: the multipliers, the sign bit, the ten round
** keys and the lane offsets. */
struct consts {
  __m256i m0, m1, sign, k0[10], k1[10], lane;
};

/* The words of the 4 * GROUPS blocks in flight: group g, lane i holds block
** j + 4g + i. */
struct groups {
  __m256i c0[GROUPS], c1[GROUPS], c2[GROUPS], c3[GROUPS];
};

AVX2_INLINE void consts_init(struct consts *K, uint64_t seed)
{
  K->m0 = _mm256_set1_epi64x(PHILOX_M0);
  K->m1 = _mm256_set1_epi64x(PHILOX_M1);
  K->sign = _mm256_set1_epi64x((long long)0x8000000000000000ull);
  uint32_t a = (uint32_t)seed, b = (uint32_t)(seed >> 32);
  for (int r = 0; r < 10; r++, a += PHILOX_W0, b += PHILOX_W1) {
    K->k0[r] = _mm256_set1_epi64x(a);
    K->k1[r] = _mm256_set1_epi64x(b);
  }
  K->lane = _mm256_set_epi64x(3, 2, 1, 0);
}

/* Round 1 on counter (j lo, j hi, 0, 0): M1 * 0 = 0 saves a multiply. */
AVX2_INLINE void round_1(struct groups *v, const struct consts *K, uint64_t j)
{
#pragma GCC unroll 8
  for (int g = 0; g < GROUPS; g++) {
    __m256i ctr = _mm256_add_epi64(_mm256_set1_epi64x((long long)(j + 4 * g)), K->lane);
    __m256i p0 = _mm256_mul_epu32(ctr, K->m0);
    v->c0[g] = _mm256_xor_si256(_mm256_srli_epi64(ctr, 32), K->k0[0]);
    v->c1[g] = _mm256_setzero_si256();
    v->c2[g] = _mm256_xor_si256(_mm256_srli_epi64(p0, 32), K->k1[0]);
    v->c3[g] = p0;
  }
}

/* Round r (1..9) on every group. */
AVX2_INLINE void round_n(struct groups *v, const struct consts *K, int r)
{
#pragma GCC unroll 8
  for (int g = 0; g < GROUPS; g++) {
    __m256i p0 = _mm256_mul_epu32(v->c0[g], K->m0);
    __m256i p1 = _mm256_mul_epu32(v->c2[g], K->m1);
    v->c0[g] = _mm256_xor_si256(_mm256_xor_si256(_mm256_srli_epi64(p1, 32), v->c1[g]), K->k0[r]);
    v->c2[g] = _mm256_xor_si256(_mm256_xor_si256(_mm256_srli_epi64(p0, 32), v->c3[g]), K->k1[r]);
    v->c1[g] = p1;
    v->c3[g] = p0;
  }
}

/* acc (per lane: minus the misses) plus the groups' samples: -1 per miss. */
AVX2_INLINE __m256i group_misses(const struct groups *v, const struct consts *K, __m256i acc)
{
#pragma GCC unroll 8
  for (int g = 0; g < GROUPS; g++) {
    /* The sum wrapped (a miss) iff it is below x*x, unsigned; AVX2 only
    ** compares signed, so both sides get their sign bit flipped. */
    __m256i xx = _mm256_mul_epu32(v->c0[g], v->c0[g]);
    __m256i s = _mm256_add_epi64(xx, _mm256_mul_epu32(v->c1[g], v->c1[g]));
    __m256i zz = _mm256_mul_epu32(v->c2[g], v->c2[g]);
    __m256i t = _mm256_add_epi64(zz, _mm256_mul_epu32(v->c3[g], v->c3[g]));
    __m256i w0 = _mm256_cmpgt_epi64(_mm256_xor_si256(xx, K->sign), _mm256_xor_si256(s, K->sign));
    __m256i w1 = _mm256_cmpgt_epi64(_mm256_xor_si256(zz, K->sign), _mm256_xor_si256(t, K->sign));
    acc = _mm256_add_epi64(acc, _mm256_add_epi64(w0, w1));
  }
  return acc;
}

/* One iteration on blocks j..j+STEP-1: 4 * GROUPS blocks in ymm lanes, their
** misses into *acc, then SCALAR in scalar code, whose hits it returns. */
AVX2_INLINE uint64_t count_step(const struct consts *K, uint64_t seed, uint64_t j, __m256i *acc)
{
  struct groups v;
  uint32_t w[SCALAR + 1][4];           /* +1: SCALAR may be 0 */
  uint32_t q0 = (uint32_t)seed, q1 = (uint32_t)(seed >> 32);
#pragma GCC unroll 8
  for (int l = 0; l < SCALAR; l++) philox_block_init(w[l], j + 4 * GROUPS + l);
  round_1(&v, K, j);
#pragma GCC unroll 10
  for (int r = 0; r < 10; r++) {
    if (r > 0) round_n(&v, K, r);
    /* The vector units bound the loop while the integer ALUs and
    ** multiplier idle: SCALAR more blocks, interleaved with the vector
    ** rounds, come nearly free (as in kernel_avx512.c). */
#pragma GCC unroll 8
    for (int l = 0; l < SCALAR; l++) philox_block_round(w[l], q0, q1);
    q0 += PHILOX_W0;
    q1 += PHILOX_W1;
  }
  *acc = group_misses(&v, K, *acc);
  uint64_t h = 0;
#pragma GCC unroll 8
  for (int l = 0; l < SCALAR; l++) h += philox_block_hits(w[l]);
  return h;
}

/* Hits among the samples of blocks jb..jb+nb-1; nb is a multiple of STEP.
** The vector samples are counted as all minus the misses. */
AVX2_TARGET
static uint64_t count_chunk(uint64_t seed, uint64_t jb, uint64_t nb)
{
  struct consts K;
  consts_init(&K, seed);
  uint64_t all = 2 * (nb / STEP) * (4 * GROUPS), sh = 0;  /* vector samples, scalar hits */
  __m256i acc = _mm256_setzero_si256();  /* per lane: minus the misses */
  for (uint64_t j = jb, je = jb + nb; j < je; j += STEP)
    sh += count_step(&K, seed, j, &acc);
  uint64_t lanes[4];
  _mm256_storeu_si256((__m256i *)lanes, acc);
  return all + (lanes[0] + lanes[1] + lanes[2] + lanes[3]) + sh;
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
