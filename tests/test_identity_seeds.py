"""jacfwd's and jacrev's identity seed over a vector: a matrix product by it is the other
operand itself (runtime/directions.py's `diagonal_product`), never the caller's array
handed out or written through."""

import numpy as np
import pytest

import s2s_ad as ad


def linear(x, a):
    return a @ x


def layer(x, a):
    return np.tanh(a @ x)


def rows_of(x, a):
    return x @ a.T  # the same product from the other side


def twice(x, a):
    y = a @ x
    return y + 2.0 * (a @ x)


@pytest.mark.parametrize("jacobian", [ad.jacfwd, ad.jacrev, ad.jacobian])
@pytest.mark.parametrize("fn", [linear, layer, rows_of, twice])
@pytest.mark.parametrize(("n", "m"), [(3, 5), (5, 3), (4, 4)])
def test_the_jacobian_is_right_and_the_arguments_are_untouched(jacobian, fn, n, m):
    rng = np.random.default_rng(n * 10 + m)
    x, a = rng.standard_normal(n), rng.standard_normal((m, n))
    kept = a.copy()
    h = 1e-6
    central = np.stack(
        [(fn(x + h * e, a) - fn(x - h * e, a)) / (2 * h) for e in np.eye(n)], axis=-1
    )
    for _ in range(2):  # the first call and the fast path
        found = jacobian(fn)(x, a)
        np.testing.assert_allclose(found, central, rtol=1e-6, atol=1e-8)
        assert found.flags.writeable
        found[...] = 99.0  # the caller's Jacobian is its own
        np.testing.assert_array_equal(a, kept)


def test_the_linear_jacobian_is_a_copy_of_the_matrix():
    x, a = np.ones(3), np.arange(12.0).reshape(4, 3)
    found = ad.jacfwd(linear)(x, a)
    np.testing.assert_array_equal(found, a)
    assert not np.shares_memory(found, a)
