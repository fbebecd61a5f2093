"""`jit=True` reads globals and closed-over values on every call, as the NumPy code does:
a module constant rebound, an array updated in place, an integer loop bound changed, a
closure's array updated — each after the first (compiling) call (s2s_ad/jit/live_values.py).
Numba alone would freeze them at compile time: a silently wrong derivative."""

import warnings

import numpy as np
import pytest

import s2s_ad as ad
from s2s_ad.jit import backend
from s2s_ad.testing import check_grads, plain_value

pytest.importorskip("numba")

RATE = 0.5
STEPS = 5
WEIGHTS = np.array([1.0, -0.5, 0.25])
PAIR = (0.3, 2.0)


def relax(x):
    y = x
    for _ in range(STEPS):
        y = y - RATE * np.sin(y)
    return y


def weighted(x):
    return np.sum(WEIGHTS * np.tanh(x))


def paired(x):
    a, b = PAIR
    return a * x * x + np.sin(b * x)


def closure_over(c):
    def f(x):
        s = 0.0
        for k in range(3):
            s = s + c[k] * np.cos(x * (k + 1))
        return s

    return f


def _check(f, args, d, vd):
    """The jit derivative equal to the NumPy backend's, checked against central differences
    (check_grads), at the globals' values now."""
    check_grads(f, args)
    expected = ad.grad(f)(*args)
    got = d(*args)
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-14)
    value, gradient = vd(*args)
    assert value == pytest.approx(plain_value(f, args), rel=1e-13)
    np.testing.assert_allclose(gradient, expected, rtol=1e-12, atol=1e-14)


def test_rebound_module_float_and_int_are_read_at_each_call(monkeypatch):
    d, vd = ad.grad(relax, jit=True), ad.value_and_grad(relax, jit=True)
    _check(relax, (0.3,), d, vd)
    runs = backend.runs_of(relax)
    assert runs and all(runs.values()), runs  # compiled, not the NumPy code
    monkeypatch.setattr(__import__(__name__), "RATE", 2.0)
    _check(relax, (0.3,), d, vd)
    monkeypatch.setattr(__import__(__name__), "STEPS", 2)  # a loop bound
    _check(relax, (0.3,), d, vd)
    monkeypatch.setattr(__import__(__name__), "RATE", 1)  # an int now: compiled again
    _check(relax, (0.3,), d, vd)
    assert all(backend.runs_of(relax).values())  # still compiled


def test_module_array_updated_in_place_is_read_at_each_call():
    x = np.array([0.2, -0.4, 0.9])
    d, vd = ad.grad(weighted, jit=True), ad.value_and_grad(weighted, jit=True)
    saved = WEIGHTS.copy()
    try:
        _check(weighted, (x,), d, vd)
        WEIGHTS[:] = [3.0, 2.0, -1.0]
        _check(weighted, (x,), d, vd)
    finally:
        WEIGHTS[:] = saved


def test_module_tuple_rebound_is_read_at_each_call(monkeypatch):
    d, vd = ad.grad(paired, jit=True), ad.value_and_grad(paired, jit=True)
    _check(paired, (0.7,), d, vd)
    monkeypatch.setattr(__import__(__name__), "PAIR", (-1.5, 0.5))
    _check(paired, (0.7,), d, vd)


def test_closure_array_updated_in_place_is_read_at_each_call():
    c = np.array([0.9, -0.3, 0.4])
    f = closure_over(c)
    d, vd = ad.grad(f, jit=True), ad.value_and_grad(f, jit=True)
    _check(f, (0.6,), d, vd)
    c[0] = 0.2
    _check(f, (0.6,), d, vd)


def strided_matvec(x, a):
    return np.sum(np.tanh(a @ x))


def test_numba_performance_hints_do_not_reach_the_user():
    big = np.linspace(-1.0, 1.0, 8)
    a = np.arange(12.0).reshape(3, 4) / 10.0
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # any warning fails the test
        got = ad.grad(strided_matvec, jit=True)(big[::2], a)
    np.testing.assert_allclose(got, ad.grad(strided_matvec)(big[::2], a), rtol=1e-12)
