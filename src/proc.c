/*
** proc.c -- worker processes behind pipes, for kernels that run in another
** process (lua/mcpi/worker.lua speaks the wire protocol over these).
**
** A worker is spawned with stdin, stdout and stderr on pipes, in its own
** process group (a terminal's Ctrl-C reaches mcpi alone, which then stops
** its workers itself) and with PR_SET_PDEATHSIG = SIGKILL (a killed mcpi
** leaves no orphan). Lines are read with a deadline (poll); stderr is drained
** into a small tail kept for error messages. Stopping closes stdin, waits,
** sends SIGTERM to the group, waits, sends SIGKILL, and reaps: no zombie.
** Every live worker is on a list an atexit hook kills, for os.exit().
** Errors are return codes (MCPI_PROC_*); nothing here prints.
*/
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "mcpi.h"

#define LINE_MAX_BYTES (1 << 20)
#define TAIL_BYTES 2048

struct mcpi_proc {
  pid_t pid;
  int in, out, err;        /* our ends: worker's stdin, stdout, stderr */
  int status;              /* -1 while running, else as mcpi_proc_status */
  int sys_errno;           /* errno of the last MCPI_PROC_ESYS */
  char *buf;               /* stdout bytes not yet returned as lines */
  size_t len, cap, taken;  /* taken: bytes of the line handed out last */
  char tail[TAIL_BYTES];   /* the last bytes of stderr */
  size_t tail_len;
  struct mcpi_proc *next;  /* the list of live workers */
};

static mcpi_proc *live;
static int atexit_done;

/* -- Helpers ------------------------------------------------------------- */

static double now_s(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void close_fd(int *fd)
{
  if (*fd >= 0) close(*fd);
  *fd = -1;
}

static void unlink_live(mcpi_proc *p)
{
  for (mcpi_proc **q = &live; *q; q = &(*q)->next)
    if (*q == p) { *q = p->next; return; }
}

static void set_status(mcpi_proc *p, int ws)
{
  if (WIFEXITED(ws)) p->status = WEXITSTATUS(ws);
  else if (WIFSIGNALED(ws)) p->status = 256 + WTERMSIG(ws);
  else return;
  unlink_live(p);
}

/* Reap without blocking; 1 if the worker has exited (now or before). */
static int reaped(mcpi_proc *p)
{
  int ws;
  if (p->status >= 0) return 1;
  pid_t r = waitpid(p->pid, &ws, WNOHANG);
  if (r == p->pid) set_status(p, ws);
  else if (r < 0 && errno == ECHILD) { p->status = 255; unlink_live(p); }
  return p->status >= 0;
}

/* Move what stderr holds now into the tail (non-blocking). */
static void drain_stderr(mcpi_proc *p)
{
  char chunk[4096];
  while (p->err >= 0) {
    ssize_t n = read(p->err, chunk, sizeof(chunk));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      if (n == 0) close_fd(&p->err);
      return;
    }
    size_t got = (size_t)n;
    if (got >= TAIL_BYTES) {
      memcpy(p->tail, chunk + got - TAIL_BYTES, TAIL_BYTES);
      p->tail_len = TAIL_BYTES;
    } else {
      size_t keep = p->tail_len + got > TAIL_BYTES ? TAIL_BYTES - got : p->tail_len;
      memmove(p->tail, p->tail + p->tail_len - keep, keep);
      memcpy(p->tail + keep, chunk, got);
      p->tail_len = keep + got;
    }
  }
}

static void signal_group(mcpi_proc *p, int sig)
{
  if (p->status >= 0) return;
  /* The worker leads its own group: its own children get the signal too. */
  if (kill(-p->pid, sig) != 0) kill(p->pid, sig);
}

/* Wait up to secs for the worker to exit, draining stderr meanwhile. */
static int wait_exit(mcpi_proc *p, double secs)
{
  double end = now_s() + secs;
  while (!reaped(p)) {
    if (now_s() >= end) return 0;
    drain_stderr(p);
    struct timespec ts = { 0, 2000000 };
    nanosleep(&ts, NULL);
  }
  return 1;
}

static void kill_all(void)
{
  while (live) {
    mcpi_proc *p = live;
    signal_group(p, SIGKILL);
    int ws;
    if (waitpid(p->pid, &ws, 0) == p->pid) set_status(p, ws);
    else { p->status = 255; unlink_live(p); }
  }
}

/* -- Spawn --------------------------------------------------------------- */

/* Move *fd above 0..2 (mcpi may run with stdin or stdout closed, and the
** child's dup2 onto 0..2 must not overwrite a pipe it still needs). */
static int above2(int *fd)
{
  if (*fd > 2) return 0;
  int nfd = fcntl(*fd, F_DUPFD_CLOEXEC, 3);
  if (nfd < 0) return -1;
  close(*fd);
  *fd = nfd;
  return 0;
}

/* The child: pipes onto 0, 1, 2, own group, die with the parent, default
** signals, then exec; on failure the errno goes to the parent through
** errfd (close-on-exec, so a successful exec closes it unwritten). */
static void child(const char *const *argv, char *const *envp, int fds[3][2],
                  int errfd, pid_t parent, long maxfd)
{
  sigset_t none;
  int e;
  setpgid(0, 0);
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != parent) _exit(127);  /* the parent died before prctl */
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, NULL);
  signal(SIGPIPE, SIG_DFL);
  signal(SIGINT, SIG_DFL);
  if (dup2(fds[0][0], 0) < 0 || dup2(fds[1][1], 1) < 0 || dup2(fds[2][1], 2) < 0)
    goto fail;
  /* Nothing else of mcpi's (results files, other workers' pipes) is
  ** inherited; errfd closes itself on exec. */
  if ((errfd > 3 && close_range(3, (unsigned)errfd - 1, 0) != 0)
      || close_range((unsigned)errfd + 1, ~0U, 0) != 0)
    for (long fd = 3; fd < maxfd; fd++)
      if (fd != errfd) close((int)fd);
  execvpe(argv[0], (char *const *)argv, envp);
fail:
  e = errno;
  if (write(errfd, &e, sizeof(e)) < 0) { /* nothing left to do */ }
  _exit(127);
}

/* environ with each "NAME=value" of extra put in place of NAME's old value. */
static char **merged_env(const char *const *extra)
{
  extern char **environ;
  size_t n = 0, m = 0, k = 0;
  while (environ[n]) n++;
  while (extra && extra[m]) m++;
  char **env = malloc((n + m + 1) * sizeof(char *));
  if (env == NULL) return NULL;
  for (size_t i = 0; i < n; i++) {
    const char *eq = strchr(environ[i], '=');
    size_t kl = eq ? (size_t)(eq - environ[i]) + 1 : strlen(environ[i]);
    int replaced = 0;
    for (size_t j = 0; j < m; j++)
      if (strncmp(extra[j], environ[i], kl) == 0) replaced = 1;
    if (!replaced) env[k++] = environ[i];
  }
  for (size_t j = 0; j < m; j++) env[k++] = (char *)extra[j];
  env[k] = NULL;
  return env;
}

mcpi_proc *mcpi_proc_spawn(const char *const *argv, const char *const *env,
                           int *err)
{
  int fds[3][2] = { { -1, -1 }, { -1, -1 }, { -1, -1 } }, ep[2] = { -1, -1 };
  mcpi_proc *p = NULL;
  char **envp = NULL;
  int e = 0;
  if (argv == NULL || argv[0] == NULL) { *err = EINVAL; return NULL; }
  for (int i = 0; i < 3; i++)
    if (pipe2(fds[i], O_CLOEXEC) != 0 || above2(&fds[i][0]) || above2(&fds[i][1])) goto fail;
  if (pipe2(ep, O_CLOEXEC) != 0 || above2(&ep[1])) goto fail;
  p = calloc(1, sizeof(*p));
  envp = merged_env(env);
  if (p == NULL || envp == NULL) { errno = ENOMEM; goto fail; }
  pid_t parent = getpid();
  long maxfd = sysconf(_SC_OPEN_MAX);
  if (maxfd < 0 || maxfd > 65536) maxfd = 65536;
  p->pid = fork();
  if (p->pid < 0) goto fail;
  if (p->pid == 0) child(argv, envp, fds, ep[1], parent, maxfd);
  setpgid(p->pid, p->pid);  /* also here: no window where it shares ours */
  free(envp);
  envp = NULL;
  close_fd(&ep[1]);
  ssize_t r;
  do r = read(ep[0], &e, sizeof(e)); while (r < 0 && errno == EINTR);
  close_fd(&ep[0]);
  close_fd(&fds[0][0]); close_fd(&fds[1][1]); close_fd(&fds[2][1]);
  p->in = fds[0][1]; p->out = fds[1][0]; p->err = fds[2][0];
  p->status = -1;
  fcntl(p->out, F_SETFL, O_NONBLOCK);
  fcntl(p->err, F_SETFL, O_NONBLOCK);
  p->next = live;
  live = p;
  if (!atexit_done) atexit_done = atexit(kill_all) == 0;
  if (r == sizeof(e)) {  /* exec failed */
    int ws;
    waitpid(p->pid, &ws, 0);
    set_status(p, ws);
    mcpi_proc_free(p);
    *err = e;
    return NULL;
  }
  *err = 0;
  return p;
fail:
  e = errno;
  for (int i = 0; i < 3; i++) { close_fd(&fds[i][0]); close_fd(&fds[i][1]); }
  close_fd(&ep[0]); close_fd(&ep[1]);
  free(envp);
  free(p);
  *err = e;
  return NULL;
}

/* -- Lines --------------------------------------------------------------- */

int mcpi_proc_write(mcpi_proc *p, const char *data, size_t len)
{
  sigset_t pipe_set, old;
  int rc = MCPI_PROC_OK;
  if (p->in < 0) return MCPI_PROC_EOF;
  /* A worker that died turns the write into SIGPIPE, which would kill mcpi:
  ** block it, and take back a SIGPIPE this write raised. */
  sigemptyset(&pipe_set);
  sigaddset(&pipe_set, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
  while (len > 0) {
    ssize_t n = write(p->in, data, len);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      if (errno == EPIPE) {
        struct timespec zero = { 0, 0 };
        if (!sigismember(&old, SIGPIPE)) sigtimedwait(&pipe_set, NULL, &zero);
        rc = MCPI_PROC_EOF;
      } else {
        p->sys_errno = errno;
        rc = MCPI_PROC_ESYS;
      }
      break;
    }
    data += n;
    len -= (size_t)n;
  }
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  return rc;
}

/* A whole line at the front of buf: its length without the newline, or -1. */
static long line_in_buf(mcpi_proc *p)
{
  char *nl = p->len ? memchr(p->buf, '\n', p->len) : NULL;
  return nl ? (long)(nl - p->buf) : -1;
}

/* Read what stdout holds now; MCPI_PROC_OK, _EOF or _ESYS. */
static int fill(mcpi_proc *p)
{
  for (;;) {
    if (p->cap - p->len < 4096) {
      size_t cap = p->cap ? p->cap * 2 : 8192;
      char *b = realloc(p->buf, cap);
      if (b == NULL) { p->sys_errno = ENOMEM; return MCPI_PROC_ESYS; }
      p->buf = b;
      p->cap = cap;
    }
    ssize_t n = read(p->out, p->buf + p->len, p->cap - p->len);
    if (n > 0) { p->len += (size_t)n; continue; }
    if (n == 0) return MCPI_PROC_EOF;
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return MCPI_PROC_OK;
    p->sys_errno = errno;
    return MCPI_PROC_ESYS;
  }
}

int mcpi_proc_read_line(mcpi_proc *p, double timeout_s, const char **line,
                        size_t *len)
{
  double end = timeout_s >= 0 ? now_s() + timeout_s : 0;
  if (p->taken) {  /* drop the line handed out last time */
    memmove(p->buf, p->buf + p->taken, p->len - p->taken);
    p->len -= p->taken;
    p->taken = 0;
  }
  for (;;) {
    long n = line_in_buf(p);
    if (n > LINE_MAX_BYTES) return MCPI_PROC_TOOLONG;
    if (n >= 0) {
      p->buf[n] = '\0';
      *line = p->buf;
      *len = (size_t)n;
      p->taken = (size_t)n + 1;
      return MCPI_PROC_OK;
    }
    if (p->len > LINE_MAX_BYTES) return MCPI_PROC_TOOLONG;
    if (p->out < 0) return MCPI_PROC_EOF;
    struct pollfd fds[2] = { { p->out, POLLIN, 0 }, { p->err, POLLIN, 0 } };
    int wait_ms = -1;
    if (timeout_s >= 0) {
      double left = end - now_s();
      if (left <= 0) return MCPI_PROC_TIMEOUT;
      wait_ms = left > 1e6 ? 1000000000 : (int)(left * 1000) + 1;
    }
    int r = poll(fds, p->err >= 0 ? 2 : 1, wait_ms);
    if (r < 0) {
      if (errno != EINTR) { p->sys_errno = errno; return MCPI_PROC_ESYS; }
      if (mcpi_signal_pending()) return MCPI_PROC_EINTR;
      continue;
    }
    if (p->err >= 0 && fds[1].revents) drain_stderr(p);
    if (fds[0].revents) {
      int rc = fill(p);
      if (rc == MCPI_PROC_EOF && line_in_buf(p) < 0) {
        close_fd(&p->out);
        drain_stderr(p);
        return MCPI_PROC_EOF;
      }
      if (rc == MCPI_PROC_ESYS) return rc;
    }
  }
}

/* -- State and teardown -------------------------------------------------- */

const char *mcpi_proc_stderr_tail(mcpi_proc *p, size_t *len)
{
  drain_stderr(p);
  *len = p->tail_len;
  return p->tail;
}

int mcpi_proc_pid(mcpi_proc *p)
{
  return (int)p->pid;
}

/* CPU time (user + system, clock ticks) of every worker still running: the
** kernels' own work, which the noise reading must not count as other load. */
long long mcpi_proc_cpu_ticks(void)
{
  long long sum = 0;
  for (mcpi_proc *p = live; p; p = p->next) {
    char path[64], buf[1024];
    if (p->status != -1) continue;
    snprintf(path, sizeof path, "/proc/%d/stat", (int)p->pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) continue;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0) continue;
    buf[n] = 0;
    /* after the ")" that ends the command name: state is field 3, so
    ** utime (14) and stime (15) are the 12th and 13th words */
    char *q = strrchr(buf, ')');
    if (!q) continue;
    long long v[13] = { 0 };
    int i = 0;
    for (char *t = strtok(q + 1, " "); t && i < 13; t = strtok(0, " ")) v[i++] = atoll(t);
    if (i == 13) sum += v[11] + v[12];
  }
  return sum;
}

int mcpi_proc_status(mcpi_proc *p, double wait_s)
{
  if (wait_s > 0) wait_exit(p, wait_s);
  else reaped(p);
  return p->status;
}

int mcpi_proc_errno(mcpi_proc *p)
{
  return p->sys_errno;
}

int mcpi_proc_stop(mcpi_proc *p, double grace_s)
{
  close_fd(&p->in);
  if (!wait_exit(p, grace_s)) {
    signal_group(p, SIGTERM);
    if (!wait_exit(p, grace_s > 1 ? 1 : grace_s)) {
      signal_group(p, SIGKILL);
      wait_exit(p, 5);
    }
  }
  drain_stderr(p);
  close_fd(&p->out);
  close_fd(&p->err);
  return p->status;
}

void mcpi_proc_free(mcpi_proc *p)
{
  if (p == NULL) return;
  if (!reaped(p)) {
    signal_group(p, SIGKILL);
    int ws;
    if (waitpid(p->pid, &ws, 0) == p->pid) set_status(p, ws);
  }
  unlink_live(p);
  close_fd(&p->in);
  close_fd(&p->out);
  close_fd(&p->err);
  free(p->buf);
  free(p);
}

const char *mcpi_proc_strerror(int code)
{
  switch (code) {
  case MCPI_PROC_OK: return "ok";
  case MCPI_PROC_TIMEOUT: return "timed out";
  case MCPI_PROC_EOF: return "closed its output";
  case MCPI_PROC_EINTR: return "interrupted";
  case MCPI_PROC_TOOLONG: return "wrote a line over 1 MiB";
  case MCPI_PROC_ESYS: return "system error";
  default: return "unknown status";
  }
}

const char *mcpi_proc_strerrno(int e)
{
  return strerror(e);
}
