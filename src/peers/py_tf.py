"""py.tf: TensorFlow's own Philox4x32-10, through its stateless raw op
StatelessRandomUniformFullIntV2 (alg 1 = Philox) with key = seed and
counter = (block index, 0): its uint32 words are then philox v1's, four per
block in order r0..r3 (checked against c.scalar as integers, never floats).
Under tf.function(jit_compile=True) (XLA): a tf.while_loop over fixed-size
chunks of CHUNK blocks, the last one masked, so one compile serves every N.
"""
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # keep start-up chatter off stderr

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

KERNEL = "py.tf"
STREAM = "philox"
THREADS = False
PACKAGE = "tf"

CHUNK = 1 << 16   # blocks per loop step
PHILOX = 1        # tf.random.Algorithm.PHILOX


def chunk_hits(key, jb, lo, hi):
    """Hits among the 2*CHUNK samples of blocks jb.. that lie in [lo, hi)."""
    counter = tf.stack([tf.cast(jb, tf.uint64), tf.constant(0, tf.uint64)])
    words = tf.raw_ops.StatelessRandomUniformFullIntV2(
        shape=[4 * CHUNK], key=key, counter=counter, alg=PHILOX, dtype=tf.uint32)
    xy = tf.cast(tf.reshape(words, [2 * CHUNK, 2]), tf.uint64)  # row r = sample 2*jb + r
    x, y = xy[:, 0], xy[:, 1]
    xx = x * x
    hit = (xx + y * y) >= xx  # the 64-bit sum does not carry
    s = 2 * jb + tf.range(2 * CHUNK, dtype=tf.int64)
    return tf.reduce_sum(tf.cast(hit & (s >= lo) & (s < hi), tf.int64))


@tf.function(jit_compile=True)
def philox_hits(first, n, seed):
    """Hits among samples first..first+n-1 (first, n int64; seed uint64)."""
    key = tf.reshape(seed, [1])
    jb = first // 2
    chunks = ((first + n + 1) // 2 - jb + CHUNK - 1) // CHUNK

    def body(i, acc):
        return i + 1, acc + chunk_hits(key, jb + i * CHUNK, first, first + n)

    zero = tf.constant(0, tf.int64)
    _, hits = tf.while_loop(lambda i, acc: i < chunks, body, [zero, zero])
    return hits


def _args(n, seed, first=0):
    return (tf.constant(first, tf.int64), tf.constant(n, tf.int64),
            tf.constant(np.uint64(seed), tf.uint64))


def setup():
    return {"libraries": {"tensorflow": tf.__version__, "numpy": np.__version__},
            "device": "cpu"}


def count(n, seed, threads=None, first=0):
    return int(philox_hits(*_args(n, seed, first)))
