"""The vector reverse mode against one reverse sweep per row: Jacobians R¹⁰⁰⁰ → R¹⁰, R¹⁰ → R¹⁰⁰⁰.

`jacrev` pulls back all ten one-hot cotangents through one pass of generated code
(cotangents with a leading axis of rows: the vector tangent code of the flat gradient code
with respect to its cotangent, s2s_ad/vector_reverse.py); the alternative, what `jacrev` did
before, is one forward sweep and ten reverse sweeps of the pullback. Run:
`.venv/bin/python benchmarks/jacobian_reverse_mode.py` (or `make bench-jacrev`). Times are
best of 5 in one run; the ratios are what to compare across machines.
"""

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # as benchmarks/gradients.py: one thread

import timeit

import numpy as np

import s2s_ad as ad
from s2s_ad import jacobians


def layer(x, a):
    return np.tanh(a @ x)


def chain(x, a):
    """Elementwise work, a matrix product, a reduction and a loop."""
    h = np.sin(x) * x + np.exp(-(x**2))
    y = np.tanh(a @ h)
    for _ in range(3):
        y = y * 0.9 + np.cos(y) * 0.1
    return y + np.sum(h**2) * 0.01


def row_by_row(f, x, a):
    """`jacrev` as before: one forward sweep, then one reverse sweep per output element."""
    out, pullback = jacobians._forward_sweep(f, ("x",), [x, a])
    return jacobians._reverse(out, pullback, [x], 1)[0][0]


def best(call) -> float:
    call()
    return min(timeit.repeat(call, number=5, repeat=5)) / 5


def main() -> None:
    rng = np.random.default_rng(1)
    for n, m, functions in [(1000, 10, (layer, chain)), (10, 1000, (layer,))]:
        x, a = rng.standard_normal(n), rng.standard_normal((m, n)) / np.sqrt(n)
        print(f"Jacobian R^{n} -> R^{m}, best of 5, ratios to the plain function")
        compare(functions, x, a)


def compare(functions, x, a) -> None:
    for f in functions:
        jacobian = ad.jacrev(f)
        np.testing.assert_allclose(jacobian(x, a), row_by_row(f, x, a), rtol=1e-12, atol=1e-14)
        plain = best(lambda f=f: f(x, a))
        vector = best(lambda jacobian=jacobian: jacobian(x, a))
        rows = best(lambda f=f: row_by_row(f, x, a))
        print(f"  {f.__name__}: plain {plain * 1e6:8.1f} µs")
        print(f"    jacrev, vector reverse   {vector / plain:7.1f}x plain")
        print(f"    jacrev, row by row       {rows / plain:7.1f}x plain")
        print(f"    ratio vector / rows      {vector / rows:7.3f}")


if __name__ == "__main__":
    main()
