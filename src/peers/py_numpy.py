"""py.numpy: the philox v1 stream vectorised over NumPy uint64 arrays (the 32-bit
words kept in 64-bit lanes so the 32x32-bit products are exact), CHUNK blocks
at a time into buffers allocated once: memory O(1) in N, bit-identical to
c.scalar. In-place ufuncs (out=) avoid a temporary per operation.
"""
import numpy as np

KERNEL = "py.numpy"
STREAM = "philox"
THREADS = False
PACKAGE = "numpy"

CHUNK = 1 << 14  # blocks per step: 8 arrays of 128 KiB stay in L2
M0, M1 = np.uint64(0xD2511F53), np.uint64(0xCD9E8D57)
W0, W1 = 0x9E3779B9, 0xBB67AE85
MASK, S32 = np.uint64(0xFFFFFFFF), np.uint64(32)


class Philox:
    """Buffers for CHUNK blocks and the round keys of one seed."""

    def __init__(self, size):
        self.c = [np.empty(size, np.uint64) for _ in range(4)]
        self.p0, self.p1 = np.empty(size, np.uint64), np.empty(size, np.uint64)
        self.ramp = np.arange(size, dtype=np.uint64)

    def blocks(self, j0, m, seed):
        """Words r0..r3 of blocks j0..j0+m-1, as views of length m."""
        c0, c1, c2, c3 = (a[:m] for a in self.c)
        p0, p1 = self.p0[:m], self.p1[:m]
        np.add(self.ramp[:m], np.uint64(j0), out=p0)  # block indices
        np.bitwise_and(p0, MASK, out=c0)
        np.right_shift(p0, S32, out=c1)
        c2.fill(0)
        c3.fill(0)
        k0, k1 = seed & 0xFFFFFFFF, seed >> 32
        for _ in range(10):
            np.multiply(c0, M0, out=p0)
            np.multiply(c2, M1, out=p1)
            np.right_shift(p1, S32, out=c0)          # w0 = hi(p1) ^ w1 ^ k0
            np.bitwise_xor(c0, c1, out=c0)
            np.bitwise_xor(c0, np.uint64(k0), out=c0)
            np.bitwise_and(p1, MASK, out=c1)         # w1 = lo(p1)
            np.right_shift(p0, S32, out=c2)          # w2 = hi(p0) ^ w3 ^ k1
            np.bitwise_xor(c2, c3, out=c2)
            np.bitwise_xor(c2, np.uint64(k1), out=c2)
            np.bitwise_and(p0, MASK, out=c3)         # w3 = lo(p0)
            k0, k1 = (k0 + W0) & 0xFFFFFFFF, (k1 + W1) & 0xFFFFFFFF
        return c0, c1, c2, c3

    def hits(self, x, y):
        """How many (x, y) pairs have x*x + y*y < 2^64 (no carry)."""
        xx, s = self.p0[:len(x)], self.p1[:len(x)]
        np.multiply(x, x, out=xx)
        np.multiply(y, y, out=s)
        np.add(s, xx, out=s)
        return int(np.count_nonzero(s >= xx))


_philox = None


def setup():
    global _philox
    _philox = Philox(CHUNK)
    return {"libraries": {"numpy": np.__version__}, "device": "cpu"}


def count(n, seed, threads=None, first=0):
    ph, hits, s, end = _philox, 0, first, first + n
    if s < end and s % 2:  # an odd first sample: the second half of its block
        _, _, r2, r3 = ph.blocks(s // 2, 1, seed)
        hits += ph.hits(r2, r3)
        s += 1
    jb, je = s // 2, end // 2
    for j0 in range(jb, je, CHUNK):
        r0, r1, r2, r3 = ph.blocks(j0, min(CHUNK, je - j0), seed)
        hits += ph.hits(r0, r1)
        hits += ph.hits(r2, r3)
    if s < end and end % 2:  # an odd end: the first half of the last block
        r0, r1, _, _ = ph.blocks(je, 1, seed)
        hits += ph.hits(r0, r1)
    return hits
