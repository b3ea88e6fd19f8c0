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


def chunk_hits(key, jb, first_sample, n):
    """Hits among the 2*CHUNK samples of blocks jb.. that lie below n."""
    counter = tf.stack([tf.cast(jb, tf.uint64), tf.constant(0, tf.uint64)])
    words = tf.raw_ops.StatelessRandomUniformFullIntV2(
        shape=[4 * CHUNK], key=key, counter=counter, alg=PHILOX, dtype=tf.uint32)
    xy = tf.cast(tf.reshape(words, [2 * CHUNK, 2]), tf.uint64)  # sample s = row s
    x, y = xy[:, 0], xy[:, 1]
    xx = x * x
    hit = (xx + y * y) >= xx  # the 64-bit sum does not carry
    valid = first_sample + tf.range(2 * CHUNK, dtype=tf.int64) < n
    return tf.reduce_sum(tf.cast(hit & valid, tf.int64))


@tf.function(jit_compile=True)
def philox_hits(n, seed):
    """Hits among samples 0..n-1 (n int64, seed uint64 scalars)."""
    key = tf.reshape(seed, [1])
    chunks = (n + 2 * CHUNK - 1) // (2 * CHUNK)

    def body(i, acc):
        return i + 1, acc + chunk_hits(key, i * CHUNK, i * 2 * CHUNK, n)

    zero = tf.constant(0, tf.int64)
    _, hits = tf.while_loop(lambda i, acc: i < chunks, body, [zero, zero])
    return hits


def _args(n, seed):
    return tf.constant(n, tf.int64), tf.constant(np.uint64(seed), tf.uint64)


def setup():
    philox_hits(*_args(3, 0))
    return {"libraries": {"tensorflow": tf.__version__, "numpy": np.__version__},
            "device": "cpu"}


def count(n, seed, threads=None):
    return int(philox_hits(*_args(n, seed)))
