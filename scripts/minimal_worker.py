#!/usr/bin/env python3
"""A minimal mcpi worker: the philox v1 stream in pure Python, no dependencies.

Copy it to put your own kernel in another process: replace count() and the
handshake's facts. It speaks "mcpi-worker/1" (README, "Workers: kernels in
another process"): one JSON object per line; first the handshake, then for
each {"op":"count","n":"N","seed":"S","calls":C,"threads":T} a reply
{"hits":"H","seconds":X} with X the time of the C calls on this process's
monotonic clock, or {"error":"..."}; {"op":"quit"} or end of input exits 0.
Nothing but protocol lines goes to stdout; diagnostics go to stderr.

Register it from Lua (scripts/worker_kernel.lua):
    mcpi.kernels.register{ name = "user.pyphilox", stream = "philox",
      command = { "python3", "scripts/minimal_worker.py" } }
"""
import json
import platform
import sys
import time

MASK = 0xFFFFFFFF
TWO64 = 1 << 64


def philox4x32_10(c0, c1, c2, c3, k0, k1):
    """One Philox4x32-10 block (Salmon et al. 2011, Random123)."""
    for _ in range(10):
        p0 = 0xD2511F53 * c0
        p1 = 0xCD9E8D57 * c2
        c0, c1, c2, c3 = ((p1 >> 32) ^ c1 ^ k0), p1 & MASK, ((p0 >> 32) ^ c3 ^ k1), p0 & MASK
        k0 = (k0 + 0x9E3779B9) & MASK
        k1 = (k1 + 0xBB67AE85) & MASK
    return c0, c1, c2, c3


def count(n, seed):
    """Hits among samples 0..n-1 of the philox v1 stream for seed."""
    k0, k1 = seed & MASK, seed >> 32
    hits = 0
    for j in range((n + 1) // 2):
        x0, y0, x1, y1 = philox4x32_10(j & MASK, j >> 32, 0, 0, k0, k1)
        hits += x0 * x0 + y0 * y0 < TWO64
        if 2 * j + 1 < n:
            hits += x1 * x1 + y1 * y1 < TWO64
    return hits


def send(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def whole(req, key, lo, hi):
    """req[key] as an int in lo..hi (a decimal string or a JSON integer)."""
    v = req.get(key)
    if isinstance(v, str) and v.isdigit():
        v = int(v)
    if not isinstance(v, int) or isinstance(v, bool) or not lo <= v <= hi:
        raise ValueError(f"{key} must be a whole number in {lo}..{hi}, got {req.get(key)!r}")
    return v


def serve(line):
    """The reply to one request line, or None for quit."""
    try:
        req = json.loads(line)
    except ValueError as e:
        return {"error": f"request is not JSON: {e}"}
    if not isinstance(req, dict):
        return {"error": "request is not a JSON object"}
    if req.get("op") == "quit":
        return None
    if req.get("op") != "count":
        return {"error": f"unknown op {req.get('op')!r}"}
    try:
        n = whole(req, "n", 0, 2 ** 53)
        seed = whole(req, "seed", 0, TWO64 - 1)
        calls = whole(req, "calls", 1, 10 ** 9)
    except ValueError as e:
        return {"error": str(e)}
    t0 = time.perf_counter()
    for _ in range(calls):
        hits = count(n, seed)
    return {"hits": str(hits), "seconds": time.perf_counter() - t0}


def main():
    send({"protocol": "mcpi-worker/1", "kernel": "py.minimal", "stream": "philox",
          "runtime": f"{platform.python_implementation()} {platform.python_version()}",
          "libraries": {}, "device": "cpu", "threads": False})
    while True:
        line = sys.stdin.readline()
        if not line:
            return 0
        if not line.strip():
            continue
        reply = serve(line)
        if reply is None:
            return 0
        send(reply)


if __name__ == "__main__":
    sys.exit(main())
