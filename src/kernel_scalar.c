/*
** kernel_scalar.c -- portable C: the reference implementation of the philox
** v1 stream and its hit count. Every other kernel must agree with it bit for bit.
*/
#include "mcpi.h"
#include "philox.h"

/* Random123's philox4x32_10(ctr, key), exposed for the known-answer tests. */
void mcpi_philox4x32_10(const uint32_t *ctr, const uint32_t *key, uint32_t *out)
{
  uint32_t c0 = ctr[0], c1 = ctr[1], c2 = ctr[2], c3 = ctr[3];
  uint32_t k0 = key[0], k1 = key[1];
  for (int i = 0; i < 10; i++) {
    uint64_t p0 = (uint64_t)PHILOX_M0 * c0;
    uint64_t p1 = (uint64_t)PHILOX_M1 * c2;
    uint32_t n0 = (uint32_t)(p1 >> 32) ^ c1 ^ k0;
    uint32_t n2 = (uint32_t)(p0 >> 32) ^ c3 ^ k1;
    c1 = (uint32_t)p1;
    c3 = (uint32_t)p0;
    c0 = n0;
    c2 = n2;
    k0 += PHILOX_W0;
    k1 += PHILOX_W1;
  }
  out[0] = c0; out[1] = c1; out[2] = c2; out[3] = c3;
}

/* Samples first..first+n-1 written as x, y pairs into xy[0..2n-1]. */
int mcpi_philox_fill(uint64_t seed, uint64_t first, uint64_t n, uint32_t *xy)
{
  if (n > 0 && (xy == 0 || first + n < first)) return MCPI_EINVAL;
  uint32_t r[4];
  for (uint64_t i = 0; i < n; i++) {
    uint64_t s = first + i;
    philox_block(s >> 1, seed, r);
    xy[2 * i] = r[(s & 1) * 2];
    xy[2 * i + 1] = r[(s & 1) * 2 + 1];
  }
  return MCPI_OK;
}

#define POLL_MASK ((1u << 22) - 1)  /* poll SIGINT every 4M blocks */

/* Hits among samples first..first+n-1: the reference, one block at a time. */
int mcpi_scalar_count(uint64_t seed, uint64_t first, uint64_t n, uint64_t *hits)
{
  if (hits == 0 || first + n < first) return MCPI_EINVAL;
  uint64_t h = 0, s = first, end = first + n;
  uint32_t r[4];
  if (s < end && (s & 1)) {  /* odd start: the second half of a block */
    philox_block(s >> 1, seed, r);
    h += philox_hit(r[2], r[3]);
    s++;
  }
  for (uint64_t j = s >> 1; end - s >= 2; j++, s += 2) {
    if ((j & POLL_MASK) == 0 && mcpi_signal_pending()) return MCPI_EINTR;
    philox_block(j, seed, r);
    h += philox_hit(r[0], r[1]) + philox_hit(r[2], r[3]);
  }
  if (s < end) {  /* odd end: the first half of the last block */
    philox_block(s >> 1, seed, r);
    h += philox_hit(r[0], r[1]);
  }
  *hits = h;
  return MCPI_OK;
}
