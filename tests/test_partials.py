"""`functools.partial` made inside the differentiated function (ssa/partials.py): given to a
helper, bound to a name and called later, of a method, of a nested def, with a keyword
given again at the call. Before session 37 a partial given to a helper was refused at the
helper's call of it ("a function held in a local variable"), not where it was made.
Each program: every API against central differences, forward against reverse, the primal
against the plain call."""

from __future__ import annotations

import functools
from functools import partial

import numpy as np
import pytest

import s2s_ad as ad

EPS = 1e-6
Y0 = np.array([1.0, 2.0, -0.5])
K = 0.7


def decay(y, k, c):
    return -k * y + c * np.sin(y)


def integrate(rhs, y0, dt, n):
    y = y0
    for _ in range(n):
        y = y + dt * rhs(y)
    return y


class System:
    def __init__(self, a):
        self.a = a

    def rhs(self, y, k):
        return -k * y * self.a + np.cos(y)


SYSTEM = System(0.5)


def given_to_a_helper(y0, k):
    return np.sum(integrate(partial(decay, k=k, c=0.5), y0, 0.1, 6) ** 2)


def bound_positionally(y0, k):
    g = functools.partial(np.power, 1.5)  # 1.5 ** y
    return np.sum(g(y0) * k)


def of_a_method(y0, k):
    return np.sum(integrate(partial(SYSTEM.rhs, k=k), y0, 0.1, 4) ** 2)


def of_a_nested_def(y0, k):
    def inner(y, s):
        return np.sin(y) * s

    g = partial(inner, s=k)
    return np.sum(integrate(g, y0, 0.1, 3))


def keyword_given_again(y0, k):
    g = partial(decay, k=k, c=0.5)
    return np.sum(g(y0, k=2.0 * k) ** 2)  # overrides the partial's k, as Python's does


def arguments_evaluated_once(y0, k):
    g = partial(decay, k=k, c=0.5)
    k = k * 10.0  # (the partial keeps the k it was made with)
    return np.sum(g(y0) * k)


PROGRAMS = [
    given_to_a_helper,
    bound_positionally,
    of_a_method,
    of_a_nested_def,
    keyword_given_again,
    arguments_evaluated_once,
]


def _differences(f, y0, k):
    dy = np.array([(f(y0 + EPS * e, k) - f(y0 - EPS * e, k)) / (2 * EPS) for e in np.eye(3)])
    return dy, (f(y0, k + EPS) - f(y0, k - EPS)) / (2 * EPS)


@pytest.mark.parametrize("f", PROGRAMS, ids=lambda f: f.__name__)
def test_first_order_every_mode(f):
    value, (gy, gk) = ad.value_and_grad(f, wrt=(0, 1))(Y0, K)
    assert value == f(Y0, K)
    dy, dk = _differences(f, Y0, K)
    np.testing.assert_allclose(gy, dy, rtol=1e-5, atol=1e-8)
    np.testing.assert_allclose(gk, dk, rtol=1e-5, atol=1e-8)
    v = np.array([1.0, -0.5, 2.0])
    primal, tangent = ad.jvp(f, (Y0, K), (v, 0.5))
    assert primal == f(Y0, K)
    np.testing.assert_allclose(tangent, dy @ v + 0.5 * dk, rtol=1e-5, atol=1e-8)


@pytest.mark.parametrize("f", PROGRAMS, ids=lambda f: f.__name__)
def test_hessian_in_the_initial_state(f):
    H = ad.hessian(f)(Y0, K)
    gradient = ad.grad(f)
    columns = [
        (gradient(Y0 + EPS * e, K) - gradient(Y0 - EPS * e, K)) / (2 * EPS) for e in np.eye(3)
    ]
    np.testing.assert_allclose(H, np.stack(columns, axis=1), rtol=1e-5, atol=1e-7)


def _quad(v, target):
    return np.sum((v - target) ** 2)


def partial_then_updated(y0, k):
    a = y0 * 2.0
    f = partial(_quad, target=a)
    a[0] = 5.0 * k  # the partial holds this very array: it sees the update
    return f(y0 * 3.0)


def lambda_default_then_updated(y0, k):
    a = y0 * 2.0
    f = lambda v, t=a: _quad(v, target=t)  # noqa: E731
    a[1] = k
    return f(y0 * 3.0)


def nested_default_then_updated(y0, k):
    a = np.zeros(3)

    def g(v, t=a):
        return _quad(v, t)

    a[0] = y0[1] * k
    return g(y0 * 3.0)


@pytest.mark.parametrize(
    "f",
    [partial_then_updated, lambda_default_then_updated, nested_default_then_updated],
    ids=lambda f: f.__name__,
)
def test_a_default_updated_in_place_is_seen(f):
    """A nested function's default (a partial's argument) is the very object: an update in
    place before the call is seen, as Python sees it. Before session 37 the default kept
    the array as it was, a wrong value and derivative (the 72nd tester)."""
    test_first_order_every_mode(f)
    test_hessian_in_the_initial_state(f)


def test_a_default_that_is_a_view_updated_in_place_is_refused():
    def f(y0, k):
        a = y0 * 2.0
        g = partial(_quad, target=a[1:])
        a[1] = k
        return g(y0[1:])

    with pytest.raises(ad.S2SError, match=r"test_partials\.py:\d+"):
        ad.grad(f)(Y0, K)


def partial_in_a_list_then_updated(y0, k):
    a = y0 * 2.0
    fs = [partial(_quad, target=a), np.sum]
    a[0] = 5.0 * k  # an item of the list holds this very array too
    return fs[0](y0 * 3.0) + fs[-1](y0)


def lambda_in_a_dict_then_updated(y0, k):
    a = y0 * 2.0
    ops = {"q": lambda v, t=a: _quad(v, target=t)}
    a[1] = k
    total = 0.0
    for op in ops.values():
        total = total + op(y0 * 3.0)
    return total


@pytest.mark.parametrize(
    "f", [partial_in_a_list_then_updated, lambda_in_a_dict_then_updated], ids=lambda f: f.__name__
)
def test_a_default_in_a_list_of_functions_updated_in_place_is_seen(f):
    """The same in a list or dict of functions (the 76th tester: the array as it was, a
    wrong value and derivative, until session 37)."""
    test_first_order_every_mode(f)
    test_hessian_in_the_initial_state(f)
