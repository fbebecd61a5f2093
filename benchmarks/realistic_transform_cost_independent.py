"""Issue 19, part 6, on realistic code: the first `grad` call of long functions (tester 84).

For each kind of `tests/realistic_long_programs_independent.py` (an MLP written out, a
spring chain in time, a PDE stencil, a Gaussian-process likelihood, a loss of many branches,
an optimiser unrolled over a dict, a model of helpers, everyday Python) at about 25, 100, 400
and 1,000 lines: the processor time (`time.process_time`) of the first `s2s_ad.grad(f)(x)`
call, best of 3 fresh modules (a new file each, so nothing is cached), and of a later call;
then the first calls of `value_and_grad`, `jvp` and `hessian` at 100 lines.

    cd /tmp/wt_t84 && PYTHONPATH=/tmp/wt_t84 .venv/bin/python \
        benchmarks/realistic_transform_cost_independent.py [--sizes 25 100] [--kinds mlp gp]
"""

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests"))

import numpy as np
import realistic_long_programs_independent as rp

import s2s_ad as ad


def first_call(kind, lines, call, repeats=3):
    """Best processor time (s) of `call(f, x)` on fresh modules, and the last f and x."""
    best = float("inf")
    src = rp.source(kind, lines)
    for _ in range(repeats):
        f = rp.load_source(src, kind).f
        x = rp.point(kind)
        t0 = time.process_time()
        call(f, x)
        best = min(best, time.process_time() - t0)
    return best, f, x


def later_call(f, x, n=50):
    """Processor time (s) per later `grad(f)(x)` call (mean of n after the first)."""
    g = ad.grad(f)
    g(x)
    t0 = time.process_time()
    for _ in range(n):
        g(x)
    return (time.process_time() - t0) / n


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="*", default=list(rp.SIZES))
    parser.add_argument("--kinds", nargs="*", default=list(rp.KINDS))
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    for kind in args.kinds:  # warm up: imports, rule registries, NumPy's first calls
        f = rp.load(kind, 25)
        ad.grad(f)(rp.point(kind))

    print(
        f"grad: first call (processor time, best of {args.repeats} fresh modules) and a later call"
    )
    header = f"{'kind':<10} {'lines':>6} {'first ms':>10} {'ms/line':>8} {'later ms':>9}"
    print(header)
    print("-" * len(header))
    per_kind = {}
    for kind in args.kinds:
        for lines in args.sizes:
            n = rp.body_lines(rp.source(kind, lines))
            t, f, x = first_call(kind, lines, lambda f, x: ad.grad(f)(x), args.repeats)
            later = later_call(f, x)
            per_kind.setdefault(kind, []).append((n, t))
            print(
                f"{kind:<10} {n:>6} {t * 1e3:>10.1f} {t * 1e3 / n:>8.3f} {later * 1e3:>9.3f}",
                flush=True,
            )
    print()
    if len(args.sizes) > 1:
        print("growth: ms per line at the largest size / at 100 lines (1.0 = linear)")
        for kind, rows in per_kind.items():
            by = dict(rows)
            sizes = sorted(by)
            ref = min(sizes, key=lambda s: abs(s - 100))
            big = sizes[-1]
            print(f"{kind:<10} {big:>5} lines: {(by[big] / big) / (by[ref] / ref):.2f}")
        print()

    calls = {
        "value_and_grad": lambda f, x: ad.value_and_grad(f)(x),
        "jvp": lambda f, x: ad.jvp(f, (x,), (np.ones_like(x),)),
        "hessian": lambda f, x: ad.hessian(f)(x),
    }
    print(
        f"first calls at about 100 lines (ms, processor time, best of {args.repeats} fresh modules)"
    )
    header = f"{'kind':<10} {'lines':>6} " + " ".join(f"{name:>15}" for name in calls)
    print(header)
    print("-" * len(header))
    for kind in args.kinds:
        n = rp.body_lines(rp.source(kind, 100))
        cells = []
        for call in calls.values():
            try:
                t, _, _ = first_call(kind, 100, call, args.repeats)
                cells.append(f"{t * 1e3:>15.1f}")
            except Exception as exc:  # a refusal is reported, not hidden
                cells.append(f"{type(exc).__name__:>15}")
        print(f"{kind:<10} {n:>6} " + " ".join(cells), flush=True)


if __name__ == "__main__":
    main()
