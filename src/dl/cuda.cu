/*
** dl/cuda.cu -- cuda.philox: the philox v1 stream (defined in src/philox.h) in CUDA C,
** built by nvcc into obj/dl/libmcpi_cuda.so (CUDA runtime linked statically)
** and loaded by lua/mcpi/cuda.lua at run time, so the mcpi binary never needs
** CUDA to start; without a driver or a GPU mcpi_cuda_probe says why.
**
** The same split as src/philox.cl: thread i counts per_item contiguous blocks
** of the launch, samples outside [first, end) are masked, each thread block
** sums in shared memory and adds one 64-bit partial to a device counter.
** Launches are bounded (LAUNCH_BLOCKS philox blocks), so N up to 2^63 and a
** SIGINT poll between launches.
*/
#include <cuda_runtime.h>
#include <stdint.h>
#include <stdio.h>

#define PHILOX_M0 0xD2511F53u
#define PHILOX_M1 0xCD9E8D57u
#define PHILOX_W0 0x9E3779B9u
#define PHILOX_W1 0xBB67AE85u
#define THREADS 256
#define PER_ITEM 64ULL
#define LAUNCH_BLOCKS ((uint64_t)1 << 30)

extern "C" int mcpi_signal_pending(void) __attribute__((weak));

__device__ static uint4 philox4x32_10(uint4 c, uint32_t k0, uint32_t k1)
{
  for (int i = 0; i < 10; i++) {
    uint32_t hi0 = __umulhi(PHILOX_M0, c.x), lo0 = PHILOX_M0 * c.x;
    uint32_t hi1 = __umulhi(PHILOX_M1, c.z), lo1 = PHILOX_M1 * c.z;
    c = make_uint4(hi1 ^ c.y ^ k0, lo1, hi0 ^ c.w ^ k1, lo0);
    k0 += PHILOX_W0;
    k1 += PHILOX_W1;
  }
  return c;
}

__device__ static uint32_t hit(uint32_t x, uint32_t y)
{
  uint64_t xx = (uint64_t)x * x;
  return xx + (uint64_t)y * y >= xx;
}

__global__ void count_kernel(uint64_t seed, uint64_t first, uint64_t end, uint64_t b0,
                             uint64_t nblocks, unsigned long long *total)
{
  __shared__ unsigned long long scratch[THREADS];
  uint64_t lo = ((uint64_t)blockIdx.x * blockDim.x + threadIdx.x) * PER_ITEM;
  uint64_t hi = lo + PER_ITEM < nblocks ? lo + PER_ITEM : nblocks;
  unsigned long long h = 0;
  for (uint64_t j = b0 + lo; j < b0 + hi; j++) {
    uint4 r = philox4x32_10(make_uint4((uint32_t)j, (uint32_t)(j >> 32), 0, 0),
                            (uint32_t)seed, (uint32_t)(seed >> 32));
    uint64_t s = 2 * j;
    h += (s >= first && s < end) ? hit(r.x, r.y) : 0;
    h += (s + 1 >= first && s + 1 < end) ? hit(r.z, r.w) : 0;
  }
  scratch[threadIdx.x] = h;
  __syncthreads();
  for (int step = THREADS / 2; step > 0; step /= 2) {
    if (threadIdx.x < step) scratch[threadIdx.x] += scratch[threadIdx.x + step];
    __syncthreads();
  }
  if (threadIdx.x == 0) atomicAdd(total, scratch[0]);
}

static char why_buf[256];

static int fail(cudaError_t e, const char *what)
{
  snprintf(why_buf, sizeof why_buf, "%s: %s", what, cudaGetErrorString(e));
  return -1;
}

/* Number of CUDA devices (>= 1), or 0 with the reason in mcpi_cuda_why(). */
extern "C" int mcpi_cuda_probe(void)
{
  int n = 0;
  cudaError_t e = cudaGetDeviceCount(&n);
  if (e != cudaSuccess) { fail(e, "cudaGetDeviceCount"); return 0; }
  if (n == 0) snprintf(why_buf, sizeof why_buf, "no CUDA device");
  return n;
}

extern "C" const char *mcpi_cuda_why(void) { return why_buf; }

/* Device 0's name, compute capability and the driver and runtime versions. */
extern "C" const char *mcpi_cuda_info(void)
{
  static char info[384];
  cudaDeviceProp p;
  int drv = 0, rt = 0;
  if (cudaGetDeviceProperties(&p, 0) != cudaSuccess) return "unknown";
  cudaDriverGetVersion(&drv);
  cudaRuntimeGetVersion(&rt);
  snprintf(info, sizeof info, "%s|sm_%d%d|%d|%d.%d|%d.%d", p.name, p.major, p.minor,
           p.multiProcessorCount, drv / 1000, drv % 1000 / 10, rt / 1000, rt % 1000 / 10);
  return info;
}

/* Hits among samples first..first+n-1; *device_seconds = the launches' time by
** CUDA events. 0 ok, 3 interrupted, -1 a CUDA error (mcpi_cuda_why()). */
extern "C" int mcpi_cuda_count(uint64_t seed, uint64_t first, uint64_t n, uint64_t *hits,
                               double *device_seconds)
{
  unsigned long long *d_total = 0, total = 0;
  cudaEvent_t ev0, ev1;
  cudaError_t e = cudaMalloc(&d_total, sizeof *d_total);
  if (e != cudaSuccess) return fail(e, "cudaMalloc");
  cudaMemset(d_total, 0, sizeof *d_total);
  cudaEventCreate(&ev0);
  cudaEventCreate(&ev1);
  uint64_t end = first + n, b = first / 2, bend = end / 2 + (end & 1);
  int rc = 0;
  cudaEventRecord(ev0);
  while (b < bend && rc == 0) {
    uint64_t nb = bend - b < LAUNCH_BLOCKS ? bend - b : LAUNCH_BLOCKS;
    uint64_t items = (nb + PER_ITEM - 1) / PER_ITEM;
    unsigned grid = (unsigned)((items + THREADS - 1) / THREADS);
    count_kernel<<<grid, THREADS>>>(seed, first, end, b, nb, d_total);
    if ((e = cudaGetLastError()) != cudaSuccess) rc = fail(e, "launch");
    else if ((e = cudaDeviceSynchronize()) != cudaSuccess) rc = fail(e, "kernel");
    else if (mcpi_signal_pending && mcpi_signal_pending()) rc = 3;
    b += nb;
  }
  cudaEventRecord(ev1);
  cudaEventSynchronize(ev1);
  float ms = 0;
  cudaEventElapsedTime(&ms, ev0, ev1);
  if (rc == 0 && (e = cudaMemcpy(&total, d_total, sizeof total, cudaMemcpyDeviceToHost)) != cudaSuccess)
    rc = fail(e, "cudaMemcpy");
  cudaEventDestroy(ev0);
  cudaEventDestroy(ev1);
  cudaFree(d_total);
  if (rc == 0) { *hits = total; *device_seconds = ms / 1e3; }
  return rc;
}
