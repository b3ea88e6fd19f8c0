"""py.triton: a @triton.jit block kernel; each program draws BLOCK philox blocks
with tl.randint4x(seed, j) (Triton's Philox4x32-10 at counter (j lo, j hi, 0, 0)
under key (seed lo, seed hi): philox v1, bit-identical) and stores its own hit
count; the host adds them. Launches cover at most GRID programs, so memory is
O(1) in N. On a machine without a GPU it runs in Triton's interpreter
(TRITON_INTERPRET=1, set here when no GPU device node is found): slow, but it
runs the same kernel. Triton's launcher and interpreter take torch tensors
(a NumPy array fails: "'numpy.ndarray' object has no attribute 'type'"), so
this peer needs PyTorch.
"""
import os

if not os.path.exists("/dev/nvidia0") and not os.path.exists("/dev/kfd"):
    os.environ.setdefault("TRITON_INTERPRET", "1")

import numpy as np  # noqa: E402
import torch  # noqa: E402
import triton  # noqa: E402
import triton.language as tl  # noqa: E402

KERNEL = "py.triton"
STREAM = "philox"
THREADS = False
PACKAGE = "triton"

BLOCK = 4096   # philox blocks per program
GRID = 64      # programs per launch


@triton.jit
def mc_pi_kernel(out_ptr, lo, hi, seed, base, BLOCK: tl.constexpr):
    """Program pid: blocks base + pid*BLOCK ..; hits among their samples in [lo, hi)."""
    pid = tl.program_id(0)
    j = base + pid.to(tl.int64) * BLOCK + tl.arange(0, BLOCK).to(tl.int64)
    r0, r1, r2, r3 = tl.randint4x(seed, j)
    x0, y0 = r0.to(tl.uint64), r1.to(tl.uint64)
    x1, y1 = r2.to(tl.uint64), r3.to(tl.uint64)
    xx0, xx1 = x0 * x0, x1 * x1
    s = 2 * j
    hit0 = (xx0 + y0 * y0 >= xx0) & (s >= lo) & (s < hi)  # no carry: inside
    hit1 = (xx1 + y1 * y1 >= xx1) & (s + 1 >= lo) & (s + 1 < hi)
    hits = tl.sum(hit0.to(tl.int64), axis=0) + tl.sum(hit1.to(tl.int64), axis=0)
    tl.store(out_ptr + pid, hits)


_device = "cpu"
_out = None


def setup():
    global _device, _out
    interpreted = os.environ.get("TRITON_INTERPRET") == "1"
    _device = "cpu" if interpreted else "cuda"
    _out = torch.zeros(GRID, dtype=torch.int64, device=_device)
    return {"libraries": {"triton": triton.__version__, "torch": torch.__version__,
                          "numpy": np.__version__},
            "device": "interpreter (TRITON_INTERPRET=1, cpu)" if interpreted
            else torch.cuda.get_device_name()}


def count(n, seed, threads=None, first=0):
    jb, je = first // 2, (first + n + 1) // 2
    hits = 0
    for base in range(jb, je, GRID * BLOCK):
        grid = min(GRID, triton.cdiv(je - base, BLOCK))
        mc_pi_kernel[(grid,)](_out, first, first + n, seed, base, BLOCK=BLOCK)
        hits += int(_out[:grid].sum())
    return hits
