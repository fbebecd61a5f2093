"""`jit=True` compiles the derivatives of sums along an axis or of the whole array: the
vector tangent of a sum (either) or of a whole mean (jit/direction_sums.py), in Hessians and
forward Jacobians, and the adjoint of an axis sum (`rt.unreduce`, jit/helpers.py) in
gradients. Before, `np.sum(d, axis=rt.shifted(None, x, False), keepdims=False)` named a
helper Numba has no version of, as did `rt.unreduce`: every Hessian of a loss with a sum in
it, and every gradient through `np.sum(..., axis=k)`, ran as NumPy code. Each derivative
runs compiled (no warning), equals the NumPy backend's and central differences."""

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


def row_sums_weighted(x):
    return np.sum(np.sum(x * x, axis=0) * np.sin(x[0]))


def normalised_rows(x):
    return np.sum(np.tanh(x / np.sum(x * x, axis=1)[:, None]))


def last_axis_of_3d(t):
    return np.sum(np.sum(t, axis=-1) ** 2) + np.sum(t)


RNG = np.random.default_rng(11)
X, A = RNG.uniform(-1.0, 1.0, 4), RNG.uniform(-1.0, 1.0, (3, 2))
CASES = {  # name → (derivative, function, argument)
    "hessian of a whole sum": (ad.hessian, squared_norm_squared, X),
    "jacfwd of a whole sum": (ad.jacfwd, normalised, X),
    "jacfwd of sums along axis 0": (ad.jacfwd, column_sums, A),
    "jacfwd of sums along the last axis, times a whole mean": (ad.jacfwd, last_axis_sums, A),
    "grad through a sum along axis 0": (ad.grad, row_sums_weighted, RNG.uniform(-1, 1, (3, 4))),
    "grad through a sum broadcast back": (ad.grad, normalised_rows, RNG.uniform(0.5, 1, (3, 4))),
    "grad through the last axis of 3-d": (ad.grad, last_axis_of_3d, RNG.uniform(-1, 1, (2, 3, 2))),
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
