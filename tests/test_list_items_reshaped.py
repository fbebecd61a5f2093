"""An item of a list (or a dict's entry) replaced by a value of another shape (session 39).

`rows[-1] = np.reshape(v, (-1, 1))` after `rows = [np.atleast_2d(a) for a in arrays]`: the
reverse mode failed with "cannot reshape array of size 1", and forward mode gave a wrong
number, silently: the tangent of the item replaced was cleared to zeros of the old item's
shape, and adding the new item's tangent broadcast the two ((1, 3) + (3, 1)). The item
cleared is now shaped as written in the tangent and as it was in the adjoint
(`rt.cleared`). Every program: all modes against central differences (check_grads) and
the Hessian in three forms against central differences of the gradient.
"""

from __future__ import annotations

import numpy as np
import pytest

import s2s_ad as ad
from s2s_ad.testing import check_grads

A = np.array([[1.0, 2.0, 0.5], [0.3, -1.0, 0.7], [0.2, 0.4, 1.5]])


def row_then_column(x):
    rows = [np.atleast_2d(a) for a in [x[:3], A, x[3:6]]]
    rows[-1] = np.reshape(x[3:6], (-1, 1))
    return np.sum((rows[0] @ rows[1] @ rows[2]) ** 2)


def chain(arrays):
    rows = [np.atleast_2d(a) for a in arrays]
    if np.ndim(arrays[-1]) == 1:
        rows[-1] = np.reshape(arrays[-1], (-1, 1))
    return rows[0] @ rows[1] @ rows[2]


def in_a_helper(x):
    return np.sum(chain([x[:3], A, x[3:6]]) ** 2)


def vector_to_matrix(x):
    parts = [x[:3] * 1.0, x[3:6] * 2.0]
    parts[0] = np.outer(x[:2], x[2:4])
    return np.sum(np.sin(parts[0])) + np.sum(parts[1] ** 2)


def array_to_scalar(x):
    parts = [x[:3] * 1.0, np.cos(x[3:])]
    parts[1] = np.sum(parts[1] * x[:3])
    return parts[1] * np.sum(parts[0])


def in_a_loop(x):
    layers = [x[:2] * 1.0, x[2:4] * 1.0, x[4:6] * 1.0]
    for i in range(3):
        layers[i] = np.outer(layers[i], x[i : i + 2]) if i % 2 == 0 else layers[i] * x[i]
    return np.sum(layers[0] @ layers[1]) + np.sum(layers[2] ** 2)


def dict_entry(x):
    state = {"w": x[:3] * 1.0, "b": x[3]}
    state["w"] = np.reshape(np.outer(x[:2], x[4:6]), (4,))
    state["b"] = state["b"] * np.ones(2)
    return np.sum(state["w"] ** 2) + np.sum(state["b"] * x[4:])


def nested(x):
    grid = [[x[0], x[1]], [x[2], x[3]]]
    grid[1] = np.array([x[4], x[5], x[0]])
    return grid[0][0] * grid[0][1] + np.sum(grid[1] ** 3)


PROGRAMS = [
    row_then_column,
    in_a_helper,
    vector_to_matrix,
    array_to_scalar,
    in_a_loop,
    dict_entry,
    nested,
]
X = np.array([0.3, 0.7, -0.4, 1.1, 0.5, 0.9])
SECOND = {
    "hessian": ad.hessian,
    "jacfwd(grad)": lambda f: ad.jacfwd(ad.grad(f)),
    "jacrev(grad)": lambda f: ad.jacrev(ad.grad(f)),
}


@pytest.mark.parametrize("f", PROGRAMS, ids=lambda f: f.__name__)
def test_first_derivatives(f):
    check_grads(f, (X,))


@pytest.mark.parametrize("f", PROGRAMS, ids=lambda f: f.__name__)
def test_forward_equals_reverse_exactly_shaped(f):
    reverse = ad.grad(f)(X)
    forward = ad.jacfwd(f)(X)
    assert np.shape(forward) == np.shape(reverse) == X.shape
    np.testing.assert_allclose(forward, reverse, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("second", list(SECOND), ids=list(SECOND))
@pytest.mark.parametrize("f", PROGRAMS, ids=lambda f: f.__name__)
def test_second_derivatives(f, second):
    gradient, h = ad.grad(f), 1e-5
    reference = np.array([(gradient(X + h * e) - gradient(X - h * e)) / (2 * h) for e in np.eye(6)])
    np.testing.assert_allclose(SECOND[second](f)(X), reference, rtol=1e-5, atol=1e-6)
