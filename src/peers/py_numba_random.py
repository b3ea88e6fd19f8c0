"""py.numba_random: the study's loop with random.random() inside @njit: Numba's
own Mersenne Twister (its internal state, seeded by random.seed inside the
compiled code), so stream "numba-random", compared statistically. Numba's
random.seed takes a 32-bit seed: seed is folded to (lo ^ hi) of its 64 bits.
"""
import random

import numba
import numpy as np
from numba import njit

KERNEL = "py.numba_random"
STREAM = "numba-random"
THREADS = False
PACKAGE = "numba"


@njit(cache=False)
def monte_carlo_pi(n, seed):
    random.seed(seed)
    hits = 0
    for _ in range(n):
        x = random.random()
        y = random.random()
        if x * x + y * y <= 1.0:
            hits += 1
    return hits


def setup():
    return {"libraries": {"numba": numba.__version__, "numpy": np.__version__},
            "device": "cpu"}


def count(n, seed, threads=None):
    return monte_carlo_pi(n, (seed & 0xFFFFFFFF) ^ (seed >> 32))
