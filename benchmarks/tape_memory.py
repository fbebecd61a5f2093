"""Peak memory of reverse mode through a 10,000-iteration loop, against the plain function
and (when the optional `bench` extra installed it) autograd.

Run: `.venv/bin/python benchmarks/tape_memory.py` (or `make bench-memory`). Peak memory is
measured with tracemalloc (NumPy reports its allocations to it), so the figures are bytes the
program allocated, independent of the machine's load.
"""

import tracemalloc

import numpy as np
from peers import available, rebound

import s2s_ad as ad

STEPS = 10_000


def scalar_loop(x):
    for _ in range(STEPS):
        x = np.sin(x) * 0.9 + 0.1
    return x


def array_loop(w, h):
    for _ in range(STEPS):
        h = np.tanh(w @ h)
    return np.sum(h)


def peak(call) -> int:
    tracemalloc.start()
    call()
    _, top = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return top


def report(name, fn, args, one_value):
    gradient = ad.grad(fn)
    gradient(*args)  # transform once, outside the measurement
    plain = peak(lambda: fn(*args))
    reverse = peak(lambda: gradient(*args))
    per_step = (reverse - plain) / STEPS
    line = (
        f"{name:12} plain {plain / 1e3:7.1f} kB  s2s_ad reverse {reverse / 1e6:6.2f} MB  "
        f"per iteration {per_step:5.0f} B  (one loop value: {one_value} B)"
    )
    if available("autograd"):
        import autograd
        import autograd.numpy as anp

        theirs = autograd.grad(rebound(fn, anp))
        taped = peak(lambda: theirs(*args))
        line += f"  autograd {taped / 1e6:6.2f} MB ({taped / reverse:.1f}x)"
    print(line)


if __name__ == "__main__":
    rng = np.random.default_rng(0)
    report("scalar", scalar_loop, (0.3,), 32)  # a NumPy float64 scalar object
    n = 64
    w, h = rng.standard_normal((n, n)) / n, rng.standard_normal(n)
    report("array n=64", array_loop, (w, h), h.nbytes + 112)  # data + ndarray header
