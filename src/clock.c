/*
** clock.c -- the monotonic wall clock every timing in mcpi is read from.
*/
#include <time.h>
#include "mcpi.h"

#ifdef CLOCK_MONOTONIC_RAW
#define MCPI_CLOCK CLOCK_MONOTONIC_RAW  /* not slewed by NTP */
#else
#define MCPI_CLOCK CLOCK_MONOTONIC
#endif

/* Nanoseconds on a monotonic clock with an arbitrary origin. */
uint64_t mcpi_clock_ns(void)
{
  struct timespec ts;
  clock_gettime(MCPI_CLOCK, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* The clock's resolution in nanoseconds, as the kernel reports it. */
uint64_t mcpi_clock_resolution_ns(void)
{
  struct timespec ts;
  if (clock_getres(MCPI_CLOCK, &ts) != 0) return 0;
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* An empty call, timed by the harness to report FFI call overhead. */
void mcpi_clock_noop(void)
{
  __asm__ __volatile__("" ::: "memory");
}
