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
    """An array `x` and a float `s` of unknown shape, and a counter `k`: `s * x` broadcasts
    `s` (its cotangent is summed), `x * k` broadcasts nothing."""
    total = 0.0
    for k in range(3):
        total = total + x * k + s * x
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
    assert "rt.unbroadcast(_t1_bar * k, x)" not in source  # `x * k`: a counter broadcasts nothing
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
        m = 0.0
        for k in range(n):
            m = m + k * b
        p = 0.0
        for q in range(n):
            p = p + x * q
            w = x[:q]  # a new shape in each iteration
            p = p + np.sum(w)
        return a, b, c, d, e, g, h, i, j, m, p

    shapes = known_shapes(to_ssa(f))
    for name in ("a", "b", "c", "d", "e", "i", "k", "m_1", "m_2"):
        assert shapes.get(name) == (), name
    # an argument's shape is its own, and so is an elementwise result's
    for name, like in [
        ("x", "x"),
        ("j", "x"),
        ("p_2", "x"),
        ("p_3", "x"),
        ("g", "g"),
        ("h", "h"),
        ("n", "n"),
    ]:
        assert shapes.get(name) == Like(like), name
    # 0-d before the loop, `x`'s shape after: either; and a value of each iteration
    for name in ("p_1", "p_4", "w"):
        assert name not in shapes, name


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
    assert "unbroadcast" not in ad.derivative_source(tanh_terms)
    assert "rt.along" not in ad.derivative_source(tanh_terms, "vector")
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
