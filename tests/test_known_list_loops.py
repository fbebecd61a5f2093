"""Loops over a module's list of functions or of (function, data) tuples, unrolled when the
derivative is made (ssa/known_loops.py), session 39:

- `for fn, c in PAIRS:` (and `enumerate(PAIRS)`, longer tuples): each name bound to its
  item, a function known, data read where the derivative runs (`PAIRS[1][1]`); before:
  "call of `fn`, a function held in a local variable".
- a literal slice of such a list (`for f in FNS[1:]`): its items are spelled by their places
  in the whole list (`FNS[2]`); before, second derivatives were refused, as code
  differentiated again could not follow `FNS[1:][1]`.

Every program: all modes against central differences, the value against the plain call, and
the Hessian (three ways) against central differences of the gradient."""

from __future__ import annotations

import numpy as np
import pytest

import s2s_ad as ad
from s2s_ad.testing import check_grads

FNS = [np.sin, np.cos, np.tanh]
PAIRS = [(np.sin, 1.0), (np.cos, 2.0), (np.tanh, -0.5)]
SCALE = np.array([1.0, 2.0, 3.0])


def _cube(v):
    return v**3


TRIPLES = [(_cube, SCALE, "a"), (np.exp, 0.5, "b")]


def pairs(x):
    total = 0.0
    for fn, c in PAIRS:
        total = total + c * np.sum(fn(x))
    return total


def enumerated_pairs(x):
    total = 0.0
    for i, (fn, c) in enumerate(PAIRS):
        total = total + (i + 1) * c * np.sum(fn(x))
    return total


def triples(x):
    total = 0.0
    for fn, w, tag in TRIPLES:
        total = total + np.sum(fn(x) * w) * (2.0 if tag == "a" else 1.0)
    return total


def sliced_pairs(x):
    total = 0.0
    for fn, c in PAIRS[1:]:
        total = total * 0.5 + c * np.sum(fn(x))
    return total


def sliced_functions(x):
    h = x
    for f in FNS[::-1][:2]:
        h = f(h) + 0.1 * h
    return np.sum(h**2)


PROGRAMS = [pairs, enumerated_pairs, triples, sliced_pairs, sliced_functions]
X = np.array([0.3, -0.5, 0.9])
SECOND = {
    "hessian": ad.hessian,
    "jacfwd(grad)": lambda f: ad.jacfwd(ad.grad(f)),
    "jacrev(grad)": lambda f: ad.jacrev(ad.grad(f)),
}


@pytest.mark.parametrize("f", PROGRAMS, ids=lambda f: f.__name__)
def test_first_derivatives_and_value(f):
    check_grads(f, (X,))
    assert ad.value_and_grad(f)(X)[0] == f(X)


@pytest.mark.parametrize("second", list(SECOND))
@pytest.mark.parametrize("f", PROGRAMS, ids=lambda f: f.__name__)
def test_second_derivatives(f, second):
    gradient, h = ad.grad(f), 1e-5
    reference = np.array([(gradient(X + h * e) - gradient(X - h * e)) / (2 * h) for e in np.eye(3)])
    np.testing.assert_allclose(SECOND[second](f)(X), reference, rtol=1e-5, atol=1e-6)


def test_a_changed_pair_makes_a_new_derivative():
    """The list is watched: an item rebound later is read anew."""
    before = np.cos(0.3) - 2.0 * np.sin(0.3) - 0.5 / np.cosh(0.3) ** 2
    assert ad.grad(pairs)(X)[0] == pytest.approx(before)
    PAIRS[1] = (np.cos, 3.0)
    try:
        expected = np.cos(0.3) - 3.0 * np.sin(0.3) - 0.5 / np.cosh(0.3) ** 2
        assert ad.grad(pairs)(X)[0] == pytest.approx(expected)
    finally:
        PAIRS[1] = (np.cos, 2.0)


def weighted_by_pairs(pairs, x):
    total = 0.0
    for fn, w in pairs:
        total = total + np.sum(fn(x) * w)
    return total


def test_pairs_given_as_an_argument_held_fixed():
    """A list of (function, weights) given as an argument: its functions known for each
    call's list, its weights read from that call's list."""
    gradient = ad.grad(weighted_by_pairs, wrt=1)
    x = X[:2]
    for pairs in (
        [(np.sin, np.array([1.0, 2.0])), (np.cos, np.array([0.5, -1.0]))],
        [(np.sin, np.array([3.0, 1.0])), (np.cos, np.array([2.0, 2.0]))],
        [(np.tanh, np.array([3.0, 1.0])), (np.cos, np.array([2.0, 2.0]))],
    ):
        check_grads(lambda v, pairs=pairs: weighted_by_pairs(pairs, v), (x,))
        d0 = {np.sin: np.cos, np.tanh: lambda v: 1.0 - np.tanh(v) ** 2}[pairs[0][0]]
        expected = d0(x) * pairs[0][1] - np.sin(x) * pairs[1][1]
        np.testing.assert_allclose(gradient(pairs, x), expected, rtol=1e-12)
