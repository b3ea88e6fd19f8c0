"""mcpi_worker: the request loop every Python peer shares (protocol mcpi-worker/1).

    python3 src/peers/mcpi_worker.py py.numba

loads the peer module named after the kernel (py.numba -> py_numba.py beside
this file), answers with the handshake line, then serves requests from stdin,
one JSON object a line, until {"op":"quit"} or EOF. A peer module defines
KERNEL, STREAM, THREADS (True if it uses the threads field), PACKAGE (the
PEERS= name that installs it) and

    setup() -> {"libraries": {...}, "device": "cpu"}   import the framework
    count(n, seed, threads, first=0) -> hits             one call: hits among
                                                         samples first..first+n-1

Besides the protocol's fields, a count request may carry "first" (a decimal
string, default "0"; first + n <= 2^62): the philox peers then count samples
first..first+n-1, so the tests reach block 2^32 without 2^33 samples. mcpi
itself never sends it; peers of other streams accept only 0.

setup() only imports: compilation (Numba, XLA, Triton) happens in the first
count() call, which mcpi reports apart as the first call. Only the `calls`
calls of count() are timed (time.perf_counter_ns, CPython's
monotonic clock); parsing, start-up and pipes never are. Anything the
framework prints goes to stderr: stdout carries protocol lines only.
"""
import importlib
import json
import os
import platform
import sys
import time

PROTOCOL = "mcpi-worker/1"
N_MAX = 2 ** 53
SEED_MAX = 2 ** 64 - 1
FIRST_END = 2 ** 62  # first + n stays below it (int64 arithmetic in the peers)


def _send(out, obj):
    out.write(json.dumps(obj, separators=(",", ":")) + "\n")
    out.flush()


def _decimal(req, field, hi):
    """req[field] as an int in 0..hi; it must be a string of decimal digits."""
    v = req.get(field)
    if not isinstance(v, str) or not v.isdigit() or not v.isascii():
        raise ValueError("%s must be a string of decimal digits, got %s" % (field, json.dumps(v)))
    x = int(v)
    if x > hi:
        raise ValueError("%s must be in 0..%d, got %s" % (field, hi, v))
    return x


def _whole(req, field, lo, default):
    v = req.get(field, default)
    if v is None and default is None:
        return None
    if isinstance(v, bool) or not isinstance(v, int) or v < lo:
        raise ValueError("%s must be a whole number >= %d, got %s" % (field, lo, json.dumps(v)))
    return v


def _count(peer, req):
    """Answer one count request: hits of one call, seconds of all calls."""
    n = _decimal(req, "n", N_MAX)
    seed = _decimal(req, "seed", SEED_MAX)
    calls = _whole(req, "calls", 1, 1)
    threads = _whole(req, "threads", 1, None)
    first = _decimal(req, "first", FIRST_END - n) if "first" in req else 0
    if first and peer.STREAM != "philox":
        raise ValueError("first must be 0 for a peer of stream %s" % peer.STREAM)
    hits = None
    t0 = time.perf_counter_ns()
    for _ in range(calls):
        hits = peer.count(n, seed, threads, first) if first else peer.count(n, seed, threads)
    t1 = time.perf_counter_ns()
    hits = int(hits)
    if not 0 <= hits <= n:
        raise ValueError("%s counted %d hits among %d samples" % (peer.KERNEL, hits, n))
    return {"hits": str(hits), "seconds": (t1 - t0) / 1e9}


def serve(peer, inp, out):
    """The request loop: one reply per request line; returns at quit or EOF."""
    for line in inp:
        line = line.strip()
        if not line:
            continue
        try:
            req = json.loads(line)
            if not isinstance(req, dict):
                raise ValueError("a request must be a JSON object")
            op = req.get("op")
            if op == "quit":
                return
            if op != "count":
                raise ValueError("unknown op %s (want count or quit)" % json.dumps(op))
            _send(out, _count(peer, req))
        except Exception as e:  # the worker stays usable after a bad request
            msg = ("%s: %s" % (type(e).__name__, e)).replace("\n", " ")
            _send(out, {"error": msg[:500]})


def load(kernel):
    """The peer module for kernel (py.numba -> py_numba), or raise ImportError."""
    here = os.path.dirname(os.path.abspath(__file__))
    module = kernel.replace(".", "_")
    if (not kernel.startswith("py.") or not kernel[3:].replace("_", "").isalnum()
            or not os.path.exists(os.path.join(here, module + ".py"))):
        raise LookupError("no such peer %r (src/peers/ has no %s.py)" % (kernel, module))
    return importlib.import_module(module)


def handshake(peer, info):
    return {"protocol": PROTOCOL, "kernel": peer.KERNEL, "stream": peer.STREAM,
            "runtime": "%s %s" % (platform.python_implementation(), platform.python_version()),
            "libraries": info.get("libraries", {}), "device": info.get("device", "cpu"),
            "threads": bool(peer.THREADS)}


def main(argv):
    out = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)  # a framework that prints to stdout writes to stderr instead
    if len(argv) != 2:
        _send(out, {"protocol": PROTOCOL, "error": "usage: mcpi_worker.py KERNEL"})
        return 2
    try:
        peer = load(argv[1])
        info = peer.setup()
    except ImportError as e:
        name = getattr(e, "name", None) or str(e)
        pkg = argv[1][3:].split("_")[0] if argv[1].startswith("py.") else "?"
        _send(out, {"protocol": PROTOCOL,
                    "error": "%s is not installed (make peers PEERS=%s): %s" % (name, pkg, e)})
        return 1
    except Exception as e:
        _send(out, {"protocol": PROTOCOL, "error": "%s: %s: %s" % (argv[1], type(e).__name__, e)})
        return 1
    _send(out, handshake(peer, info))
    serve(peer, sys.stdin, out)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
