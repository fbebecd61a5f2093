"""Forward against reverse accumulation: where each order wins, measured.

The chain rule makes a Jacobian a product of the primitives' Jacobians. Forward
accumulation (`jacfwd`) multiplies them starting from the inputs and yields the columns —
all n of them in one vector tangent pass; reverse accumulation (`jacrev`) starts from the
outputs and yields the rows, one reverse sweep each. So forward should win for few inputs
(n ≪ m) and reverse for few outputs (m ≪ n); `jacobian(mode="auto")` picks by the sizes.

Run: `make jacobians` (or `.venv/bin/python samples/jacobians.py [--quick]`). It prints the
teaching example's Jacobian built column by column and row by row, a table of measured
times over a grid of (n, m), whether "auto" took the faster order, and saves the crossover
to the --plot path (default: `jacobians.png` in `s2s_ad_samples/` in the temporary
directory; `make pictures` refreshes `samples/jacobians.png`; the plot needs matplotlib:
`pip install matplotlib`).
"""

from __future__ import annotations

import argparse
import logging
import math
import time
import timeit
from pathlib import Path

import numpy as np
from pictures import default_plot, pyplot

import s2s_ad as ad

# --- the teaching example: f: R² → R³, its Jacobian both ways ---------------------------


def teaching(x1, x2):
    y1 = math.log(x1) + x1 * x2 - math.sin(x2)
    y2 = x1 * x2
    y3 = math.sin(x2) * x1
    return np.array([y1, y2, y3])


def teaching_jacobian(x1: float, x2: float) -> None:
    print("f(x1, x2) = [ln x1 + x1·x2 - sin x2,  x1·x2,  x1·sin x2]   at (x1, x2) = (2, 5)\n")
    columns = []
    for seed in [(1.0, 0.0), (0.0, 1.0)]:  # one JVP per input: a column of J
        _, column = ad.jvp(teaching, (x1, x2), seed)
        columns.append(column)
        print(f"  J · {seed} = {np.round(column, 6)}   (forward pass: column)")
    by_columns = np.stack(columns, axis=1)
    _, pullback = ad.vjp(teaching, x1, x2)
    rows = []
    for k in range(3):  # one VJP per output: a row of J
        seed = np.eye(3)[k]
        row = np.array(pullback(seed))
        rows.append(row)
        print(f"  {seed} · J = {np.round(row, 6)}   (reverse pass: row)")
    by_rows = np.stack(rows)
    print("\n  J by columns:\n", np.round(by_columns, 6))
    print("  J by rows:\n", np.round(by_rows, 6))
    agree = np.allclose(by_columns, by_rows, rtol=1e-14, atol=1e-14)
    print(f"  the two agree: {agree}\n")
    assert agree


# --- the crossover: f: Rⁿ → Rᵐ over a grid of sizes ---------------------------------------


def layer(x, a, b):
    """A small network layer chain: Rⁿ → Rᵐ (a: m by n, b: m)."""
    h = np.sin(x) * x
    return np.tanh(a @ h + b) * 2.0 + np.sum(h) * 0.01


CHOICES: list[str] = []  # the order jacobian(mode="auto") took, from its debug log


class _Choices(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        CHOICES.append(record.getMessage().split()[3])


def best_time(call, repeat: int) -> float:
    """The best per-call CPU time of this process (all its threads): other work on a shared
    machine does not count, as it would in wall-clock time."""
    call()  # transform and warm up outside the timing
    once = timeit.timeit(call, number=1, timer=time.process_time)
    number = max(1, int(0.02 / max(once, 1e-7)))
    return min(timeit.repeat(call, number=number, repeat=repeat, timer=time.process_time)) / number


def crossover(sizes: list[int], repeat: int) -> dict:
    rng = np.random.default_rng(0)
    table = {}
    print(f"{'n':>6} {'m':>6} {'jacfwd ms':>10} {'jacrev ms':>10} {'fwd/rev':>8} "
          f"{'auto':>8} {'faster':>8}")  # fmt: skip
    for n in sizes:
        for m in sizes:
            x = rng.standard_normal(n)
            a = rng.standard_normal((m, n)) / math.sqrt(n)
            b = rng.standard_normal(m)
            forward = ad.jacfwd(layer)
            reverse = ad.jacrev(layer)
            auto = ad.jacobian(layer)
            np.testing.assert_allclose(forward(x, a, b), reverse(x, a, b), rtol=1e-10, atol=1e-12)
            t_fwd = best_time(lambda: forward(x, a, b), repeat)  # noqa: B023
            t_rev = best_time(lambda: reverse(x, a, b), repeat)  # noqa: B023
            t_auto = best_time(lambda: auto(x, a, b), repeat)  # noqa: B023
            picked = CHOICES[-1]  # what auto logged on its last call
            faster = "forward" if t_fwd < t_rev else "reverse"
            table[n, m] = (t_fwd, t_rev, t_auto, picked, faster)
            print(f"{n:>6} {m:>6} {t_fwd * 1e3:>10.3f} {t_rev * 1e3:>10.3f} "
                  f"{t_fwd / t_rev:>8.2f} {picked:>8} {faster:>8}")  # fmt: skip
    return table


def summarise(table: dict) -> None:
    agree = sum(picked == faster for *_, picked, faster in table.values())
    worst = max(t_auto / min(t_fwd, t_rev) for t_fwd, t_rev, t_auto, *_ in table.values())
    print(f"\nauto took the faster order in {agree} of {len(table)} cases; at worst its time "
          f"was {worst:.2f}x the faster order's (near ties are close calls).")  # fmt: skip


def plot(table: dict, sizes: list[int], path: Path) -> None:
    plt = pyplot()
    if plt is None:
        return
    ratio = np.array([[table[n, m][0] / table[n, m][1] for n in sizes] for m in sizes])
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 5), layout="constrained")
    fig.get_layout_engine().set(wspace=0.12)  # room between the colour bar's label and ms
    image = left.imshow(np.log2(ratio), origin="lower", cmap="coolwarm", vmin=-6, vmax=6)
    left.set_xticks(range(len(sizes)), sizes)
    left.set_yticks(range(len(sizes)), sizes)
    left.set_xlabel("n (inputs)")
    left.set_ylabel("m (outputs)")
    left.plot([-0.5, len(sizes) - 0.5], [-0.5, len(sizes) - 0.5], "k--", linewidth=1)
    for i, m in enumerate(sizes):  # what mode="auto" took: F or R
        for j, n in enumerate(sizes):
            left.text(j, i, table[n, m][3][0].upper(), ha="center", va="center")
    left.set_title("which order is faster; letters: jacobian(mode=\"auto\")'s choice\n"
                   "(F forward, R reverse); dashed: n = m", fontsize=10)  # fmt: skip
    bar = fig.colorbar(image, ax=left)
    bar.set_label("log2(jacfwd time / jacrev time)\nblue: forward faster, red: reverse faster")
    m = sizes[len(sizes) // 2]
    right.loglog(sizes, [table[n, m][0] * 1e3 for n in sizes], "o-", label="jacfwd (vector)")
    right.loglog(sizes, [table[n, m][1] * 1e3 for n in sizes], "s-", label="jacrev")
    right.loglog(sizes, [table[n, m][2] * 1e3 for n in sizes], "k:", label="jacobian auto")
    right.set_xticks(sizes, [str(n) for n in sizes])
    right.xaxis.set_minor_formatter(plt.NullFormatter())
    right.set_xlabel("n (inputs)")
    right.set_ylabel("time per Jacobian (ms)")
    right.set_title(f"m = {m} outputs", fontsize=10)
    right.legend()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    print(f"saved {path}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a small grid (for tests)")
    parser.add_argument(
        "--plot", type=Path, default=default_plot("jacobians.png"), help="where the PNG goes"
    )
    args = parser.parse_args()
    teaching_jacobian(2.0, 5.0)
    logger = logging.getLogger("s2s_ad")
    logger.setLevel(logging.DEBUG)
    logger.addHandler(_Choices())
    sizes = [2, 8, 32] if args.quick else [2, 8, 32, 128, 512]
    table = crossover(sizes, repeat=2 if args.quick else 5)
    summarise(table)
    plot(table, sizes, args.plot)


if __name__ == "__main__":
    main()
