/*
** philox.cl -- ocl.philox: the philox v1 stream (DESIGN.md) in OpenCL C.
** Embedded in mcpi as the Lua string mcpi.philox_cl and built at run time by
** lua/mcpi/ocl.lua for whatever OpenCL device the ICD loader offers.
**
** One launch covers blocks b0 .. b0+nblocks-1; work-item i counts the
** contiguous run of per_item blocks from b0 + i*per_item (the last runs may be
** short or empty, so no work size has to divide N). A block's two samples
** count only inside the sample range [first, end): the ends of a range that
** starts or stops mid-block need no host-side code. Each work-group sums its
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

__kernel void mcpi_count(ulong seed, ulong first, ulong end, ulong b0, ulong nblocks,
                         ulong per_item, __global ulong *partial, __local ulong *scratch)
{
  size_t lid = get_local_id(0), ls = get_local_size(0);
  ulong lo = (ulong)get_global_id(0) * per_item;
  ulong hi = lo + per_item;
  if (hi > nblocks) hi = nblocks;
  uint2 key = (uint2)((uint)seed, (uint)(seed >> 32));
  ulong hits = 0;
  for (ulong j = b0 + lo; j < b0 + hi; j++) {
    uint4 r = philox4x32_10((uint4)((uint)j, (uint)(j >> 32), 0u, 0u), key);
    ulong s = 2 * j;
    hits += (s >= first && s < end) ? hit(r.x, r.y) : 0u;
    hits += (s + 1 >= first && s + 1 < end) ? hit(r.z, r.w) : 0u;
  }
  scratch[lid] = hits;
  barrier(CLK_LOCAL_MEM_FENCE);
  for (size_t step = ls / 2; step > 0; step /= 2) {
    if (lid < step) scratch[lid] += scratch[lid + step];
    barrier(CLK_LOCAL_MEM_FENCE);
  }
  if (lid == 0) partial[get_group_id(0)] = scratch[0];
}
