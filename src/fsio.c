/*
** fsio.c -- the one output writer: knows regular files from devices, FIFOs
** and symbolic links, checks every write, flush and close.
**
** A regular (or new) file is replaced atomically: written to a temporary file
** in the same directory, flushed to disk, renamed over the path, so a reader
** sees the old file or the new one, never half of one. A character device or
** FIFO (/dev/null, /dev/stdout, a pipe) is written through: renaming over it
** would replace the device. A symbolic link is followed. What none of these
** fits (a directory, a block device, a dangling link) is refused with a reason.
** The row journal appends through mcpi_fs_append_open/append/close under an
** exclusive flock, so two sweeps never interleave lines in one file.
** mcpi_fs_dir_* list a directory for mcpi.files (stale charts).
*/
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>
#include "mcpi.h"

enum { K_MISSING, K_REGULAR, K_DIR, K_CHR, K_FIFO, K_SOCK, K_BLOCK, K_DANGLING };

static int seterr(char *err, size_t n, const char *fmt, ...)
{
  if (err && n) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, n, fmt, ap);
    va_end(ap);
  }
  return -1;
}

static int syserr(char *err, size_t n, int code)
{
  return seterr(err, n, "%s", strerror(code));
}

const char *mcpi_fs_strerror(int code)
{
  return strerror(code);
}

int mcpi_fs_kind(const char *path)
{
  struct stat st;
  if (stat(path, &st) != 0) {
    int e = errno;
    if (e == ENOENT && lstat(path, &st) == 0 && S_ISLNK(st.st_mode)) return K_DANGLING;
    return e == ENOENT ? K_MISSING : -e;
  }
  if (S_ISREG(st.st_mode)) return K_REGULAR;
  if (S_ISDIR(st.st_mode)) return K_DIR;
  if (S_ISCHR(st.st_mode)) return K_CHR;
  if (S_ISFIFO(st.st_mode)) return K_FIFO;
  if (S_ISSOCK(st.st_mode)) return K_SOCK;
  return K_BLOCK;
}

/* Why a kind cannot be written, or NULL if it can. */
static const char *refusal(int kind)
{
  switch (kind) {
  case K_DIR: return "it is a directory (give a file name)";
  case K_BLOCK: return "it is a block device; mcpi writes regular files, character devices and pipes";
  case K_SOCK: return "it is a socket; mcpi writes regular files, character devices and pipes";
  case K_DANGLING: return "it is a symbolic link to a file that does not exist";
  default: return NULL;
  }
}

static int write_all(int fd, const char *data, size_t len, char *err, size_t n)
{
  while (len > 0) {
    ssize_t w = write(fd, data, len);
    if (w < 0) {
      if (errno == EINTR) continue;
      return syserr(err, n, errno);
    }
    data += w;
    len -= (size_t)w;
  }
  return 0;
}

/* The descriptor a path under /dev/fd, /proc/self/fd or /dev/std* names, or
** -1. Such a path is written through that very descriptor (at its offset,
** after stdio's buffer), even when it is a regular file (the shell's `> f`):
** opening it anew would write from offset 0 over what stdout already wrote. */
static int fd_of_path(const char *path)
{
  const char *num = NULL;
  if (strcmp(path, "/dev/stdout") == 0) return 1;
  if (strcmp(path, "/dev/stderr") == 0) return 2;
  if (strncmp(path, "/dev/fd/", 8) == 0) num = path + 8;
  else if (strncmp(path, "/proc/self/fd/", 14) == 0) num = path + 14;
  if (num == NULL || *num < '0' || *num > '9') return -1;
  char *end;
  long fd = strtol(num, &end, 10);
  return *end == '\0' && fd >= 0 && fd < 1 << 20 ? (int)fd : -1;
}

static int is_fd_path(const char *path)
{
  return fd_of_path(path) >= 0;
}

static int write_fd(int fd, const char *data, size_t len, char *err, size_t n)
{
  fflush(fd == 1 ? stdout : fd == 2 ? stderr : NULL);
  return write_all(fd, data, len, err, n);
}

static int write_through(const char *path, int flags, const char *data, size_t len,
                         char *err, size_t n)
{
  int fd = open(path, O_WRONLY | O_NOCTTY | O_CLOEXEC | flags);
  if (fd < 0) return syserr(err, n, errno);
  int rc = write_all(fd, data, len, err, n);
  if (close(fd) != 0 && rc == 0) rc = syserr(err, n, errno);
  return rc;
}

/* Temporary file beside target, written, synced, renamed over target. */
static int replace_file(const char *target, int exists, const char *data, size_t len,
                        char *err, size_t n)
{
  char tmp[PATH_MAX];
  const char *slash = strrchr(target, '/');
  int dlen = slash ? (int)(slash - target) + 1 : 0;
  if (snprintf(tmp, sizeof(tmp), "%.*s.%s.mcpi-XXXXXX", dlen, target,
               slash ? slash + 1 : target) >= (int)sizeof(tmp))
    return syserr(err, n, ENAMETOOLONG);
  mode_t mode = 0666;
  struct stat st;
  if (exists && stat(target, &st) == 0) {
    mode = st.st_mode & 07777;
  } else {
    mode_t mask = umask(0);
    umask(mask);
    mode &= ~mask;
  }
  int fd = mkstemp(tmp);
  if (fd < 0) return syserr(err, n, errno);
  int rc = fchmod(fd, mode) != 0 ? syserr(err, n, errno) : 0;
  if (rc == 0) rc = write_all(fd, data, len, err, n);
  if (rc == 0 && fsync(fd) != 0) rc = syserr(err, n, errno);
  if (close(fd) != 0 && rc == 0) rc = syserr(err, n, errno);
  if (rc == 0 && rename(tmp, target) != 0) rc = syserr(err, n, errno);
  if (rc != 0) unlink(tmp);
  return rc;
}

int mcpi_fs_write(const char *path, const char *data, size_t len, char *err, size_t errlen)
{
  int kind = mcpi_fs_kind(path);
  if (kind < 0) return syserr(err, errlen, -kind);
  const char *why = refusal(kind);
  if (why) return seterr(err, errlen, "%s", why);
  if (is_fd_path(path)) return write_fd(fd_of_path(path), data, len, err, errlen);
  if (kind == K_CHR || kind == K_FIFO) return write_through(path, 0, data, len, err, errlen);
  struct stat st;
  if (kind == K_REGULAR && lstat(path, &st) == 0 && S_ISLNK(st.st_mode)) {
    char real[PATH_MAX];
    if (realpath(path, real) == NULL) return syserr(err, errlen, errno);
    return replace_file(real, 1, data, len, err, errlen);
  }
  return replace_file(path, kind == K_REGULAR, data, len, err, errlen);
}

int mcpi_fs_check(const char *path, char *err, size_t errlen)
{
  int kind = mcpi_fs_kind(path);
  if (kind < 0) return syserr(err, errlen, -kind);
  const char *why = refusal(kind);
  if (why) return seterr(err, errlen, "%s", why);
  if (kind == K_CHR || kind == K_FIFO || is_fd_path(path))
    return access(path, W_OK) == 0 ? 0 : syserr(err, errlen, errno);
  char dir[PATH_MAX];
  const char *target = path;
  char real[PATH_MAX];
  if (kind == K_REGULAR && realpath(path, real) != NULL) target = real;
  const char *slash = strrchr(target, '/');
  if (slash == NULL) snprintf(dir, sizeof(dir), ".");
  else if (slash == target) snprintf(dir, sizeof(dir), "/");
  else snprintf(dir, sizeof(dir), "%.*s", (int)(slash - target), target);
  if (access(dir, W_OK | X_OK) != 0) return syserr(err, errlen, errno);
  return 0;
}

int mcpi_fs_append_open(const char *path, int truncate, char *err, size_t errlen)
{
  int kind = mcpi_fs_kind(path);
  if (kind < 0) return syserr(err, errlen, -kind);
  const char *why = refusal(kind);
  if (why) return seterr(err, errlen, "%s", why);
  int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_NOCTTY | O_CLOEXEC, 0666);
  if (fd < 0) return syserr(err, errlen, errno);
  struct stat st;
  int regular = fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
  if (regular && flock(fd, LOCK_EX | LOCK_NB) != 0) {
    int e = errno;
    close(fd);
    if (e == EWOULDBLOCK) {
      seterr(err, errlen, "another mcpi process is writing it (it holds the file's lock)");
      return -2;
    }
    return syserr(err, errlen, e);
  }
  /* Truncate only once the lock is ours: the other writer's rows stay whole. */
  if (regular && truncate && ftruncate(fd, 0) != 0) {
    int e = errno;
    close(fd);
    return syserr(err, errlen, e);
  }
  return fd;
}

int mcpi_fs_append(int fd, const char *data, size_t len, char *err, size_t errlen)
{
  return write_all(fd, data, len, err, errlen);
}

int mcpi_fs_close(int fd, char *err, size_t errlen)
{
  if (fd < 0) return 0;
  if (close(fd) != 0) return syserr(err, errlen, errno);
  return 0;
}

int mcpi_fs_mkdir(const char *path, char *err, size_t errlen)
{
  char buf[PATH_MAX];
  size_t len = strlen(path);
  if (len == 0) return seterr(err, errlen, "empty directory name");
  if (len >= sizeof(buf)) return syserr(err, errlen, ENAMETOOLONG);
  memcpy(buf, path, len + 1);
  for (size_t i = 1; i <= len; i++) {
    if (buf[i] != '/' && buf[i] != '\0') continue;
    char c = buf[i];
    buf[i] = '\0';
    if (mkdir(buf, 0777) != 0 && errno != EEXIST)
      return seterr(err, errlen, "cannot create directory '%s': %s", buf, strerror(errno));
    buf[i] = c;
  }
  struct stat st;
  if (stat(path, &st) != 0) return syserr(err, errlen, errno);
  if (!S_ISDIR(st.st_mode)) return seterr(err, errlen, "cannot write into '%s': Not a directory", path);
  if (access(path, W_OK | X_OK) != 0)
    return seterr(err, errlen, "cannot write into '%s': %s", path, strerror(errno));
  return 0;
}

/* -- Reading a directory -------------------------------------------------- */

/* DIR behind an opaque name, so Lua needs no struct dirent layout. */
struct mcpi_fs_dir { DIR *d; };

mcpi_fs_dir *mcpi_fs_dir_open(const char *path)
{
  DIR *d = opendir(path);
  if (d == NULL) return NULL;
  mcpi_fs_dir *h = malloc(sizeof *h);
  if (h == NULL) { closedir(d); return NULL; }
  h->d = d;
  return h;
}

const char *mcpi_fs_dir_next(mcpi_fs_dir *h)
{
  struct dirent *e = readdir(h->d);
  return e ? e->d_name : NULL;
}

void mcpi_fs_dir_close(mcpi_fs_dir *h)
{
  if (h == NULL) return;
  closedir(h->d);
  free(h);
}
