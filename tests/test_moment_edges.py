"""`np.std` and `np.var` where the spread is zero (issue 14, item 8).

Over one element (or along an axis of length 1, with ddof=0) std and var are constantly 0:
their derivatives are exactly 0, not nan. Where n > 1 equal values meet, std(c + t·v) =
|t|·std(v) has a kink like `abs` at 0, and the kink policy (README, "Numerical edge
cases") gives the derivative 0. Both modes, the Jacobians and the Hessian, no warnings.
"""

import warnings

import numpy as np
import pytest
from derivative_tests import derivative_tests

import s2s_ad as ad


def std_one(x):
    return np.std(x) + 2.0 * np.sum(x)


def var_one(x):
    return np.var(x) * 3.0 + np.sum(x)


def std_rows(x):
    return np.sum(np.std(x, axis=1) + x[:, 0])


def var_columns_keepdims(x):
    return np.sum(np.var(x, axis=0, keepdims=True) * x)


def std_first(x):
    return np.std(x[:1]) * 5.0 + np.std(x)


def std_scalar(s):
    return np.std(s) + s


def mixed_axes(x):
    return np.sum(np.std(x, axis=0)) + np.sum(np.var(x, axis=1))


ONE = np.array([1.5])
CASES = [
    (std_one, (ONE,)),
    (std_one, (np.array(1.5),)),
    (var_one, (ONE,)),
    (std_rows, (np.array([[0.5], [1.0], [-2.0]]),)),
    (var_columns_keepdims, (np.array([[0.5, -1.0, 2.0, 0.3]]),)),
    (std_first, (np.array([0.5, 1.5, -1.0]),)),
    (std_scalar, (1.5,)),
    (std_scalar, (np.float64(1.5),)),
    (mixed_axes, (np.array([[0.5, -1.0, 2.0]]),)),  # std over length 1, var over length 3
]

test_jvp_and_vjp_match_numeric, test_grad_forward_equals_reverse = derivative_tests(CASES)


def _gradients(f, x):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # 0/0 in the derivative would warn
        reverse = ad.grad(f)(x)
        forward = ad.grad(f, mode="forward")(x)
        jacobian = ad.jacfwd(f)(x)
        hessian = ad.hessian(f)(x)
    return reverse, forward, jacobian, hessian


@pytest.mark.parametrize(
    ("f", "x", "slope"),
    [
        (std_one, ONE, 2.0),
        (var_one, ONE, 1.0),
        (std_rows, np.array([[0.5], [1.0], [-2.0]]), np.ones((3, 1))),
        (std_scalar, 1.5, 1.0),
    ],
)
def test_one_element_is_constant(f, x, slope):
    """The derivative of the constant 0 is exactly 0; so is its Hessian."""
    reverse, forward, jacobian, hessian = _gradients(f, x)
    for gradient in (reverse, forward, jacobian):
        np.testing.assert_array_equal(gradient, slope)
    np.testing.assert_array_equal(hessian, np.zeros(np.shape(x) * 2))


def spread(x):
    return np.std(x)


def test_zero_spread_is_a_kink():
    """n > 1 equal values: the derivative 0 (the kink policy, as `abs` at 0), not nan."""
    x = np.full(4, 0.7)
    reverse, forward, jacobian, _ = _gradients(spread, x)
    for gradient in (reverse, forward, jacobian):
        np.testing.assert_array_equal(gradient, np.zeros(4))
    # one-sided: std(x + t·v) = |t|·std(v), so the derivative is the subgradient nearest 0
    v = np.array([1.0, -2.0, 0.5, 0.0])
    t = 1e-6
    assert spread(x + t * v) == pytest.approx(t * np.std(v), rel=1e-6)


def std_unbiased(x):
    return np.std(x, ddof=1)


def test_unbiased_of_one_element_stays_nan():
    """ddof=1 over one element: the value is nan (NumPy warns), and so is the derivative."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        value, gradient = ad.value_and_grad(std_unbiased)(ONE)
        _, forward = ad.value_and_grad(std_unbiased, mode="forward")(ONE)
    assert np.isnan(value)
    assert np.isnan(gradient).all() and np.isnan(forward).all()


# A divisor that is a Python count of 0 (`n - ddof` of one element with `ddof=1`; the size
# of an empty array): NumPy gives nan or inf with a warning, and so do the rules, which
# divide counts with `rt.ratio` (Python arithmetic would raise ZeroDivisionError).


def var_unbiased(x):
    return np.var(x, ddof=1)


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_unbiased_variance_of_one_element_propagates_nan(mode):
    """As `np.std`'s above: the value and the derivative are nan, in both modes."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        assert np.isnan(var_unbiased(ONE))
        gradient = ad.grad(var_unbiased, mode=mode)(ONE)
    assert np.isnan(gradient).all()


def var_unbiased_rows(x):
    return np.sum(np.var(x, axis=1, ddof=1))


def mean_of(x):
    return np.mean(x)


def mean_rows(x):
    return np.sum(np.mean(x, axis=1))


@pytest.mark.parametrize(
    ("f", "x"),
    [
        (var_unbiased, ONE),
        (var_unbiased_rows, np.array([[0.5], [1.0]])),  # each row one element
        (mean_of, np.zeros(0)),
        (mean_rows, np.zeros((2, 0))),
        (mean_rows, np.zeros((0, 3))),
    ],
    ids=["var one", "var rows of one", "mean empty", "mean rows empty", "mean no rows"],
)
@pytest.mark.parametrize("api", ["grad", "grad forward", "vjp", "jacrev", "jacfwd"])
def test_counts_of_zero_follow_numpy(f, x, api):
    """Where the plain call gives nan (or an empty result) with NumPy's warning, every
    derivative is nan (or empty) too: no exception from a Python division by 0."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        value = f(x)
        if api == "grad":
            got = ad.grad(f)(x)
        elif api == "grad forward":
            got = ad.grad(f, mode="forward")(x)
        elif api == "vjp":
            out, pullback = ad.vjp(f, x)
            np.testing.assert_array_equal(out, value)
            (got,) = pullback(1.0)
        elif api == "jacrev":
            got = ad.jacrev(f)(x)
        else:
            got = ad.jacfwd(f)(x)
    assert np.shape(got) == np.shape(x)
    assert np.isnan(value) or x.size == 0
    assert x.size == 0 or np.isnan(got).all()


def test_ratio_divides_python_numbers_as_numpy_does():
    from s2s_ad import runtime as rt

    with warnings.catch_warnings(record=True) as said:
        warnings.simplefilter("always")
        found = [rt.ratio(2.0, 0), rt.ratio(-1, 0), rt.ratio(0.0, 0), rt.ratio(3, 2)]
        arrays = rt.ratio(np.ones(2), 0)
    assert found[:2] == [np.inf, -np.inf] and np.isnan(found[2]) and found[3] == 1.5
    assert all(type(v) is float for v in found)  # weak: a float32 result stays float32
    assert {type(w.message) for w in said} == {RuntimeWarning}  # NumPy's, as the plain call
    assert rt.ratio(np.float32(1.0), 4).dtype == np.float32
    np.testing.assert_array_equal(arrays, [np.inf, np.inf])


def sample_variance_by_hand(x):
    d = x - np.mean(x)
    return np.sum(d * d) / (len(x) - 1)


@pytest.mark.parametrize("jit", [False, True])
def test_users_division_by_a_python_zero_is_nan(jit):
    """`grad`'s seed 1.0 divided by the Python 0 `len(x) - 1`: nan as the plain call,
    compiled or not; elsewhere the same numbers as the NumPy code."""
    if jit:
        pytest.importorskip("numba")
    gradient = ad.grad(sample_variance_by_hand, jit=jit)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        assert np.isnan(gradient(ONE)).all()
    x = np.array([0.5, 1.5, -1.0])
    np.testing.assert_allclose(gradient(x), 2.0 * (x - np.mean(x)) / 2, rtol=1e-14)


@pytest.mark.parametrize("count", [2049, 4097, 65505, 70001, 1_000_003])
def test_ratio_divides_float16_by_a_count_it_cannot_hold_in_float32(count):
    """Not every count above 2048 is a float16, none from 65,520 on: `np.float16(1) / 2049`
    divides by 2048, by 70,001 gives 0 (and an overflow warning)."""
    from s2s_ad import runtime as rt

    for a in (np.float16(0.75), np.full(3, 0.75, dtype=np.float16)):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            got = rt.ratio(a, count)
        assert got.dtype == np.float16 and np.shape(got) == np.shape(a)
        np.testing.assert_array_equal(got, np.float16(np.float32(0.75) / count))


@pytest.mark.parametrize("count", [3, 2048, 4096, 65504])
def test_ratio_divides_float16_by_a_count_it_holds_in_float16(count):
    from s2s_ad import runtime as rt

    a = np.float16(0.75)
    assert rt.ratio(a, count) == a / np.float16(count)
    assert rt.ratio(a, count).dtype == np.float16
