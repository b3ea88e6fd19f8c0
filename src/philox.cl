/*
** philox.cl -- ocl.philox: the philox v1 stream (defined in src/philox.h) in OpenCL C.
** Embedded in mcpi as the Lua string mcpi.philox_cl and built at run time by
** lua/mcpi/ocl.lua for whatever OpenCL device the ICD loader offers.
**
** One launch covers blocks b0 .. b0+nblocks-1, both samples of each; work-item
** i counts the contiguous run of per_item blocks from b0 + i*per_item (the last
** runs may be short or empty, so no work size has to divide N). A range that
** starts or ends mid-block is the host's business (lua/mcpi/ocl.lua takes the
** one or two outside samples back out): tested here with a branch per item,
** that correction made PoCL's CPU code 10x slower. Each work-group sums its
** items' counts in local memory (tree reduction; the local size is a power of
** two) and writes one 64-bit partial count; the host adds the partials.
*/
#define PHILOX_M0 0xD2511F53u
#define PHILOX_M1 0xCD9E8D57u
#define PHILOX_W0 0x9E3779B9u
#define PHILOX_W1 0xBB67AE85u

/* Random123's philox4x32_10 of counter c under key k, rounds unrolled on
** scalar words (PoCL's CPU compiler keeps them in registers). */
#define PHILOX_ROUND(c0, c1, c2, c3, k0, k1) do { \
    uint hi0_ = mul_hi(PHILOX_M0, c0), lo0_ = PHILOX_M0 * c0; \
    uint hi1_ = mul_hi(PHILOX_M1, c2), lo1_ = PHILOX_M1 * c2; \
    c0 = hi1_ ^ c1 ^ k0; c1 = lo1_; c2 = hi0_ ^ c3 ^ k1; c3 = lo0_; \
  } while (0)

static uint4 philox4x32_10(uint4 c, uint2 k)
{
  uint c0 = c.x, c1 = c.y, c2 = c.z, c3 = c.w, k0 = k.x, k1 = k.y;
#pragma unroll
  for (int i = 0; i < 10; i++) {
    PHILOX_ROUND(c0, c1, c2, c3, k0, k1);
    k0 += PHILOX_W0;
    k1 += PHILOX_W1;
  }
  return (uint4)(c0, c1, c2, c3);
}

/* 1 iff x*x + y*y < 2^64: the 64-bit sum of the squares does not carry. */
static uint hit(uint x, uint y)
{
  ulong xx = (ulong)x * x;
  return xx + (ulong)y * y >= xx;
}

/* Hits of both samples of blocks base .. base+cnt-1. */
static uint count_run(ulong base, uint cnt, uint2 key)
{
  uint hits = 0;
  for (uint i = 0; i < cnt; i++) {
    ulong j = base + i;
    uint4 r = philox4x32_10((uint4)((uint)j, (uint)(j >> 32), 0u, 0u), key);
    hits += hit(r.x, r.y) + hit(r.z, r.w);
  }
  return hits;
}

__kernel void mcpi_count(ulong seed, ulong b0, ulong nblocks, uint per_item,
                         __global ulong *partial, __local ulong *scratch)
{
  size_t lid = get_local_id(0), ls = get_local_size(0);
  ulong lo = (ulong)get_global_id(0) * per_item;
  uint cnt = lo >= nblocks ? 0u : (uint)min((ulong)per_item, nblocks - lo);
  ulong base = b0 + lo;
  uint2 key = (uint2)((uint)seed, (uint)(seed >> 32));
  scratch[lid] = count_run(base, cnt, key);
  barrier(CLK_LOCAL_MEM_FENCE);
  for (size_t step = ls / 2; step > 0; step /= 2) {
    if (lid < step) scratch[lid] += scratch[lid + step];
    barrier(CLK_LOCAL_MEM_FENCE);
  }
  if (lid == 0) partial[get_group_id(0)] = scratch[0];
}
