"""Arrays beyond NumPy through NumPy's dispatch (NEP 18): Dask arrays go through the
generated code and the runtime as Dask arrays — gradients come back lazy and chunked, and
match NumPy's once computed. Nothing on the way calls `np.asarray` on them."""

import inspect
import warnings

import dask.array as da
import numpy as np
import pytest

import s2s_ad as ad
from s2s_ad import runtime

rng = np.random.default_rng(5)
W, X, B = rng.normal(size=(60, 40)), rng.normal(size=40), rng.normal(size=60)


def layer(w, x, b):
    return np.sum(np.tanh(w @ x + b))


def elementwise(x, y):
    return np.sum(np.sin(x) * y + np.exp(-x * x))


def reductions(x):
    return np.mean(x**2) + np.max(x) * np.sum(x[1:] - x[:-1])


def looped(w, x):
    h = x
    for _ in range(3):
        h = np.tanh(w @ h)
    return np.sum(h * h)


def lazy(*arrays):
    return tuple(da.from_array(a, chunks=20) for a in arrays)


CASES = [
    (layer, (W, X, B)),
    (elementwise, (X, X * 2.0)),
    (reductions, (X,)),
    (looped, (W[:40] / 8.0, X)),
]


@pytest.fixture(autouse=True)
def no_fallback_to_numpy():
    """Dask warns when NumPy falls back to its own implementation on a Dask array."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", FutureWarning)
        yield


@pytest.mark.parametrize(("fn", "args"), CASES, ids=lambda c: getattr(c, "__name__", ""))
@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_gradients_stay_dask_arrays_and_match_numpy(fn, args, mode):
    wrt = tuple(range(len(args)))
    gradients = ad.grad(fn, wrt=wrt, mode=mode)(*lazy(*args))
    expected = ad.grad(fn, wrt=wrt)(*args)
    for gradient, want in zip(gradients, expected, strict=True):
        assert isinstance(gradient, da.Array)  # lazy: nothing computed yet
        np.testing.assert_allclose(gradient.compute(), want, rtol=1e-12, atol=1e-14)


def test_vjp_and_jvp_with_dask_arrays():
    w, x, b = lazy(W, X, B)
    _, pullback = ad.vjp(layer, w, x, b)
    cotangents = pullback(2.0)
    assert all(isinstance(c, da.Array) for c in cotangents)
    expected = ad.vjp(layer, W, X, B)[1](2.0)
    for c, want in zip(cotangents, expected, strict=True):
        np.testing.assert_allclose(c.compute(), want, rtol=1e-12)
    _, tangent = ad.jvp(layer, (w, x, b), lazy(W, X, B))
    _, want = ad.jvp(layer, (W, X, B), (W, X, B))
    np.testing.assert_allclose(float(tangent.compute()), want, rtol=1e-12)


def test_the_runtime_does_not_coerce_to_numpy():
    """`np.asarray` appears once in the runtime: inside `as_array`, for non-arrays."""
    sources = inspect.getsource(runtime.core) + inspect.getsource(runtime.arrays)
    sources += inspect.getsource(runtime.linalg) + inspect.getsource(runtime.directions)
    assert sources.count("np.asarray(") == 1
    assert "np.asarray(x)" in inspect.getsource(runtime.as_array)
