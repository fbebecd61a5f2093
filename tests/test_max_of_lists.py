"""`max(a, b)` / `min(a, b)` of two lists compares them item by item and returns one of
them, as Python does (ssa/builtins.py writes `rt.max_of([a, b])`); `max(rows)` of lists of
lists too. Before, the two-argument form went to the rule for numbers, which read the lists
as arrays and failed inside the derivative code ("truth value of an array is ambiguous")."""

from __future__ import annotations

import numpy as np
import pytest

import s2s_ad
from s2s_ad.testing import check_grads


def max_of_two_rows(x):
    rows = [[x[0], x[1]], [x[2], x[0] * 2.0]]
    best = max(rows[0], rows[1])
    return best[0] * best[1]


def min_of_two_lists(x):
    a = [x[0], x[1]]
    b = [x[2], 1.0]
    return sum(min(a, b)) * x[1]


def max_of_tuples(x):
    return np.sum(np.array(max((x[0], x[1] ** 2), (x[1], x[2]), (x[2], x[0]))))


def max_over_rows(x):
    rows = [[x[0], x[1]], [x[2], 1.0], [x[1] * x[2], x[0]]]
    return np.prod(np.array(max(rows)))


def tied_rows(x):
    row = [x[0], x[1] * 3.0]
    best = max(row, list(row))  # equal lists: Python returns the first
    return best[0] + best[1] ** 2


def max_of_numbers(x):
    return max(x[0], x[1] * 2.0) + min(x[2], 0.5)


PROGRAMS = [
    max_of_two_rows,
    min_of_two_lists,
    max_of_tuples,
    max_over_rows,
    tied_rows,
    max_of_numbers,
]


@pytest.mark.parametrize("f", PROGRAMS, ids=lambda f: f.__name__)
@pytest.mark.parametrize("x", [[0.3, -0.7, 1.1], [1.4, 0.2, -0.5], [-0.2, 0.9, 0.1]])
def test_matches_central_differences(f, x):
    x = np.array(x)
    check_grads(f, (x,))  # the JVP against differences, the VJP against the JVP, the value
    expected = np.array([(f(x + e) - f(x - e)) / 2e-6 for e in np.eye(3) * 1e-6])
    np.testing.assert_allclose(s2s_ad.grad(f)(x), expected, rtol=1e-6, atol=1e-8)
    forward = s2s_ad.grad(f, mode="forward")(x)
    np.testing.assert_allclose(forward, expected, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("f", [max_of_two_rows, max_over_rows])
def test_hessian(f):
    x = np.array([0.3, -0.7, 1.1])
    g = s2s_ad.grad(f)
    expected = np.array([(g(x + e) - g(x - e)) / 2e-6 for e in np.eye(3) * 1e-6])
    np.testing.assert_allclose(s2s_ad.hessian(f)(x), expected, rtol=1e-5, atol=1e-6)
