/*
** dl/mpi.c -- the MPI shim: a shared object compiled against the system's
** mpi.h (mpicc), loaded by lua/mcpi/mpi.lua at run time only when mcpi runs
** under an MPI launcher (or MCPI_MPI=1). The mcpi binary itself never links
** MPI, so it starts on machines that have none.
**
** Every wait is non-blocking (MPI_Ixxx + MPI_Test) in a loop that polls
** mcpi_signal_pending() (from the host binary, -Wl,-E) and a deadline: a rank
** that hangs makes the others time out with a message instead of waiting
** forever, and Ctrl-C stops a rank that waits. Waiting ranks back off to
** 1 ms sleeps, so idle ranks do not take the cores the counting ones need.
**
** The declarations Lua uses are in lua/mcpi/mpi.lua (ffi.cdef); keep them in
** step with this file.
*/
#define _GNU_SOURCE
#include <mpi.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Status codes, as in src/mcpi.h, plus the timeout. */
enum { OK = 0, EINVAL_ = 1, EINTR_ = 3, EMPI = 5, ETIMEOUT = 6 };

/* The command rank 0 broadcasts before every split call. */
struct mcpi_mpi_cmd {
  uint64_t op;        /* 0 quit, 1 count */
  uint64_t n, seed, calls;
  int64_t threads;    /* 0 = the rank's default */
  double timeout;     /* the caller's timeout: the least a rank waits (0: none) */
  char kernel[64];
};

extern int mcpi_signal_pending(void) __attribute__((weak));
extern int mcpi_dl_pin_loaded(void) __attribute__((weak));

static int inited, finished, broken, rank_, size_;
static char errbuf[MPI_MAX_ERROR_STRING + 64];

static double now(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

static int signalled(void) { return mcpi_signal_pending && mcpi_signal_pending(); }

static int mpi_failed(int rc, const char *what)
{
  char s[MPI_MAX_ERROR_STRING];
  int len = 0;
  if (MPI_Error_string(rc, s, &len) != MPI_SUCCESS) snprintf(s, sizeof s, "error %d", rc);
  snprintf(errbuf, sizeof errbuf, "%s: %s", what, s);
  return EMPI;
}

/* Waits for req: yields for the first SPIN seconds (a collective that is
** about to complete costs no sleep), then sleeps up to 1 ms between tests. */
#define SPIN 0.002
static int wait_req(MPI_Request *req, double timeout, const char *what)
{
  double t0 = now();
  long ns = 0;
  for (;;) {
    int done = 0;
    int rc = MPI_Test(req, &done, MPI_STATUS_IGNORE);
    if (rc != MPI_SUCCESS) return mpi_failed(rc, what);
    if (done) return OK;
    if (signalled()) return EINTR_;
    if (timeout > 0 && now() - t0 > timeout) {
      snprintf(errbuf, sizeof errbuf, "%s: no answer from the other ranks within %.0f s "
               "(a rank died or hangs)", what, timeout);
      return ETIMEOUT;
    }
    if (now() - t0 < SPIN) {
      sched_yield();
      continue;
    }
    ns = ns < 50000 ? 50000 : (ns * 2 > 1000000 ? 1000000 : ns * 2);
    struct timespec ts = { 0, ns };
    nanosleep(&ts, 0);
  }
}

/* -- Set-up and facts ------------------------------------------------------ */

/* mpirun turns Ctrl-C into SIGTERM for every rank (each runs in its own
** process group): re-raise it as SIGINT, so the host's handler stops the
** kernel and rank 0 writes what it has before exiting 130. */
static void on_sigterm(int sig)
{
  (void)sig;
  raise(SIGINT);
}

/* MPI_Init (unless already done); MPI errors return instead of aborting. */
int mcpi_mpi_init(void)
{
  if (inited) return OK;
  /* Open MPI keeps its plugins mapped (its option for valgrind and
  ** sanitizers): what they leave at exit stays attributable. */
  setenv("OMPI_MCA_mca_base_component_disable_dlclose", "1", 0);
  setenv("PMIX_MCA_mca_base_component_disable_dlclose", "1", 0);
  int provided, rc = MPI_Init_thread(0, 0, MPI_THREAD_FUNNELED, &provided);
  if (rc != MPI_SUCCESS) return mpi_failed(rc, "MPI_Init_thread");
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
  MPI_Comm_size(MPI_COMM_WORLD, &size_);
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_sigterm;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGTERM, &sa, 0);
  inited = 1;
  return OK;
}

int mcpi_mpi_rank(void) { return rank_; }
int mcpi_mpi_size(void) { return size_; }
const char *mcpi_mpi_error(void) { return errbuf; }

/* The first line of MPI_Get_library_version. */
const char *mcpi_mpi_library(void)
{
  static char v[MPI_MAX_LIBRARY_VERSION_STRING];
  int len = 0;
  if (MPI_Get_library_version(v, &len) != MPI_SUCCESS) return "unknown";
  v[strcspn(v, "\n,")] = 0;
  return v;
}

/* The processor name of every rank, rank 0 first, joined by '\n' into buf
** (len bytes) on rank 0; collective. */
int mcpi_mpi_hosts(char *buf, int len, double timeout)
{
  char mine[MPI_MAX_PROCESSOR_NAME];
  int n = 0;
  memset(mine, 0, sizeof mine);
  MPI_Get_processor_name(mine, &n);
  char *all = calloc((size_t)size_, MPI_MAX_PROCESSOR_NAME);
  if (!all) return EINVAL_;
  MPI_Request req;
  int rc = MPI_Igather(mine, MPI_MAX_PROCESSOR_NAME, MPI_CHAR, all, MPI_MAX_PROCESSOR_NAME,
                       MPI_CHAR, 0, MPI_COMM_WORLD, &req);
  rc = rc == MPI_SUCCESS ? wait_req(&req, timeout, "MPI_Igather") : mpi_failed(rc, "MPI_Igather");
  if (rc == OK && rank_ == 0 && len > 0) {
    buf[0] = 0;
    size_t used = 0;
    for (int i = 0; i < size_; i++) {
      const char *h = all + (size_t)i * MPI_MAX_PROCESSOR_NAME;
      int w = snprintf(buf + used, (size_t)len - used, "%s%s", i ? "\n" : "", h);
      if (w < 0 || used + (size_t)w >= (size_t)len) break;
      used += (size_t)w;
    }
  }
  free(all);
  return rc;
}

/* -- The split call -------------------------------------------------------- */

/* Rank 0 sends cmd, the others receive it; timeout <= 0 waits forever. */
int mcpi_mpi_bcast(struct mcpi_mpi_cmd *cmd, double timeout)
{
  MPI_Request req;
  int rc = MPI_Ibcast(cmd, (int)sizeof *cmd, MPI_BYTE, 0, MPI_COMM_WORLD, &req);
  if (rc != MPI_SUCCESS) return mpi_failed(rc, "MPI_Ibcast");
  return wait_req(&req, timeout, "MPI_Ibcast");
}

int mcpi_mpi_barrier(double timeout)
{
  MPI_Request req;
  int rc = MPI_Ibarrier(MPI_COMM_WORLD, &req);
  if (rc != MPI_SUCCESS) return mpi_failed(rc, "MPI_Ibarrier");
  return wait_req(&req, timeout, "MPI_Ibarrier");
}

/* Exact sum of every rank's hits into *total on rank 0. */
int mcpi_mpi_sum(uint64_t hits, uint64_t *total, double timeout)
{
  MPI_Request req;
  uint64_t in = hits, out = 0;
  int rc = MPI_Ireduce(&in, &out, 1, MPI_UINT64_T, MPI_SUM, 0, MPI_COMM_WORLD, &req);
  if (rc != MPI_SUCCESS) return mpi_failed(rc, "MPI_Ireduce");
  rc = wait_req(&req, timeout, "MPI_Ireduce");
  if (rc == OK && total) *total = out;
  return rc;
}

/* Maximum of v[0..2] over the ranks into out[0..2] on rank 0 (the slowest
** rank's seconds, the worst status and the rank that had it). */
int mcpi_mpi_max3(const double *v, double *out, double timeout)
{
  MPI_Request req;
  double in[3] = { v[0], v[1], v[2] };
  int rc = MPI_Ireduce(in, out, 3, MPI_DOUBLE, MPI_MAX, 0, MPI_COMM_WORLD, &req);
  if (rc != MPI_SUCCESS) return mpi_failed(rc, "MPI_Ireduce");
  return wait_req(&req, timeout, "MPI_Ireduce");
}

/* Ends every rank of the job with code (Open MPI's mpirun reports it). */
void mcpi_mpi_abort(int code)
{
  fflush(stdout);
  fflush(stderr);
  MPI_Abort(MPI_COMM_WORLD, code);
}

/* The ranks are out of step (a call was cut short): at exit, leave without
** the quit message and MPI_Finalize, which would wait for ranks that are not
** listening; mpirun ends the rest. */
void mcpi_mpi_break(void) { broken = 1; }

/* Exit now with code, skipping MPI_Finalize (an interrupted rank). */
void mcpi_mpi_exit_now(int code)
{
  fflush(stdout);
  fflush(stderr);
  _exit(code);
}

/* Rank 0 tells the others to quit (once), then every rank finalizes. */
int mcpi_mpi_finalize(void)
{
  if (!inited || finished) return OK;
  finished = 1;
  if (mcpi_dl_pin_loaded) mcpi_dl_pin_loaded();  /* plugins loaded since init */
  if (broken || signalled()) return OK;
  if (rank_ == 0 && size_ > 1) {
    struct mcpi_mpi_cmd quit;
    memset(&quit, 0, sizeof quit);
    if (mcpi_mpi_bcast(&quit, 30) != OK) return ETIMEOUT;
  }
  int rc = MPI_Finalize();
  return rc == MPI_SUCCESS ? OK : mpi_failed(rc, "MPI_Finalize");
}

/* Whatever way rank 0 leaves (error, os.exit), the others are told to quit;
** if the ranks are out of step (a rank timed out), the job is ended instead:
** mpirun kills the ranks that no longer answer. */
__attribute__((destructor)) static void at_unload(void)
{
  if (inited && !finished && broken && !signalled()) mcpi_mpi_abort(1);
  mcpi_mpi_finalize();
}
