"""philox_ref: the philox v1 stream in plain Python integers, the yardstick
the peer tests and the Python test driver use (slow: small N only).
The stream, as src/philox.h defines it: key = (seed lo, seed hi); block j has counter (j lo, j hi, 0, 0)
and yields samples 2j = (r0, r1), 2j+1 = (r2, r3); a sample hits iff
x*x + y*y < 2^64.
"""
M0, M1 = 0xD2511F53, 0xCD9E8D57
W0, W1 = 0x9E3779B9, 0xBB67AE85
MASK = 0xFFFFFFFF


def philox4x32_10(c, k):
    c0, c1, c2, c3 = c
    k0, k1 = k
    for _ in range(10):
        p0, p1 = M0 * c0, M1 * c2
        c0, c1, c2, c3 = (p1 >> 32) ^ c1 ^ k0, p1 & MASK, (p0 >> 32) ^ c3 ^ k1, p0 & MASK
        k0, k1 = (k0 + W0) & MASK, (k1 + W1) & MASK
    return c0, c1, c2, c3


def block(j, seed):
    return philox4x32_10((j & MASK, j >> 32, 0, 0), (seed & MASK, seed >> 32))


def count(seed, first, n):
    """Hits among samples first..first+n-1."""
    hits = 0
    for s in range(first, first + n):
        r = block(s >> 1, seed)
        x, y = (r[0], r[1]) if s % 2 == 0 else (r[2], r[3])
        hits += x * x + y * y < 2 ** 64
    return hits
