"""Second derivatives seed the flat gradient code with the output's NumPy float dtype.

Every second-order API differentiates `f`'s flat gradient code `f_grad(x, out_bar=1.0)`.
Bound to Python's 1.0, the cotangent divided by a Python number that is 0 (a count at a
degenerate size: `len(x) - 1` at one element) raised ZeroDivisionError, where the plain
call, NumPy's, gives inf or nan with a warning, and so does every first-order API. Where
the dtype analysis knows the output is a NumPy float, the cotangent is now 1.0 of that
dtype (api.py, `_cotangent_parameter`); elsewhere it is Python's 1.0 as before.

The class: divisions of a NumPy scalar output by Python counts (`len`, `x.size`, `float()`,
`math.sqrt`, `/=`, a Python-float span), at the degenerate size and at an ordinary one, in
float64 and float32, through every API that runs the gradient code again.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import s2s_ad as ad
from s2s_ad.api import _differentiable


def sample_variance(x):
    d = x - np.mean(x)
    return np.sum(d * d) / (len(x) - 1)


def in_place_divide(x):
    s = np.sum(x * x)
    s /= len(x) - 1
    return s


def by_size(x):
    return np.sum(x**3) / (x.size - 1)


def by_float_count(x):
    return np.sum(np.sin(x) * x) / float(len(x) - 1)


def by_math_sqrt(x):
    return np.sum(x * x) / math.sqrt(len(x) - 1)


def energy_per_span(x, lo, hi):
    return 0.5 * np.sum(x * x * x) / (hi - lo)


FUNCTIONS = [sample_variance, in_place_divide, by_size, by_float_count, by_math_sqrt]


def _quiet(call):
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        return call()


def _second_order(f, x, v):
    """Each API's second derivative of `f` at `x` (along `v` for the products), as a
    matrix or a vector."""
    return {
        "hessian": ad.hessian(f)(x),
        "hvp": ad.hvp(f, (x,), (v,))[1],
        "jacfwd(grad)": ad.jacfwd(ad.grad(f))(x),
        "jacrev(grad)": ad.jacrev(ad.grad(f))(x),
        "jacobian(grad)": ad.jacobian(ad.grad(f))(x),
        "jvp(grad)": ad.jvp(ad.grad(f), (x,), (v,))[1],
        "vjp(grad)": ad.vjp(ad.grad(f), x)[1](v)[0],
    }


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("f", FUNCTIONS, ids=lambda f: f.__name__)
def test_a_count_of_zero_gives_numpys_inf_or_nan_in_every_second_order_api(f, dtype):
    x = np.array([0.7], dtype)
    plain = _quiet(lambda: f(x))
    assert not np.isfinite(plain)
    found = _quiet(lambda: _second_order(f, x, np.ones_like(x)))
    for api, value in found.items():
        value = np.asarray(value)
        assert value.dtype == dtype, api
        if f is by_math_sqrt:  # (x * x) / 0.0: 2 / 0.0 on the diagonal
            assert np.all(np.isinf(value)), api
        else:
            assert not np.all(np.isfinite(value)), (api, value)
    with warnings.catch_warnings(record=True) as caught:  # NumPy's, as the plain call's
        warnings.simplefilter("always")
        ad.hessian(f)(x)
    assert any("divide by zero" in str(w.message) for w in caught), caught


@pytest.mark.parametrize("f", FUNCTIONS, ids=lambda f: f.__name__)
def test_ordinary_sizes_are_unchanged_and_agree(f):
    """At four elements: every API the same Hessian, symmetric, equal to central differences
    of the gradient; and the gradient code's value with the cotangent bound to Python's 1.0
    by hand is the same bit for bit."""
    rng = np.random.default_rng(3)
    x, v = rng.uniform(0.2, 1.5, 4), rng.standard_normal(4)
    found = _second_order(f, x, v)
    h = found["hessian"]
    np.testing.assert_allclose(h, h.T, rtol=1e-12, atol=1e-12)
    for api in ("jacfwd(grad)", "jacrev(grad)", "jacobian(grad)"):
        np.testing.assert_allclose(found[api], h, rtol=1e-12, atol=1e-12)
    for api in ("hvp", "jvp(grad)"):
        np.testing.assert_allclose(found[api], h @ v, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(found["vjp(grad)"], h.T @ v, rtol=1e-12, atol=1e-12)
    g, eps = ad.grad(f), 1e-6
    numeric = np.array([(g(x + eps * e) - g(x - eps * e)) / (2 * eps) for e in np.eye(4)]).T
    np.testing.assert_allclose(h, numeric, rtol=1e-6, atol=1e-6)
    source = ad.derivative_source(f, mode="gradient")
    assert "=1.0)" in source  # the generated default is still Python's 1.0
    code = _differentiable(ad.grad(f))  # `f_grad(x, out_bar=1.0)`, given Python's 1.0
    _, tangent = ad.jvp(code, (x, 1.0), (v, None))
    assert np.array_equal(tangent, found["jvp(grad)"])


def test_a_python_float_span_of_zero():
    v = np.array([1.0, -2.0, 0.5])
    h = _quiet(lambda: ad.hessian(energy_per_span)(v, 1.5, 1.5))
    assert h.shape == (3, 3)
    assert np.all(np.isinf(np.diag(h)))


def test_the_plain_value_and_first_order_are_unchanged():
    x = np.array([0.7])
    assert np.isinf(_quiet(lambda: ad.grad(in_place_divide)(x))[0])
    value, g = _quiet(lambda: ad.value_and_grad(in_place_divide)(x))
    assert np.isinf(value) and np.isinf(g[0])


def test_a_python_float_output_keeps_pythons_cotangent():
    """A function of Python floats returns a Python float: the cotangent stays Python's 1.0,
    and a division by 0 raises as the plain call does (ZeroDivisionError, located)."""

    def ratio(a, n):
        return a * a / (n - 1)

    with pytest.raises(ZeroDivisionError):
        ratio(0.5, 1)
    with pytest.raises(ad.S2SError):
        ad.hessian(ratio)(0.5, 1)
    assert ad.hessian(ratio)(0.5, 3) == pytest.approx(1.0, rel=1e-15)


def test_the_hessian_source_shows_the_seeded_signature():
    """`derivative_source(mode="hessian", args=…)` shows the code hessian runs: made for the
    cotangent of the output's dtype."""
    x = np.array([0.7])
    text = ad.derivative_source(in_place_divide, mode="hessian", args=(x,))
    assert "def in_place_divide_grad_jvp" in text
    assert np.isinf(_quiet(lambda: ad.hessian(in_place_divide)(x))[0, 0])


def softplus_over(x, scale):
    return np.log1p(np.exp(x)) * x / scale


@pytest.mark.parametrize("kind", [np.float64, np.float32])
def test_a_numpy_scalar_over_a_python_zero_in_every_api(kind):
    """A NumPy float scalar argument (no specialised code: the checked path) divided by a
    Python 0: `grad`'s seed, `jvp`'s Python tangent and the second derivatives' cotangent
    take the NumPy value's dtype, and every API gives NumPy's inf or nan, as the plain call
    does (before: NumericalError in `grad`, `value_and_grad`, `jvp` and second order)."""
    x = kind(1.5)
    assert not np.isfinite(_quiet(lambda: softplus_over(x, 0.0)))
    found = {
        "grad": lambda: ad.grad(softplus_over)(x, 0.0),
        "grad forward": lambda: ad.grad(softplus_over, mode="forward")(x, 0.0),
        "value_and_grad": lambda: ad.value_and_grad(softplus_over)(x, 0.0)[1],
        "vjp": lambda: ad.vjp(softplus_over, x, 0.0)[1](1.0)[0],
        "jvp": lambda: ad.jvp(softplus_over, (x, 0.0), (1.0, None))[1],
        "hessian": lambda: ad.hessian(softplus_over)(x, 0.0),
        "hvp": lambda: ad.hvp(softplus_over, (x, 0.0), (1.0, None))[1],
        "grad of grad": lambda: ad.grad(ad.grad(softplus_over))(x, 0.0),
        "jacfwd of grad": lambda: ad.jacfwd(ad.grad(softplus_over))(x, 0.0),
    }
    for api, call in found.items():
        value = _quiet(call)
        assert not np.isfinite(value), api
        assert np.result_type(value) == kind, api
    # the same at a scale that is not 0: the numbers of a Python seed, bit for bit
    g = ad.grad(softplus_over)(x, 2.0)
    assert g == _differentiable(ad.grad(softplus_over))(x, 2.0, 1.0)


def test_a_plain_call_that_raises_is_reported_at_the_users_line():
    """Where a Hessian calls the function itself (its output's shape is not known before),
    what the function raises is reported as the derivative code reports it: an s2s_ad error
    naming the user's line, not a bare exception from inside s2s_ad."""

    def loop_mean(x):
        s = 0.0
        for xi in x:
            s = s + xi * xi
        return s / len(x)

    for call in (
        lambda: ad.hessian(loop_mean)(np.zeros(0)),
        lambda: ad.hvp(loop_mean, (np.zeros(0),), (np.zeros(0),)),
    ):
        with pytest.raises(ad.S2SError) as raised:
            call()
        assert __file__ in str(raised.value)


DATA64 = np.linspace(-1.0, 1.0, 12).reshape(4, 3)  # float64 data read by float32 weights


def nll32(w):
    z = DATA64 @ w
    return np.sum(np.logaddexp(0.0, z) - 0.5 * z) + 0.1 * np.sum(w * w)


def dict_loss(p):
    return np.sum(np.tanh(DATA64 @ p["w"] + p["b"]) ** 2)


def test_float32_weights_keep_their_dtype_through_every_api_over_grad():
    """`grad(f)` of float32 weights is float32 (the gradient code computes it in float64,
    the data's dtype): the APIs over `grad(f)` give what it gives, float32, as `hessian`
    does: the value of `jvp`/`vjp` of it equal to `grad(f)(w)` bit for bit (before: float64
    Jacobians, and values of another dtype)."""
    w = np.array([0.1, -0.2, 0.3], np.float32)
    g = ad.grad(nll32)
    h = ad.hessian(nll32)(w)
    assert g(w).dtype == h.dtype == np.float32
    for jacobian in (ad.jacfwd, ad.jacrev, ad.jacobian):
        found = jacobian(g)(w)
        assert found.dtype == np.float32
        np.testing.assert_allclose(found, h, rtol=1e-6, atol=1e-7)
    value, tangent = ad.jvp(g, (w,), (np.ones(3, np.float32),))
    assert value.dtype == tangent.dtype == np.float32
    assert np.array_equal(value, g(w))
    value, pullback = ad.vjp(g, w)
    assert np.array_equal(value, g(w))
    assert pullback(np.ones(3, np.float32))[0].dtype == np.float32


def test_a_structure_of_float32_leaves_keeps_their_dtype():
    p = {"w": np.array([0.2, -0.1, 0.4], np.float32), "b": np.float32(0.3)}
    g = ad.grad(dict_loss)
    grads = g(p)
    assert grads["w"].dtype == np.float32 and np.result_type(grads["b"]) == np.float32
    value, tangent = ad.jvp(g, (p,), ({"w": np.ones(3, np.float32), "b": np.float32(1.0)},))
    assert value["w"].dtype == tangent["w"].dtype == np.float32
    assert np.array_equal(value["w"], grads["w"])


def numpy_accumulator(x):
    s = np.float64(0.0)
    for xi in x:  # an array's elements: NumPy scalars of its dtype
        s = s + np.exp(-xi) * xi
    return s / (len(x) - 1)


def test_a_numpy_accumulator_over_an_arrays_elements():
    """`np.float64(0.0)` and the elements a loop reads from an array have known dtypes, so
    the output's is known: at one element its Hessian is NumPy's inf or nan, as the plain
    call's value (before: NumericalError)."""
    x = np.array([0.4])
    assert not np.isfinite(_quiet(lambda: numpy_accumulator(x)))
    assert not np.all(np.isfinite(_quiet(lambda: ad.hessian(numpy_accumulator)(x))))
    rng = np.random.default_rng(5)
    x = rng.uniform(0.2, 1.5, 4)
    h = ad.hessian(numpy_accumulator)(x)
    g, eps = ad.grad(numpy_accumulator), 1e-6
    numeric = np.array([(g(x + eps * e) - g(x - eps * e)) / (2 * eps) for e in np.eye(4)]).T
    np.testing.assert_allclose(h, numeric, rtol=1e-6, atol=1e-7)
