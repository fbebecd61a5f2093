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


# Items of local lists and dicts updated as Python updates them (session 39): an item read
# out before it is replaced keeps its value, two items swapped. Where another name may be
# the very item updated (`first = rows[0]; row = rows[0]; row[1] = v`) the update is
# refused at its line: before, `first` kept the old value, silently. An element of an item
# (`rows[i][j] = v`) is refused at its line: the item may be held elsewhere too
# (`[[0.0] * 2] * 2`, `[row, row]`, `list(rows)`), which an update through one path changes
# for all (a write-back tried in session 39 gave thirteen such programs wrong numbers: tester
# 82's `tests/test_session39_late_independent.py`).


def item_read_then_replaced(x):
    parts = [x, x * 2.0]
    old = parts[0]
    parts[0] = x * 3.0
    return np.sum(old) + np.sum(parts[0] * old)


def items_swapped(x):
    parts = [np.outer(x[:3], x[3:]), x]
    parts[0], parts[1] = parts[1], parts[0]
    return np.sum(parts[0] ** 3) + np.sum(parts[1] * 2.0)


def dict_entries_swapped(x):
    d = {"a": x * 1.0, "b": x * 2.0}
    a = d["a"]
    d["a"], d["b"] = d["b"], a * 3.0
    return np.sum(a) + np.sum(d["a"] * d["b"])


def slice_kept(x):
    r = [x[0] * 2.0, x[1] ** 2, x[2]]
    s = r[1:]
    r[1] = x[0] * 100.0
    return s[0] + r[1]


def nested_items(x):
    nested = [[x, x[:1]], [x * 2.0]]
    nested[0][1] = np.outer(x, x)
    nested[1][0] = np.sum(nested[1][0])
    return np.sum(nested[0][1]) + nested[1][0] ** 2 + np.sum(nested[0][0])


def grid_in_loops(x):
    grid = [[x[0] * 0.0, x[1] * 0.0], [x[2] * 0.0, x[3] * 0.0]]
    for i in range(2):
        for j in range(2):
            grid[i][j] = x[i] * x[j + 2] + grid[i][j]
            grid[i][j] += x[i + j]
    return grid[0][0] + grid[1][1] * grid[0][1] + grid[1][0]


def deep_and_dicts(x):
    g = [[[x[0], x[1]]], [[x[2]]]]
    g[0][0][1] = x[0] * x[2]
    d = {"w": [x[3], x[4]], "b": [x[5]]}
    d["w"][0] = d["w"][0] * d["b"][0]
    return g[0][0][0] * g[0][0][1] + g[1][0][0] + d["w"][0] + d["w"][1] ** 2


def array_item_element(x):
    rows = [x * 1.0, x * 2.0]
    rows[1][0] = x[2] * 7.0
    return np.sum(rows[1] ** 2) + np.sum(rows[0])


# (an element of an item, ELEMENTS_OF_ITEMS, was refused at its line until session 42)
ELEMENTS_OF_ITEMS = [nested_items, grid_in_loops, deep_and_dicts, array_item_element]
ITEMS = [item_read_then_replaced, items_swapped, dict_entries_swapped, slice_kept]
ITEMS += ELEMENTS_OF_ITEMS


@pytest.mark.parametrize("f", ITEMS, ids=lambda f: f.__name__)
def test_items_updated_as_python_does(f):
    check_grads(f, (X,))
    assert ad.value_and_grad(f)(X)[0] == f(X)
    gradient, h = ad.grad(f), 1e-5
    reference = np.array([(gradient(X + h * e) - gradient(X - h * e)) / (2 * h) for e in np.eye(6)])
    np.testing.assert_allclose(ad.hessian(f)(X), reference, rtol=1e-5, atol=1e-6)


def another_name_for_the_row(x):
    rows = [[x[0], x[1]], [x[2]]]
    first = rows[0]
    row = rows[0]
    row[1] = x[2] ** 2
    return first[1] * 3.0 + row[1]


@pytest.mark.parametrize("f", [another_name_for_the_row])
def test_an_update_another_name_may_see_is_refused_at_its_line(f):
    with pytest.raises(
        ad.S2SError, match=r"test_list_items_reshaped\.py:\d+.*may be the same list"
    ):
        ad.grad(f)(X)


def test_once_refused_programs_of_earlier_testers():
    """An earlier tester's program that was refused (test_item_demand_independent.py): an
    item replaced after a slice was taken; now against central differences."""
    import test_item_demand_independent as demand

    fn = demand.slice_before_mutation
    check_grads(lambda v: fn(v[:3], v[3]), (X[:4],))
