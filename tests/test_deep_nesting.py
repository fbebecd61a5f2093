"""Code nested deeper than the transformation reaches is refused at the user's line.

A sum of hundreds of terms written on one line nests one operator per term; an `elif` chain
of a hundred arms nests one block per arm in its derivative. Python runs both; s2s_ad
refuses them with an error naming the user's file, the line nested deepest and what to
write instead, in every API, where they raised RecursionError or IndentationError from
inside s2s_ad. Shallower code of the same kinds is differentiated exactly.

The passes compiled by Cython (setup.py) recurse on the C stack, which Python's recursion
limit does not count: they differentiate the long sum; run from source
(S2S_AD_PURE_PYTHON=1, as `make test` runs this file too) they refuse it.
"""

from __future__ import annotations

import importlib.util
import math
import sys

import numpy as np
import pytest

import s2s_ad as ad
from s2s_ad.compiled import passes_compiled
from s2s_ad.errors import UnsupportedSyntaxError
from s2s_ad.testing import check_grads, check_modes_agree


def _load(tmp_path, name: str, source: str):
    path = tmp_path / f"{name}.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return getattr(module, name), str(path)


def _long_sum(terms: int) -> str:
    """`fit(a, b)`: least squares of a line through `terms` points, on one line."""
    body = " + ".join(
        f"(a * {0.01 * k:.2f} + b - {math.cos(0.1 * k):.3f}) ** 2" for k in range(terms)
    )
    return f"def fit(a, b):\n    return {body}\n"


def _elif_chain(arms: int) -> str:
    """`table(x, y)`: a piecewise-linear function of `x * y` as one `elif` chain."""
    lines = ["def table(x, y):", "    t = x * y"]
    for k in range(arms):
        keyword = "if" if k == 0 else "elif"
        lines.append(f"    {keyword} t < {-3.0 + 6.0 * (k + 1) / arms:.4f}:")
        lines.append(f"        v = {1.0 + 0.5 * math.sin(k):.4f} * t + {0.1 * k:.2f}")
    lines += ["    else:", "        v = -t", "    return v * x + t"]
    return "\n".join(lines) + "\n"


APIS = {
    "grad": lambda f, a, b: ad.grad(f, wrt=(0, 1))(a, b),
    "forward grad": lambda f, a, b: ad.grad(f, wrt=(0, 1), mode="forward")(a, b),
    "vjp": lambda f, a, b: ad.vjp(f, a, b)[1](1.0),
    "jvp": lambda f, a, b: ad.jvp(f, (a, b), (1.0, 0.0)),
    "hessian": lambda f, a, b: ad.hessian(f, wrt=(0, 1))(a, b),
}


@pytest.mark.parametrize("api", APIS)
@pytest.mark.parametrize(
    ("name", "source", "deepest_line"),
    [("fit", _long_sum(700), 2), ("table", _elif_chain(110), 2 + 2 * 110)],
    ids=["sum of 700 terms on one line", "elif chain of 110 arms"],
)
def test_refused_at_the_line_nested_deepest(tmp_path, api, name, source, deepest_line):
    fn, path = _load(tmp_path, name, source)
    fn(0.3, 0.7)  # Python runs it
    if name == "fit" and passes_compiled():  # within the compiled passes' reach
        made = APIS[api](fn, 0.3, 0.7)
        if api == "grad":  # (checked once: a 700-term sum takes seconds to transform)
            check_modes_agree(fn, (0.3, 0.7))
            check_grads(fn, (0.3, 0.7))
        assert made is not None
        return
    with pytest.raises(UnsupportedSyntaxError) as refused:
        APIS[api](fn, 0.3, 0.7)
    error = refused.value
    assert error.filename == path
    assert error.line == deepest_line
    assert "nested" in str(error) and f"`{name}`" in str(error)
    what = "split the expression" if name == "fit" else "`elif` chain as a lookup"
    assert what in error.hint


@pytest.mark.parametrize(
    ("name", "source"),
    [("fit", _long_sum(300)), ("table", _elif_chain(60))],
    ids=["sum of 300 terms on one line", "elif chain of 60 arms"],
)
def test_shallower_code_of_the_same_kinds_is_differentiated(tmp_path, name, source):
    fn, _ = _load(tmp_path, name, source)
    args = (0.31, 0.77)
    check_modes_agree(fn, args)  # the plain call's value, reverse = forward
    check_grads(fn, args)  # against central differences


def _frames() -> int:
    frame, depth = sys._getframe(), 0
    while frame is not None:
        frame, depth = frame.f_back, depth + 1
    return depth


def _with_frames_left(left: int, call):
    """`call()` made where only `left` frames remain below the recursion limit."""
    if sys.getrecursionlimit() - _frames() > left:
        return _with_frames_left(left, call)
    return call()


@pytest.mark.parametrize("terms", [20, 300])
def test_the_same_limit_wherever_grad_is_called_from(tmp_path, terms):
    """The passes recurse with frames of their own: a 20-term sum was refused as nested too
    deep when `grad` was called 950 frames deep, a 300-term one 600 frames deep."""
    fn, _ = _load(tmp_path, "fit", _long_sum(terms))
    limit = sys.getrecursionlimit()
    deep = _with_frames_left(40, lambda: ad.value_and_grad(fn, wrt=(0, 1))(0.31, 0.77))
    assert sys.getrecursionlimit() == limit  # (set back after)
    value, gradient = ad.value_and_grad(fn, wrt=(0, 1))(0.31, 0.77)  # cached: made deep
    assert deep[0] == value == fn(0.31, 0.77)
    check_grads(fn, (0.31, 0.77))
    assert deep[1] == gradient


def test_a_2000_term_sum_compiled_in_both_modes(tmp_path):
    """Compiled, the passes reach a sum of 2,000 terms on one line, and the adjoint's chain of
    constants is folded in one round of the passes (`benchmarks/transform_cost.py
    --one-line-sums`: linear in the terms)."""
    if not passes_compiled():
        pytest.skip("from source, the passes refuse sums past about 480 terms (above)")
    terms = [f"{k % 5 + 1}.0 * a * b" for k in range(2000)]
    fn, _ = _load(tmp_path, "wide", "def wide(a, b):\n    return " + " + ".join(terms) + "\n")
    total = float(sum(k % 5 + 1 for k in range(2000)))
    reverse = ad.grad(fn, wrt=(0, 1))(0.3, 0.7)
    forward = ad.grad(fn, wrt=(0, 1), mode="forward")(0.3, 0.7)
    assert np.allclose(reverse, (total * 0.7, total * 0.3), rtol=1e-13, atol=0)
    assert np.allclose(forward, reverse, rtol=1e-13, atol=0)
