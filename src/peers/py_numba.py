"""py.numba: the philox v1 stream written plainly in Numba @njit (bit-identical
to c.scalar). LLVM auto-vectorises the block loop, as it does c.auto_clang.

Everything is uint64: Numba types a mix of int64 and uint64 as float64, so the
constants are np.uint64 and the 32-bit words are kept masked in 64-bit lanes;
a 32x32-bit product is exact in 64 bits.
"""
import numba
import numpy as np
from numba import njit

KERNEL = "py.numba"
STREAM = "philox"
THREADS = False
PACKAGE = "numba"

M0, M1 = np.uint64(0xD2511F53), np.uint64(0xCD9E8D57)
W0, W1 = np.uint64(0x9E3779B9), np.uint64(0xBB67AE85)
MASK, S32 = np.uint64(0xFFFFFFFF), np.uint64(32)


@njit(inline="always")
def philox_block(j, k0, k1):
    """Philox4x32-10 of counter (j lo, j hi, 0, 0) under key (k0, k1)."""
    c0, c1 = j & MASK, j >> S32
    c2, c3 = np.uint64(0), np.uint64(0)
    for _ in range(10):
        p0, p1 = M0 * c0, M1 * c2
        c0, c1, c2, c3 = (p1 >> S32) ^ c1 ^ k0, p1 & MASK, (p0 >> S32) ^ c3 ^ k1, p0 & MASK
        k0, k1 = (k0 + W0) & MASK, (k1 + W1) & MASK
    return c0, c1, c2, c3


@njit(inline="always")
def hit(x, y):
    """1 iff x*x + y*y < 2^64: the 64-bit sum does not carry."""
    xx = x * x
    return np.uint64(xx + y * y >= xx)


@njit(cache=False)
def philox_hits(first, n, k0, k1):
    """Hits among samples first..first+n-1 of the stream for key (k0, k1)."""
    hits, s, end = np.uint64(0), first, first + n
    if s < end and s % 2:  # an odd first sample: the second half of its block
        r0, r1, r2, r3 = philox_block(np.uint64(s // 2), k0, k1)
        hits += hit(r2, r3)
        s += 1
    for j in range(s // 2, end // 2):
        r0, r1, r2, r3 = philox_block(np.uint64(j), k0, k1)
        hits += hit(r0, r1) + hit(r2, r3)
    if s < end and end % 2:  # an odd end: the first half of the last block
        r0, r1, r2, r3 = philox_block(np.uint64(end // 2), k0, k1)
        hits += hit(r0, r1)
    return hits


def setup():
    return {"libraries": {"numba": numba.__version__, "llvmlite": _llvmlite(),
                          "numpy": np.__version__}, "device": "cpu"}


def _llvmlite():
    import llvmlite
    return llvmlite.__version__


def count(n, seed, threads=None, first=0):
    return philox_hits(np.int64(first), np.int64(n), np.uint64(seed & 0xFFFFFFFF), np.uint64(seed >> 32))
