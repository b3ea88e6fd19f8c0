"""py.numba_par: py.numba's loop with parallel=True and prange over the blocks,
on the requested number of threads (numba.set_num_threads). The hit count is
an integer sum over blocks, so it is bit-identical for any thread count.
"""
import os

# Numba's pool is fixed at import: make it large enough for the thread counts
# the tests ask for (1..POOL), and default to the CPUs this process may use.
CPUS = len(os.sched_getaffinity(0))
POOL = max(CPUS, 8)
os.environ.setdefault("NUMBA_NUM_THREADS", str(POOL))
# Numba's default layer here is OpenMP (no TBB); libgomp's idle threads spin,
# and on a machine whose cores are busy that cost 8-12 ms per call even at
# N = 10 (measured on the shared 2-core VM); passive waiting: 0.03 ms.
os.environ.setdefault("OMP_WAIT_POLICY", "passive")

import numba  # noqa: E402 (after NUMBA_NUM_THREADS)
import numpy as np  # noqa: E402
from numba import njit, prange  # noqa: E402

from py_numba import hit, philox_block, setup as _numba_setup

KERNEL = "py.numba_par"
STREAM = "philox"
THREADS = True
PACKAGE = "numba"


@njit(parallel=True, cache=False)
def philox_hits_par(first, n, k0, k1):
    """Hits among samples first..first+n-1, blocks shared out over Numba's threads."""
    hits, s, end = np.uint64(0), first, first + n
    if s < end and s % 2:
        r0, r1, r2, r3 = philox_block(np.uint64(s // 2), k0, k1)
        hits += hit(r2, r3)
        s += 1
    jb = s // 2
    for i in prange(end // 2 - jb):
        r0, r1, r2, r3 = philox_block(np.uint64(jb + i), k0, k1)
        hits += hit(r0, r1) + hit(r2, r3)
    if s < end and end % 2:
        r0, r1, r2, r3 = philox_block(np.uint64(end // 2), k0, k1)
        hits += hit(r0, r1)
    return hits


def setup():
    info = _numba_setup()
    info["libraries"]["threading_layer"] = numba.config.THREADING_LAYER
    info["max_threads"] = numba.config.NUMBA_NUM_THREADS
    return info


def count(n, seed, threads=None, first=0):
    limit = numba.config.NUMBA_NUM_THREADS
    if threads is not None and threads > limit:
        raise ValueError("threads must be in 1..%d (NUMBA_NUM_THREADS), got %d" % (limit, threads))
    numba.set_num_threads(threads or min(CPUS, limit))
    return philox_hits_par(np.int64(first), np.int64(n), np.uint64(seed & 0xFFFFFFFF), np.uint64(seed >> 32))
