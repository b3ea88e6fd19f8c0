"""py.cpython: the study's plain loop in pure Python with random.random(), the
no-JIT baseline (like lua.interp). Stream "py-random": CPython's Mersenne
Twister seeded with random.seed(seed), compared statistically, not bit for bit.
"""
import random

KERNEL = "py.cpython"
STREAM = "py-random"
THREADS = False
PACKAGE = "cpython"


def setup():
    return {"libraries": {}, "device": "cpu"}


def monte_carlo_pi(n):
    hits = 0
    for _ in range(n):
        x = random.random()
        y = random.random()
        if x * x + y * y <= 1.0:
            hits += 1
    return hits


def count(n, seed, threads=None):
    random.seed(seed)
    return monte_carlo_pi(n)
