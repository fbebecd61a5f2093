"""`x.astype(dtype, order=…, casting=…, subok=…, copy=…)`: every keyword NumPy takes is
differentiated (none changes a value), and `copy=False`, which may hand back `x` itself, is
followed by the alias analysis: an in-place update of the result is refused where it
would change the argument, and runs where the cast made a new array."""

import numpy as np
import pytest
from derivative_tests import derivative_tests, second_differences

import s2s_ad as ad
from s2s_ad.errors import UnsupportedSyntaxError

rng = np.random.default_rng(7)
X = rng.uniform(0.2, 1.2, 6)


def no_copy(x):
    y = x.astype(np.float64, copy=False)
    return np.sum(y * np.sin(y))


def copy_false_positional(x):
    y = x.astype(np.float64, "K", "unsafe", True, False)
    return np.sum(np.exp(-y * y))


def every_keyword(x):
    y = x.astype(np.float64, order="C", casting="same_kind", subok=True, copy=True)
    return np.sum(np.tanh(y) * x)


def to_float32_no_copy(x):
    y = x.astype(np.float32, copy=False)
    return np.sum(y * y) * 0.5


def no_copy_matrix(a):
    b = a.astype(np.float64, order="F", copy=False)
    return np.sum(b @ b.T)


cases = [
    (no_copy, (X,)),
    (copy_false_positional, (X,)),
    (every_keyword, (X,)),
    (no_copy_matrix, (rng.uniform(-1.0, 1.0, (3, 4)),)),
]
test_jvp_and_vjp_match_numeric, test_grad_forward_equals_reverse = derivative_tests(cases)


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_narrowing_cast_without_copy(mode):
    """A float32 result (central differences cannot see through its rounding): the
    gradient of 0.5 * sum(y**2) is y, in the argument's dtype."""
    gradient = ad.grad(to_float32_no_copy, mode=mode)(X)
    np.testing.assert_allclose(gradient, X.astype(np.float32), rtol=1e-7)
    assert gradient.dtype == np.float64


@pytest.mark.parametrize("fn", [no_copy, every_keyword], ids=lambda f: f.__name__)
def test_value_and_hessian(fn):
    value, gradient = ad.value_and_grad(fn)(X)
    assert value == fn(X)
    assert gradient.shape == X.shape
    np.testing.assert_allclose(ad.hessian(fn)(X), second_differences(fn, X), atol=1e-5)


def updates_no_copy(x):
    y = x.astype(np.float64, copy=False)
    y += 1.0  # <- shares x when x is float64
    return np.sum(y * x)


def writes_no_copy(x):
    y = x.astype(np.float64, copy=False)
    y[0] = 3.0  # <- shares x when x is float64
    return np.sum(y * y)


@pytest.mark.parametrize("mode", ["reverse", "forward"])
@pytest.mark.parametrize("fn", [updates_no_copy, writes_no_copy], ids=lambda f: f.__name__)
def test_update_of_the_argument_itself_is_refused(fn, mode):
    x = X.copy()
    with pytest.raises(UnsupportedSyntaxError, match="shares memory with the argument `x`"):
        ad.grad(fn, mode=mode)(x)
    np.testing.assert_array_equal(x, X)  # the argument is left as it was


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_update_of_a_new_array_runs(mode):
    """A float32 argument: the cast to float64 is a new array, so the update is allowed."""
    x = X.astype(np.float32)
    kept = x.copy()
    gradient = ad.grad(updates_no_copy, mode=mode)(x)
    wide = x.astype(np.float64)
    np.testing.assert_allclose(gradient, 2.0 * wide + 1.0, rtol=1e-6)
    assert gradient.dtype == np.float32
    np.testing.assert_array_equal(x, kept)
    assert ad.value_and_grad(updates_no_copy)(x)[0] == updates_no_copy(x.copy())


def test_element_write_into_a_new_array():
    x = X.astype(np.float32)
    expected = 2.0 * x.astype(np.float64)
    expected[0] = 0.0  # overwritten by a constant
    np.testing.assert_allclose(ad.grad(writes_no_copy)(x), expected, rtol=1e-6)
