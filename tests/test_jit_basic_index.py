"""`jit=True` compiles derivative code that reads arrays by a basic index tuple: integers,
slices and None in any order (`A[i, j]`, `A[:, 0]`, `x[1, 1:]`, `x[:, None]`,
`x[0, None, :2]`, `T[0, :, 1]`), in gradients, Jacobians and Hessians (jit/basic_index.py).
Before, the adjoint of such a read had no Numba version and the derivative ran as NumPy code.
Each derivative runs compiled (no warning), equals the NumPy backend's and central
differences."""

from __future__ import annotations

import logging

import numpy as np
import pytest

import s2s_ad as ad

pytest.importorskip("numba")


def column_times_row(a):
    return np.sum(a[:, 0] * a[1, :])


def diagonal_loop(a):
    s = 0.0
    for i in range(a.shape[0]):
        s = s + a[i, i] * a[i, 1] + np.sin(a[i, -1])
    return s


def outer_by_new_axes(x):
    return np.sum(np.tanh(x[:, None] * x[None, :]))


def none_between(a):
    return np.sum(a[1, 1:] * a[0, None, :2] ** 2)


def strided_rows(a):
    return np.sum(np.exp(a[::2, 1]) * a[1:, 0][:2])


def slab_of_3d(t):
    return np.sum(t[0, :, 1] * t[1, 1, 0] + np.cos(t[1, :, 2]))


def corner_block(a):
    b = a[1:, :2]
    return np.sum(b * b) + a[-1, -1] ** 3


def element_into_row(a):
    return np.tanh(a[0, 1] * a[2, :])  # a vector: Jacobians


RNG = np.random.default_rng(7)
A = RNG.uniform(-1.0, 1.0, (3, 3))
CASES = {
    "column times row": (column_times_row, A),
    "diagonal loop": (diagonal_loop, A),
    "outer by new axes": (outer_by_new_axes, RNG.uniform(-1.0, 1.0, 4)),
    "None between": (none_between, A),
    "strided rows": (strided_rows, RNG.uniform(-1.0, 1.0, (4, 2))),
    "slab of 3d": (slab_of_3d, RNG.uniform(-1.0, 1.0, (2, 3, 3))),
    "corner block": (corner_block, A),
}
RTOL = 1e-12  # the same arithmetic; Numba may round a transcendental's last bit otherwise


@pytest.fixture
def jit_log(caplog):
    caplog.set_level(logging.DEBUG, logger="s2s_ad.jit")
    return caplog


def _compiled(caplog) -> None:
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert not warnings, warnings


def _central_gradient(f, x, h=1e-6):
    out = np.zeros_like(x)
    for k in np.ndindex(x.shape):
        step = np.zeros_like(x)
        step[k] = h
        out[k] = (f(x + step) - f(x - step)) / (2 * h)
    return out


@pytest.mark.parametrize("name", list(CASES))
def test_compiled_gradient(name, jit_log):
    f, x = CASES[name]
    got = ad.grad(f, jit=True)(x)
    np.testing.assert_allclose(got, ad.grad(f)(x), rtol=RTOL, atol=1e-15)
    np.testing.assert_allclose(got, _central_gradient(f, x), rtol=1e-6, atol=1e-9)
    _compiled(jit_log)


# (not the loop's: its tape's tangents run as NumPy code; not the 3-d slab's, whose Hessian
# takes Numba 25 s to compile, its gradient compiled above)
@pytest.mark.parametrize("name", [n for n in CASES if n not in ("diagonal loop", "slab of 3d")])
def test_compiled_hessian(name, jit_log):
    f, x = CASES[name]
    got = ad.hessian(f, jit=True)(x)
    np.testing.assert_allclose(got, ad.hessian(f)(x), rtol=RTOL, atol=1e-15)
    gradient = ad.grad(f)
    h = 1e-6
    numeric = np.zeros(x.shape + x.shape)
    for k in np.ndindex(x.shape):
        step = np.zeros_like(x)
        step[k] = h
        numeric[(Ellipsis, *k)] = (gradient(x + step) - gradient(x - step)) / (2 * h)
    np.testing.assert_allclose(got, numeric, rtol=1e-6, atol=1e-8)
    _compiled(jit_log)


@pytest.mark.parametrize("make", [ad.jacfwd, ad.jacrev])
def test_compiled_jacobian(make, jit_log):
    got = make(element_into_row, jit=True)(A)
    np.testing.assert_allclose(got, make(element_into_row)(A), rtol=RTOL, atol=1e-15)
    h = 1e-6
    numeric = np.zeros((3, *A.shape))
    for k in np.ndindex(A.shape):
        step = np.zeros_like(A)
        step[k] = h
        numeric[(slice(None), *k)] = (element_into_row(A + step) - element_into_row(A - step)) / (
            2 * h
        )
    np.testing.assert_allclose(got, numeric, rtol=1e-6, atol=1e-9)
    _compiled(jit_log)


def test_a_refusal_names_the_generated_line_not_a_helpers():
    """Numba's message names the helper's line where its Numba version refused the types it
    was given, then the generated code's line that called it: the warning quotes the latter."""
    import linecache

    from s2s_ad.jit.backend import _reason

    label = "<s2s_ad generated: refusal test>"
    source = "def _s2s_factory():\n    def f_grad(x):\n        return rt.helper(x)\n"
    linecache.cache[label] = (len(source), None, source.splitlines(True), label)
    namespace: dict = {}
    exec(compile(source, label, "exec"), namespace)
    function = namespace["_s2s_factory"].__code__.co_consts[1]
    message = (
        "Failed in nopython mode pipeline\n"
        "No implementation of function helper found for signature:\n"
        " >>> helper(array(float32, 1d, C))\n"
        'File "/somewhere/s2s_ad/jit/helpers.py", line 643:\n'
        f'File "{label}", line 3:\n'
    )

    class Refused(Exception):
        pass

    reason = _reason(Refused(message), type("F", (), {"__code__": function})())
    assert "line 2 of the generated code: `return rt.helper(x)`" in reason, reason
    assert "643" not in reason


def square(x):
    return x * x


def test_a_case_a_helper_lacks_is_said_once_and_runs_as_numpy_code(jit_log):
    """Compiled code that raises a helper's own "s2s_ad.jit: ..." at run time (a case its
    Numba version does not cover) gives the NumPy code's result with one warning, and later
    calls of those argument kinds go straight to the NumPy code."""
    from s2s_ad.jit.backend import Compiled

    def numpy_code(x):
        return 2.0 * x

    calls = []

    class Dispatcher:  # compiles on its first call, then the compiled code raises
        def __init__(self):
            self.overloads = {}

        def __call__(self, *args):
            calls.append(args)
            self.overloads[len(calls)] = None
            raise ValueError("s2s_ad.jit: direction by direction")

    runner = Compiled(numpy_code, square)
    runner.dispatcher, runner.lifted = Dispatcher(), []
    x = np.array([1.0, 2.0])
    for _ in range(3):
        np.testing.assert_array_equal(runner(x), 2.0 * x)
    assert len(calls) == 1  # not run compiled again, only to fail
    warnings = [r.getMessage() for r in jit_log.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "direction by direction" in warnings[0], warnings
