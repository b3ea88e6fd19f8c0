/*
** mykernel.c -- a user's own C kernel for mcpi, loaded with ffi.load by
** scripts/custom_c_kernel.lua (which builds it). Build by hand with:
**
**   gcc -O2 -shared -fPIC -o mykernel.so scripts/mykernel.c
**
** Its stream is splitmix64 (Steele, Lea, Flood 2014): sample i is
** (x, y) = the high and low 32 bits of splitmix64(seed + i * golden), so any
** sample can be computed alone and the kernel needs O(1) memory.
** mcpi_signal_pending() comes from the mcpi binary that loads this library
** (it exports its API with -Wl,-E): polling it lets Ctrl-C stop a long run.
*/
#include <stdint.h>

int mcpi_signal_pending(void);

static uint64_t splitmix64(uint64_t z)
{
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

/* Hits among samples 0..n-1 for seed; 0 when done, 3 (MCPI_EINTR) on SIGINT. */
int my_count(uint64_t seed, uint64_t n, uint64_t *hits)
{
  uint64_t h = 0;
  for (uint64_t i = 0; i < n; i++) {
    if ((i & ((1u << 24) - 1)) == 0 && mcpi_signal_pending()) return 3;
    uint64_t r = splitmix64(seed + i * 0x9e3779b97f4a7c15ull);
    uint64_t x = r >> 32, y = r & 0xffffffffu;
    uint64_t xx = x * x, s = xx + y * y;
    h += s >= xx;  /* x*x + y*y < 2^64: the sum does not wrap */
  }
  *hits = h;
  return 0;
}
