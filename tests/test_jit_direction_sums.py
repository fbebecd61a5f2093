"""`jit=True` compiles the vector tangent of a sum (of the whole array or along one axis) or a
mean of the whole array (jit/direction_sums.py), in Hessians and forward Jacobians. Before, `np.sum(d,
axis=rt.shifted(None, x, False), keepdims=False)` named a helper Numba has no version of,
and every Hessian of a loss with a sum in it ran as NumPy code. Each derivative runs
compiled (no warning), equals the NumPy backend's and central differences."""

from __future__ import annotations

import logging

import numpy as np
import pytest

import s2s_ad as ad
from s2s_ad.jit.backend import runs_of

pytest.importorskip("numba")


def squared_norm_squared(x):
    return np.sum(x * x) ** 2


def normalised(x):
    return x / np.sum(x * x)


def column_sums(a):
    return np.tanh(np.sum(a * a, axis=0))


def last_axis_sums(a):
    return np.sum(np.sin(a), axis=-1) * np.mean(a)


RNG = np.random.default_rng(11)
X, A = RNG.uniform(-1.0, 1.0, 4), RNG.uniform(-1.0, 1.0, (3, 2))
CASES = {  # name → (derivative, function, argument)
    "hessian of a whole sum": (ad.hessian, squared_norm_squared, X),
    "jacfwd of a whole sum": (ad.jacfwd, normalised, X),
    "jacfwd of sums along axis 0": (ad.jacfwd, column_sums, A),
    "jacfwd of sums along the last axis, times a whole mean": (ad.jacfwd, last_axis_sums, A),
}


def _central_jacobian(f, x, h=1e-6):
    out = np.zeros(np.shape(f(x)) + x.shape)
    for k in np.ndindex(x.shape):
        step = np.zeros_like(x)
        step[k] = h
        out[(Ellipsis, *k)] = (f(x + step) - f(x - step)) / (2 * h)
    return out


@pytest.mark.parametrize("name", list(CASES))
def test_reduction_tangents_compile(name, caplog):
    caplog.set_level(logging.WARNING, logger="s2s_ad.jit")
    make, f, x = CASES[name]
    got = make(f, jit=True)(x)
    assert all(runs_of(f).values()), runs_of(f)
    assert not caplog.records, [r.getMessage() for r in caplog.records]
    np.testing.assert_allclose(got, make(f)(x), rtol=1e-12, atol=1e-15)
    inner = ad.grad(f) if make is ad.hessian else f
    np.testing.assert_allclose(got, _central_jacobian(inner, x), rtol=1e-6, atol=1e-8)
