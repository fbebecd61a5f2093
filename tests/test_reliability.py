"""No silent wrong derivative: the patterns other source-to-source tools got wrong without a
word, names that collide with generated ones, and the numerical edge-case policy (README,
"Numerical edge cases"). Every case runs in both modes."""

import math
import warnings

import numpy  # a second name for NumPy, besides the usual one
import numpy as np
import pytest
from derivative_tests import derivative_tests
from helpers_elsewhere import shifted_square

import s2s_ad as ad
from s2s_ad.errors import ArgumentError, NumericalError

OFFSET = 100.0  # not the OFFSET `shifted_square` reads: that is its own module's
GAIN = np.array([1.0, 2.0, 3.0])


# the patterns


def scaled(a, scale=1.0):
    return a * scale


def helper_keyword(x, s):
    return np.sum(scaled(x, scale=s) ** 2)


def softmax_first(x):
    e = np.exp(x - np.max(x))
    return e[0] / np.sum(e)


def ratio(x, w):
    return np.sum(x / np.sum(x) * w)


def scalar_array_powers(x, p):
    return np.sum(x**p) + np.sum(p**x) + np.sum(np.sum(x) ** x)


def other_module_global(x):
    return shifted_square(x) * 2.0


def reads_gain(x):
    return np.sum(GAIN * x * x)


def transposed(x, y):
    return np.sum((x.T @ y) ** 2)


def make_closure(c):
    def closure(x):
        return np.sum(np.sin(c * x))

    return closure


rng = np.random.default_rng(3)
X = rng.uniform(0.5, 1.5, size=3)
CASES = [
    (helper_keyword, (X, 1.7)),
    (softmax_first, (X,)),
    (ratio, (X, rng.normal(size=3))),
    (scalar_array_powers, (X, 1.3)),
    (other_module_global, (0.7,)),
    (reads_gain, (X,)),
    (transposed, (rng.normal(size=(3, 2)), rng.normal(size=3))),
    (make_closure(2.0), (X,)),
    (make_closure(-3.0), (X,)),
]

test_jvp_and_vjp_match_numeric, test_grad_forward_equals_reverse = derivative_tests(CASES)


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_the_patterns_give_the_known_answers(mode):
    grad = lambda f, wrt=0: ad.grad(f, wrt=wrt, mode=mode)  # noqa: E731
    assert grad(helper_keyword, 1)(X, 1.7) == pytest.approx(2.0 * 1.7 * np.sum(X**2))
    assert grad(other_module_global)(0.7) == pytest.approx(4.0 * (0.7 + 0.5))
    e = np.exp(X) / np.sum(np.exp(X))
    np.testing.assert_allclose(grad(softmax_first)(X), e[0] * (np.eye(3)[0] - e), rtol=1e-12)
    np.testing.assert_allclose(grad(transposed, 1)(np.eye(3), X), 2.0 * X, rtol=1e-12)
    np.testing.assert_allclose(grad(make_closure(2.0))(X), 2.0 * np.cos(2.0 * X), rtol=1e-15)
    np.testing.assert_allclose(grad(make_closure(-3.0))(X), -3.0 * np.cos(3.0 * X), rtol=1e-15)


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_a_global_rebound_after_the_first_call_is_read_live(mode, monkeypatch):
    gradient = ad.grad(reads_gain, mode=mode)
    np.testing.assert_allclose(gradient(X), 2.0 * GAIN * X, rtol=1e-15)
    monkeypatch.setitem(globals(), "GAIN", np.array([-1.0, 0.5, 4.0]))
    np.testing.assert_allclose(gradient(X), 2.0 * GAIN * X, rtol=1e-15)


def updates_copies(x, w):
    a = x.copy()
    a[0] = a[0] * w[1]
    b = a
    b = b * 2.0
    total = 0.0
    for i in range(3):
        total += np.sum(b * w) * i
    return total


def test_derivative_calls_never_mutate_the_callers_arrays():
    x, w = rng.normal(size=3), rng.normal(size=3)
    tangent, cotangent = rng.normal(size=3), np.array(1.5)
    before = [a.copy() for a in (x, w, tangent, cotangent)]
    for mode in ("reverse", "forward"):
        ad.grad(updates_copies, wrt=(0, 1), mode=mode)(x, w)
        ad.value_and_grad(updates_copies, mode=mode)(x, w)
    ad.jvp(updates_copies, (x, w), (tangent, tangent))
    ad.vjp(updates_copies, x, w)[1](cotangent)
    ad.jacfwd(updates_copies)(x, w), ad.jacrev(updates_copies)(x, w)
    ad.hessian(updates_copies)(x, w)
    for was, now in zip(before, (x, w, tangent, cotangent), strict=True):
        np.testing.assert_array_equal(was, now)


# names that collide with generated ones


def generated_names(x, x_bar, x_dot, _t1):
    _tape1 = x * x_bar
    pullback = np.sin(_tape1) + x_dot
    f_vjp = 0.0
    for _segment1 in range(2):
        f_vjp = f_vjp + pullback * _t1 * _segment1
    rt = np.tanh(f_vjp)
    return np.sum(rt * x)


def shadows_modules(x):
    np = numpy.sin(x)  # a local named like NumPy's usual alias
    rt = np * 2.0
    math = rt + x
    return numpy.sum(math * np)


def checkpoint_names(x, _checkpoints1, _k1):
    _segments1 = x * _k1
    for _segment1 in ad.checkpoint(range(4), every=3):
        _tape1 = np.sin(_segments1) * _checkpoints1
        _segments1 = _tape1 + _segment1 * 0.1
    return np.sum(_segments1)


HYGIENE = [
    (generated_names, (X, X[::-1].copy(), 0.3, 1.1)),
    (checkpoint_names, (X, 0.9, 1.2)),
    (shadows_modules, (X,)),
]
test_hygiene_matches_numeric, test_hygiene_forward_equals_reverse = derivative_tests(HYGIENE)


def test_generated_names_step_around_the_users():
    source = ad.derivative_source(shadows_modules)
    assert "np = numpy.sin(x)" in source
    assert "np_1." in source or "numpy." in source  # NumPy reached through a fresh name


# numerical edge cases


def absolute(x):
    return np.sum(np.abs(x))


def maximum(x, y):
    return np.sum(np.maximum(x, y))


def clipped(x):
    return np.sum(np.clip(x, -1.0, 1.0))


def root(x):
    return np.sum(np.sqrt(x))


def math_root(x):
    return math.sqrt(x)


def exponential(x):
    return np.sum(np.exp(x))


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_kinks(mode):
    grad = lambda f, wrt=0: ad.grad(f, wrt=wrt, mode=mode)  # noqa: E731
    np.testing.assert_array_equal(grad(absolute)(np.array([0.0, -2.0, 3.0])), [0.0, -1.0, 1.0])
    tie = grad(maximum, (0, 1))(np.array([1.0, 2.0]), np.array([1.0, 3.0]))
    np.testing.assert_array_equal(tie[0], [0.5, 0.0])  # a tie splits the derivative
    np.testing.assert_array_equal(tie[1], [0.5, 1.0])
    bounds = grad(clipped)(np.array([-1.0, 1.0, 0.5, 2.0, -3.0]))
    np.testing.assert_array_equal(bounds, [1.0, 1.0, 1.0, 0.0, 0.0])  # at a bound: inside
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        roots = grad(root)(np.array([0.0, 4.0]))
    # forward mode carries x[1]'s direction through x[0]'s infinite derivative: 0 · inf = nan
    np.testing.assert_array_equal(roots, [np.inf, 0.25 if mode == "reverse" else np.nan])
    with pytest.raises(NumericalError, match=r"math\.sqrt\(x\)|infinite") as info:
        grad(math_root)(0.0)
    assert info.value.filename == __file__
    assert info.value.line == math_root.__code__.co_firstlineno + 1  # the statement's line


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_nan_and_inf_propagate(mode):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        g = ad.grad(exponential, mode=mode)(np.array([np.nan, 0.0, np.inf, -np.inf]))
    if mode == "reverse":  # each input's gradient apart: nan only where the nan was
        np.testing.assert_array_equal(g, [np.nan, 1.0, np.inf, 0.0])
    else:  # every direction passes the nan and inf elements: 0 · nan = nan, as in JAX
        assert np.isnan(g).all()


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_float32_stays_float32(mode):
    x = np.array([0.5, 1.5], dtype=np.float32)
    assert ad.grad(exponential, mode=mode)(x).dtype == np.float32
    assert ad.jvp(exponential, (x,), (np.ones(2, np.float32),))[1].dtype == np.float32
    assert ad.vjp(exponential, x)[1](np.float32(1.0))[0].dtype == np.float32
    assert type(ad.grad(math_root, mode=mode)(np.float32(2.0))) is np.float32


@pytest.mark.parametrize("value", [1j, np.array([1.0 + 2.0j]), np.complex64(1.0)])
def test_complex_inputs_are_refused(value):
    with pytest.raises(ArgumentError, match="complex"):
        ad.grad(exponential)(value)
    with pytest.raises(ArgumentError, match="complex"):
        ad.jvp(exponential, (value,), (value,))
