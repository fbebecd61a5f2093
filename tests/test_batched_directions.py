"""The vector mode's helpers that treat all directions at once must give what one direction
at a time gives, bit for bit.

- Products by one-hot directions: the identity seeds of `jacfwd` and `jacrev`, carried
  through elementwise operations, are diagonal, and a product of a matrix by a diagonal is
  a broadcast (runtime/directions.py's `diagonal_of`), taken only where every element off
  the diagonal is 0.
- The adjoint of reading elements (`rt.getitem_vjp`, a scatter into zeros) for all
  directions at once (`rt.getitem_vjp_directions`), in the code of `jacrev` and of Hessians
  of anything that indexes."""

from __future__ import annotations

import numpy as np
import pytest

import s2s_ad as ad
from s2s_ad import runtime as rt
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


X = np.arange(24.0).reshape(4, 6)
INDEXES = [
    (X[0], 2),
    (X[0], slice(1, None)),
    (X[0], slice(None, None, -2)),
    (X[0], [0, 0, 3]),  # a repeated element: summed
    (X[0], np.array([5, 1, 5, 5])),
    (X[0], X[0] > 7.0),
    (X, (1, slice(None))),
    (X, (slice(None), 3)),
    (X, (Ellipsis, -1)),
    (X, (slice(1, 3), [0, 4, 4])),
    (X, ([0, 2], [1, 1])),  # two arrays side by side
    (
        X,
        (
            [0, 2],
            slice(None),
        ),
    ),
    (X, (None, 2)),
    (X.astype(np.float32), (slice(None), 1)),
    (X.astype(int), slice(1, 3)),
]


@pytest.mark.parametrize("x,index", INDEXES, ids=[str(i) for i in range(len(INDEXES))])
@pytest.mark.parametrize("directions", [1, 5])
def test_scatter_of_all_directions_equals_one_at_a_time(x, index, directions):
    shape = np.shape(x[index])
    g = rng.standard_normal((directions, *shape))
    got = rt.getitem_vjp_directions(g, x, index)
    expected = rt.per_direction(lambda gk: rt.getitem_vjp(gk, x, index), g)
    assert got.dtype == expected.dtype
    np.testing.assert_array_equal(got, expected)


def test_scatter_of_complex_directions_stays_complex():
    g = rng.standard_normal((3, 2)) + 1j
    got = rt.getitem_vjp_directions(g, X[0], slice(0, 2))
    np.testing.assert_array_equal(
        got, rt.per_direction(lambda gk: rt.getitem_vjp(gk, X[0], slice(0, 2)), g)
    )
    assert got.dtype.kind == "c"


def test_scatter_of_separated_arrays_goes_direction_by_direction():
    y = np.arange(60.0).reshape(3, 4, 5)
    index = ([0, 2], slice(None), [1, 3])  # NumPy puts the arrays' axis first
    g = rng.standard_normal((2, *y[index].shape))
    np.testing.assert_array_equal(
        rt.getitem_vjp_directions(g, y, index),
        rt.per_direction(lambda gk: rt.getitem_vjp(gk, y, index), g),
    )


def shifted_products(x):
    return np.tanh(x[1:] * x[:-1]) - np.cos(x[:-1]) * x[1:]


def picks(x):
    return x[[0, 0, 2]] * x[1:4] + x[x > 0.0].sum()


@pytest.mark.parametrize("f", [shifted_products, picks], ids=lambda f: f.__name__)
def test_jacrev_of_reads_equals_jacfwd(f):
    x = rng.standard_normal(7)
    np.testing.assert_allclose(ad.jacrev(f)(x), ad.jacfwd(f)(x), rtol=1e-13, atol=1e-15)


def test_hessian_of_reads_equals_differences():
    def energy(x):
        return np.sum((x[1:] - x[:-1]) ** 2 * x[1:]) + x[0] ** 3

    x = rng.standard_normal(6)
    gradient = ad.grad(energy)
    step = 1e-6
    columns = []
    for i in range(x.size):
        e = np.zeros_like(x)
        e[i] = step
        columns.append((gradient(x + e) - gradient(x - e)) / (2 * step))
    np.testing.assert_allclose(ad.hessian(energy)(x), np.stack(columns, axis=-1), rtol=1e-6)


def separated_picks(x):
    return np.sin(x[[0, 1], :, [1, 0]])  # NumPy puts the arrays' axis first


def separated_picks_squared(x):
    return np.sum(separated_picks(x) ** 2)


def test_read_of_separated_arrays_keeps_the_directions_first():
    """Before session 15, `jacfwd` of such a read raised (the directions' axis moved)."""
    y = rng.standard_normal((2, 3, 2))
    index = ([0, 1], slice(None), [1, 0])
    d = rng.standard_normal((5, *y.shape))
    np.testing.assert_array_equal(
        rt.directions_getitem(d, index), rt.per_direction(lambda dk: dk[index], d)
    )
    expected = np.zeros(separated_picks(y).shape + y.shape)
    step = 1e-6
    for i in np.ndindex(y.shape):
        e = np.zeros_like(y)
        e[i] = step
        expected[(Ellipsis, *i)] = (separated_picks(y + e) - separated_picks(y - e)) / (2 * step)
    np.testing.assert_allclose(ad.jacfwd(separated_picks)(y), expected, rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(ad.jacrev(separated_picks)(y), ad.jacfwd(separated_picks)(y))
    hessian = ad.hessian(separated_picks_squared)(y)
    np.testing.assert_allclose(
        hessian, np.swapaxes(hessian.reshape(12, 12), 0, 1).reshape(hessian.shape)
    )
