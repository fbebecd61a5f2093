"""Nested lists read both whole (`np.array(m)`, `np.stack(m)`) and item by item (`m[1][0]`,
a row `m[1]`): the adjoint of the whole is a list of the rows' adjoints (`rt.unstack`,
recursively), which adds item by item to what the items' reads give.

Before, the whole's adjoint was a list of arrays: reverse mode raised "`+` on a list or tuple
that s2s_ad cannot tell is one" at the user's `np.array` line, and second order a broadcast
error at the row's read. Checked: reverse against forward and central differences, the
Hessian symmetric and equal across `hessian`, `jacfwd(grad)` and `jacrev(grad)`.
"""

from __future__ import annotations

import numpy as np
import pytest

import s2s_ad as ad


def square_and_item(x):
    m = [[x[0], x[1]], [x[1] * x[2], np.cos(x[0])]]
    a = np.array(m)
    return np.sum(a @ a) + m[1][0] * m[0][1]


def row_then_whole(x):
    m = [[x[0], x[1]], [x[2], x[0] * x[1]]]
    r = m[1]
    return np.sum(np.array(m) * r[0]) + r[1] ** 2


def three_levels(x):
    t = [[[x[0], x[1]], [x[2], 1.0]], [[x[1] * x[2], x[0]], [0.5, x[2]]]]
    return np.sum(np.array(t) ** 2) + t[1][0][0] * t[0][1][0]


def stacked_rows(x):
    rows = [[x[0], x[1], x[2]], [x[2] ** 2, x[0], x[1]]]
    s = np.stack([np.array(r) for r in rows])
    return np.sum(np.tanh(s)) + rows[0][2] * rows[1][0]


def tuples_of_tuples(x):
    m = ((x[0], x[1]), (x[2], x[0] + x[2]))
    return np.sum(np.exp(np.array(m))) + m[1][1] * m[0][0]


FUNCTIONS = [square_and_item, row_then_whole, three_levels, stacked_rows, tuples_of_tuples]
X = np.array([0.7, -0.4, 1.1])


def _numeric_gradient(f, x, h=1e-6):
    return np.array([(f(x + h * e) - f(x - h * e)) / (2 * h) for e in np.eye(x.size)])


@pytest.mark.parametrize("f", FUNCTIONS, ids=lambda f: f.__name__)
def test_reverse_equals_forward_and_differences(f):
    reverse = ad.grad(f)(X)
    forward = ad.grad(f, mode="forward")(X)
    np.testing.assert_allclose(reverse, forward, rtol=1e-13, atol=1e-13)
    np.testing.assert_allclose(reverse, _numeric_gradient(f, X), rtol=1e-7, atol=1e-8)
    value, pullback = ad.vjp(f, X)
    assert value == f(X)
    np.testing.assert_allclose(pullback(1.0)[0], reverse, rtol=1e-15)


@pytest.mark.parametrize("f", FUNCTIONS, ids=lambda f: f.__name__)
def test_second_order_agrees(f):
    h = ad.hessian(f)(X)
    np.testing.assert_allclose(h, h.T, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(ad.jacfwd(ad.grad(f))(X), h, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(ad.jacrev(ad.grad(f))(X), h, rtol=1e-12, atol=1e-12)
    numeric = _numeric_gradient(ad.grad(f), X)
    np.testing.assert_allclose(h, numeric, rtol=1e-6, atol=1e-6)
