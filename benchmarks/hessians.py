"""Hessian time against JAX and autograd, as ratios measured in one run (`make bench-peers`).

For each workload of `workloads.HESSIAN_WORKLOADS` (logistic regression's negative
log-likelihood of 10, 100 and 1,000 weights, with a loop over batches and without): the plain
function, the Hessian written by hand, `s2s_ad.hessian`, the one vector-tangent pass over the
generated gradient code that `hessian` runs (timed alone, through s2s_ad's internals: what
`hessian` adds around it is the rest), s2s_ad's gradient, autograd's `hessian` (reverse over
reverse), `jax.jit(jax.hessian)` (forward over reverse, as s2s_ad; its compile time apart)
and, with Numba installed, `s2s_ad.hessian(f, jit=True)` (its compile time apart).
Every Hessian is checked against the hand-written one before it is timed.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import partial

import numpy as np
from peers import HESSIAN_PEERS, checked_peers
from workloads import HessianWorkload

import s2s_ad as ad

COLUMNS = ["plain µs", "hand-written", "s2s_ad hessian", "s2s_ad vector pass", "s2s_ad grad",
           "s2s_ad hessian jit", "autograd", "JAX jit", "JAX jit compile s",
           "s2s_ad jit compile s", "hessian / vector pass", "hessian / grad",
           "hessian / autograd", "hessian / JAX jit", "hessian jit / JAX jit"]  # fmt: skip


def vector_pass(w: HessianWorkload) -> Callable:
    """The vector tangent pass over the flat gradient code that `hessian` runs, alone: the
    code made and the one-hot seeds built beforehand, as `jacobians.hessian` does."""
    from s2s_ad.api import _prepared, one_hot_seeds
    from s2s_ad.jacobians import _gradient_code, _inputs

    names, values, _ = _inputs(w.fn, 0, w.args, {})
    gradient, _ = _gradient_code(w.fn, names, values)
    names, values, inputs = _inputs(gradient, 0, values, {})
    run = _prepared(gradient, "vector", names, values, specialise=True).function
    seeds = one_hot_seeds(inputs)
    return lambda: run(*values, *seeds)[1]


def hessian_rows(
    workloads: list[HessianWorkload],
    repeat: int,
    best_of_each: Callable,
    failures: list[str],
    jit: bool = False,
) -> list[tuple[str, dict]]:
    rows = []
    for w in workloads:
        expected = w.hand(*w.args)
        calls = {
            "hand-written": partial(w.hand, *w.args),
            "s2s_ad hessian": partial(ad.hessian(w.fn), *w.args),
            "s2s_ad vector pass": vector_pass(w),
        }
        compile_s = {}
        if jit:  # `hessian(f, jit=True)`: its first call compiles
            calls["s2s_ad hessian jit"] = partial(ad.hessian(w.fn, jit=True), *w.args)
            start = time.perf_counter()
            calls["s2s_ad hessian jit"]()
            compile_s["s2s_ad jit compile s"] = time.perf_counter() - start
        for name, call in calls.items():
            np.testing.assert_allclose(call(), expected, rtol=1e-8, atol=1e-10, err_msg=name)
        peers, notes = checked_peers(w, expected, failures, HESSIAN_PEERS)
        notes.update(compile_s)
        calls.update(peers)
        calls["s2s_ad grad"] = partial(ad.grad(w.fn), *w.args)
        times = best_of_each({"plain": partial(w.fn, *w.args), **calls}, repeat, warm=False)
        plain = times.pop("plain")
        values = {"plain µs": plain * 1e6, **{k: t / plain for k, t in times.items()}, **notes}
        for other, column in [("s2s_ad vector pass", "hessian / vector pass"),
                              ("s2s_ad grad", "hessian / grad"), ("autograd", "hessian / autograd"),
                              ("JAX jit", "hessian / JAX jit")]:  # fmt: skip
            if other in times:
                values[column] = times["s2s_ad hessian"] / times[other]
        if "JAX jit" in times and "s2s_ad hessian jit" in times:
            values["hessian jit / JAX jit"] = times["s2s_ad hessian jit"] / times["JAX jit"]
        rows.append((w.name, values))
        print(f"{w.name:<45}" + "".join(f"{k}: {v:8.2f}  " for k, v in values.items()))
    return rows


def table(rows: list[tuple[str, dict]]) -> str:
    columns = [c for c in COLUMNS if any(c in values for _, values in rows)]
    lines = ["| workload | " + " | ".join(columns) + " |", "|---" * (len(columns) + 1) + "|"]
    for name, values in rows:
        cells = [_cell(values[c]) if c in values else "" for c in columns]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def _cell(value: float) -> str:
    return f"{value:.2f}" if value < 10 else f"{value:,.0f}"
