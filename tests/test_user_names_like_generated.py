# ruff: noqa: B007  (loop variables read after their loops are what this file tests)
"""User variables spelled like the names s2s_ad generates (`_k` for a loop index read after
its loop, `x_1` for an SSA version, `_t1` temporaries, `_tape1`, `_stop_1`, `x_bar`,
`_segments1`, …) keep their own values in the derivative code, at first and second order.

Found by the random programs' Hessian checks: the gradient code names a `break` loop's
counter `_k1_2`, and differentiating it again hid the index of a later `for k1_2 in …` loop
under the same name, so an outer loop carried the wrong one (a silently wrong first derivative
of a user's own `_k`, below in `index_read_after_loop`)."""

import numpy as np
import pytest
from derivative_tests import derivative_tests
from hessian_checks import assert_hessian_consistent

import s2s_ad as ad


def index_read_after_loop(x):
    _k = 0.0
    for j in range(3):
        _k = _k + np.sin(x)
        for k in range(2):
            x = x * 1.1
        x = x + k * 0.1
    return _k * x


def index_of_an_empty_loop(x):
    _k = 0.0
    for j in range(3):
        _k = _k + np.sin(x)
        for k in range(j):
            x = x * 1.1
        x = x + k * 0.1 if j > 0 else x
    return _k * x


def versions_and_temporaries(x, y):
    x_1 = x * y
    _t1 = np.cos(x_1)
    _t2 = _t1 * x
    for i in range(3):
        x_2 = x_1 + _t2 * 0.5
        x_1 = np.tanh(x_2)
        _i = i * 0.25
        _t2 = _t2 * (1.0 + _i)
    return x_1 * _t2 + _i


def tape_and_flag_names(x):
    _tape1 = x
    _stop_1 = 0.5 * x
    _skip_1 = 0.0
    _branch1 = 1.0
    for k in range(4):
        if np.sin(_tape1) > 0.9:
            break
        _tape1 = _tape1 * 1.2 + _stop_1
        _skip_1 = _skip_1 + _tape1 * _branch1
        _branch1 = _branch1 * 0.5
    return _skip_1 + _tape1 * k


def adjoint_and_tangent_names(x, x_bar, x_dot):
    f_bar = x * x_bar
    _t1_bar = np.exp(x_dot * 0.1) * f_bar
    return np.sum(_t1_bar + x_bar * x_dot)


def checkpoint_names(x):
    _segments1 = x
    _checkpoints1 = 2.0
    for k in ad.checkpoint(range(4), every=2):
        _segments1 = np.sin(_segments1) * _checkpoints1
        _checkpoints1 = _checkpoints1 + 0.1 * _segments1
    return _segments1 * _checkpoints1 + k


V = np.array([0.3, -0.2, 0.5])
CASES = [
    (index_read_after_loop, (0.7,)),
    (index_of_an_empty_loop, (0.7,)),
    (versions_and_temporaries, (0.4, 0.9)),
    (tape_and_flag_names, (0.3,)),
    (tape_and_flag_names, (1.4,)),
    (adjoint_and_tangent_names, (0.6, V, V * 2.0)),
    (checkpoint_names, (0.8,)),
]

test_jvp_and_vjp_match_numeric, test_grad_forward_equals_reverse = derivative_tests(CASES)


@pytest.mark.parametrize(("fn", "args"), CASES, ids=lambda v: getattr(v, "__name__", ""))
def test_primal_value(fn, args):
    value, _ = ad.value_and_grad(fn)(*args)
    np.testing.assert_array_equal(value, fn(*args))


@pytest.mark.parametrize(("fn", "args"), CASES, ids=lambda v: getattr(v, "__name__", ""))
def test_second_order(fn, args):
    assert_hessian_consistent(fn, args)


def test_the_first_derivative_read_the_users_own_variable():
    # d/dx of index_read_after_loop by hand: s = 3 sin terms of x_j, x_{j+1} = 1.21 x_j + 0.1
    x0 = 0.7
    xs = [x0]
    for _ in range(3):
        xs.append(xs[-1] * 1.21 + 0.1)
    s = sum(np.sin(v) for v in xs[:3])
    ds = sum(np.cos(v) * 1.21**j for j, v in enumerate(xs[:3]))
    expected = ds * xs[3] + s * 1.21**3
    assert ad.grad(index_read_after_loop)(x0) == pytest.approx(expected, rel=1e-12)
