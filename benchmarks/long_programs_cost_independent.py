"""Independent tester 118: the cost of the first `grad` of long realistic functions.

For each kind of `tests/test_long_programs_cost_independent.py` (Kalman filter, RK4 fit,
finite-element bar from a dict, feature pipeline, loss with config-flag regularisers,
transformer stack, `while`/`break` flight simulation) at about 100 and 400 source lines:
the first `grad` call of a freshly loaded function (a new module under a new name each time,
so nothing is cached), best of REPEATS, processor time in ms; then ms per line at each size
and their ratio (1.0 = linear in length). The "run" column is a later call of the same
gradient (the generated code alone), so "first - run" is about the transformation.

    cd /tmp/wt_t118 && PYTHONPATH=. .venv/bin/python benchmarks/long_programs_cost_independent.py
    ... [--sizes 100 400] [--repeats 3] [--kinds kalman rk4 ...]

Not a test.
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
_spec = importlib.util.spec_from_file_location(
    "t118_long_programs",
    os.path.join(HERE, "..", "tests", "test_long_programs_cost_independent.py"),
)
T = importlib.util.module_from_spec(_spec)
sys.modules["t118_long_programs"] = T
_spec.loader.exec_module(T)

import s2s_ad as ad  # noqa: E402


def first_grad_ms(kind, target, repeats):
    """Best of `repeats` first-`grad` process times (ms), each of a new module; and the
    best time of a later call (the cached code)."""
    best_first = best_run = float("inf")
    lines = None
    for r in range(repeats):
        f, args, lines = T.load_kind(kind, target, tag=f"bench{r}")
        gc.collect()
        t0 = time.process_time()
        ad.grad(f)(*args)
        t1 = time.process_time()
        best_first = min(best_first, (t1 - t0) * 1e3)
        g = ad.grad(f)
        runs = []
        for _ in range(5):
            t0 = time.process_time()
            g(*args)
            runs.append(time.process_time() - t0)
        best_run = min(best_run, min(runs) * 1e3)
    return lines, best_first, best_run


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[100, 400])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--kinds", nargs="+", default=list(T.KINDS))
    opts = ap.parse_args(argv)
    # warm up: imports and the runtime's first use, not counted
    f, args, _ = T.load_kind("rk4", 25, tag="warm")
    ad.grad(f)(*args)

    sizes = opts.sizes
    head = ["kind"]
    for s in sizes:
        head += [f"lines@{s}", f"first ms@{s}", f"run ms@{s}", f"ms/line@{s}"]
    if len(sizes) >= 2:
        head.append(f"ms/line {sizes[-1]}/{sizes[0]}")
    rows = []
    totals = {s: [0, 0.0] for s in sizes}
    for kind in opts.kinds:
        row = [kind]
        per_line = []
        for s in sizes:
            lines, first, run = first_grad_ms(kind, s, opts.repeats)
            row += [str(lines), f"{first:.1f}", f"{run:.2f}", f"{first / lines:.3f}"]
            per_line.append(first / lines)
            totals[s][0] += lines
            totals[s][1] += first
        if len(sizes) >= 2:
            row.append(f"{per_line[-1] / per_line[0]:.2f}")
        rows.append(row)
        print(" ".join(row), file=sys.stderr, flush=True)
    row = ["all kinds"]
    for s in sizes:
        lines, first = totals[s]
        row += [str(lines), f"{first:.1f}", "", f"{first / lines:.3f}"]
    if len(sizes) >= 2:
        (l0, t0), (l1, t1) = totals[sizes[0]], totals[sizes[-1]]
        row.append(f"{(t1 / l1) / (t0 / l0):.2f}")
    rows.append(row)
    widths = [max(len(r[i]) for r in [*rows, head]) for i in range(len(head))]
    version = sys.version.split()[0]
    print(
        f"first grad of a fresh function, processor time, best of {opts.repeats} (python {version})"
    )
    print("| " + " | ".join(h.ljust(w) for h, w in zip(head, widths, strict=True)) + " |")
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for r in rows:
        print("| " + " | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) + " |")


if __name__ == "__main__":
    main()
