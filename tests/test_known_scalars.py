"""No `rt.unbroadcast` where both operands are known scalars (issue 20 item 3).

The shape-generic derivative code (`vjp`, `jvp`, `derivative_source(f)`) knows no argument's
shape, but literals, `range` counters, `len`, `float(...)`, `math.*` results and whole
reductions are 0-d whatever the arguments are (ad/known_shapes.py): their adjoints need no
`rt.unbroadcast`, a 0-d operand cannot broadcast the other, and the tangents need no
`rt.along`/`rt.broadcast_tangent` for them. An argument itself stays of unknown shape, and
so does every value computed from it: arrays still get the sums, and every derivative is
checked against central differences in both modes, with the primal value of the plain call.
"""

import math
import re
import sys
from pathlib import Path

import numpy as np
import pytest

import s2s_ad as ad
from s2s_ad.ad.known_shapes import Like, known_shapes
from s2s_ad.pipeline import to_ssa

sys.path.insert(0, str(Path(__file__).parent))
from derivative_tests import derivative_tests
from hessian_checks import assert_hessian_consistent, float_arguments

SOURCE_MODES = ("reverse", "forward", "vector", "gradient", "hessian")


def fall_time(h0, drag):
    """A ball dropped from `h0` against quadratic drag, integrated until it lands, the
    landing time interpolated in the last step: a scalar while-until-event loop."""
    h, v, t = float(h0), 0.0, 0.0
    k = float(drag)
    while h > 0.0:
        v = v + (9.81 - k * v * v) * 0.01
        h = h - v * 0.01
        t = t + 0.01
    return t + h / v


def counted_series(x, n):
    """A float series of a `range` counter and `len`: each term a scalar."""
    scale = float(x)
    total = 0.0
    weights = [1.0, 0.5, 0.25]
    for k in range(n):
        total = total + scale**k / (k + len(weights))
        if total > 4.0:
            break
    return total * math.exp(-scale)


def array_times_counter(x, s):
    """An array `x` and a float `s` of unknown shape, and a counter `k`: `s * y` broadcasts
    `s` (its cotangent is summed), `y * k` broadcasts nothing (`y` is an array)."""
    total = 0.0
    y = np.tanh(x)
    for k in range(3):
        total = total + y * k + s * y
    return np.sum(total * total)


def scalar_of_an_array(x, s):
    """`float(s)` and `np.sum(x)` are 0-d; `float(s) * x` still broadcasts `float(s)`."""
    m = np.sum(x) * 0.5
    c = float(s) * m + m * m
    return np.sum(np.tanh(float(s) * x)) + c


@pytest.mark.parametrize("mode", SOURCE_MODES)
def test_a_scalar_while_until_event_loop_has_no_unbroadcast(mode):
    source = ad.derivative_source(fall_time, mode, (0, 1))
    helpers = ["unbroadcast", "broadcast_tangent", "broadcast_directions"]
    if mode != "hessian":  # there the cotangent `fall_time_bar` is an argument, of any shape
        helpers.append("rt.along")
    for helper in helpers:
        assert helper not in source, f"{helper} in\n{source}"


@pytest.mark.parametrize("mode", ["reverse", "gradient"])
def test_a_counted_scalar_series_has_no_unbroadcast(mode):
    assert "unbroadcast" not in ad.derivative_source(counted_series, mode)


def test_an_operand_of_unknown_shape_keeps_its_sum():
    source = ad.derivative_source(array_times_counter, "reverse", (0, 1))
    assert "rt.unbroadcast(" in source  # `s * x`: `s`'s cotangent is summed
    assert "_t1_bar * k, y)" not in source  # `y * k`: a counter broadcasts nothing
    assert "y_bar = y_bar + _t1_bar * k" in source
    source = ad.derivative_source(scalar_of_an_array, "reverse", (0, 1))
    assert "rt.unbroadcast(" in source  # `float(s) * x` broadcasts the float


def test_the_analysis_knows_literals_counters_and_scalar_results_only():
    def f(x, n, xs):
        a = 2.0
        b = a * 3 + 1
        c = float(x)
        d = len(xs) + c
        e = np.sum(x)
        g = np.sum(x, axis=0)
        h = np.mean(x, keepdims=True)
        i = math.sin(x)
        j = x * a
        u = np.tanh(x)
        m = 0.0
        for k in range(n):
            m = m + k * b
        p = 0.0
        r = 0.0
        for q in range(n):
            p = p + x * q  # a list argument would be repeated
            r = r + u * q
            w = x[:q]  # a new shape in each iteration
            p = p + np.sum(w)
        return a, b, c, d, e, g, h, i, j, m, p, r

    shapes, numbers = known_shapes(to_ssa(f))
    for name in ("a", "b", "c", "d", "e", "i", "k", "m_1", "m_2"):
        assert shapes.get(name) == (), name
    # an elementwise result of a number or an array has its operand's shape
    for name, like in [("j", "x"), ("u", "x"), ("r_2", "x"), ("g", "g"), ("h", "h")]:
        assert shapes.get(name) == Like(like), name
    # an argument may be a list; 0-d before the loop and `x`'s shape after; one per iteration
    for name in ("x", "n", "xs", "p_1", "p_2", "r_1", "w"):
        assert name not in shapes, name
    assert {"j", "u", "r_1", "r_2", "m_1", "p_1", "p_2"} <= numbers  # `0.0 + a_list` fails
    assert not {"x", "xs", "w"} & numbers  # `x[:q]` of a list is a list


def tanh_terms(x):
    return np.sum(np.tanh(x) * x + x * 2.0)


def two_arguments(x, y):
    return np.sum(np.tanh(x) * y)


def prefixes(x, s):
    """`w` has a new shape in each iteration: no shape of its own for the call."""
    total = 0.0
    for i in range(1, 4):
        w = x[:i] * s
        total = total + np.sum(w * w[::-1])
    return total


def test_a_result_of_an_arguments_shape_needs_no_unbroadcast():
    # only the argument `x` keeps it: a helper may be given a list there (its cotangent is
    # made a list's by `rt.unbroadcast`); `np.tanh(x)` and the sums have `x`'s shape
    reverse = ad.derivative_source(tanh_terms)
    assert re.findall(r"rt\.unbroadcast\(.*, (\w+)\)", reverse) == ["x"]
    vector = ad.derivative_source(tanh_terms, "vector")
    assert re.findall(r"rt\.along\((\w+), ", vector) == ["x_dot"]
    source = ad.derivative_source(two_arguments, "reverse", (0, 1))
    assert source.count("rt.unbroadcast(") == 2  # `x` and `y` may broadcast each other


CASES = [
    (fall_time, (2.0, 0.3)),
    (fall_time, (np.float64(1.3), 0.1)),
    (counted_series, (0.7, 6)),
    (counted_series, (1.9, 6)),
    (array_times_counter, (np.array([0.3, -1.2, 0.5]), 0.7)),
    (array_times_counter, (np.array([[0.3], [-1.2]]), np.array([0.5, 2.0, -0.4]))),
    (scalar_of_an_array, (np.array([0.3, -1.2, 0.5]), 0.7)),
    (scalar_of_an_array, (np.array([[0.3, 0.1], [-1.2, 0.4]]), np.float64(-0.2))),
    (tanh_terms, (np.array([0.3, -1.2, 0.5]),)),
    (tanh_terms, (0.4,)),
    (two_arguments, (np.array([0.3, -1.2, 0.5]), 0.7)),
    (two_arguments, (np.array([[0.3], [-1.2]]), np.array([0.5, 2.0, -0.4]))),
    (prefixes, (np.array([0.3, -1.2, 0.5]), 0.7)),
    (prefixes, (np.array([0.3, -1.2, 0.5]), np.array([[0.5], [2.0]]))),
]
test_jvp_and_vjp_match_numeric, test_grad_forward_equals_reverse = derivative_tests(CASES)


@pytest.mark.parametrize(("fn", "args"), CASES)
def test_value_and_grad_gives_the_plain_value_and_both_modes_agree(fn, args):
    wrt = float_arguments(args)
    value, gradients = ad.value_and_grad(fn, wrt=wrt)(*args)
    assert value == fn(*args)
    forward = ad.jacfwd(fn, wrt=wrt)(*args)
    for ours, other in zip(gradients, forward, strict=True):
        np.testing.assert_allclose(ours, other, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize(("fn", "args"), CASES)
def test_second_derivatives(fn, args):
    assert_hessian_consistent(fn, args)


def repeated(xs):
    """A helper given a list: `xs * 2` repeats it, so `np.sin(t)` is not of `xs`'s shape."""
    t = xs * 2
    return np.sum(np.sin(t) * np.cos(xs))


def calls_with_a_list(a):
    return repeated([a]) * 1.5


def test_a_list_a_helper_repeats_is_not_given_its_operands_shape():
    # found while writing the analysis: `t = xs * 2` taken for elementwise gave 1.966, not
    # 3 cos(2a) = 1.621; `+`, `*`, `%` of a value that may be a list pass no shape on
    for a in (0.5, np.float64(1.1)):
        value, gradient = ad.value_and_grad(calls_with_a_list)(a)
        assert value == calls_with_a_list(a)
        step = 1e-6
        numeric = (calls_with_a_list(a + step) - calls_with_a_list(a - step)) / (2 * step)
        np.testing.assert_allclose(gradient, numeric, rtol=1e-6)
        np.testing.assert_allclose(ad.vjp(calls_with_a_list, a)[1](1.0)[0], numeric, rtol=1e-6)
