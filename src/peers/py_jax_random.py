"""py.jax_random: the study's way in JAX: jax.random.uniform (threefry, JAX's
default generator) draws x and y in float32, chunked so N = 1e9 fits in
memory: chunk i draws from fold_in(key, i), one jitted lax.fori_loop over
fixed-size chunks with the last one masked (one compile for every N).
Stream "jax-threefry", compared statistically. The 64-bit seed becomes
fold_in(key(seed lo), seed hi).
"""
import jax

jax.config.update("jax_enable_x64", True)  # int64 hit counts beyond 2^31

import jax.numpy as jnp  # noqa: E402
import jaxlib  # noqa: E402
from jax import lax  # noqa: E402

KERNEL = "py.jax_random"
STREAM = "jax-threefry"
THREADS = False
PACKAGE = "jax"

CHUNK = 1 << 17  # samples per loop step


@jax.jit
def monte_carlo_pi(n, seed_lo, seed_hi):
    key = jax.random.fold_in(jax.random.key(seed_lo), seed_hi)
    ramp = jnp.arange(CHUNK, dtype=jnp.int64)

    def chunk(i, acc):
        xy = jax.random.uniform(jax.random.fold_in(key, i), (2, CHUNK), dtype=jnp.float32)
        inside = (xy[0] * xy[0] + xy[1] * xy[1] <= 1.0) & (i * CHUNK + ramp < n)
        return acc + jnp.sum(inside, dtype=jnp.int64)

    return lax.fori_loop(jnp.int64(0), (n + CHUNK - 1) // CHUNK, chunk, jnp.int64(0))


def _args(n, seed):
    return jnp.int64(n), jnp.uint32(seed & 0xFFFFFFFF), jnp.uint32(seed >> 32)


def setup():
    return {"libraries": {"jax": jax.__version__, "jaxlib": jaxlib.__version__},
            "device": str(jax.devices()[0])}


def count(n, seed, threads=None):
    return int(monte_carlo_pi(*_args(n, seed)))
