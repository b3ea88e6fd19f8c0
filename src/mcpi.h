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

/* The chosen SIMD path on `threads` threads (0 = online CPUs, at most
** mcpi_threads_max()), created and joined inside the call; shares are cut at
** multiples of 64 samples and small n uses fewer threads (at least 65536
** samples each). The result does not depend on threads. */
MCPI_API int mcpi_threads_count(uint64_t seed, uint64_t first, uint64_t n,
                                int threads, uint64_t *hits);
MCPI_API int mcpi_threads_online(void);
MCPI_API int mcpi_threads_max(void);

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

/* -- Build facts ---------------------------------------------------------- */

MCPI_API const char *mcpi_build_version(void);
MCPI_API const char *mcpi_build_commit(void);
MCPI_API const char *mcpi_build_compiler(void);
MCPI_API const char *mcpi_build_cflags(void);

#endif
