/*
** kernel_threads.c -- c.threads: mcpi_simd_path()'s kernel (from the table
** in kernel_simd.c, mcpi_simd_count_fn) on T threads, created and joined
** inside the call.
**
** The range is cut at multiples of 64 samples, so every share but the ends
** starts on a block boundary the SIMD loops take whole; the count is a sum over
** samples, so neither T nor the cuts change it. Shares smaller than GRAIN
** samples would cost more to start than to run, so small n uses fewer threads.
*/
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <unistd.h>
#include "mcpi.h"

#define MAX_THREADS 1024
#define GRAIN ((uint64_t)1 << 16)

struct share {
  mcpi_count_fn fn;
  uint64_t seed, first, n, hits;
  int rc;
  pthread_t tid;
};

static void *run_share(void *arg)
{
  struct share *s = arg;
  s->rc = s->fn(s->seed, s->first, s->n, &s->hits);
  return 0;
}

/* CPUs this process may run on (its affinity mask), at least 1. */
int mcpi_threads_online(void)
{
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0)
    return CPU_COUNT(&set);
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n > 0 ? (int)n : 1;
}

/* Where share i of parts starts when samples first..first+n-1 are cut into
** parts contiguous shares: the even split, rounded down to a multiple of 64
** samples (so shares start on whole SIMD blocks), never before first. Share
** i ends where share i+1 starts (the last at first+n); shares may be empty.
** c.threads cuts its threads' shares and MPI its ranks' shares with it. */
uint64_t mcpi_threads_cut(uint64_t first, uint64_t n, uint64_t parts, uint64_t i)
{
  if (i == 0 || parts == 0) return first;
  if (i >= parts) return first + n;
  uint64_t q = n / parts, r = n % parts;
  uint64_t a = (first + q * i + (i < r ? i : r)) & ~(uint64_t)63;
  return a < first ? first : a;
}

/* The largest thread count mcpi_threads_count accepts. */
int mcpi_threads_max(void) { return MAX_THREADS; }

/* Hits among samples first..first+n-1 on threads threads (0: online CPUs). */
int mcpi_threads_count(uint64_t seed, uint64_t first, uint64_t n, int threads,
                       uint64_t *hits)
{
  if (hits == 0 || first + n < first || threads < 0 || threads > MAX_THREADS)
    return MCPI_EINVAL;
  int path = mcpi_simd_path();
  mcpi_count_fn fn = mcpi_simd_count_fn(path);
  if (fn == 0) return MCPI_EINVAL;
  if (path != MCPI_PATH_SCALAR && !mcpi_simd_supported(path)) return MCPI_EUNSUPPORTED;
  /* Under two grains one thread runs it all: skip the affinity syscall,
  ** which costs more than 10 samples do. */
  if (n / GRAIN < 2) return fn(seed, first, n, hits);
  uint64_t t = threads ? (uint64_t)threads : (uint64_t)mcpi_threads_online();
  if (t > n / GRAIN) t = n / GRAIN ? n / GRAIN : 1;
  if (t == 1) return fn(seed, first, n, hits);

  struct share sh[MAX_THREADS];
  uint64_t end = first + n;
  for (uint64_t i = 0; i < t; i++) {
    uint64_t a = mcpi_threads_cut(first, n, t, i);
    sh[i].fn = fn;
    sh[i].seed = seed;
    sh[i].first = a;
    sh[i].hits = 0;
    sh[i].rc = MCPI_OK;
  }
  for (uint64_t i = 0; i < t; i++)
    sh[i].n = (i + 1 < t ? sh[i + 1].first : end) - sh[i].first;

  /* Workers block every signal, so SIGINT lands on this thread. */
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, &old);
  uint64_t started = 1;
  int rc = MCPI_OK;
  for (; started < t; started++)
    if (pthread_create(&sh[started].tid, 0, run_share, &sh[started]) != 0) {
      rc = MCPI_ETHREAD;
      break;
    }
  pthread_sigmask(SIG_SETMASK, &old, 0);
  if (rc == MCPI_OK) run_share(&sh[0]);
  uint64_t h = sh[0].hits;
  if (rc == MCPI_OK) rc = sh[0].rc;
  for (uint64_t i = 1; i < started; i++) {
    pthread_join(sh[i].tid, 0);
    if (rc == MCPI_OK) rc = sh[i].rc;
    h += sh[i].hits;
  }
  if (rc == MCPI_OK) *hits = h;
  return rc;
}
