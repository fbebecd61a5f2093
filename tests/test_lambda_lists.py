"""A list of lambdas made by a comprehension over literal values (ssa/lambda_lists.py,
session 39): written out as the display it makes, so it is looped over and indexed as a
display of functions is; before, refused as "a lambda used as a value". Python's binding is
kept: a default reads the loop variable when its lambda is made, a body when it runs (after
the loop: its last value)."""

from __future__ import annotations

import numpy as np
import pytest

import s2s_ad as ad
from s2s_ad.errors import S2SError
from s2s_ad.testing import check_grads


def powers(x):
    fs = [lambda v, k=k: v**k for k in range(3)]
    total = 0.0
    for f in fs:
        total = total + np.sum(f(x))
    return total


def late_binding(x):
    fs = [lambda v: v * k for k in [1.0, 2.0, -3.0]]  # noqa: B023 (all read k = -3.0)
    return np.sum(fs[0](x)) + np.sum(fs[1](x) ** 2)


def indexed_activations(x):
    acts = [lambda v, a=a: np.tanh(a * v) for a in (0.5, 1.0)]
    return np.sum(acts[-1](x) * acts[0](x))


def keyword_only_defaults(x):
    fs = [lambda v, *, s=s: np.sin(v * s) for s in range(1, 4, 2)]
    return sum(np.sum(f(x)) for f in fs)


LISTS = [powers, late_binding, indexed_activations, keyword_only_defaults]
X = np.array([0.3, -0.5, 0.9])


@pytest.mark.parametrize("f", LISTS, ids=lambda f: f.__name__)
def test_lists_of_lambdas_from_comprehensions(f):
    check_grads(f, (X,))
    assert ad.value_and_grad(f)(X)[0] == f(X)
    gradient, h = ad.grad(f), 1e-5
    reference = np.array([(gradient(X + h * e) - gradient(X - h * e)) / (2 * h) for e in np.eye(3)])
    np.testing.assert_allclose(ad.hessian(f)(X), reference, rtol=1e-5, atol=1e-6)


def over_values_computed(x):
    fs = [lambda v, c=c: v * c for c in x[:2]]  # the values are known only when it runs
    return np.sum(fs[0](x))


def test_a_list_over_computed_values_is_still_refused_at_its_line():
    with pytest.raises(S2SError, match=r"test_lambda_lists\.py:\d+.*lambda"):
        ad.grad(over_values_computed)(X)
