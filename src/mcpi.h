/*
** mcpi.h -- every C function Lua may call through the FFI.
**
** This file is embedded into the binary and fed to ffi.cdef (after lines that
** start with '#' are dropped and MCPI_API is removed), so everything outside
** the preprocessor lines must stay in the C subset ffi.cdef parses: no macros
** in declarations, no structs passed or returned by value, fixed-width types.
**
** Kernel contract: scalars and caller-owned pointers in, a status code out,
** results through pointers. Kernels never print, exit or allocate O(N) memory;
** threads are created and joined inside the call.
*/
#ifndef MCPI_H
#define MCPI_H
#include <stdint.h>
#include <stddef.h>
#define MCPI_API __attribute__((visibility("default")))

/* Status codes returned by every kernel; mcpi_strerror() names them. */
enum {
  MCPI_OK = 0,
  MCPI_EINVAL = 1,        /* an argument is out of range */
  MCPI_EUNSUPPORTED = 2,  /* this CPU cannot run the requested path */
  MCPI_EINTR = 3,         /* stopped early: SIGINT arrived */
  MCPI_ETHREAD = 4        /* a thread could not be created */
};

/* SIMD paths, in order of preference. */
enum {
  MCPI_PATH_SCALAR = 0,
  MCPI_PATH_AVX2 = 1,
  MCPI_PATH_AVX512 = 2,
  MCPI_PATH_COUNT = 3
};

/* -- Philox4x32-10 (philox v1 stream) ------------------------------------ */

/* One Philox4x32-10 block: out = philox(ctr[0..3], key[0..1]). */
MCPI_API void mcpi_philox4x32_10(const uint32_t *ctr, const uint32_t *key,
                                 uint32_t *out);

/* Fill xy[0..2n-1] with samples first..first+n-1 of the stream for seed:
** xy[2i] = x, xy[2i+1] = y. The caller owns xy (2n uint32_t). */
MCPI_API int mcpi_philox_fill(uint64_t seed, uint64_t first, uint64_t n,
                              uint32_t *xy);

/* -- Kernels: count hits among samples first..first+n-1 ------------------- */

MCPI_API int mcpi_scalar_count(uint64_t seed, uint64_t first, uint64_t n,
                               uint64_t *hits);
MCPI_API int mcpi_avx2_count(uint64_t seed, uint64_t first, uint64_t n,
                             uint64_t *hits);
MCPI_API int mcpi_avx512_count(uint64_t seed, uint64_t first, uint64_t n,
                               uint64_t *hits);

/* Best path this CPU and OS support (CPUID + XGETBV), or the one forced by
** mcpi_simd_force or the MCPI_SIMD environment variable (scalar, avx2,
** avx512, auto). mcpi_avx2_count / mcpi_avx512_count return
** MCPI_EUNSUPPORTED on a CPU without their instructions, never SIGILL. */
MCPI_API int mcpi_simd_count(uint64_t seed, uint64_t first, uint64_t n,
                             uint64_t *hits);
/* The path mcpi_simd_count and mcpi_threads_count run; -1 if MCPI_SIMD
** names no path. */
MCPI_API int mcpi_simd_path(void);
/* Force path (-1 = back to the best, ignoring MCPI_SIMD); MCPI_EINVAL for no
** such path, MCPI_EUNSUPPORTED if this CPU lacks it. */
MCPI_API int mcpi_simd_force(int path);
MCPI_API int mcpi_simd_supported(int path);  /* 1 if this CPU runs path */
MCPI_API const char *mcpi_simd_name(int path);
/* The count function of a path (scalar, avx2, avx512 as above); NULL for no
** such path. c.simd and each of c.threads' threads run mcpi_simd_path()'s. */
typedef int (*mcpi_count_fn)(uint64_t seed, uint64_t first, uint64_t n, uint64_t *hits);
MCPI_API mcpi_count_fn mcpi_simd_count_fn(int path);

/* The chosen SIMD path on `threads` threads (0 = online CPUs, at most
** mcpi_threads_max()), created and joined inside the call; shares are cut at
** multiples of 64 samples and small n uses fewer threads (at least 65536
** samples each). The result does not depend on threads. */
MCPI_API int mcpi_threads_count(uint64_t seed, uint64_t first, uint64_t n,
                                int threads, uint64_t *hits);
/* Where share i of parts starts when first..first+n-1 is cut into parts
** contiguous shares (the rule of mcpi_threads_count, also used for MPI ranks);
** share i ends where share i+1 starts, i = parts gives first+n. */
MCPI_API uint64_t mcpi_threads_cut(uint64_t first, uint64_t n, uint64_t parts,
                                   uint64_t i);
MCPI_API int mcpi_threads_online(void);
MCPI_API int mcpi_threads_max(void);

/* c.auto: the plain philox loop, auto-vectorised by each compiler the build
** found at several ISA levels; the best build this CPU runs is chosen at run
** time. which: MCPI_AUTO_BEST (any compiler), MCPI_AUTO_GCC, MCPI_AUTO_CLANG;
** MCPI_EUNSUPPORTED if no build of that compiler exists. */
enum { MCPI_AUTO_BEST = 0, MCPI_AUTO_GCC = 1, MCPI_AUTO_CLANG = 2 };
MCPI_API int mcpi_auto_count(int which, uint64_t seed, uint64_t first, uint64_t n,
                             uint64_t *hits);
/* "clang x86-64-v4" etc.: the build `which` runs here; NULL if none. */
MCPI_API const char *mcpi_auto_variant(int which);
/* Every build, preferred first: build i's description (NULL past the last)
** and its count (MCPI_EUNSUPPORTED if this CPU lacks its ISA level). */
MCPI_API const char *mcpi_auto_build_name(int i);
MCPI_API int mcpi_auto_count_build(int i, uint64_t seed, uint64_t first, uint64_t n,
                                   uint64_t *hits);

/* A message for a status code of any kernel (status.c). */
MCPI_API const char *mcpi_strerror(int code);

/* -- Clock ---------------------------------------------------------------- */

/* Monotonic wall clock (CLOCK_MONOTONIC_RAW where available), nanoseconds. */
MCPI_API uint64_t mcpi_clock_ns(void);
/* The clock's resolution as reported by clock_getres, nanoseconds. */
MCPI_API uint64_t mcpi_clock_resolution_ns(void);
/* Does nothing; the harness times it to report the cost of an FFI call. */
MCPI_API void mcpi_clock_noop(void);

/* -- Signals -------------------------------------------------------------- */

/* 1 once SIGINT, SIGTERM or SIGHUP has arrived while Lua code ran; kernels
** poll it (from any thread) and stop with MCPI_EINTR. */
MCPI_API int mcpi_signal_pending(void);
/* The signal that arrived (SIGINT = 2, ...), 0 if none. */
MCPI_API int mcpi_signal_number(void);
MCPI_API void mcpi_signal_clear(void);
/* Critical sections: between defer(1) and defer(0) (nestable) a signal only
** sets the flag; the interruption is raised when the outermost one ends. */
MCPI_API void mcpi_signal_defer(int on);
/* The interruption has been raised in Lua: raise it no more. */
MCPI_API void mcpi_signal_delivered(void);
/* -- Files (fsio.c) --------------------------------------------------------- */
/* What path is: 0 missing, 1 regular file, 2 directory, 3 character device,
** 4 FIFO, 5 socket, 6 block device, 7 dangling symbolic link; -errno when it
** cannot be examined. Symbolic links are followed (except a dangling one). */
MCPI_API int mcpi_fs_kind(const char *path);
/* Write len bytes to path: a regular (or missing) file is replaced atomically
** (a temporary file in the same directory, written, flushed to disk, renamed
** over path; it keeps an existing file's mode); a character device, FIFO or
** socket is written through; a symbolic link is followed. Every write is
** checked. Returns 0, or -1 with a reason in err (errlen bytes). */
MCPI_API int mcpi_fs_write(const char *path, const char *data, size_t len,
                           char *err, size_t errlen);
/* Open path for appending (created 0644 when missing) and take an exclusive
** advisory lock (flock) on it. Returns the descriptor, -1 with err set; -2
** if another process holds the lock. */
MCPI_API int mcpi_fs_append_open(const char *path, int truncate, char *err,
                                 size_t errlen);
/* Append len bytes with one write(2) loop; 0, or -1 with err. */
MCPI_API int mcpi_fs_append(int fd, const char *data, size_t len, char *err,
                            size_t errlen);
/* Close (the lock goes with it); 0, or -1 with err. */
MCPI_API int mcpi_fs_close(int fd, char *err, size_t errlen);
/* Create directory path and its parents (mkdir -p); 0 or -1 with err. */
MCPI_API int mcpi_fs_mkdir(const char *path, char *err, size_t errlen);
/* 0 if a file could be written at path (kind as above: a regular or missing
** file needs a writable directory, a device or FIFO write permission), -1
** with err saying why not. */
MCPI_API int mcpi_fs_check(const char *path, char *err, size_t errlen);
/* strerror(code) for messages. */
MCPI_API const char *mcpi_fs_strerror(int code);
/* Reading a directory (opaque): open it (NULL if it cannot be read), the
** next name ("." and ".." included; NULL at the end; valid until the next
** call), close. */
typedef struct mcpi_fs_dir mcpi_fs_dir;
MCPI_API mcpi_fs_dir *mcpi_fs_dir_open(const char *path);
MCPI_API const char *mcpi_fs_dir_next(mcpi_fs_dir *d);
MCPI_API void mcpi_fs_dir_close(mcpi_fs_dir *d);

/* -- Paths (path.c) -------------------------------------------------------- */

/* The path of the running mcpi executable (from /proc/self/exe); "" if
** unknown. Fresh processes (mcpi.fresh) start it again. */
MCPI_API const char *mcpi_path_exe(void);
/* The directory of the running mcpi executable (from /proc/self/exe), no
** trailing slash; "" if unknown. The Python peers are found beside it. */
MCPI_API const char *mcpi_path_exe_dir(void);

/* -- Run-time loaded libraries ------------------------------------------- */

/* dlopen(name, RTLD_NOW | RTLD_GLOBAL | RTLD_NODELETE): load the library (or
** find it loaded) and keep it mapped until the process exits, so ffi.load's
** unloading at state close cannot pull code from under the threads and exit
** handlers it left. 1 on success, 0 and mcpi_dl_error() otherwise. */
MCPI_API int mcpi_dl_pin(const char *name);
MCPI_API const char *mcpi_dl_error(void);
/* Pin every shared object loaded so far (what those libraries loaded
** themselves: drivers, plugins, compiled programs); returns how many. */
MCPI_API int mcpi_dl_pin_loaded(void);

/* -- Build facts ---------------------------------------------------------- */

MCPI_API const char *mcpi_build_version(void);
MCPI_API const char *mcpi_build_commit(void);
MCPI_API const char *mcpi_build_compiler(void);
MCPI_API const char *mcpi_build_cflags(void);
/* Where this build's run-time loaded libraries are (obj/dl beside mcpi). */
MCPI_API const char *mcpi_build_dldir(void);

/* -- Worker processes (proc.c) -------------------------------------------- */

/* A worker process with stdin, stdout and stderr on pipes (opaque). */
typedef struct mcpi_proc mcpi_proc;

/* Status codes of the mcpi_proc_* functions; mcpi_proc_strerror() names them. */
enum {
  MCPI_PROC_OK = 0,
  MCPI_PROC_TIMEOUT = 1,  /* no whole line before the deadline */
  MCPI_PROC_EOF = 2,      /* the worker closed its end (exited?) */
  MCPI_PROC_EINTR = 3,    /* SIGINT arrived while waiting */
  MCPI_PROC_TOOLONG = 4,  /* a line over 1 MiB */
  MCPI_PROC_ESYS = 5      /* a system call failed: mcpi_proc_errno() */
};

/* Start argv[0] (searched on PATH) with argv (NULL-terminated) and the
** environment plus env's "NAME=value" strings (NULL or NULL-terminated), in
** its own process group, killed if mcpi dies. NULL and *err = errno on
** failure (exec failures included: ENOENT, EACCES). */
MCPI_API mcpi_proc *mcpi_proc_spawn(const char *const *argv,
                                    const char *const *env, int *err);
/* Write len bytes to the worker's stdin; MCPI_PROC_EOF if it is gone. */
MCPI_API int mcpi_proc_write(mcpi_proc *p, const char *data, size_t len);
/* The next line of the worker's stdout, without its newline, valid until the
** next call; waits at most timeout_s seconds (< 0: no limit). */
MCPI_API int mcpi_proc_read_line(mcpi_proc *p, double timeout_s,
                                 const char **line, size_t *len);
/* The last bytes (up to 2 KiB) the worker wrote to stderr. */
MCPI_API const char *mcpi_proc_stderr_tail(mcpi_proc *p, size_t *len);
MCPI_API int mcpi_proc_pid(mcpi_proc *p);
/* CPU time (user + system, in clock ticks) of every worker still running. */
MCPI_API long long mcpi_proc_cpu_ticks(void);
/* -1 while running (waiting up to wait_s for an exit), else its exit code
** 0..255, or 256 + the signal that killed it. Reaps. */
MCPI_API int mcpi_proc_status(mcpi_proc *p, double wait_s);
MCPI_API int mcpi_proc_errno(mcpi_proc *p);
/* Close its stdin, wait grace_s, SIGTERM its group, wait, SIGKILL; reap.
** Returns the status as mcpi_proc_status. Idempotent. */
MCPI_API int mcpi_proc_stop(mcpi_proc *p, double grace_s);
/* Kill (SIGKILL) if still running, reap, release. */
MCPI_API void mcpi_proc_free(mcpi_proc *p);
MCPI_API const char *mcpi_proc_strerror(int code);
MCPI_API const char *mcpi_proc_strerrno(int errnum);

#endif
