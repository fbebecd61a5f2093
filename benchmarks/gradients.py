"""Gradient and Jacobian time, as a ratio to the plain function's time, measured in one run.

Run: `make bench`, or `make bench-peers` to install the optional `bench` extra and compare
with tangent-ad, autograd, PyTorch eager and JAX (eager and jit, compile time separately),
or `.venv/bin/python benchmarks/gradients.py [--quick] [--only TEXT]`. With Numba installed
(the `jit` extra) `grad(f, jit=True)` is a column too, its compile time another. For each
workload in `workloads.py`: the plain function, the hand-written gradient, and s2s_ad's
gradient in reverse and (where it is sensible: few inputs) forward mode; then full
Jacobians 10 → 1000, 1000 → 10 and of an elementwise chain both ways (and compiled, `jit=True`);
then Hessians of 10, 100 and 1,000 inputs
against autograd's and JAX's (`hessians.py`; `--hessians` runs only those). Every result is
checked against the hand-written one before it is timed. Times are the best of 5 rounds,
each timing every tool of a workload once, in turn (fewer for calls taking seconds); the
machines are shared and noisy, so compare ratios within one run, not absolute times across
runs. Every tool runs on one thread (unless the
environment sets OPENBLAS_NUM_THREADS, OMP_NUM_THREADS or XLA_FLAGS): on these shared
two-core machines a threaded BLAS waiting for busy cores made one (100, 100) @ (100, 200) product
over 100 times slower, which measured the machine's load, not the tools.
"""

from __future__ import annotations

import os

ONE_THREAD = {
    "OPENBLAS_NUM_THREADS": "1",
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "XLA_FLAGS": "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1",
}
for _name, _value in ONE_THREAD.items():
    os.environ.setdefault(_name, _value)  # before NumPy, JAX and PyTorch are imported

import argparse
import importlib.util
import time
import timeit
from functools import partial
from pathlib import Path

import numpy as np
from hessians import hessian_rows
from hessians import table as hessian_table
from peers import checked_peers, installed_peers
from workloads import HESSIAN_WORKLOADS, WORKLOADS, Workload

import s2s_ad as ad

RESULTS = Path(__file__).parent / "results.md"
FAILURES: list[str] = []  # a peer that could not differentiate a workload, or disagreed


def best_of_each(calls: dict, repeat: int, warm: bool = True, budget: float = 30.0) -> dict:
    """The best time of one call of each of `calls` (name → call), over `repeat` rounds that
    time every call once for at least 0.05 s (fewer rounds when they would take more than
    `budget` seconds); `warm`: call each once first. Interleaved, so that a busy moment of the
    shared machine slows one round of every call, not all the timings of one."""
    numbers, times = {}, {}
    for name, call in calls.items():
        if warm:
            call()  # transformation and first-call costs are not what is measured here
        once = timeit.timeit(call, number=1)
        numbers[name], times[name] = max(1, int(0.05 / max(once, 1e-7))), once
    round_s = sum(times[name] * numbers[name] for name in calls)
    for _ in range(max(0, min(repeat, int(budget / max(round_s, 1e-9))))):
        for name, call in calls.items():
            taken = timeit.timeit(call, number=numbers[name]) / numbers[name]
            times[name] = min(times[name], taken)
    return times


def gradient_rows(
    workloads: list[Workload], repeat: int, jit: bool = True
) -> list[tuple[str, dict]]:
    rows = []
    for w in workloads:
        expected = w.hand(*w.args)
        calls = {"hand-written": partial(w.hand, *w.args)}
        calls["s2s_ad reverse"] = partial(ad.grad(w.fn), *w.args)
        if w.forward:
            calls["s2s_ad forward"] = partial(ad.grad(w.fn, mode="forward"), *w.args)
        notes = {}
        if jit:  # reverse mode compiled by Numba; its first call compiles
            calls["s2s_ad jit"] = partial(ad.grad(w.fn, jit=True), *w.args)
            start = time.perf_counter()
            calls["s2s_ad jit"]()
            notes["s2s_ad jit compile s"] = time.perf_counter() - start
        for name, call in calls.items():
            np.testing.assert_allclose(call(), expected, rtol=1e-8, atol=1e-10, err_msg=name)
        peers, peer_notes = checked_peers(w, expected, FAILURES)
        notes.update(peer_notes)
        calls.update(peers)
        times = best_of_each({"plain": partial(w.fn, *w.args), **calls}, repeat)
        plain = times.pop("plain")
        ratios = {name: t / plain for name, t in times.items()}
        rows.append((w.name, {"plain µs": plain * 1e6, **ratios, **notes}))
        print(f"{w.name:<45}" + "".join(f"{k}: {v:8.2f}  " for k, v in rows[-1][1].items()))
    return rows


def layer(x, a):
    return np.tanh(a @ x)


def chain(x):
    return np.tanh(x[1:] * x[:-1]) - np.cos(x[:-1]) * x[1:]


def chain_jacobian(x):
    """The hand-written Jacobian of `chain`: two diagonals."""
    n = len(x)
    t = np.tanh(x[1:] * x[:-1])
    out = np.zeros((n - 1, n))
    rows = np.arange(n - 1)
    out[rows, rows] = (1.0 - t * t) * x[1:] + np.sin(x[:-1]) * x[1:]
    out[rows, rows + 1] = (1.0 - t * t) * x[:-1] - np.cos(x[:-1])
    return out


def jacobian_rows(repeat: int, jit: bool = False) -> list[tuple[str, dict]]:
    """Jacobians of a layer 10 → 1000 and 1000 → 10 and of an elementwise chain of 200
    inputs, both ways; with `jit`, compiled by Numba too (compile time apart)."""
    rng = np.random.default_rng(1)
    cases = []
    for n, m in [(10, 1000), (1000, 10)]:
        x, a = rng.standard_normal(n), rng.standard_normal((m, n)) / np.sqrt(n)

        def hand(x=x, a=a):
            return (1.0 - np.tanh(a @ x) ** 2)[:, None] * a

        cases.append((f"Jacobian {n} -> {m}", layer, (x, a), hand))
    x = rng.uniform(-1, 1, 200)
    cases.append(("Jacobian of a chain, 200 -> 199", chain, (x,), partial(chain_jacobian, x)))
    rows = []
    for title, fn, args, hand in cases:
        calls = {
            "hand-written": hand,
            "s2s_ad jacfwd": partial(ad.jacfwd(fn), *args),
            "s2s_ad jacrev": partial(ad.jacrev(fn), *args),
            "s2s_ad auto": partial(ad.jacobian(fn), *args),
        }
        notes = {}
        if jit:  # the vector passes compiled by Numba; their first calls compile
            start = time.perf_counter()
            for mode in ("jacfwd", "jacrev"):
                calls[f"s2s_ad {mode} jit"] = partial(getattr(ad, mode)(fn, jit=True), *args)
                calls[f"s2s_ad {mode} jit"]()
            notes["s2s_ad jit compile s"] = time.perf_counter() - start
        for name, call in calls.items():
            np.testing.assert_allclose(call(), hand(), rtol=1e-10, atol=1e-12, err_msg=name)
        times = best_of_each({"plain": partial(fn, *args), **calls}, repeat)
        plain = times.pop("plain")
        ratios = {name: t / plain for name, t in times.items()}
        rows.append((title, {"plain µs": plain * 1e6, **ratios, **notes}))
        print(f"{rows[-1][0]:<45}" + "".join(f"{k}: {v:8.2f}  " for k, v in rows[-1][1].items()))
    return rows


def table(rows: list[tuple[str, dict]]) -> str:
    columns = ["plain µs", "hand-written", "s2s_ad reverse", "s2s_ad forward", "s2s_ad jit",
               "s2s_ad jacfwd", "s2s_ad jacrev", "s2s_ad auto", "s2s_ad jacfwd jit",
               "s2s_ad jacrev jit", "tangent-ad", "autograd",
               "PyTorch eager", "JAX eager", "JAX jit", "JAX jit compile s",
               "s2s_ad jit compile s"]  # fmt: skip
    columns = [c for c in columns if any(c in values for _, values in rows)]
    lines = ["| workload | " + " | ".join(columns) + " |", "|---" * (len(columns) + 1) + "|"]
    for name, values in rows:
        cells = [f"{values[c]:.1f}" if c in values else "" for c in columns]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small workloads, 2 repeats")
    parser.add_argument("--hessians", action="store_true", help="only the Hessian workloads")
    parser.add_argument(
        "--jacobians",
        action="store_true",
        help="only the Jacobian and Hessian workloads (results.md left as it is)",
    )
    parser.add_argument(
        "--only",
        action="append",
        metavar="TEXT",
        help="only the gradient workloads whose name contains TEXT (repeatable; no "
        "Jacobians, no Hessians, results.md left as it is)",
    )
    args = parser.parse_args()
    repeat = 2 if args.quick else 5
    jit = importlib.util.find_spec("numba") is not None  # the `jit` extra: the column
    text = ""
    if args.only:
        chosen = [w for w in WORKLOADS if any(part in w.name for part in args.only)]
        print(table(gradient_rows(chosen, repeat, jit)))
        return
    if args.jacobians:
        text = table(jacobian_rows(repeat, jit)) + "\n"
    elif not args.hessians:
        workloads = [w for w in WORKLOADS if not args.quick or "1000x1000" not in w.name]
        text = table(gradient_rows(workloads, repeat, jit) + jacobian_rows(repeat, jit)) + "\n"
    hessians = [w for w in HESSIAN_WORKLOADS if not args.quick or "1,000" not in w.name]
    measured = hessian_rows(hessians, repeat, best_of_each, FAILURES, jit)
    text += (
        "Hessian time / plain function time; the last columns: s2s_ad.hessian's time / "
        "another's.\n\n" + hessian_table(measured)
    )
    if FAILURES:
        text += "\nNot measured (the tool failed or disagreed):\n\n" + "".join(
            f"- {line}\n" for line in FAILURES
        )
    print("\nTime / plain function time (plain in µs), best of", repeat, "interleaved rounds\n")
    print(text)
    if not args.quick and not args.hessians and not args.jacobians:
        RESULTS.write_text(
            "Gradient, Jacobian and Hessian time / plain function time, one run of "
            "`make bench-peers` (`benchmarks/gradients.py`, best of 5 interleaved rounds, "
            "every tool on one thread; peers installed: "
            f"{', '.join(installed_peers()) or 'none'}).\n\n" + text
        )
        print(f"written to {RESULTS}")


if __name__ == "__main__":
    main()
