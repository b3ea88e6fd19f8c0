"""py.jax: the philox v1 stream in jax.numpy integer ops under jax.jit
(bit-identical to c.scalar). 64-bit integers are switched on (jax_enable_x64)
so the 32x32-bit products are exact in uint64 lanes. One compiled function
serves every N: a lax.fori_loop over fixed-size chunks of CHUNK blocks whose
last chunk is masked, so the shapes never depend on N (one compile in all).
"""
import jax

jax.config.update("jax_enable_x64", True)

import jax.numpy as jnp  # noqa: E402 (after the x64 switch)
import jaxlib  # noqa: E402
from jax import lax  # noqa: E402

KERNEL = "py.jax"
STREAM = "philox"
THREADS = False
PACKAGE = "jax"

CHUNK = 1 << 16  # blocks per loop step
M0, M1 = 0xD2511F53, 0xCD9E8D57
W0, W1 = 0x9E3779B9, 0xBB67AE85
MASK = 0xFFFFFFFF


def philox_block(j, k0, k1):
    """Philox4x32-10 of counters (j lo, j hi, 0, 0) under key (k0, k1); j uint64[]."""
    c0, c1 = j & MASK, j >> 32
    c2 = c3 = jnp.zeros_like(j)
    for _ in range(10):
        p0, p1 = c0 * jnp.uint64(M0), c2 * jnp.uint64(M1)
        c0, c1, c2, c3 = (p1 >> 32) ^ c1 ^ k0, p1 & MASK, (p0 >> 32) ^ c3 ^ k1, p0 & MASK
        k0, k1 = (k0 + W0) & MASK, (k1 + W1) & MASK
    return c0, c1, c2, c3


def hit(x, y):
    """x*x + y*y < 2^64: the 64-bit sum does not carry."""
    xx = x * x
    return xx + y * y >= xx


@jax.jit
def philox_hits(first, n, k0, k1):
    """Hits among samples first..first+n-1 (first, n int64; k0, k1 uint64)."""
    ramp = jnp.arange(CHUNK, dtype=jnp.uint64)
    lo, hi, jb = first.astype(jnp.uint64), (first + n).astype(jnp.uint64), first // 2

    def chunk(i, acc):
        j = (jb + i * CHUNK).astype(jnp.uint64) + ramp
        r0, r1, r2, r3 = philox_block(j, k0, k1)
        s = 2 * j  # samples s and s + 1 of block j, counted if in [lo, hi)
        h = jnp.sum(hit(r0, r1) & (s >= lo) & (s < hi), dtype=jnp.uint64)
        return acc + h + jnp.sum(hit(r2, r3) & (s + 1 >= lo) & (s + 1 < hi), dtype=jnp.uint64)

    chunks = ((first + n + 1) // 2 - jb + CHUNK - 1) // CHUNK
    return lax.fori_loop(jnp.int64(0), chunks, chunk, jnp.uint64(0))


def _args(n, seed, first=0):
    return jnp.int64(first), jnp.int64(n), jnp.uint64(seed & MASK), jnp.uint64(seed >> 32)


def setup():
    return {"libraries": {"jax": jax.__version__, "jaxlib": jaxlib.__version__},
            "device": str(jax.devices()[0])}


def count(n, seed, threads=None, first=0):
    return int(philox_hits(*_args(n, seed, first)))
