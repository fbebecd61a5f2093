"""`functools.reduce` and `itertools.accumulate`, `chain` and `product` (ssa/folds.py): the
loop a person would write, so the folded function may be a lambda, a nested def, an
operator or an item of a list of functions. Every program: all modes against central
differences (check_grads), the value against the plain call, and the Hessian against
central differences of the gradient."""

from __future__ import annotations

import functools
import itertools
import operator
from functools import reduce

import numpy as np
import pytest

import s2s_ad as ad
from s2s_ad.errors import S2SError
from s2s_ad.testing import check_grads

W = np.array([[0.5, -0.2, 0.1], [0.3, 0.8, -0.4], [0.0, 0.2, 0.6]])
X = np.array([0.3, -0.5, 0.9])


def layers_by_reduce(x):
    return np.sum(functools.reduce(lambda h, w: np.tanh(w @ h), [W, W.T, W * 0.5], x))


def products_with_initial(x):
    return reduce(operator.mul, [x[0], x[1], np.sin(x[2])], 2.0)


def nested_def_folded(x):
    def step(acc, v):
        return acc * 0.5 + v**2

    return np.sum(reduce(step, [x, np.cos(x), x[::-1]]))


def functions_composed(x):
    return np.sum(reduce(lambda acc, f: f(acc), [np.sin, np.tanh, np.exp], x))


def running_sums(x):
    total = 0.0
    for s in itertools.accumulate([x[0], x[1] * 2.0, x[2]]):
        total = total + s * s
    return total


def running_products_from(x):
    return np.sum(list(itertools.accumulate([x, np.cos(x)], lambda a, b: a * b, initial=x + 1.0)))


def chained(x):
    total = 0.0
    for v in itertools.chain([x[0], x[1]], (x[2] ** 2,), [x[0] * x[2]]):
        total = total * 0.5 + v
    return total


def pairs_of_products(x):
    total = 0.0
    for a, c, k in itertools.product([x, np.sin(x)], [1.0, -2.0], range(2)):
        total = total + c * np.sum(a ** (k + 1))
    return total


FOLDS = [
    layers_by_reduce,
    products_with_initial,
    nested_def_folded,
    functions_composed,
    running_sums,
    running_products_from,
    chained,
    pairs_of_products,
]


@pytest.mark.parametrize("f", FOLDS, ids=lambda f: f.__name__)
def test_folds(f):
    check_grads(f, (X,))
    assert ad.value_and_grad(f)(X)[0] == f(X)
    gradient, h = ad.grad(f), 1e-5
    reference = np.array([(gradient(X + h * e) - gradient(X - h * e)) / (2 * h) for e in np.eye(3)])
    np.testing.assert_allclose(ad.hessian(f)(X), reference, rtol=1e-5, atol=1e-6)


def iterator_kept(x):
    sums = itertools.accumulate([x[0], x[1]])
    return sum(sums)


def product_repeated(x):
    return sum(a * b for a, b in itertools.product([x[0], x[1]], repeat=2))


@pytest.mark.parametrize(
    ("f", "what"),
    [(iterator_kept, "kept as a value"), (product_repeated, "does not write as a loop")],
)
def test_what_is_not_written_as_a_loop_is_refused_at_the_line(f, what):
    with pytest.raises(S2SError, match=rf"test_folds\.py:\d+.*{what}"):
        ad.grad(f)(X)
