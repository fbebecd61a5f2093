"""Calls to the user's own functions: each callee differentiated by its own generated code."""

import math

import numpy as np
import pytest
from derivative_tests import derivative_tests
from helpers_elsewhere import normalise, shifted_square

import s2s_ad as ad

OFFSET = 100.0  # not the helper module's OFFSET


def square(t):
    return t * t


def scaled(t, factor=2.0, *, power=1.0):
    return factor * t**power


def polar(r, theta):
    return r * math.cos(theta), r * math.sin(theta)


def calls_square(x):
    return square(x) + square(math.sin(x))


def keyword_and_defaults(x, y):
    return scaled(x) + scaled(x, 3.0) + scaled(y, factor=x, power=2.0)


def two_results(r, theta):
    a, b = polar(r, theta)
    c = polar(a, b)
    return c[0] * c[1] + a


def one_result_used(r, theta):
    _, b = polar(r, theta)
    return b


def nested_helpers(x):
    return square(scaled(x, 3.0)) + two_results(x, x)


def helper_in_loop(x, n):
    for _ in range(n):
        x = square(np.tanh(x)) + 0.5
    return x


def helper_with_inactive_argument(x, k):
    return scaled(x, k) + scaled(float(k), x)


def other_module(x, v):
    return shifted_square(x) + np.sum(normalise(v) * v)


def make_affine(a):
    def affine(t):
        return a * t + 1.0

    return affine


AFFINE = make_affine(3.0)


def closure_helper(x):
    return AFFINE(x) * AFFINE(x * x)


def helper_on_arrays(w, x):
    h = normalise(w @ x)
    return np.sum(square(h))


def nested_closure(x, y):
    def inner(t, scale=2.0):
        """A nested helper reading `x` from the enclosing function."""
        if t > 0.0:
            return t * x * scale
        return -t

    def both(t):
        return t * y, t + x

    a, b = both(x)
    return inner(a) + inner(b, scale=3.0) + inner(-1.0)


def nested_in_loop(x, n):
    def step(h, k):
        return np.tanh(h * x + k)

    h = x
    for k in range(n):
        h = step(h, 0.1 * k)
    return h


rng = np.random.default_rng(5)
CASES = [
    (calls_square, (0.7,)),
    (keyword_and_defaults, (1.3, 0.6)),
    (two_results, (1.3, 0.6)),
    (one_result_used, (1.3, 0.6)),
    (nested_helpers, (0.8,)),
    (helper_in_loop, (0.8, 4)),
    (helper_with_inactive_argument, (0.8, 3)),
    (other_module, (0.8, rng.standard_normal(3))),
    (closure_helper, (0.8,)),
    (helper_on_arrays, (rng.standard_normal((3, 4)), rng.standard_normal(4))),
    (nested_closure, (0.7, 1.3)),
    (nested_closure, (-0.7, 1.3)),
    (nested_in_loop, (0.6, 4)),
]


test_jvp_and_vjp_match_numeric, test_grad_forward_equals_reverse = derivative_tests(CASES)


def test_helper_globals_are_its_own_modules():
    assert ad.grad(other_module)(1.0, np.ones(3)) == pytest.approx(2 * (1.0 + 0.5))


def test_generated_code_calls_the_helpers_derivative():
    source = ad.derivative_source(calls_square)
    assert "_t1, _t1_pullback = square_vjp(x)" in source
    assert "x_bar = _t1_pullback(_t1_bar)" in source or "_t1_pullback(" in source
    forward = ad.derivative_source(calls_square, mode="forward")
    assert "square_jvp(x, x_dot)" in forward
