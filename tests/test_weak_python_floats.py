"""A Python float argument is weak beside NumPy arrays, as NumPy 2 promotes it (NEP 50) and
as JAX's weak types behave: the Jacobians and Hessians with respect to it and a float32 or
float16 array keep the array's dtype, which the plain arithmetic keeps too (`x * s`), where
the float used to make every block float64."""

from __future__ import annotations

import numpy as np
import pytest

import s2s_ad as ad


def scaled_exp(x, s):
    return np.sum(np.exp(x * s))


def vector_of_both(x, s):
    return np.tanh(x * s) + s * s


def with_a_third(x, s, y):
    return np.sum(x * y) * s + np.sum(np.sin(x)) * s * s


DTYPES = [np.float16, np.float32, np.float64]
TOLERANCE = {np.float16: 2e-2, np.float32: 2e-4, np.float64: 1e-7}


def _x(dtype, n=3):
    return (np.linspace(0.2, 0.6, n)).astype(dtype)


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
def test_hessian_blocks_keep_the_arrays_dtype(dtype):
    x, s = _x(dtype), 0.7
    assert scaled_exp(x, s).dtype == dtype  # the plain arithmetic keeps it
    (xx, xs), (sx, ss) = ad.hessian(scaled_exp, wrt=(0, 1))(x, s)
    assert xx.dtype == dtype and xs.dtype == dtype and sx.dtype == dtype
    wide = ad.hessian(scaled_exp, wrt=(0, 1))(x.astype(np.float64), s)
    for got, want in zip((xx, xs, sx, ss), (*wide[0], *wide[1]), strict=True):
        np.testing.assert_allclose(np.asarray(got, np.float64), want, rtol=TOLERANCE[dtype])


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("jacobian", [ad.jacfwd, ad.jacrev], ids=["jacfwd", "jacrev"])
def test_jacobian_blocks_keep_the_arrays_dtype(jacobian, dtype):
    x, s = _x(dtype), 0.7
    assert vector_of_both(x, s).dtype == dtype
    jx, js = jacobian(vector_of_both, wrt=(0, 1))(x, s)
    assert jx.dtype == dtype and js.dtype == dtype
    step = 1e-6
    wide = x.astype(np.float64)
    central = (vector_of_both(wide, s + step) - vector_of_both(wide, s - step)) / (2 * step)
    np.testing.assert_allclose(np.asarray(js, np.float64), central, rtol=TOLERANCE[dtype])


def test_three_parameters_and_hvp():
    x, s, y = _x(np.float32), 0.7, _x(np.float32)[::-1].copy()
    blocks = ad.hessian(with_a_third, wrt=(0, 1, 2))(x, s, y)
    for row in blocks:
        for block in row:
            assert np.asarray(block).dtype == np.float32 or type(block) is float
    v, w, u = np.ones(3, np.float32), 0.5, np.full(3, 0.25, np.float32)
    _, product = ad.hvp(with_a_third, (x, s, y), (v, w, u))
    assert product[0].dtype == np.float32 and product[2].dtype == np.float32


def test_python_floats_alone_stay_float64():
    h = ad.hessian(lambda a, b: a * a * b, wrt=(0, 1))(0.3, 0.7)
    assert h[0][1] == pytest.approx(0.6) and h[1][1] == 0.0
    j = ad.jacfwd(lambda x, s: x * s, wrt=(0, 1))(np.array([0.3, 0.4]), 0.7)
    assert j[0].dtype == np.float64 and j[1].dtype == np.float64
