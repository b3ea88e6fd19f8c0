/*
** philox.cl -- ocl.philox: the philox v1 stream (DESIGN.md) in OpenCL C.
** Embedded in mcpi as the Lua string mcpi.philox_cl and built at run time by
** lua/mcpi/ocl.lua for whatever OpenCL device the ICD loader offers.
**
** One launch covers blocks b0 .. b0+nblocks-1; work-item i counts the
** contiguous run of per_item blocks from b0 + i*per_item (the last runs may be
** short or empty, so no work size has to divide N). The launch covers every
** block that holds a sample of [first, end); the items that hold a half block
** at either end take its outside sample back out, so no host code handles
** the ends. Each work-group sums its
** items' counts in local memory (tree reduction; the local size is a power of
** two) and writes one 64-bit partial count; the host adds the partials.
*/
#define PHILOX_M0 0xD2511F53u
#define PHILOX_M1 0xCD9E8D57u
#define PHILOX_W0 0x9E3779B9u
#define PHILOX_W1 0xBB67AE85u

/* Random123's philox4x32_10 of counter c under key k. */
static uint4 philox4x32_10(uint4 c, uint2 k)
{
  for (int i = 0; i < 10; i++) {
    uint hi0 = mul_hi(PHILOX_M0, c.x), lo0 = PHILOX_M0 * c.x;
    uint hi1 = mul_hi(PHILOX_M1, c.z), lo1 = PHILOX_M1 * c.z;
    c = (uint4)(hi1 ^ c.y ^ k.x, lo1, hi0 ^ c.w ^ k.y, lo0);
    k += (uint2)(PHILOX_W0, PHILOX_W1);
  }
  return c;
}

/* 1 iff x*x + y*y < 2^64: the 64-bit sum of the squares does not carry. */
static uint hit(uint x, uint y)
{
  ulong xx = (ulong)x * x;
  return xx + (ulong)y * y >= xx;
}

/* Hits of block j's samples 2j (second = 0) or 2j+1 (second = 1). */
static uint hit_of(ulong j, uint2 key, int second)
{
  uint4 r = philox4x32_10((uint4)((uint)j, (uint)(j >> 32), 0u, 0u), key);
  return second ? hit(r.z, r.w) : hit(r.x, r.y);
}

__kernel void mcpi_count(ulong seed, ulong first, ulong end, ulong b0, ulong nblocks,
                         ulong per_item, __global ulong *partial, __local ulong *scratch)
{
  size_t lid = get_local_id(0), ls = get_local_size(0);
  ulong lo = (ulong)get_global_id(0) * per_item;
  ulong hi = lo + per_item;
  if (hi > nblocks) hi = nblocks;
  uint2 key = (uint2)((uint)seed, (uint)(seed >> 32));
  uint hits = 0, cnt = lo < hi ? (uint)(hi - lo) : 0u;
  ulong base = b0 + lo;
  /* The hot loop counts both samples of every block, no range tests ... */
  for (uint k = 0; k < cnt; k++) {
    ulong j = base + k;
    uint4 r = philox4x32_10((uint4)((uint)j, (uint)(j >> 32), 0u, 0u), key);
    hits += hit(r.x, r.y) + hit(r.z, r.w);
  }
  /* ... and the items holding the range's half blocks take their outside
  ** sample back out: sample first-1 when first is odd, sample end when end
  ** is odd. */
  if ((first & 1) && cnt && first / 2 >= base && first / 2 < base + cnt)
    hits -= hit_of(first / 2, key, 0);
  if ((end & 1) && cnt && end / 2 >= base && end / 2 < base + cnt)
    hits -= hit_of(end / 2, key, 1);
  scratch[lid] = hits;
  barrier(CLK_LOCAL_MEM_FENCE);
  for (size_t step = ls / 2; step > 0; step /= 2) {
    if (lid < step) scratch[lid] += scratch[lid + step];
    barrier(CLK_LOCAL_MEM_FENCE);
  }
  if (lid == 0) partial[get_group_id(0)] = scratch[0];
}
