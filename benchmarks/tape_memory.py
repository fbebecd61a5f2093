"""Peak memory of reverse mode through a 10,000-iteration loop, against the plain function
and (when the optional `bench` extra installed it) autograd; then a 100,000-iteration loop
with and without `s2s_ad.checkpoint`: peak memory and time.

Run: `.venv/bin/python benchmarks/tape_memory.py` (or `make bench-memory`). Peak memory is
measured with tracemalloc (NumPy reports its allocations to it), so the figures are bytes the
program allocated, independent of the machine's load.
"""

import time
import tracemalloc

import numpy as np
from peers import available, rebound

import s2s_ad as ad

STEPS = 10_000
LONG = 100_000


def scalar_loop(x, steps):
    for _ in range(steps):
        x = np.sin(x) * 0.9 + 0.1
    return x


def array_loop(w, h, steps):
    for _ in range(steps):
        h = np.tanh(w @ h)
    return np.sum(h)


def scalar_loop_checkpointed(x, steps):
    for _ in ad.checkpoint(range(steps)):
        x = np.sin(x) * 0.9 + 0.1
    return x


def array_loop_checkpointed(w, h, steps):
    for _ in ad.checkpoint(range(steps)):
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


def best_time(call, repeats: int = 3) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return min(times)


def report_checkpointing(name, plain_fn, marked_fn, args):
    """The same loop without and with `s2s_ad.checkpoint`: peak memory and time, one run."""
    taped, checkpointed = ad.grad(plain_fn), ad.grad(marked_fn)
    assert np.array_equal(taped(*args), checkpointed(*args))  # and transform both first
    plain_s = best_time(lambda: plain_fn(*args))
    rows = [(label, peak(lambda g=g: g(*args)), best_time(lambda g=g: g(*args)))
            for label, g in (("taped", taped), ("checkpointed", checkpointed))]  # fmt: skip
    (_, tape_peak, tape_s), (_, ck_peak, ck_s) = rows
    print(
        f"{name:12} {LONG:,} steps: plain {plain_s:6.3f} s | taped {tape_peak / 1e6:7.2f} MB "
        f"{tape_s:6.3f} s ({tape_s / plain_s:.2f}x plain) | checkpointed "
        f"{ck_peak / 1e6:7.2f} MB {ck_s:6.3f} s ({ck_s / plain_s:.2f}x plain) | memory "
        f"/{tape_peak / ck_peak:.0f}, time x{ck_s / tape_s:.2f}"
    )


if __name__ == "__main__":
    rng = np.random.default_rng(0)
    report("scalar", scalar_loop, (0.3, STEPS), 32)  # a NumPy float64 scalar object
    n = 64
    w, h = rng.standard_normal((n, n)) / n, rng.standard_normal(n)
    report("array n=64", array_loop, (w, h, STEPS), h.nbytes + 112)  # data + ndarray header
    report_checkpointing("scalar", scalar_loop, scalar_loop_checkpointed, (0.3, LONG))
    report_checkpointing("array n=64", array_loop, array_loop_checkpointed, (w, h, LONG))
