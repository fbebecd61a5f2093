"""No two arrays of one API result share memory (s2s_ad/distinct_results.py), and a parameter
named twice in `wrt` works in every mode."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pytest

import s2s_ad as ad
from s2s_ad.distinct_results import distinct


def array_leaves(value: object) -> list[np.ndarray]:
    if isinstance(value, np.ndarray):
        return [value]
    if isinstance(value, dict):
        return [leaf for item in value.values() for leaf in array_leaves(item)]
    if isinstance(value, (tuple, list)):
        return [leaf for item in value for leaf in array_leaves(item)]
    return []


def assert_separate(result: object, *given: object) -> None:
    leaves = array_leaves(result)
    for i, a in enumerate(leaves):
        for b in leaves[i + 1 :]:
            assert not np.shares_memory(a, b)
        for g in array_leaves(given):
            assert not np.shares_memory(a, g)


# the mechanism


def test_one_array_or_number_is_returned_as_it_is():
    x = np.ones(3)
    assert distinct(x) is x
    assert distinct(2.0) == 2.0
    assert distinct(None) is None


def test_an_array_given_twice_is_copied_the_second_time():
    x = np.arange(3.0)
    first, second = distinct((x, x))
    assert first is x and second is not x
    np.testing.assert_array_equal(second, x)


def test_overlapping_views_are_copied_and_views_side_by_side_are_not():
    x = np.arange(6.0)
    overlapping = distinct((x[:4], x[2:]))
    assert not np.shares_memory(*overlapping)
    beside = (x[:3], x[3:])  # one buffer, no element in common (jacrev's blocks)
    assert distinct(beside) is beside


def test_a_structure_keeps_its_kinds():
    class Pair(NamedTuple):
        a: np.ndarray
        b: np.ndarray

    x = np.ones(2)
    out = distinct({"p": Pair(x, x), "n": 3, "s": "label"})
    assert type(out["p"]) is Pair and out["n"] == 3 and out["s"] == "label"
    assert out["p"].a is x and not np.shares_memory(out["p"].a, out["p"].b)


def test_a_leaf_overlapping_a_given_array_is_copied():
    t = np.ones(3)
    out = distinct((t[::-1],), (t,))
    assert not np.shares_memory(out[0], t)
    u = np.zeros(3)
    kept = (u,)
    assert distinct(kept, (t,)) is kept


# every API, each way one array reaches two places


def add_sum(x, y):
    return np.sum(np.sin(x + y))


def add_pair(x, y):
    return np.sin(x + y)


def params_sum(p):
    return np.sum(np.tanh(p["a"] + p["b"]))


def twice(x):
    return np.sin(x), np.sin(x)  # one value after common subexpressions


def identity(x):
    return x


X, Y = np.linspace(0.1, 0.9, 4), np.linspace(-0.5, 0.5, 4)


@pytest.mark.parametrize("mode", ["reverse", "forward"])
@pytest.mark.parametrize("wrt", [(0, 1), (0, 0), (1, 0, 1)], ids=["01", "00", "101"])
def test_gradients_are_separate(mode, wrt):
    grad, value_and_grad = ad.grad(add_sum, wrt, mode=mode), ad.value_and_grad(add_sum, wrt)
    expected = np.cos(X + Y)
    for _ in range(3):  # the first call, then the fast path
        g = grad(X, Y)
        assert_separate(g, X, Y)
        for block in g:
            np.testing.assert_allclose(block, expected, rtol=1e-13)
        assert_separate(value_and_grad(X, Y), X, Y)


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_a_structures_leaves_are_separate(mode):
    p = {"a": X, "b": Y}
    for _ in range(3):
        g = ad.grad(params_sum, mode=mode)(p)
        assert_separate(g, X, Y)
        np.testing.assert_allclose(g["a"], g["b"], rtol=0)


@pytest.mark.parametrize("make", [ad.jacfwd, ad.jacrev, ad.jacobian], ids=lambda m: m.__name__)
@pytest.mark.parametrize("case", ["two inputs", "one input twice", "one output twice"])
def test_jacobian_blocks_are_separate(make, case):
    jacobian = {
        "two inputs": lambda: make(add_pair, (0, 1)),
        "one input twice": lambda: make(add_pair, (0, 0)),
        "one output twice": lambda: make(twice),
    }[case]()
    for _ in range(3):
        j = jacobian(X, Y) if case != "one output twice" else jacobian(X)
        assert_separate(j, X, Y)
        np.testing.assert_allclose(
            j[0], np.diag(np.cos(X + Y) if case != "one output twice" else np.cos(X)), rtol=1e-13
        )


def test_hessian_blocks_are_separate():
    hessian = ad.hessian(add_sum, (0, 1))
    for _ in range(3):
        h = hessian(X, Y)
        assert_separate(h, X, Y)
        np.testing.assert_allclose(h[0][1], np.diag(-np.sin(X + Y)), rtol=1e-13)


def test_jvp_and_vjp_never_hand_back_what_they_were_given():
    t, c = np.ones(4), np.full(4, 2.0)
    out, tangent = ad.jvp(identity, (X,), (t,))
    assert out is X  # the primal, as the plain call gives it
    assert_separate((tangent,), t)
    _, pullback = ad.vjp(add_pair, X, Y)
    cotangents = pullback(c)
    assert_separate(cotangents, c)
    np.testing.assert_allclose(cotangents[0], c * np.cos(X + Y), rtol=1e-13)
    _, pullback = ad.vjp(identity, X)
    assert_separate(pullback(c), c)


def test_forward_code_for_a_parameter_named_twice_compiles():
    source = ad.derivative_source(add_sum, "forward", wrt=(0, 0))
    assert "x_dot_1 = x_dot_2 + x_dot_3" in source
    for mode in ("reverse", "forward"):
        g = ad.grad(add_sum, wrt=(0, 1, 0), mode=mode)(X, Y)
        for block in g:
            np.testing.assert_allclose(block, np.cos(X + Y), rtol=1e-13)
