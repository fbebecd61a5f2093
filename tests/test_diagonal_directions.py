"""Products by one-hot directions: the identity seeds of `jacfwd` and `jacrev`, carried
through elementwise operations, are diagonal, and a product of a matrix by a diagonal is a
broadcast (runtime/directions.py's `diagonal_of`). The broadcast must give what the product
gives, bit for bit for finite values, and only where every element off the diagonal is 0."""

from __future__ import annotations

import numpy as np
import pytest

import s2s_ad as ad
from s2s_ad.runtime.directions import diagonal_of, matmul_right, matmul_vjp_right_directions

rng = np.random.default_rng(7)


@pytest.mark.parametrize("k", [2, 3, 10, 64])
def test_diagonal_products_equal_matmul(k):
    a = rng.standard_normal((k, 5))
    d = np.diag(rng.standard_normal(k))
    d[1, 1] = 0.0  # a zero on the diagonal is still a diagonal
    assert diagonal_of(d) is not None
    g = rng.standard_normal(k)
    np.testing.assert_array_equal(
        matmul_vjp_right_directions(d, g, a, rng.standard_normal(5), True), np.matmul(d, a)
    )
    x = rng.standard_normal((5, k))
    np.testing.assert_array_equal(matmul_right(x, d), np.matmul(d, x.T))


@pytest.mark.parametrize(
    "d",
    [
        np.ones((3, 3)),  # full
        np.eye(3)[::-1].copy(),  # a permutation: one element a row, not on the diagonal
        np.eye(3) + np.eye(3, k=1) * 1e-300,  # one tiny element off the diagonal
        np.array([[1.0, 0.0], [np.nan, 1.0]]),  # nan counts as non-zero
        np.eye(3)[:, :2].copy(),  # not square
        np.eye(1),  # one direction: nothing to gain
        np.eye(4).reshape(2, 2, 4),  # not a matrix
        [[1.0, 0.0], [0.0, 1.0]],  # not an array
    ],
    ids=["full", "permutation", "tiny", "nan", "not square", "one", "3-d", "list"],
)
def test_only_diagonals_are_taken_for_diagonals(d):
    assert diagonal_of(d) is None


def test_non_diagonal_directions_still_multiply():
    a = rng.standard_normal((4, 6))
    d = rng.standard_normal((4, 4))
    np.testing.assert_array_equal(
        matmul_vjp_right_directions(d, rng.standard_normal(4), a, rng.standard_normal(6), True),
        np.matmul(d, a),
    )


def layer(x, w):
    return np.tanh(w @ x)


def linear(x, w):
    return w @ x


def after_mixing(x, w):
    return w @ (np.cumsum(x) * x)  # the seeds are mixed before the product: not diagonal


def _numeric_jacobian(f, x, w, step=1e-6):
    columns = []
    for i in range(x.size):
        e = np.zeros_like(x)
        e[i] = step
        columns.append((f(x + e, w) - f(x - e, w)) / (2 * step))
    return np.stack(columns, axis=-1)


@pytest.mark.parametrize("f", [layer, linear, after_mixing], ids=lambda f: f.__name__)
@pytest.mark.parametrize("shape", [(3, 8), (8, 3), (5, 5)])
def test_jacobians_through_products(f, shape):
    w = rng.standard_normal(shape)
    x = rng.standard_normal(shape[1])
    expected = _numeric_jacobian(f, x, w)
    forward, reverse = ad.jacfwd(f)(x, w), ad.jacrev(f)(x, w)
    np.testing.assert_allclose(forward, expected, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(reverse, forward, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(ad.jacrev(f)(x, w), reverse, rtol=0, atol=0)  # the fast path
